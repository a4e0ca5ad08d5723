"""Text of estimates, deltas and comparisons: a table for a terminal, JSON, and Markdown for a
pull-request comment or a document."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from infra_kit.cost._model import CostDelta, CostEstimate

__all__ = [
    "compare_json",
    "compare_markdown",
    "compare_table",
    "delta_json",
    "delta_markdown",
    "delta_table",
    "estimate_json",
    "estimate_markdown",
    "estimate_table",
]


def money(value: float) -> str:
    return f"${value:,.2f}"


def signed(value: float) -> str:
    sign = "+" if value > 0 else "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def _title(est: CostEstimate) -> str:
    return f"{est.project}/{est.stack}"


def _grid(rows: Sequence[Sequence[str]], right: set[int]) -> list[str]:
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ).rstrip()
        for row in rows
    ]


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> list[str]:
    align = ["---:" if i in right else "---" for i in range(len(header))]
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    out += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return out


def _footer(est: CostEstimate) -> str:
    return (
        f"AWS list prices, {est.region}, read {est.prices_retrieved}; usage assumptions from the "
        "profile's usage section. Leaves out data transfer between AZs and to the internet, free "
        "tiers, support plans and taxes."
    )


# -- one estimate ------------------------------------------------------------------------------------
def estimate_table(est: CostEstimate, *, verbose: bool = False) -> str:
    out = [f"Monthly cost of {_title(est)} ({est.environment}): {money(est.total_monthly_usd)}", ""]
    rows = [["RESOURCE", "TYPE", "COMPONENT", "USD/MONTH"]]
    for line, total in est.by_resource():
        if total or verbose:
            rows.append([line.name, line.type.split(":")[1], line.component, money(total)])
    out += _grid(rows, {3})
    if verbose:
        out += ["", "Basis of each line:"]
        out += [f"  {line.name}: {line.basis} = {money(line.monthly_usd)}" for line in est.lines]
    out += ["", "By component:"]
    out += ["  " + row for row in _grid([[c, money(v)] for c, v in est.by_component()], {1})]
    out += ["", *_driver_text(est), "", _footer(est)]
    if est.unpriced:
        out += ["", f"UNPRICED ({len(est.unpriced)}): the estimate leaves these out:"]
        out += [f"  {kind}  {urn}" for urn, kind in est.unpriced]
    return "\n".join(out)


def _driver_text(est: CostEstimate) -> list[str]:
    driver = est.largest_driver
    out = [
        f"Largest cost driver: {driver.label}, {money(driver.monthly_usd)}/month "
        f"({driver.share:.0%} of the total)"
    ]
    out += [f"  lever: {lever.description}: {signed(lever.monthly_delta_usd)}/month"
            for lever in driver.levers]  # fmt: skip
    if not driver.levers:
        out.append("  no lever of the stack's own settings moves it")
    others = sorted(
        (lever for lever in est.levers if lever.driver != driver.label),
        key=lambda lever: lever.monthly_delta_usd,
    )
    if others:
        out.append("Other levers:")
        out += [f"  {lever.description}: {signed(lever.monthly_delta_usd)}/month"
                for lever in others]  # fmt: skip
    return out


def estimate_markdown(est: CostEstimate) -> str:
    driver = est.largest_driver
    out = [
        f"### Monthly cost of `{_title(est)}`: {money(est.total_monthly_usd)}",
        "",
        f"**Largest cost driver:** {driver.label}, {money(driver.monthly_usd)}/month "
        f"({driver.share:.0%} of the total).",
        "",
    ]
    if est.levers:
        rows = [
            [lever.description, signed(lever.monthly_delta_usd), lever.driver]
            for lever in sorted(est.levers, key=lambda lv: lv.monthly_delta_usd)
        ]
        out += [*_md_table(["Lever", "USD/month", "Driver"], rows, {1}), ""]
    rows = [[label, money(usd)] for label, usd in est.by_component()]
    out += _md_table(["Component", "USD/month"], rows, {1})
    out += ["", "<details><summary>Per resource</summary>", ""]
    rows = [
        [f"`{line.name}`", line.type.split(":")[1], line.basis, money(line.monthly_usd)]
        for line in est.lines
        if line.monthly_usd
    ]
    out += _md_table(["Resource", "Type", "Basis", "USD/month"], rows, {3})
    out += ["", "</details>", "", f"<sub>{_footer(est)}</sub>"]
    if est.unpriced:
        out += ["", f"**Unpriced ({len(est.unpriced)}):** " + ", ".join(
            f"`{kind}`" for _, kind in est.unpriced)]  # fmt: skip
    return "\n".join(out) + "\n"


def estimate_json(est: CostEstimate) -> dict[str, Any]:
    driver = est.largest_driver
    return {
        "project": est.project,
        "stack": est.stack,
        "environment": est.environment,
        "region": est.region,
        "prices_retrieved": est.prices_retrieved,
        "total_monthly_usd": est.total_monthly_usd,
        "largest_driver": {
            "label": driver.label,
            "monthly_usd": driver.monthly_usd,
            "share": round(driver.share, 4),
            "levers": [_lever(lever) for lever in driver.levers],
        },
        "by_driver": [{"driver": k, "monthly_usd": v} for k, v in est.by_driver()],
        "by_component": [{"component": k, "monthly_usd": v} for k, v in est.by_component()],
        "levers": [_lever(lever) for lever in est.levers],
        "lines": [
            {
                "urn": line.urn,
                "type": line.type,
                "name": line.name,
                "component": line.component,
                "driver": line.driver,
                "monthly_usd": line.monthly_usd,
                "basis": line.basis,
            }
            for line in est.lines
        ],
        "unpriced": [{"urn": urn, "type": kind} for urn, kind in est.unpriced],
        "usage": dict(est.usage),
    }


def _lever(lever: Any) -> dict[str, Any]:
    return {
        "description": lever.description,
        "monthly_delta_usd": lever.monthly_delta_usd,
        "driver": lever.driver,
    }


# -- a change -------------------------------------------------------------------------------------------
def delta_table(d: CostDelta) -> str:
    out = [
        f"Monthly cost: {money(d.base.total_monthly_usd)} -> {money(d.new.total_monthly_usd)} "
        f"({signed(d.total_delta_usd)}{_percent(d)}){_partial(d)}"
    ]
    if d.changes:
        rows = [["CHANGE", "RESOURCE", "TYPE", "BEFORE", "AFTER", "DELTA"]]
        rows += [
            [c.change, c.name, c.type.split(":")[1], money(c.base_usd), money(c.new_usd),
             signed(c.delta_usd)]
            for c in d.changes
        ]  # fmt: skip
        out += ["", *_grid(rows, {3, 4, 5})]
    else:
        out.append("No resource changes its monthly cost.")
    if d.unpriced:
        out += ["", f"NOT PRICED ({len(d.unpriced)}): the delta leaves these out:"]
        out += [f"  {why}  {urn}" for urn, why in d.unpriced]
    return "\n".join(out)


def _partial(d: CostDelta) -> str:
    """What the totals leave out, when a resource is not priced on one side."""
    return f"; totals without the {len(d.unpriced)} resource(s) not priced" if d.unpriced else ""


def _percent(d: CostDelta) -> str:
    rel = d.relative_change
    return f", {rel:+.1%}" if rel is not None else ""


def delta_markdown(d: CostDelta) -> str:
    out = [
        f"### Monthly cost change of `{_title(d.new)}`: {signed(d.total_delta_usd)}",
        "",
        f"{money(d.base.total_monthly_usd)} -> **{money(d.new.total_monthly_usd)}** per month"
        f"{_percent(d)}{_partial(d)}.",
        "",
    ]
    if d.changes:
        rows = [
            [c.change, f"`{c.name}`", c.type.split(":")[1], money(c.base_usd), money(c.new_usd),
             signed(c.delta_usd)]
            for c in d.changes
        ]  # fmt: skip
        out += _md_table(
            ["Change", "Resource", "Type", "Before", "After", "Delta"], rows, {3, 4, 5}
        )
    else:
        out.append("No resource changes its monthly cost.")
    if d.unpriced:
        out += [
            "",
            f"> [!WARNING]\n> **Not priced ({len(d.unpriced)}), so the delta leaves them out:** "
            + ", ".join(f"`{why}`" for _, why in d.unpriced),
        ]
    out += ["", f"<sub>{_footer(d.new)}</sub>"]
    return "\n".join(out) + "\n"


def delta_json(d: CostDelta) -> dict[str, Any]:
    return {
        "base_monthly_usd": d.base.total_monthly_usd,
        "new_monthly_usd": d.new.total_monthly_usd,
        "total_delta_usd": d.total_delta_usd,
        "unpriced": [{"urn": urn, "type": why} for urn, why in d.unpriced],
        "changes": [
            {
                "urn": c.urn,
                "type": c.type,
                "name": c.name,
                "component": c.component,
                "change": c.change,
                "base_usd": c.base_usd,
                "new_usd": c.new_usd,
                "delta_usd": c.delta_usd,
            }
            for c in d.changes
        ],
    }


# -- environments side by side -------------------------------------------------------------------------
def _compare_rows(estimates: Sequence[CostEstimate]) -> tuple[list[str], list[list[str]]]:
    header = ["COMPONENT", *(est.environment or est.stack for est in estimates)]
    totals = [dict(est.by_component()) for est in estimates]
    components = sorted(
        {c for t in totals for c in t}, key=lambda c: -max(t.get(c, 0) for t in totals)
    )
    rows = [[c, *(money(t[c]) if c in t else "-" for t in totals)] for c in components]
    rows.append(["TOTAL", *(money(est.total_monthly_usd) for est in estimates)])
    last = estimates[-1].total_monthly_usd
    rows.append(
        [f"share of {header[-1]}", *(f"{est.total_monthly_usd / last:.0%}" if last else "-"
                                     for est in estimates)]
    )  # fmt: skip
    rows.append(["largest driver", *(est.largest_driver.label for est in estimates)])
    return header, rows


def compare_table(estimates: Sequence[CostEstimate]) -> str:
    header, rows = _compare_rows(estimates)
    title = f"Monthly cost of {estimates[0].project} by environment"
    right = set(range(1, len(header)))
    return "\n".join([title, "", *_grid([header, *rows], right)])


def compare_markdown(estimates: Sequence[CostEstimate]) -> str:
    header, rows = _compare_rows(estimates)
    out = [f"### Monthly cost of `{estimates[0].project}` by environment", ""]
    out += _md_table([h.capitalize() if i == 0 else h for i, h in enumerate(header)], rows,
                     set(range(1, len(header))))  # fmt: skip
    out += ["", f"<sub>{_footer(estimates[-1])}</sub>"]
    return "\n".join(out) + "\n"


def compare_json(estimates: Sequence[CostEstimate]) -> dict[str, Any]:
    last = estimates[-1].total_monthly_usd
    return {
        "project": estimates[0].project,
        "environments": [
            {
                "stack": est.stack,
                "environment": est.environment,
                "total_monthly_usd": est.total_monthly_usd,
                "ratio_to_last": round(est.total_monthly_usd / last, 4) if last else None,
                "largest_driver": est.largest_driver.label,
                "by_component": [{"component": k, "monthly_usd": v} for k, v in est.by_component()],
            }
            for est in estimates
        ],
    }
