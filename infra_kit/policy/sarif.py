"""A check report as SARIF 2.1.0, one run that GitHub code scanning accepts.

Every result has a physical location (GitHub rejects the whole file otherwise), accepted findings
are reported as suppressed, and ``partialFingerprints`` derive from the rule id and the URN so an
alert follows its resource across commits. Pure Python over a :class:`Report`; no Pulumi runtime.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from infra_kit.policy._check import Finding, Report
from infra_kit.policy._graph import GraphDoc
from infra_kit.policy._registry import Rule, Severity
from infra_kit.policy.report import (
    SourceFrame,
    all_rules,
    frame_of,
    prescription_link,
    relative_path,
    resource_of,
    rule_link,
    sorted_findings,
    source_frames,
)

__all__ = ["SARIF_SCHEMA", "render_sarif"]

#: The ``$schema`` of the SARIF documents :func:`render_sarif` writes (OASIS 2.1.0, errata 01).
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
TOOL_NAME = "infra-kit"
#: The SARIF base id that artifact URIs are relative to: the repository root.
SRCROOT = "%SRCROOT%"
#: Families whose rules guard security; code scanning files their alerts under security.
SECURITY_FAMILIES = frozenset({"SEC", "NET", "EDGE", "CICD"})
#: ``security-severity`` (CVSS-like, 0.0-10.0) that code scanning shows for security rules:
#: an error reads as "high", a warning as "medium".
SECURITY_SEVERITY = {Severity.ERROR: "7.5", Severity.WARNING: "5.0"}
#: GitHub shows at most ten locations per result; more related frames add nothing.
MAX_RELATED_LOCATIONS = 10
#: Fingerprint key, versioned as the SARIF specification recommends.
FINGERPRINT_KEY = "infraKitFinding/v1"


def _version() -> str:
    try:
        return importlib.metadata.version("infra-kit")
    except importlib.metadata.PackageNotFoundError:
        return "0.0.0"


def _information_uri() -> str | None:
    """The project's home page from its package metadata (``[project.urls]``), if it has one."""
    try:
        data = importlib.metadata.metadata("infra-kit").json
    except importlib.metadata.PackageNotFoundError:
        return None
    urls = data.get("project_url") or []
    for entry in [urls] if isinstance(urls, str) else urls:
        label, _, url = str(entry).partition(",")
        if label.strip().lower() in {"homepage", "repository", "source", "documentation"}:
            return url.strip() or None
    home = str(data.get("home_page") or "").strip()
    return home if home.startswith("http") else None


def _doc_url(base: str | None, path: str) -> str | None:
    """An absolute link to a repository document, when the repository is on GitHub."""
    if base and base.rstrip("/").startswith("https://github.com/"):
        return f"{base.rstrip('/')}/blob/HEAD/{path}"
    return None


def _pascal(title: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in re.findall(r"[A-Za-z0-9]+", title))


def _sarif_rule(rule: Rule, base: str | None) -> dict[str, Any]:
    link = rule_link(rule)
    url = _doc_url(base, link)
    prescription = prescription_link(rule.prescription)
    tags = ["infra-kit", rule.prescription, rule.family.lower()]
    properties: dict[str, Any] = {"precision": "very-high", "prescription": rule.prescription}
    if rule.family in SECURITY_FAMILIES:
        tags.append("security")
        properties["security-severity"] = SECURITY_SEVERITY[rule.severity]
    properties["tags"] = tags
    descriptor: dict[str, Any] = {
        "id": rule.id,
        "name": _pascal(rule.title),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.rationale},
        "help": {
            "text": f"{rule.fix} See {link} (prescription {rule.prescription}: {prescription}).",
            "markdown": (
                f"{rule.fix}\n\nSee [{rule.id}]({url or link}) in the rule catalogue; it "
                f"encodes prescription [{rule.prescription}]"
                f"({_doc_url(base, prescription) or prescription})."
            ),
        },
        "defaultConfiguration": {"level": rule.severity.value},
        "properties": properties,
    }
    if url is not None:
        descriptor["helpUri"] = url
    return descriptor


def _physical(frame: SourceFrame) -> dict[str, Any]:
    location: dict[str, Any] = {
        "artifactLocation": {"uri": quote(frame.path, safe="/"), "uriBaseId": SRCROOT}
    }
    if frame.line is not None:
        location["region"] = {"startLine": frame.line}
    return location


def _fingerprint(finding: Finding) -> str:
    return hashlib.sha256(f"{finding.rule.id}\n{finding.urn}".encode()).hexdigest()


def _sarif_result(
    finding: Finding,
    index: int,
    *,
    graph: GraphDoc | None,
    root: Path | None,
    fallback: SourceFrame,
) -> dict[str, Any]:
    type_, name = resource_of(finding.urn)
    frames = source_frames(graph, finding.urn, root)
    if not frames and finding.suppression is not None:
        # An accepted finding without a place of its own sits where it was accepted.
        frames = [f for f in (frame_of(e, root) for e in finding.suppression.source) if f]
    frames = frames or [fallback]
    primary: dict[str, Any] = {
        "physicalLocation": _physical(frames[0]),
        "logicalLocations": [{"name": name, "fullyQualifiedName": finding.urn, "kind": "resource"}],
    }
    fingerprint = _fingerprint(finding)
    result: dict[str, Any] = {
        "ruleId": finding.rule.id,
        "ruleIndex": index,
        "level": finding.rule.severity.value,
        "message": {"text": f"{type_} {name}: {finding.message}" if type_ else finding.message},
        "locations": [primary],
        # The URN, not the line, identifies a finding: the same resource keeps its alert when
        # the program around it is edited. Setting primaryLocationLineHash stops the upload
        # action from substituting a hash of the line's text.
        "partialFingerprints": {
            FINGERPRINT_KEY: fingerprint,
            "primaryLocationLineHash": f"{fingerprint[:16]}:1",
        },
        "properties": {"urn": finding.urn, "status": finding.status},
    }
    related = frames[1 : 1 + MAX_RELATED_LOCATIONS]
    if related:
        result["relatedLocations"] = [
            {"id": n, "physicalLocation": _physical(f), "message": {"text": f"called from {f}"}}
            for n, f in enumerate(related, start=1)
        ]
    if finding.suppression is not None:
        result["suppressions"] = [
            {"kind": "inSource", "status": "accepted", "justification": finding.suppression.reason}
        ]
    return result


def render_sarif(
    report: Report,
    *,
    graph: GraphDoc | None = None,
    root: Path | None = None,
    project_file: str | Path = "Pulumi.yaml",
) -> str:
    """The report as a SARIF 2.1.0 log for GitHub code scanning (one run).

    Args:
        graph: the checked graph; a finding's location is where its resource (or its nearest
            ancestor) was declared, from the records' ``source``.
        root: the repository root (``%SRCROOT%``); absolute source paths are made relative to it
            and frames outside it are dropped.
        project_file: the project's Pulumi.yaml, relative to ``root`` (or absolute under it).
            Code scanning refuses a result without a file, so a finding whose resource (and its
            ancestors, and for an accepted finding its suppression) has no recorded source points
            at line 1 of this file.

    The run's ``automationDetails.id`` is ``infra-kit/<project>/<stack>/``, so uploads for
    different stacks are separate analyses and do not close each other's alerts.
    """
    rules = all_rules(report)
    index = {r.id: n for n, r in enumerate(rules)}
    base = _information_uri()
    fallback_path = relative_path(str(project_file), root) or "Pulumi.yaml"
    fallback = SourceFrame(fallback_path, 1)
    driver: dict[str, Any] = {
        "name": TOOL_NAME,
        "version": _version(),
        "rules": [_sarif_rule(r, base) for r in rules],
    }
    if base is not None:
        driver["informationUri"] = base
    results = [
        _sarif_result(f, index[f.rule.id], graph=graph, root=root, fallback=fallback)
        for f in sorted_findings(report.findings)
    ]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "automationDetails": {"id": f"infra-kit/{report.project}/{report.stack}/"},
                "results": results,
                "properties": {
                    "project": report.project,
                    "stack": report.stack,
                    "summary": report.counts(),
                },
            }
        ],
    }
    return json.dumps(log, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
