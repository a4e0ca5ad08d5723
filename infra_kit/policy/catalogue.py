"""The rule catalogue, docs/rules.md, generated from the registry.

``python -m infra_kit.policy.catalogue`` rewrites docs/rules.md; ``--check`` exits 1 when the
committed file differs from what the registry generates (CI runs it so the catalogue cannot go
stale). Each rule's section carries an explicit anchor equal to :attr:`Rule.anchor`, which is what
``infra-kit check`` output links to.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from infra_kit.policy._check import MIN_REASON_WORDS, UNUSED_SUPPRESSION
from infra_kit.policy._registry import Rule, rules_for

__all__ = ["DEFAULT_PATH", "FAMILIES", "main", "ordered_rules", "render_rules_markdown"]

#: Prescription families in catalogue order (docs/prescriptions.md), with their headings.
FAMILIES: dict[str, str] = {
    "IAC": "Infrastructure as code",
    "ENV": "Environments",
    "STATE": "State",
    "TAG": "Tagging",
    "COST": "Cost",
    "NET": "Network",
    "HA": "High availability",
    "SCALE": "Scaling",
    "DR": "Backup and recovery",
    "SEC": "Security",
    "EDGE": "Public endpoints",
    "K8S": "Kubernetes workloads",
    "OBS": "Observability",
    "DEP": "Deployments",
    "CICD": "Delivery pipeline",
}
#: docs/rules.md, relative to the repository root.
DEFAULT_PATH = Path("docs/rules.md")
#: Rules that make a natural suppression example, best first.
_EXAMPLES = ("IK-SEC-3-CMK", "IK-SEC-1-WILDCARD")


def _sort_key(rule: Rule) -> tuple[int, str, int, str]:
    family = rule.family
    rank = list(FAMILIES).index(family) if family in FAMILIES else len(FAMILIES)
    number = rule.prescription.rpartition("-")[2]
    return (rank, family, int(number) if number.isdigit() else 0, rule.id)


def ordered_rules(rules: Iterable[Rule] | None = None) -> list[Rule]:
    """``rules`` (default: every registered rule) in catalogue order: by prescription family as
    docs/prescriptions.md lists them, then prescription number, then id. Families the catalogue
    does not know come last, alphabetically."""
    return sorted(rules_for() if rules is None else rules, key=_sort_key)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _example(rules: Sequence[Rule]) -> str:
    """A real rule id for the suppression example, so that copying it works."""
    ids = [r.id for r in rules if r.id != UNUSED_SUPPRESSION]
    preferred = [i for i in _EXAMPLES if i in ids]
    security = [i for i in ids if i.startswith("IK-SEC-")]
    return next(iter(preferred + security + ids), _EXAMPLES[0])


def _intro(rules: Sequence[Rule]) -> list[str]:
    example = _example(rules)
    return [
        "# Rules",
        "",
        "<!-- Generated from the rule registry by `python -m infra_kit.policy.catalogue`;"
        " do not edit by hand. -->",
        "",
        "`infra-kit check` enforces the [prescriptions](prescriptions.md) as rules over the"
        " resource graph of a stack, synthesized offline: no cloud account, Pulumi CLI or"
        " provider plugin is needed. The same rules run in the CrossGuard policy pack during"
        " `pulumi preview`, except those marked as not enforced there.",
        "",
        "## Running the check",
        "",
        "```sh",
        "infra-kit check --stack prod                                   # the platform in stacks/",
        "infra-kit check --stack prod --project-dir examples/orders-service",
        "```",
        "",
        "The default output is a table: failed findings by severity and rule, then accepted"
        " findings with their reasons, then a one-line summary. Each finding links to its rule's"
        " section below. JSON (for scripts) and SARIF 2.1.0 (for GitHub code scanning) are the"
        " other formats.",
        "",
        "| Exit code | Meaning |",
        "| --- | --- |",
        "| 0 | No failed finding of severity `error` (or, with `--fail-on warning`, of any"
        " severity). Accepted findings never fail the check. |",
        "| 1 | At least one such failed finding, or the check could not run (the program failed"
        " or the project is misconfigured; the error is printed without a traceback). |",
        "| 2 | The command line was wrong. |",
        "",
        "## Accepting a finding",
        "",
        "When a finding is deliberate, accept it next to the resource, with a reason a reviewer"
        " can judge:",
        "",
        "```python",
        "from infra_kit.policy import suppress",
        "",
        f'suppress(bucket, "{example}", reason="<why this is acceptable here>")',
        "```",
        "",
        "The suppression applies to the resource and everything below it (limit it to named"
        " children with `resources=[...]`). The rule id must exist and the reason must be at"
        f" least {MIN_REASON_WORDS} words; a known gap should say so plainly. The reason stays in"
        " the graph: `infra-kit check` lists the finding as accepted with it, SARIF marks it as"
        " suppressed, and the policy pack accepts the same findings. A suppression that accepts"
        f" nothing is itself reported ([{UNUSED_SUPPRESSION}](#{UNUSED_SUPPRESSION.lower()})).",
        "",
    ]


def _summary(rules: Sequence[Rule]) -> list[str]:
    lines = [
        "## Summary",
        "",
        f"{len(rules)} rules.",
        "",
        "| Rule | Prescription | Severity | Title |",
        "| --- | --- | --- | --- |",
    ]
    for r in rules:
        lines.append(
            f"| [{r.id}](#{r.anchor}) | [{r.prescription}](prescriptions.md#"
            f"{r.prescription.lower()}) | {r.severity.value} | {_cell(r.title)} |"
        )
    lines.append("")
    return lines


def _section(rule: Rule) -> list[str]:
    pack = (
        "no: it reads what only the offline engine observes, so only `infra-kit check` runs it"
        if rule.offline_only
        else "yes"
    )
    return [
        f'<a id="{rule.anchor}"></a>',
        "",
        f"### {rule.id}",
        "",
        f"**{rule.title}**",
        "",
        f"- Prescription: [{rule.prescription}](prescriptions.md#{rule.prescription.lower()})",
        f"- Severity: {rule.severity.value}",
        f"- Enforced by the policy pack: {pack}",
        "",
        f"**Why.** {rule.rationale}",
        "",
        f"**Fix.** {rule.fix}",
        "",
    ]


def _known_gaps() -> list[str]:
    from infra_kit.policy.known_gaps import KNOWN_GAPS

    lines = [
        "## Known gaps",
        "",
        "Findings infra-kit's own components accept today because the fix is still to be made. "
        "Each is a suppression in the component that has the gap "
        "(`infra_kit.policy.known_gaps.accept_known_gap`); when the gap is fixed the "
        "suppression stops matching, `IK-SEC-5-UNUSED-SUPPRESSION` reports it, and the entry "
        "goes.",
        "",
        "| Gap | Rule | Reason |",
        "| --- | --- | --- |",
    ]
    for name, (rule_id, reason) in sorted(KNOWN_GAPS.items()):
        lines.append(f"| `{name}` | [{rule_id}](#{rule_id.lower()}) | {_cell(reason)} |")
    return [*lines, ""]


def _managed_policies() -> list[str]:
    import json
    from importlib import resources

    data = json.loads(
        resources.files("infra_kit.policy")
        .joinpath("data", "aws-managed-policies.json")
        .read_text("utf-8")
    )
    lines = [
        "## Reviewed AWS-managed policies",
        "",
        "[IK-SEC-1-MANAGED-POLICY](#ik-sec-1-managed-policy) accepts these AWS-managed policies "
        "and refuses any other (data: `infra_kit/policy/data/aws-managed-policies.json`, with "
        "each policy's reviewed document and its source).",
        "",
        "| Policy | Why it is accepted |",
        "| --- | --- |",
    ]
    for entry in sorted(data.get("accepted", []), key=lambda e: e["arn_suffix"]):
        lines.append(f"| `{entry['arn_suffix']}` | {_cell(' '.join(entry['reason'].split()))} |")
    refused = sorted(e["name"] for e in data.get("refused", []))
    patterns = sorted(str(p.get("pattern", p)) if isinstance(p, dict) else str(p)
                      for p in data.get("refused_patterns", []))  # fmt: skip
    lines += [
        "",
        "Refused outright: " + ", ".join(f"`{r}`" for r in [*refused, *patterns]) + ".",
        "",
    ]
    return lines


def render_rules_markdown(rules: Iterable[Rule] | None = None) -> str:
    """docs/rules.md for ``rules`` (default: every registered rule).

    An introduction (running the check, exit codes, accepting a finding), a summary table, then
    one section per rule under its family's heading, each with an explicit anchor.
    """
    ordered = ordered_rules(rules)
    lines = _intro(ordered) + _summary(ordered)
    family = None
    for r in ordered:
        if r.family != family:
            family = r.family
            lines += [f"## {FAMILIES.get(family, family)} ({family})", ""]
        lines += _section(r)
    if rules is None:
        lines += _known_gaps() + _managed_policies()
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra_kit.policy.catalogue",
        description="Write docs/rules.md from the rule registry.",
    )
    parser.add_argument(
        "--path",
        type=Path,
        default=DEFAULT_PATH,
        help="file to write or compare (default: docs/rules.md under the current directory)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if the file differs from what the registry generates",
    )
    args = parser.parse_args(argv)
    path: Path = args.path
    text = render_rules_markdown()
    current = path.read_text(encoding="utf-8") if path.is_file() else None
    if args.check:
        if current == text:
            print(f"{path} is up to date")
            return 0
        print(
            f"{path} is stale: run `python -m infra_kit.policy.catalogue` and commit the result",
            file=sys.stderr,
        )
        return 1
    if current != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)  # never leave a half-written catalogue behind
    print(f"wrote {path} ({len(ordered_rules())} rules)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
