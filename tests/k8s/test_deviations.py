"""Scanner deviations: one record gives the scanners' annotations and infra-kit's suppression,
with the same reason (ADR 0027)."""

from __future__ import annotations

from typing import Any

import pytest

from infra_kit.core.engine import Graph
from infra_kit.errors import ValidationError
from infra_kit.k8s import Collectors, CollectorsArgs, WebService, WebServiceArgs
from infra_kit.k8s._collector_pod import AGENT_TOKEN_REASON, HOST_LOGS_REASON
from infra_kit.k8s._deviations import (
    DEVIATION_ANNOTATION_PREFIX,
    PULL_BY_DIGEST_REASON,
    SCANNER_CHECKS,
    Deviation,
    deviation_annotations,
    deviation_suppressions,
)
from infra_kit.policy import GraphDoc
from tests.conftest import cluster_services_graph_for
from tests.k8s.helpers import IMAGE, OIDC, TAGGED_IMAGE, obj, synth
from tests.support import failing

ROOT = "reads the node's log files, which root owns"
TOKEN = "calls the Kubernetes API for pod metadata"


def test_each_scanner_gets_its_own_format_with_the_reason() -> None:
    annotations = deviation_annotations({Deviation.RUNS_AS_ROOT: ROOT, Deviation.API_TOKEN: TOKEN})
    assert annotations == {
        "infra-kit.io/deviation-runs-as-root": ROOT,
        "infra-kit.io/deviation-api-token": TOKEN,
        "ignore-check.kube-linter.io/run-as-non-root": ROOT,
        # Sorted by deviation name: api-token before runs-as-root; numbered from 1.
        "checkov.io/skip1": f"CKV_K8S_38={TOKEN}",
        "checkov.io/skip2": f"CKV_K8S_23={ROOT}",
        "checkov.io/skip3": f"CKV_K8S_40={ROOT}",
        "polaris.fairwinds.com/runAsRootAllowed-exempt": "true",
        "polaris.fairwinds.com/automountServiceAccountToken-exempt": "true",
    }


def test_only_deviations_infra_kit_would_fail_become_suppressions() -> None:
    deviations = {
        Deviation.RUNS_AS_ROOT: ROOT,
        Deviation.HOST_PATH: ROOT,
        Deviation.API_TOKEN: TOKEN,
        Deviation.PULL_BY_DIGEST: PULL_BY_DIGEST_REASON,
    }
    assert deviation_suppressions(deviations) == {"IK-SEC-4-RESTRICTED": ROOT}


def test_two_deviations_of_one_rule_with_different_reasons_are_refused() -> None:
    with pytest.raises(
        ValidationError,
        match=r"deviations\[runs-as-root\]=.*IK-SEC-4-RESTRICTED accepts it with host-path in "
        r"one suppression",
    ):
        deviation_suppressions({Deviation.RUNS_AS_ROOT: ROOT, Deviation.HOST_PATH: TOKEN})


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("root", r"at least 3 words"),
        ("needs uid=0 for the logs", r"Checkov splits its skip annotation on '='"),
    ],
)
def test_a_reason_scanners_could_not_carry_is_refused(reason: str, message: str) -> None:
    with pytest.raises(ValidationError, match=rf"^deviations\[runs-as-root\]=.*{message}"):
        deviation_annotations({Deviation.RUNS_AS_ROOT: reason})


def test_the_check_names_are_the_scanners_own() -> None:
    """As read in each scanner's repository (kube-linter docs/generated/checks.md, Checkov
    checkov/kubernetes/checks/resource/k8s, Polaris pkg/config/checks) on 2026-12-02."""
    assert {d: (c.kube_linter, c.checkov, c.polaris) for d, c in SCANNER_CHECKS.items()} == {
        Deviation.RUNS_AS_ROOT: (
            ("run-as-non-root",),
            ("CKV_K8S_23", "CKV_K8S_40"),
            ("runAsRootAllowed",),
        ),
        Deviation.HOST_PATH: (("writable-host-mount",), (), ("hostPathSet",)),
        Deviation.API_TOKEN: ((), ("CKV_K8S_38",), ("automountServiceAccountToken",)),
        Deviation.PULL_BY_DIGEST: ((), (), ("pullPolicyNotAlways",)),
    }


def _recorded(annotations: dict[str, str]) -> dict[Deviation, str]:
    return {
        Deviation(key.removeprefix(DEVIATION_ANNOTATION_PREFIX)): value
        for key, value in annotations.items()
        if key.startswith(DEVIATION_ANNOTATION_PREFIX)
    }


def _graph_agrees(graph: Graph) -> int:
    """Every recorded deviation's scanner annotations carry its reason, and infra-kit accepts
    it: with a suppression of the same reason, or because its rule passes. Returns how many."""
    doc = GraphDoc(graph.to_contract())
    suppressions = {(s.target, s.rule): s.reason for s in doc.suppressions}
    seen, deviating = 0, set()
    for record, item in doc.kubernetes:
        annotations = (item.get("metadata") or {}).get("annotations") or {}
        recorded = _recorded(annotations)
        assert annotations == {**annotations, **deviation_annotations(recorded)}
        for deviation, reason in recorded.items():
            seen += 1
            checks = SCANNER_CHECKS[deviation]
            key = (record["urn"], checks.rule_id)
            if checks.needs_suppression:
                assert suppressions.get(key) == reason, key
                deviating.add(key)
            else:
                assert key not in suppressions
                assert [f for f in failing(graph, checks.rule_id) if record["urn"] in f] == []
    # And no Kubernetes object has such a suppression without the annotations.
    objects = {record["urn"] for record, _ in doc.kubernetes}
    rules = {c.rule_id for c in SCANNER_CHECKS.values() if c.needs_suppression}
    assert {k for k in suppressions if k[0] in objects and k[1] in rules} == deviating
    return seen


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_in_the_cluster_services_graph_annotations_and_suppressions_agree(stack: str) -> None:
    graph = cluster_services_graph_for(stack)
    assert _graph_agrees(graph) >= 5  # the agent's four, and the gateway's digest
    agent = obj(graph, "DaemonSet", "otel-agent", "observability")
    assert _recorded(agent["metadata"]["annotations"]) == {
        Deviation.RUNS_AS_ROOT: HOST_LOGS_REASON,
        Deviation.HOST_PATH: HOST_LOGS_REASON,
        Deviation.API_TOKEN: AGENT_TOKEN_REASON,
        Deviation.PULL_BY_DIGEST: PULL_BY_DIGEST_REASON,
    }


def _services(env: Any, p: Any) -> None:
    Collectors("otel", CollectorsArgs(cluster_name="main"), env, provider=p, oidc=OIDC)
    WebService("pinned", WebServiceArgs(namespace="shop", image=IMAGE), env, provider=p)
    WebService("tagged", WebServiceArgs(namespace="shop", image=TAGGED_IMAGE), env, provider=p)


def test_a_workload_records_the_digest_deviation_only_when_pinned_by_digest() -> None:
    graph = synth(_services)
    assert _graph_agrees(graph) == 6
    pinned = obj(graph, "Deployment", "pinned", "shop")["metadata"]["annotations"]
    assert _recorded(pinned) == {Deviation.PULL_BY_DIGEST: PULL_BY_DIGEST_REASON}
    assert "annotations" not in obj(graph, "Deployment", "tagged", "shop")["metadata"]
