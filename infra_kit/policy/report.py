"""How a check report is shown: a table for people, JSON for scripts.

* :func:`render_table` is ``infra-kit check``'s default output: failed findings by severity and
  rule, then accepted findings with their reasons, then a one-line summary. Plain text that reads
  at 100 columns; ANSI colours only when asked.
* :func:`render_json` is a stable, sorted document for scripts (no timestamps).
* SARIF 2.1.0 for code scanning is :mod:`infra_kit.policy.sarif`.

Pure Python over a :class:`Report`; no Pulumi runtime.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from infra_kit.policy._check import Finding, Report
from infra_kit.policy._graph import GraphDoc
from infra_kit.policy._registry import Rule, Severity

__all__ = [
    "PRESCRIPTIONS_DOC",
    "RULES_DOC",
    "SourceFrame",
    "prescription_link",
    "render_json",
    "render_table",
    "resource_of",
    "rule_link",
    "source_frames",
]

#: Where the rule catalogue lives, relative to the repository root.
RULES_DOC = "docs/rules.md"
#: Where the prescription catalogue lives, relative to the repository root.
PRESCRIPTIONS_DOC = "docs/prescriptions.md"

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


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.rule.id, f.urn, f.message))


# -- source locations -----------------------------------------------------------------------------
@dataclass(frozen=True)
class SourceFrame:
    """One ``path:line`` of a resource's ``source``, the path relative to the repository root."""

    path: str
    line: int | None

    def __str__(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"


def frame_of(entry: object, root: Path | None) -> SourceFrame | None:
    if not isinstance(entry, str) or not entry.strip():
        return None
    text = entry.strip()
    path, line = text, None
    head, sep, tail = text.rpartition(":")
    if sep and head and tail.isdigit():
        path, line = head, int(tail) or None
    relative = relative_path(path, root)
    return None if relative is None else SourceFrame(relative, line)


def relative_path(path: str, root: Path | None) -> str | None:
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
        frames = [f for f in (frame_of(e, root) for e in raw) if f is not None]
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
    accepted = sorted_findings(report.accepted)
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
def all_rules(report: Report) -> list[Rule]:
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
    for f in sorted_findings(report.findings):
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
            for r in all_rules(report)
        ],
        "findings": findings,
        "notes": list(report.notes),
        "seconds": round(report.seconds, 3),
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
