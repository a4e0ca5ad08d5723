"""The change preview as a table (a terminal), JSON (a program) and Markdown (a PR comment)."""

from __future__ import annotations

import json
from typing import Any, Protocol

from infra_kit.change._diff import ABSENT, ACTIONS, Change, ChangeSet, PropertyChange

__all__ = ["MARKER", "CostDeltaView", "render_json", "render_markdown", "render_table", "summary"]

#: The first line of the Markdown comment, by which the pull-request workflow finds and updates it.
MARKER = "<!-- infra-kit diff -->"
_SYMBOL = {"create": "+", "delete": "-", "update": "~", "replace": "+-", "rename": ">"}
_VERB = {
    "create": "to create",
    "delete": "to delete",
    "update": "to update",
    "replace": "to replace",
    "rename": "renamed (aliased)",
}
_WIDTH = 60


class CostDeltaView(Protocol):
    """What the preview reads of the cost model's delta (``infra_kit.cost.CostDelta``)."""

    @property
    def total_delta_usd(self) -> float: ...

    def render_markdown(self) -> str: ...


def _value(value: Any, *, width: int | None = _WIDTH) -> str:
    text = value if value == ABSENT else json.dumps(value, sort_keys=True, default=str)
    if width is not None and len(text) > width:
        text = text[: width - 1] + "…"
    return text


def _property_line(p: PropertyChange, *, width: int | None = _WIDTH) -> str:
    forced = "  (forces replacement)" if p.forces_replacement else ""
    return f"{p.path}: {_value(p.old, width=width)} -> {_value(p.new, width=width)}{forced}"


def _sides(changes: ChangeSet) -> str:
    base, new = changes.base, changes.new
    return f"{base.project}/{base.stack} -> {new.project}/{new.stack}"


def summary(changes: ChangeSet) -> str:
    """One line: how many of each action, how many unchanged and how many lose data."""
    counts = changes.counts()
    parts = [f"{counts[a]} {_VERB[a]}" for a in ACTIONS if counts[a]]
    said = ", ".join(parts) if parts else "no changes"
    loss = len(changes.data_loss)
    tail = f"; {loss} DELETE OR REPLACE A STATEFUL RESOURCE" if loss else ""
    return f"{said}; {changes.unchanged} unchanged{tail}"


def _stack_warning(changes: ChangeSet) -> list[str]:
    base, new = changes.base, changes.new
    if (base.project, base.stack) == (new.project, new.stack) or not base.resources:
        return []
    return [
        f"note: BASE is {base.project}/{base.stack} and NEW is {new.project}/{new.stack}; URNs "
        "name their stack, so two stacks share no resource: compare one stack at two points "
        "in time"
    ]


def render_table(changes: ChangeSet, *, labels: tuple[str, str] = ("BASE", "NEW")) -> str:
    """Text for a terminal: the data-loss warnings first, then every change with its
    properties."""
    lines = [f"infra-kit diff: {labels[0]} -> {labels[1]} ({_sides(changes)})"]
    lines += _stack_warning(changes)
    loss = changes.data_loss
    if loss:
        lines += [
            "",
            "!" * 78,
            f"!! DATA LOSS: {len(loss)} change(s) delete or replace a stateful resource",
        ]
        for change in loss:
            lines.append(f"!!   {change.action} {change.type} {change.name}")
            lines += [f"!!     {w}" for w in change.warnings]
        lines.append("!" * 78)
    for change in changes.changes:
        flag = f"  [STATEFUL: {change.family}]" if change.stateful else ""
        lines += [
            "",
            f"{_SYMBOL[change.action]:>2} {change.action:<8} {change.type}  {change.name}{flag}",
        ]
        lines.append(f"     {change.urn}")
        lines += [f"     ~ {_property_line(p)}" for p in change.properties]
        lines += [f"     ~ option {_property_line(p)}" for p in change.options]
        lines += [f"     !! {w}" for w in change.warnings]
        lines += [f"     note: {n}" for n in change.notes]
    lines += ["", summary(changes)]
    return "\n".join(lines)


def _property_json(p: PropertyChange) -> dict[str, Any]:
    return {
        "path": p.path,
        "old": None if p.old == ABSENT else p.old,
        "new": None if p.new == ABSENT else p.new,
        "old_set": p.old != ABSENT,
        "new_set": p.new != ABSENT,
        "forces_replacement": p.forces_replacement,
        "secret": p.secret,
    }


def _change_json(change: Change) -> dict[str, Any]:
    return {
        "action": change.action,
        "urn": change.urn,
        "old_urn": change.old_urn,
        "type": change.type,
        "name": change.name,
        "stateful": change.stateful,
        "family": change.family,
        "loses_data": change.loses_data,
        "protected": change.protected,
        "retain_on_delete": change.retained,
        "properties": [_property_json(p) for p in change.properties],
        "options": [_property_json(p) for p in change.options],
        "warnings": list(change.warnings),
        "notes": list(change.notes),
    }


def render_json(
    changes: ChangeSet,
    *,
    labels: tuple[str, str] = ("BASE", "NEW"),
    cost: CostDeltaView | None = None,
) -> str:
    """A JSON document: both sides, the counts, every change, and the cost delta if known."""
    doc = {
        "base": {"label": labels[0], "project": changes.base.project, "stack": changes.base.stack},
        "new": {"label": labels[1], "project": changes.new.project, "stack": changes.new.stack},
        "summary": {
            **changes.counts(),
            "unchanged": changes.unchanged,
            "data_loss": len(changes.data_loss),
        },
        "changes": [_change_json(c) for c in changes.changes],
        "cost_delta_monthly_usd": None if cost is None else round(cost.total_delta_usd, 2),
    }
    return json.dumps(doc, indent=2, sort_keys=False)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`"


def render_markdown(
    changes: ChangeSet,
    *,
    labels: tuple[str, str] = ("BASE", "NEW"),
    cost: CostDeltaView | None = None,
    marker: bool = True,
) -> str:
    """A pull-request comment: a loud caution block when data would be lost, the counts, a
    table of changes, and the cost delta."""
    new = changes.new
    lines = [MARKER] if marker else []
    lines += [
        f"### Change preview: `{new.project}/{new.stack}`",
        "",
        f"{_code(labels[0])} → {_code(labels[1])}, compared offline from the synthesized graphs "
        "(`infra-kit diff`). `pulumi preview` has the last word on provider-side changes.",
        "",
    ]
    lines += [f"> {w}" for w in _stack_warning(changes)]
    loss = changes.data_loss
    if loss:
        lines += [
            "> [!CAUTION]",
            f"> **Data loss: {len(loss)} change(s) delete or replace a stateful resource.**",
        ]
        for change in loss:
            lines.append(f"> - **{change.action}** {_code(change.name)} ({_code(change.type)})")
            lines += [f">   - {_cell(w)}" for w in change.warnings]
            lines += [f">   - {_cell(n)}" for n in change.notes if "protected" in n]
        lines.append(
            "> Merge only on purpose: add an alias for a rename, or label the pull request "
            "`data-loss-acknowledged` once the loss is intended."
        )
        lines.append("")
    lines += [f"**{summary(changes)}**", ""]
    if changes.changes:
        lines += [
            "<details open><summary>Changes</summary>",
            "",
            "| | Action | Resource | Type | Property changes |",
            "|---|---|---|---|---|",
        ]
        for change in changes.changes:
            flag = "⚠️" if change.loses_data else ""
            props = [_property_line(p, width=40) for p in change.properties]
            props += [f"option {_property_line(p, width=40)}" for p in change.options]
            if change.old_urn:
                props.insert(0, f"renamed from {change.old_urn.rsplit('::', 1)[-1]} (alias)")
            shown = "<br>".join(_code(p) for p in props[:8])
            if len(props) > 8:
                shown += f"<br>… {len(props) - 8} more"
            lines.append(
                f"| {flag} | {change.action} | {_code(change.name)} | {_code(change.type)} | "
                f"{_cell(shown)} |"
            )
        lines += ["", "</details>", ""]
    if cost is not None:
        lines += [cost.render_markdown().strip(), ""]
    return "\n".join(lines).rstrip() + "\n"
