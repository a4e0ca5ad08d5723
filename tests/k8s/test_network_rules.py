"""Callers, destinations and ALB settings are validated before anything exists (NET-5, EDGE-1)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra_kit.errors import ValidationError
from infra_kit.k8s import DEFAULT_SSL_POLICY, AlbIngress, Caller, Egress
from infra_kit.k8s._ingress import alb_annotations
from infra_kit.k8s._network import AWS_API_REASON, egress_reasons, egress_rule

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111"


def test_a_destination_is_cidrs_or_an_app_not_both() -> None:
    with pytest.raises(ValidationError, match="either CIDRs or an in-cluster app"):
        Egress(ports=(443,), cidrs=("10.0.0.0/16",), namespace="apps", app="api")
    with pytest.raises(ValidationError, match="either CIDRs or an in-cluster app"):
        Egress(ports=(443,))


def test_a_destination_needs_valid_ports() -> None:
    with pytest.raises(ValidationError, match=r"egress_to.ports=\(\): no port given"):
        Egress.to_cidrs(["10.0.0.0/16"], [])
    with pytest.raises(ValidationError, match="egress_to.ports=70000: not a port"):
        Egress.to_cidrs(["10.0.0.0/16"], [70000])


@pytest.mark.parametrize("cidr", ["10.0.0.1/16", "10.0.0.0/33", "database"])
def test_a_malformed_cidr_is_refused(cidr: str) -> None:
    with pytest.raises(ValidationError, match=rf"egress_to.cidrs='{cidr}': not a network"):
        Egress.to_cidrs([cidr], [5432])


def test_every_address_is_refused_without_a_reason() -> None:
    with pytest.raises(
        ValidationError, match=r"egress_to.cidrs='0.0.0.0/0': .*only with a written reason"
    ):
        Egress.to_cidrs(["0.0.0.0/0"], [443])


def test_every_address_with_a_reason_excludes_link_local_and_records_it() -> None:
    egress = Egress.to_cidrs(["0.0.0.0/0"], [443], reason="a partner API rotates its addresses")
    rule: Any = egress_rule(egress)  # typed as Input[...] unions; plain values here
    peer = rule.to[0]
    assert (peer.ip_block.cidr, peer.ip_block.except_) == ("0.0.0.0/0", ["169.254.0.0/16"])
    assert egress_reasons([egress, Egress.aws_apis()]) == "; ".join(
        sorted(["a partner API rotates its addresses", AWS_API_REASON])
    )


def test_a_narrow_cidr_has_no_exception() -> None:
    rule: Any = egress_rule(Egress.to_cidrs(["10.0.64.0/20"], [5432]))
    peer = rule.to[0]
    assert peer.ip_block.except_ is None


def test_an_in_cluster_destination_selects_namespace_and_app() -> None:
    rule: Any = egress_rule(Egress.to_app("payments", "ledger", [8080]))
    peer = rule.to[0]
    assert peer.namespace_selector.match_labels == {"kubernetes.io/metadata.name": "payments"}
    assert peer.pod_selector.match_labels == {"app.kubernetes.io/name": "ledger"}


@pytest.mark.parametrize(("namespace", "app"), [("Apps", "web"), ("apps", "web_1"), ("", "web")])
def test_callers_are_kubernetes_names(namespace: str, app: str) -> None:
    with pytest.raises(ValidationError, match=r"allow_from\.(namespace|app)="):
        Caller(namespace, app)


# -- ALB ingress -------------------------------------------------------------------------------


def test_alb_annotations_terminate_tls_and_redirect_http() -> None:
    annotations = alb_annotations(
        AlbIngress(certificate_arn=CERT),
        health_check_path="/readyz",
        tags={"team": "a", "env": "b"},
    )
    prefix = "alb.ingress.kubernetes.io/"
    assert {k.removeprefix(prefix): v for k, v in annotations.items()} == {
        "scheme": "internal",
        "target-type": "ip",
        "listen-ports": json.dumps([{"HTTP": 80}, {"HTTPS": 443}]),
        "ssl-redirect": "443",
        "certificate-arn": CERT,
        "ssl-policy": DEFAULT_SSL_POLICY,
        "backend-protocol": "HTTP",
        "healthcheck-path": "/readyz",
        "load-balancer-attributes": "routing.http.drop_invalid_header_fields.enabled=true",
        "tags": "env=b,team=a",
    }
    assert DEFAULT_SSL_POLICY == "ELBSecurityPolicy-TLS13-1-2-2021-06"


def test_an_internet_facing_alb_is_opt_in_and_can_take_a_waf() -> None:
    waf = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/edge/abc"
    annotations = alb_annotations(
        AlbIngress(certificate_arn=CERT, internet_facing=True, waf_acl_arn=waf, group_name="edge"),
        health_check_path="/readyz",
        tags={},
    )
    assert annotations["alb.ingress.kubernetes.io/scheme"] == "internet-facing"
    assert annotations["alb.ingress.kubernetes.io/wafv2-acl-arn"] == waf
    assert annotations["alb.ingress.kubernetes.io/group.name"] == "edge"


@pytest.mark.parametrize("arn", ["", "arn:aws:iam::123456789012:server-certificate/x"])
def test_an_ingress_without_an_acm_certificate_is_refused(arn: str) -> None:
    with pytest.raises(ValidationError, match="ingress.certificate_arn=.*needs an ACM certificate"):
        AlbIngress(certificate_arn=arn)


def test_a_tls_policy_older_than_1_2_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"ingress.ssl_policy='ELBSecurityPolicy-2016-08'"):
        AlbIngress(certificate_arn=CERT, ssl_policy="ELBSecurityPolicy-2016-08")


def test_bad_hosts_and_source_ranges_are_refused() -> None:
    with pytest.raises(ValidationError, match="ingress.hosts='not a host'"):
        AlbIngress(certificate_arn=CERT, hosts=["not a host"])
    with pytest.raises(ValidationError, match="ingress.source_cidrs='0.0.0.0/0'"):
        AlbIngress(certificate_arn=CERT, source_cidrs=["0.0.0.0/0"])
