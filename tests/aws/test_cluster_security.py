"""The cluster's security groups: every rule names its peer, protocol and ports (NET-2, ADR 0006)."""

from __future__ import annotations

from typing import Any

import pytest

from infra_kit.aws import NodeEgress
from infra_kit.aws._cluster_security import plan_security_rules
from infra_kit.core.engine import Graph
from infra_kit.errors import ValidationError
from tests.aws.cluster_fixtures import CLUSTER_TYPE, ENVIRONMENTS, VPC_CIDR, graph, synth

INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
CP, NODES = "control-plane", "nodes"

#: (rule, group, peer, protocol, from, to) of every rule, ingress then egress.
EXPECTED_INGRESS = {
    ("core-sg-api-from-nodes", CP, NODES, "tcp", 443, 443),
    ("core-sg-nodes-from-api", NODES, CP, "tcp", 443, 443),
    ("core-sg-nodes-from-api-kubelet", NODES, CP, "tcp", 10250, 10250),
    ("core-sg-nodes-from-api-metrics-server", NODES, CP, "tcp", 10251, 10251),
    ("core-sg-nodes-from-api-lbc-webhook", NODES, CP, "tcp", 9443, 9443),
    ("core-sg-nodes-from-nodes", NODES, NODES, "tcp", 0, 65535),
    ("core-sg-nodes-from-nodes-dns-udp", NODES, NODES, "udp", 53, 53),
}
EXPECTED_EGRESS = {
    ("core-sg-to-nodes-https", CP, NODES, "tcp", 443, 443),
    ("core-sg-to-nodes-kubelet", CP, NODES, "tcp", 10250, 10250),
    ("core-sg-to-nodes-metrics-server", CP, NODES, "tcp", 10251, 10251),
    ("core-sg-to-nodes-lbc-webhook", CP, NODES, "tcp", 9443, 9443),
    ("core-sg-nodes-egress-https", NODES, "0.0.0.0/0", "tcp", 443, 443),
    ("core-sg-nodes-egress-vpc-tcp", NODES, VPC_CIDR, "tcp", 0, 65535),
    ("core-sg-nodes-egress-vpc-dns-udp", NODES, VPC_CIDR, "udp", 53, 53),
}


def _rules(g: Graph, type_: str) -> set[tuple[Any, ...]]:
    (component,) = g.of_type(CLUSTER_TYPE)
    outputs = component["outputs"]
    names = {
        outputs["cluster_security_group_id"]: CP,
        outputs["node_security_group_id"]: NODES,
    }
    out = set()
    for record in g.of_type(type_):
        i = record["inputs"]
        peer = names.get(i.get("referencedSecurityGroupId"), i.get("cidrIpv4"))
        row = (record["name"], names[i["securityGroupId"]], peer, i["ipProtocol"])
        out.add((*row, i["fromPort"], i["toPort"]))
    return out


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_ingress_rule_names_its_source_protocol_and_ports(environment: str) -> None:
    assert _rules(graph(environment), INGRESS) == EXPECTED_INGRESS


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_nodes_reach_https_anywhere_and_only_tcp_and_dns_inside_the_vpc(environment: str) -> None:
    assert _rules(graph(environment), EGRESS) == EXPECTED_EGRESS


def test_no_rule_admits_every_protocol() -> None:
    g = graph("prod")
    protocols = {r["inputs"]["ipProtocol"] for r in [*g.of_type(INGRESS), *g.of_type(EGRESS)]}
    assert protocols == {"tcp", "udp"}


def test_each_rule_says_what_it_is_for() -> None:
    g = graph("prod")
    kubelet = g.named("core-sg-nodes-from-api-kubelet", INGRESS)["inputs"]
    assert kubelet["description"] == "API server to kubelets"
    https = g.named("core-sg-nodes-egress-https", EGRESS)["inputs"]
    assert https["description"] == "HTTPS to AWS APIs (endpoints or NAT) and image registries"


@pytest.mark.parametrize(
    ("rule", "type_", "former"),
    [
        ("core-sg-nodes-from-api-kubelet", INGRESS, "core-sg-nodes-from-api-high"),
        ("core-sg-to-nodes-kubelet", EGRESS, "core-sg-to-nodes-high"),
        ("core-sg-nodes-egress-https", EGRESS, "core-sg-nodes-egress"),
    ],
)
def test_a_renamed_rule_keeps_its_released_name_as_an_alias(
    rule: str, type_: str, former: str
) -> None:
    record = graph("prod").named(rule, type_)
    assert record["aliases"] == [record["urn"].rsplit("::", 1)[0] + "::" + former]


@pytest.mark.parametrize(
    "narrowed",
    [
        "core-sg-nodes-from-api-kubelet",
        "core-sg-to-nodes-kubelet",
        "core-sg-nodes-from-nodes",
        "core-sg-nodes-egress-https",
    ],
)
def test_a_rule_narrowed_in_place_waits_for_the_rules_that_take_over_its_traffic(
    narrowed: str,
) -> None:
    g = graph("prod")
    record = next(r for r in [*g.of_type(INGRESS), *g.of_type(EGRESS)] if r["name"] == narrowed)
    for takes_over in (
        "core-sg-nodes-from-nodes-dns-udp",
        "core-sg-nodes-egress-vpc-tcp",
        "core-sg-nodes-egress-vpc-dns-udp",
        "core-sg-nodes-from-api-metrics-server",
        "core-sg-nodes-from-api-lbc-webhook",
    ):
        urn = next(r["urn"] for r in g if r["name"] == takes_over)
        assert urn in record["dependencies"], takes_over


def test_more_webhook_ports_open_both_sides_for_the_control_plane_only() -> None:
    g = synth("prod", control_plane_webhook_ports=[8443])
    assert ("core-sg-nodes-from-api-webhook-8443", NODES, CP, "tcp", 8443, 8443) in _rules(
        g, INGRESS
    )
    assert ("core-sg-to-nodes-webhook-8443", CP, NODES, "tcp", 8443, 8443) in _rules(g, EGRESS)


def test_node_egress_is_widened_only_by_a_named_rule_carrying_its_reason() -> None:
    reason = "orders calls the card processor API over TLS on 8443"
    g = synth(
        "prod",
        allow_node_egress=[
            NodeEgress(name="card-processor", cidr="203.0.113.0/24", ports=8443, reason=reason)
        ],
    )
    rule = g.named("core-sg-nodes-egress-card-processor", EGRESS)["inputs"]
    assert (rule["ipProtocol"], rule["fromPort"], rule["toPort"]) == ("tcp", 8443, 8443)
    assert (rule["cidrIpv4"], rule["description"]) == ("203.0.113.0/24", reason)


def _egress(**overrides: Any) -> NodeEgress:
    values: dict[str, Any] = {
        "name": "smtp",
        "cidr": "198.51.100.0/24",
        "ports": 587,
        "reason": "the mailer sends receipts through the relay",
    }
    return NodeEgress(**{**values, **overrides})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"vpc_cidr": "10.0.0.1/16"}, r"^vpc_cidr='10\.0\.0\.1/16': not an IPv4 network"),
        ({"webhook_ports": [10250]}, r"^control_plane_webhook_ports=10250: .*already reaches"),
        ({"webhook_ports": [70000]}, r"^control_plane_webhook_ports=70000: not a port"),
        (
            {"allow_node_egress": [_egress(reason="needed")]},
            r"^allow_node_egress\['smtp'\]\.reason='needed': widening what every pod",
        ),
        (
            {"allow_node_egress": [_egress(cidr="mail.example.com")]},
            r"^allow_node_egress\['smtp'\]\.cidr='mail\.example\.com': not an IPv4 CIDR",
        ),
        (
            {"allow_node_egress": [_egress(ports=(600, 500))]},
            r"^allow_node_egress\['smtp'\]\.ports=\(600, 500\): not a port or an ordered",
        ),
        (
            {"allow_node_egress": [_egress(protocol="icmp")]},
            r"^allow_node_egress\['smtp'\]\.protocol='icmp': only tcp or udp",
        ),
        (
            {"allow_node_egress": [_egress(), _egress()]},
            r"^allow_node_egress='smtp': each rule needs its own label",
        ),
        (
            {"allow_node_egress": [_egress(reason="the mailer's relay for receipts")]},
            r"becomes the rule's description, which EC2 limits",
        ),
    ],
)
def test_bad_rule_arguments_are_refused_with_the_key_value_and_fix(
    kwargs: dict[str, Any], message: str
) -> None:
    vpc_cidr = kwargs.pop("vpc_cidr", VPC_CIDR)
    with pytest.raises(ValidationError, match=message):
        plan_security_rules(vpc_cidr, **kwargs)


def test_a_refused_rule_registers_nothing() -> None:
    with pytest.raises(ValidationError):
        synth("prod", allow_node_egress=[_egress(reason="x")])
