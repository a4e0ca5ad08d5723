"""How a check report is shown: a table for people, JSON for scripts, SARIF 2.1.0 for code scanning.

* :func:`render_table` is ``infra-kit check``'s default output: failed findings by severity and
  rule, then accepted findings with their reasons, then a one-line summary. Plain text that reads
  at 100 columns; ANSI colours only when asked.
* :func:`render_json` is a stable, sorted document for scripts (no timestamps).
* :func:`render_sarif` is one SARIF 2.1.0 run that GitHub code scanning accepts: every result has
  a physical location (GitHub rejects the whole file otherwise), accepted findings are reported as
  suppressed, and ``partialFingerprints`` derive from the rule id and the URN so an alert follows
  its resource across commits.

Pure Python over a :class:`Report`; no Pulumi runtime.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from infra_kit.policy._check import Finding, Report
from infra_kit.policy._graph import GraphDoc
from infra_kit.policy._registry import Rule, Severity

__all__ = [
    "PRESCRIPTIONS_DOC",
    "RULES_DOC",
    "SARIF_SCHEMA",
    "SourceFrame",
    "prescription_link",
    "render_json",
    "render_sarif",
    "render_table",
    "resource_of",
    "rule_link",
    "source_frames",
]

#: Where the rule catalogue lives, relative to the repository root.
RULES_DOC = "docs/rules.md"
#: Where the prescription catalogue lives, relative to the repository root.
PRESCRIPTIONS_DOC = "docs/prescriptions.md"
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

_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1}
_RESET = "\x1b[0m"
_STYLE = {
    "error": "\x1b[1;31m",
    "warning": "\x1b[1;33m",
    "accepted": "\x1b[32m",
    "heading": "\x1b[1m",
    "dim": "\x1b[2m",
}


def rule_link(rule: Rule) -> str:
    """The rule's section in the rule catalogue, e.g. ``docs/rules.md#ik-sec-1-wildcard``."""
    return f"{RULES_DOC}#{rule.anchor}"


def prescription_link(prescription: str) -> str:
    """The prescription's entry in the prescription catalogue, e.g. ``...#sec-1``."""
    return f"{PRESCRIPTIONS_DOC}#{prescription.lower()}"


def resource_of(urn: str) -> tuple[str, str]:
    """``(type, logical name)`` read from a Pulumi URN; ``("", urn)`` when it is not one.

    ``urn:pulumi:<stack>::<project>::<parent types $ ... $ type>::<name>``: the type is the last
    of the ``$``-joined chain, the name is everything after the third ``::``.
    """
    parts = urn.split("::", 3)
    if len(parts) != 4 or not parts[0].startswith("urn:pulumi:"):
        return "", urn
    return parts[2].split("$")[-1], parts[3]


def _sorted(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.rule.id, f.urn, f.message))


# -- source locations -----------------------------------------------------------------------------
@dataclass(frozen=True)
class SourceFrame:
    """One ``path:line`` of a resource's ``source``, the path relative to the repository root."""

    path: str
    line: int | None

    def __str__(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"


def _frame(entry: object, root: Path | None) -> SourceFrame | None:
    if not isinstance(entry, str) or not entry.strip():
        return None
    text = entry.strip()
    path, line = text, None
    head, sep, tail = text.rpartition(":")
    if sep and head and tail.isdigit():
        path, line = head, int(tail) or None
    relative = _relative(path, root)
    return None if relative is None else SourceFrame(relative, line)


def _relative(path: str, root: Path | None) -> str | None:
    """``path`` relative to the repository root, POSIX style; ``None`` when outside it."""
    posix = path.replace("\\", "/")
    if posix.startswith("/") or re.match(r"^[A-Za-z]:/", posix):
        if root is None:
            return None
        try:
            posix = Path(path).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return None
    parts = [p for p in PurePosixPath(posix).parts if p != "."]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def source_frames(graph: GraphDoc | None, urn: str, root: Path | None = None) -> list[SourceFrame]:
    """Where the resource was declared: its own ``source``, else its nearest ancestor's.

    Outermost program frame first. Frames outside the repository (installed libraries, absolute
    paths when ``root`` is not given) are left out: code scanning can only point into the
    repository.
    """
    if graph is None:
        return []
    for candidate in [urn, *graph.ancestors(urn)]:
        record = graph.get(candidate)
        raw = record.get("source") if record is not None else None
        if not isinstance(raw, Sequence) or isinstance(raw, str):
            continue
        frames = [f for f in (_frame(e, root) for e in raw) if f is not None]
        if frames:
            return frames
    return []


# -- table ------------------------------------------------------------------------------------------
def _paint(text: str, style: str, color: bool) -> str:
    return f"{_STYLE[style]}{text}{_RESET}" if color else text


def _wrap(text: str, indent: str, width: int) -> list[str]:
    return textwrap.wrap(
        text,
        width=width,
        initial_indent=indent,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [indent.rstrip()]


def _finding_block(
    finding: Finding,
    label: str,
    style: str,
    *,
    color: bool,
    verbose: bool,
    graph: GraphDoc | None,
    root: Path | None,
    width: int,
) -> list[str]:
    indent = " " * 9
    type_, name = resource_of(finding.urn)
    resource = f"{type_} {name}".strip()
    head = f"{_paint(f'{label:<8}', style, color)} {finding.rule.id}"
    plain = f"{label:<8} {finding.rule.id}  {resource}"
    lines = [f"{head}  {resource}"] if len(plain) <= width else [head, indent + resource]
    lines += _wrap(finding.message, indent, width)
    if verbose:
        lines.append(indent + _paint(finding.urn, "dim", color))
    frames = source_frames(graph, finding.urn, root)
    if frames:
        lines.append(f"{indent}at {frames[0]}")
    if finding.suppression is not None:
        lines += _wrap(f"reason: {finding.suppression.reason}", indent, width)
    lines.append(indent + _paint(rule_link(finding.rule), "dim", color))
    return lines


def render_table(
    report: Report,
    *,
    color: bool = False,
    verbose: bool = False,
    graph: GraphDoc | None = None,
    root: Path | None = None,
    width: int = 100,
) -> str:
    """The report as text: failed findings (errors, then warnings, each by rule id), accepted
    findings with their reasons, the report's notes, and a one-line summary.

    Args:
        color: wrap severities in ANSI colours (for a terminal).
        verbose: add each finding's full URN under its resource.
        graph: when given, each finding shows where its resource was declared (``at path:line``).
        root: the repository root, to shorten absolute source paths.
        width: wrap messages and reasons to this many columns (URNs are never broken).
    """
    lines = [_paint(f"infra-kit check: {report.project}/{report.stack}", "heading", color)]
    failed = sorted(
        report.failed,
        key=lambda f: (_SEVERITY_ORDER.get(f.rule.severity, 9), f.rule.id, f.urn, f.message),
    )
    block = {"color": color, "verbose": verbose, "graph": graph, "root": root, "width": width}
    if failed:
        lines += ["", _paint(f"Failed ({len(failed)})", "heading", color)]
        for finding in failed:
            severity = finding.rule.severity.value
            lines += _finding_block(finding, severity, severity, **block)
    accepted = _sorted(report.accepted)
    if accepted:
        lines += ["", _paint(f"Accepted ({len(accepted)})", "heading", color)]
        for finding in accepted:
            lines += _finding_block(finding, "accepted", "accepted", **block)
    if not report.findings:
        lines += ["", "No findings."]
    if report.notes:
        lines.append("")
        for note in report.notes:
            lines += _wrap(f"note: {note}", "", width)
    lines += ["", report.summary()]
    return "\n".join(lines) + "\n"


# -- JSON -------------------------------------------------------------------------------------------
def _all_rules(report: Report) -> list[Rule]:
    """The rules that ran plus any rule a finding names, once each, by id."""
    by_id = {r.id: r for r in report.rules}
    for finding in report.findings:
        by_id.setdefault(finding.rule.id, finding.rule)
    return [by_id[i] for i in sorted(by_id)]


def render_json(report: Report) -> str:
    """The report as a stable JSON document: keys sorted, rules by id, findings by rule and URN.

    ``{"project", "stack", "summary": {error, warning, accepted, failed, findings, rules,
    resources}, "rules": [{id, prescription, severity, title}], "findings": [{rule,
    prescription, severity, status, urn, type, name, message, reason?, suppression?, help}],
    "notes", "seconds"}``. ``reason`` and ``suppression`` (the suppression's URN) are present
    only on accepted findings.
    """
    findings = []
    for f in _sorted(report.findings):
        type_, name = resource_of(f.urn)
        entry: dict[str, Any] = {
            "rule": f.rule.id,
            "prescription": f.rule.prescription,
            "severity": f.rule.severity.value,
            "status": f.status,
            "urn": f.urn,
            "type": type_,
            "name": name,
            "message": f.message,
            "help": rule_link(f.rule),
        }
        if f.suppression is not None:
            entry["reason"] = f.suppression.reason
            entry["suppression"] = f.suppression.urn
        findings.append(entry)
    document = {
        "project": report.project,
        "stack": report.stack,
        "summary": {
            **report.counts(),
            "failed": len(report.failed),
            "findings": len(report.findings),
            "rules": len(report.rules),
            "resources": report.resources,
        },
        "rules": [
            {
                "id": r.id,
                "prescription": r.prescription,
                "severity": r.severity.value,
                "title": r.title,
            }
            for r in _all_rules(report)
        ],
        "findings": findings,
        "notes": list(report.notes),
        "seconds": round(report.seconds, 3),
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# -- SARIF ------------------------------------------------------------------------------------------
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
        frames = [f for f in (_frame(e, root) for e in finding.suppression.source) if f]
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
    rules = _all_rules(report)
    index = {r.id: n for n, r in enumerate(rules)}
    base = _information_uri()
    fallback_path = _relative(str(project_file), root) or "Pulumi.yaml"
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
        for f in _sorted(report.findings)
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
