"""A review as text (for a terminal), JSON, or Markdown (for a pull request or a document)."""

from __future__ import annotations

import json

from infra_kit.review._model import Answer, Review, Section, Status

__all__ = ["render_json", "render_markdown", "render_text"]

_MARK = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.NOT_SHOWN: "----"}


def render_json(review: Review) -> str:
    return json.dumps(review.to_json(), indent=2, sort_keys=False)


def _sections(review: Review) -> list[tuple[Section, list[Answer]]]:
    return [(s, [a for a in review.answers if a.section is s]) for s in Section]


def render_text(review: Review) -> str:
    lines = [f"readiness review: {review.stack}", f"scope: {review.scope}"]
    lines += [f"graphs: {', '.join(review.graphs)}"]
    lines += [f"note: {n}" for n in review.notes]
    for section, answers in _sections(review):
        lines += ["", f"== {section.value}"]
        for a in answers:
            lines.append(f"[{_MARK[a.status]}] {a.key} {a.question}")
            lines.append(f"       {a.answer}")
            lines += [f"       - {e}" for e in a.evidence]
            lines += [f"       ! missing: {m}" for m in a.missing]
            if a.runbook:
                lines.append(f"       runbook: {a.runbook}")
    lines += ["", review.summary()]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(review: Review) -> str:
    verdict = "ready" if review.passed else "**not ready**"
    lines = [
        f"### Readiness review: `{review.stack}` ({verdict})",
        "",
        f"Scope: {review.scope}. Graphs: {', '.join(f'`{g}`' for g in review.graphs)}.",
    ]
    lines += [f"> {n}" for n in review.notes]
    for section, answers in _sections(review):
        lines += ["", f"#### {section.value}", "", "| | Question | Answer | Evidence |"]
        lines.append("| --- | --- | --- | --- |")
        for a in answers:
            evidence = "<br>".join(_cell(e) for e in a.evidence)
            missing = "<br>".join(f"**missing:** {_cell(m)}" for m in a.missing)
            body = "<br>".join(x for x in (evidence, missing) if x) or "-"
            answer = _cell(a.answer) + (f" ([runbook]({a.runbook}))" if a.runbook else "")
            lines.append(f"| {a.status.value} | {a.key} {_cell(a.question)} | {answer} | {body} |")
    lines += ["", review.summary()]
    return "\n".join(lines)
