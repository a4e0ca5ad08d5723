"""Every rule fails its bad graph naming the offending URN, and passes its good graph."""

from __future__ import annotations

import pytest

from infra_kit.policy import RULES, Rule, check_graph, rules_for
from infra_kit.policy._check import UNUSED_SUPPRESSION
from tests.policy.cases import Case, all_cases

CASES = all_cases()


def _rules(case: Case) -> list[Rule]:
    # A suppression is judged against the rule it names, so that rule has to run too.
    return rules_for() if case.rule_id == UNUSED_SUPPRESSION else [RULES[case.rule_id]]


def _id(case: Case) -> str:
    return f"{case.rule_id}:{case.label}" if case.label else case.rule_id


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_the_rule_names_the_offending_resources_of_its_bad_graph(case: Case) -> None:
    rules_for()
    report = check_graph(case.bad(), _rules(case))
    failed = sorted({f.urn for f in report.failed if f.rule.id == case.rule_id})
    assert failed == sorted(case.offending)


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_the_rule_is_quiet_on_its_good_graph(case: Case) -> None:
    rules_for()
    report = check_graph(case.good(), _rules(case))
    assert [f for f in report.failed if f.rule.id == case.rule_id] == []


def test_every_rule_has_a_case() -> None:
    covered = {c.rule_id for c in CASES}
    missing = sorted(set(r.id for r in rules_for()) - covered)
    assert missing == [], f"rules without a bad/good case: {missing}"


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_each_case_graph_could_come_from_a_real_stack(case: Case) -> None:
    # The Pulumi engine refuses two resources with one URN, so the policy pack's tests, which
    # hand these graphs to the engine's analyzer, would fail on such a case.
    for graph in (case.bad(), case.good()):
        urns = [r["urn"] for r in graph.resources]
        assert len(urns) == len(set(urns)), sorted(u for u in urns if urns.count(u) > 1)
