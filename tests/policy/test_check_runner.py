"""The check runner: a rule that cannot judge a graph fails it, odd graphs are read or refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infra_kit.policy import RULES, GraphDoc, Hit, Severity, check_graph, rule, rules_for
from tests.policy.graphs import doc, k8s


@pytest.fixture
def crashing() -> Iterator[str]:
    rule_id = "IK-IAC-1-ZZCRASH"

    @rule(id=rule_id, prescription="IAC-1", severity=Severity.ERROR, title="Always crashes",
          rationale="test", fix="test")  # fmt: skip
    def _crash(graph: GraphDoc) -> Iterator[Hit]:
        raise RuntimeError("boom")

    yield rule_id
    del RULES[rule_id]


def test_a_rule_that_raises_fails_the_graph_instead_of_stopping_the_check(crashing: str) -> None:
    graph = doc()
    report = check_graph(graph, [RULES[crashing]])
    (finding,) = report.failed
    assert finding.urn == graph.stack_urn
    assert "could not be evaluated on this graph (RuntimeError: boom)" in finding.message


def test_every_rule_reads_a_workload_whose_metadata_is_unknown_without_failing() -> None:
    web = k8s("Deployment", "web", {"template": {"spec": {"containers": [{"name": "a"}]}}})
    web["inputs"]["metadata"] = "[unknown]"  # a preview, before the object's metadata is known
    report = check_graph(doc(web), rules_for())
    assert [f for f in report.failed if "could not be evaluated" in f.message] == []


@pytest.mark.parametrize(
    ("document", "problem"),
    [([1, 2], "a JSON object"), ({"resources": [{"type": "x"}]}, "each with a urn and a type")],
)
def test_a_document_that_is_no_graph_is_refused_with_the_reason(
    document: object, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        GraphDoc(document)  # type: ignore[arg-type]
