"""The architecture document of the prod platform, with the example app that runs on it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from infra_kit.architecture import derive, find_docs, render_document, top_level_components
from infra_kit.architecture.diagram import build_diagram, render_mermaid
from infra_kit.policy import GraphDoc
from tests.conftest import REPO, graph_of

EXAMPLE = REPO / "examples" / "orders-service"


@pytest.fixture(scope="module")
def graphs() -> list[GraphDoc]:
    return [
        GraphDoc(graph_of(REPO, "prod").to_contract()),
        GraphDoc(graph_of(EXAMPLE, "prod").to_contract()),
    ]


@pytest.fixture(scope="module")
def document(graphs: list[GraphDoc], tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    out = tmp_path_factory.mktemp("architecture")
    arch = derive(graphs)
    text = render_document(
        arch,
        docs=find_docs(REPO),
        out_dir=out,
        mermaid=render_mermaid(build_diagram(arch)),
        svg=True,
    )
    return text, out


def test_the_document_names_every_top_level_component_of_every_graph(
    graphs: list[GraphDoc], document: tuple[str, Path]
) -> None:
    text, _ = document
    named = [(c["name"], c["type"]) for g in graphs for c in top_level_components(g)]
    # The platform's and the example's components, as their programs create them.
    assert {
        ("core", "infra-kit:aws:Network"),
        ("platform", "infra-kit:aws:Cluster"),
        ("platform", "infra-kit:aws:Key"),
        ("edge", "infra-kit:aws:WebAcl"),
        ("backups", "infra-kit:aws:Backups"),
        ("orders-db", "infra-kit:aws:Database"),
        ("orders-api", "infra-kit:k8s:WebService"),
    } <= set(named)
    missing = [f"{n} ({t})" for n, t in named if f"**`{n}`** (`{t}`)" not in text]
    assert missing == []


def test_each_component_states_its_purpose_from_its_class(document: tuple[str, Path]) -> None:
    text, _ = document
    assert "**`core`** (`infra-kit:aws:Network`): A VPC with public, private and isolated" in text
    assert (
        "**`orders-db`** (`infra-kit:aws:Database`): RDS for PostgreSQL in isolated subnets."
        in text
    )


def test_the_components_configuration_is_read_from_their_children(
    document: tuple[str, Path],
) -> None:
    text, _ = document
    # prod profile: on-demand m6i.large/m5.large, 1..20 nodes per AZ, 2 at rest; db.r6g.large Multi-AZ
    assert "ON_DEMAND m6i.large/m5.large, 1..20 nodes, desired 2" in text
    assert "db.r6g.large, Multi-AZ, 100..1000 GiB gp3, backups kept 14 days" in text
    assert "HPA orders-api: 3..30 replicas at cpu 70%" in text


def test_the_recovery_objectives_are_the_prod_profiles(document: tuple[str, Path]) -> None:
    text, _ = document
    # recovery.rto_hours, recovery.rpo_hours and recovery.database_rpo_minutes of prod.
    assert "| RTO | 4 h | `recovery.rto_hours` |" in text
    assert "| RPO | 6 h for buckets and volumes, 5 min for the database |" in text
    assert "| RTO (any restore) | 4 h |" in text
    assert "| Availability | 99.9% of requests without a 5xx over 30 days |" in text


def test_the_environments_are_compared_on_what_differs(document: tuple[str, Path]) -> None:
    text, _ = document
    assert "| `network.nat_strategy` | single | single | single | one_per_az | one_per_az |" in text
    assert "| `cluster.capacity_type` | SPOT | SPOT | SPOT | ON_DEMAND | ON_DEMAND |" in text
    # The same in every environment, so not a difference.
    assert "`workloads.cpu_request`" not in text


def test_the_trade_offs_name_the_environments_that_take_them(document: tuple[str, Path]) -> None:
    text, _ = document
    row = next(
        line
        for line in text.splitlines()
        if line.startswith("| `network.nat_strategy`")
        and "Loses" not in line
        and "dev, preview, stage" in line
    )
    assert "one_per_az" in row
    assert "egress of every private subnet depends on one AZ" in row
    spot = next(
        line
        for line in text.splitlines()
        if line.startswith("| `cluster.capacity_type`") and "reclaimed" in line
    )
    assert "| dev, preview, stage | ON_DEMAND |" in spot


def test_every_alarm_is_listed_with_its_threshold(
    graphs: list[GraphDoc], document: tuple[str, Path]
) -> None:
    text, _ = document
    names = [
        GraphDoc.inputs(a)["name"]
        for g in graphs
        for a in g.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    ]
    assert names
    assert [n for n in names if f"`{n}`" not in text] == []
    # OBS-3: deployment success warns below 98 and is critical below 95.
    assert (
        "| `prod-platform-prod-delivery-deployment-success-critical` | InfraKit/Delivery/DeploymentSuccess | < 95 |"
        in text
    )
    assert (
        "| `prod-platform-prod-delivery-deployment-success-warning` | InfraKit/Delivery/DeploymentSuccess | < 98 |"
        in text
    )


def test_the_scaling_rules_and_the_deployment_strategy_come_from_the_workloads(
    document: tuple[str, Path],
) -> None:
    text, _ = document
    assert (
        "| `apps/orders-api` -> Rollout orders-api | 3..30 (10x) | cpu at 70% of requests |" in text
    )
    assert "canary: 10% -> pause 300s -> 25% -> pause 300s -> 50% -> pause 300s" in text
    assert "Nodes: 6 desired, up to 60 (10x the baseline" in text


def test_every_relative_link_resolves(document: tuple[str, Path]) -> None:
    text, out = document
    links = [target for target in re.findall(r"\]\(([^)]+)\)", text) if "://" not in target]
    adrs = [t for t in links if "/adr/" in t]
    runbooks = [t for t in links if "/runbooks/" in t]
    assert len(adrs) == len(list((REPO / "docs" / "adr").glob("0*.md")))
    assert len(runbooks) == len(list((REPO / "docs" / "runbooks").glob("*.md")))
    # architecture.svg is written beside the document by write_documents.
    assert [t for t in links if t != "architecture.svg" and not (out / t).resolve().is_file()] == []


def test_nothing_is_left_unfilled(document: tuple[str, Path]) -> None:
    text, _ = document
    for marker in ("None", "TODO", "TBD", "{"):
        lines = [line for line in text.splitlines() if marker in line and "```" not in line]
        lines = [line for line in lines if not line.startswith("  ") and "flowchart" not in line]
        assert lines == [], marker


def test_the_cost_section_prices_each_stack_and_their_sum(document: tuple[str, Path]) -> None:
    text, _ = document
    cost = text.split("\n## Cost\n", 1)[1].split("\n## ", 1)[0]
    assert "### Monthly cost of `platform/prod`" in cost
    assert "### Monthly cost of `orders-service/prod`" in cost
    assert cost.count("**Largest cost driver:**") == 2
    together = re.search(
        r"Together \$([\d,.]+) a month: `platform/prod` \$([\d,.]+) \+ `orders-service/prod` \$([\d,.]+)\.",
        cost,
    )
    assert together is not None
    total, platform, orders = (float(v.replace(",", "")) for v in together.groups())
    assert total == pytest.approx(platform + orders, abs=0.01)
