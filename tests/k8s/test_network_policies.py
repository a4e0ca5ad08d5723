"""Who a workload's NetworkPolicy admits, and which addresses it may reach on 443 (NET-5).

Expected CIDRs are written out rather than recomputed: every built-in profile has the VPC
10.0.0.0/16, with 2 AZs in dev and 3 in prod, laid out by :mod:`infra_kit.aws._cidr` (public
/21s from 10.0.128.0, private /20s from 10.0.0.0, isolated /22s from 10.0.192.0).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from infra_kit.core.engine import Graph
from infra_kit.k8s import (
    AlbIngress,
    Caller,
    Exposure,
    WebService,
    WebServiceArgs,
    Worker,
    WorkerArgs,
)
from infra_kit.k8s._network import AWS_API_REASON
from tests.k8s.helpers import CERTIFICATE, IMAGE, OIDC, WAF_ACL_ARN, matches, obj, synth
from tests.support import validate_manifests

PUBLIC = {
    "dev": ["10.0.128.0/21", "10.0.136.0/21"],
    "prod": ["10.0.128.0/21", "10.0.136.0/21", "10.0.144.0/21"],
}
PRIVATE = {
    "dev": ["10.0.0.0/20", "10.0.16.0/20"],
    "prod": ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"],
}
ISOLATED = {
    "dev": ["10.0.192.0/22", "10.0.196.0/22"],
    "prod": ["10.0.192.0/22", "10.0.196.0/22", "10.0.200.0/22"],
}
#: The container port, deliberately not the Service's port (80): policies see the pod's port.
PORT = 9090
ON_PORT = [{"port": PORT, "protocol": "TCP"}]


@pytest.fixture(params=["dev", "prod"])
def environment(request: pytest.FixtureRequest) -> str:
    return request.param


def _web(
    environment: str,
    *,
    ingress: AlbIngress | None = None,
    allow_from: Sequence[Caller] = (),
) -> Graph:
    return synth(
        lambda env, p: WebService(
            "quotes",
            WebServiceArgs(
                namespace="shop", image=IMAGE, port=PORT, ingress=ingress, allow_from=allow_from
            ),
            env,
            provider=p,
        ),
        environment,
    )


def _ingress(graph: Graph) -> list[dict[str, Any]]:
    return obj(graph, "NetworkPolicy", "quotes", "shop")["spec"]["ingress"]


def _from_cidrs(cidrs: Sequence[str]) -> list[dict[str, Any]]:
    return [{"from": [{"ipBlock": {"cidr": c}} for c in cidrs], "ports": ON_PORT}]


def _public() -> AlbIngress:
    return AlbIngress(
        certificate_arn=CERTIFICATE,
        exposure=Exposure.INTERNET_FACING,
        waf_acl_arn=WAF_ACL_ARN,
        access_log_bucket="alb-access-logs",
    )


def test_an_internet_facing_alb_is_admitted_from_exactly_the_public_subnets(
    environment: str,
) -> None:
    graph = _web(environment, ingress=_public())
    assert _ingress(graph) == _from_cidrs(PUBLIC[environment])
    assert validate_manifests(graph) == []


def test_an_internal_alb_is_admitted_from_the_private_subnets(environment: str) -> None:
    """The controller puts an internal ALB in the private subnets, where the pods live too, so
    this default also admits every pod of the cluster on the port: the documented limit."""
    graph = _web(
        environment, ingress=AlbIngress(certificate_arn=CERTIFICATE, exposure=Exposure.INTERNAL)
    )
    assert _ingress(graph) == _from_cidrs(PRIVATE[environment])


@pytest.mark.parametrize("exposure", list(Exposure))
def test_explicit_alb_source_cidrs_replace_the_default(
    environment: str, exposure: Exposure
) -> None:
    dedicated = ["10.0.152.0/26", "10.0.152.64/26"]
    graph = _web(
        environment,
        ingress=AlbIngress(
            certificate_arn=CERTIFICATE,
            exposure=exposure,
            waf_acl_arn=WAF_ACL_ARN,
            access_log_bucket="alb-access-logs",
            source_cidrs=dedicated,
        ),
    )
    assert _ingress(graph) == _from_cidrs(dedicated)


def _admitted(rules: list[dict[str, Any]], namespace: str, app: str) -> bool:
    """Whether a pod labelled ``app`` in ``namespace`` may connect on :data:`PORT`, by the
    selector semantics of NetworkPolicy (both selectors of a peer must match)."""
    namespace_labels = {"kubernetes.io/metadata.name": namespace}
    pod_labels = {"app.kubernetes.io/name": app}
    for rule in rules:
        if {"port": PORT, "protocol": "TCP"} not in rule["ports"]:
            continue
        for peer in rule["from"]:
            assert set(peer) <= {"namespaceSelector", "podSelector"}, peer
            if matches(peer["namespaceSelector"], namespace_labels) and matches(
                peer["podSelector"], pod_labels
            ):
                return True
    return False


def test_without_an_ingress_only_the_declared_callers_are_admitted(environment: str) -> None:
    callers = [Caller("shop", "storefront"), Caller("ops", "prober")]
    rules = _ingress(_web(environment, allow_from=callers))
    assert rules == [
        {
            "from": [
                {
                    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": ns}},
                    "podSelector": {"matchLabels": {"app.kubernetes.io/name": app}},
                }
                for ns, app in (("shop", "storefront"), ("ops", "prober"))
            ],
            "ports": ON_PORT,
        }
    ]
    assert _admitted(rules, "shop", "storefront")
    assert _admitted(rules, "ops", "prober")
    assert not _admitted(rules, "other", "storefront")
    assert not _admitted(rules, "shop", "checkout")
    assert not _admitted(rules, "ops", "storefront")


def test_without_callers_or_an_ingress_nothing_is_admitted(environment: str) -> None:
    assert _ingress(_web(environment)) == []


def test_aws_apis_exclude_link_local_and_the_isolated_subnets_only(environment: str) -> None:
    graph = synth(
        lambda env, p: Worker(
            "jobs", WorkerArgs(namespace="shop", image=IMAGE), env, provider=p, oidc=OIDC
        ),
        environment,
    )
    policy = obj(graph, "NetworkPolicy", "jobs", "shop")
    aws_apis = policy["spec"]["egress"][-1]
    assert aws_apis == {
        "to": [
            {
                "ipBlock": {
                    "cidr": "0.0.0.0/0",
                    "except": ["169.254.0.0/16", *ISOLATED[environment]],
                }
            }
        ],
        "ports": [{"port": 443, "protocol": "TCP"}],
    }
    assert policy["metadata"]["annotations"] == {"infra-kit.io/egress-reasons": AWS_API_REASON}
    assert validate_manifests(graph) == []
