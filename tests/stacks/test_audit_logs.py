"""Audit-class logs are kept at least a year in prod (OBS-2): the EKS control plane's and the VPC's
flow logs in the platform, the database's in the example service."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from infra_kit.core.engine import Graph
from infra_kit.policy import GraphDoc
from infra_kit.policy.rules.logs import AUDIT_RETENTION_DAYS, audit_log_groups
from tests.conftest import REPO, graph_of

Graphs = Callable[[str], Graph]


def _audit(graph: Graph) -> dict[str, int]:
    """What each audit-class group holds -> its retention in days."""
    doc = GraphDoc(graph.to_contract())
    return {
        f"{holds}: {group['inputs']['name']}": group["inputs"]["retentionInDays"]
        for group, holds in audit_log_groups(doc)
    }


def test_the_prod_platforms_control_plane_and_flow_logs_are_kept_a_year(
    platform_graph: Graphs,
) -> None:
    kept = _audit(platform_graph("prod"))
    assert {k.split(":")[0] for k in kept} == {"EKS control-plane logs", "VPC flow logs"}
    assert all(days >= AUDIT_RETENTION_DAYS for days in kept.values()), kept


@pytest.mark.parametrize("project", ["examples/orders-service"])
def test_the_prod_example_keeps_its_database_logs_a_year(project: str) -> None:
    kept = _audit(graph_of(REPO / project, "prod"))
    assert {k.split(":")[0] for k in kept} == {"database logs"}
    assert all(days >= AUDIT_RETENTION_DAYS for days in kept.values()), kept
