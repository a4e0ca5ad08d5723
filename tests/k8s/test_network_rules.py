"""Callers, destinations and ALB settings are validated before anything exists (NET-5, EDGE-1)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra_kit.aws._cidr import SubnetTier
from infra_kit.errors import ValidationError
from infra_kit.k8s import DEFAULT_SSL_POLICY, AlbIngress, Caller, Egress, Exposure
from infra_kit.k8s._ingress import alb_annotations, alb_source_cidrs
from infra_kit.k8s._network import AWS_API_REASON, egress_reasons, egress_rule, tier_cidrs

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111"
WAF = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/edge/0a1b2c3d"
VPC = "10.0.0.0/16"
#: The subnet tiers of 10.0.0.0/16 in AZs 0, 1 and 2, as the Network lays them out.
TIERS = {
    SubnetTier.PUBLIC: ["10.0.128.0/21", "10.0.136.0/21", "10.0.144.0/21"],
    SubnetTier.PRIVATE: ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"],
    SubnetTier.ISOLATED: ["10.0.192.0/22", "10.0.196.0/22", "10.0.200.0/22"],
}
#: AZ counts of the built-in profiles.
AZS = {"dev": 2, "prod": 3}


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
    assert egress_reasons([egress, Egress.aws_apis(VPC, 2)]) == "; ".join(
        sorted(["a partner API rotates its addresses", AWS_API_REASON])
    )


def test_a_narrow_cidr_has_no_exception() -> None:
    rule: Any = egress_rule(Egress.to_cidrs(["10.0.64.0/20"], [5432]))
    peer = rule.to[0]
    assert peer.ip_block.except_ is None


@pytest.mark.parametrize("tier", list(TIERS))
@pytest.mark.parametrize("environment", sorted(AZS))
def test_tier_cidrs_are_the_networks_subnets_of_that_tier(
    environment: str, tier: SubnetTier
) -> None:
    count = AZS[environment]
    assert tier_cidrs(VPC, count, tier) == tuple(TIERS[tier][:count])


@pytest.mark.parametrize("environment", sorted(AZS))
def test_aws_apis_are_every_https_address_but_link_local_and_the_isolated_subnets(
    environment: str,
) -> None:
    count = AZS[environment]
    rule: Any = egress_rule(Egress.aws_apis(VPC, count))
    (peer,) = rule.to
    assert peer.ip_block.cidr == "0.0.0.0/0"
    assert peer.ip_block.except_ == [
        "169.254.0.0/16",
        *TIERS[SubnetTier.ISOLATED][:count],
    ]
    assert [(p.port, p.protocol) for p in rule.ports] == [(443, "TCP")]
    assert egress_reasons([Egress.aws_apis(VPC, count)]) == AWS_API_REASON


def test_the_aws_api_reason_says_why_the_private_subnets_stay_reachable() -> None:
    assert AWS_API_REASON == (
        "AWS API endpoints (STS for IRSA and the services granted to the role) have no fixed "
        "addresses; HTTPS only; the isolated (data-store) subnets are excluded, the private "
        "subnets are not because the interface endpoints share them with the pods, which "
        "therefore stay reachable on 443"
    )


def test_excluded_cidrs_are_carved_out_of_the_cidrs_that_contain_them() -> None:
    egress = Egress.to_cidrs(
        ["10.0.0.0/16", "172.16.0.0/12"], [443], excluding=["10.0.192.0/22", "172.16.0.0/24"]
    )
    rule: Any = egress_rule(egress)
    assert [(p.ip_block.cidr, p.ip_block.except_) for p in rule.to] == [
        ("10.0.0.0/16", ["10.0.192.0/22"]),
        ("172.16.0.0/12", ["172.16.0.0/24"]),
    ]


@pytest.mark.parametrize(
    ("excluded", "problem"),
    [
        ("10.1.0.0/24", "not a proper part of any of the destination's CIDRs"),
        ("10.0.0.0/16", "not a proper part of any of the destination's CIDRs"),
        ("10.0.0.1/24", "not a network in CIDR notation"),
    ],
)
def test_an_exclusion_outside_the_destination_is_refused(excluded: str, problem: str) -> None:
    with pytest.raises(
        ValidationError, match=rf"^egress_to.excluded_cidrs='{excluded}': {problem}"
    ):
        Egress.to_cidrs(["10.0.0.0/16"], [443], excluding=[excluded])


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
        AlbIngress(certificate_arn=CERT, exposure=Exposure.INTERNAL),
        health_check_path="/readyz",
        tags={"team": "a", "env": "b"},
        log_prefix="apps/web",
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
        "healthcheck-protocol": "HTTP",
        "healthcheck-path": "/readyz",
        "load-balancer-attributes": "routing.http.drop_invalid_header_fields.enabled=true",
        "tags": "env=b,team=a",
    }
    assert DEFAULT_SSL_POLICY == "ELBSecurityPolicy-TLS13-1-2-2021-06"


def test_an_internet_facing_alb_takes_the_waf_and_writes_access_logs() -> None:
    waf = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/edge/abc"
    annotations = alb_annotations(
        AlbIngress(
            certificate_arn=CERT,
            exposure=Exposure.INTERNET_FACING,
            waf_acl_arn=waf,
            access_log_bucket="alb-logs",
            group_name="edge",
        ),
        health_check_path="/readyz",
        tags={},
        log_prefix="apps/web",
    )
    internal = alb_annotations(
        AlbIngress(certificate_arn=CERT, exposure=Exposure.INTERNAL),
        health_check_path="/readyz",
        tags={},
        log_prefix="apps/web",
    )
    prefix = "alb.ingress.kubernetes.io/"
    assert annotations == {
        **internal,
        f"{prefix}scheme": "internet-facing",
        f"{prefix}wafv2-acl-arn": waf,
        f"{prefix}load-balancer-attributes": "routing.http.drop_invalid_header_fields.enabled=true,"
        "access_logs.s3.enabled=true,access_logs.s3.bucket=alb-logs,"
        "access_logs.s3.prefix=apps/web",
        f"{prefix}group.name": "edge",
    }
    assert internal[f"{prefix}scheme"] == "internal"


@pytest.mark.parametrize("arn", ["", "arn:aws:iam::123456789012:server-certificate/x"])
def test_an_ingress_without_an_acm_certificate_is_refused(arn: str) -> None:
    with pytest.raises(ValidationError, match="ingress.certificate_arn=.*needs an ACM certificate"):
        AlbIngress(certificate_arn=arn, exposure=Exposure.INTERNAL)


def test_a_tls_policy_older_than_1_2_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"ingress.ssl_policy='ELBSecurityPolicy-2016-08'"):
        AlbIngress(
            certificate_arn=CERT, exposure=Exposure.INTERNAL, ssl_policy="ELBSecurityPolicy-2016-08"
        )


def test_bad_hosts_and_source_ranges_are_refused() -> None:
    with pytest.raises(ValidationError, match="ingress.hosts='not a host'"):
        AlbIngress(certificate_arn=CERT, exposure=Exposure.INTERNAL, hosts=["not a host"])
    with pytest.raises(
        ValidationError,
        match=r"^ingress.source_cidrs='0.0.0.0/0': the ALB's interfaces live in the VPC, so "
        r"every address is never needed\. Fix: list the ALB subnets' CIDRs, or leave it unset "
        r"for its subnet tier's",
    ):
        AlbIngress(certificate_arn=CERT, exposure=Exposure.INTERNAL, source_cidrs=["0.0.0.0/0"])
    with pytest.raises(ValidationError, match=r"^ingress.source_cidrs='10.0.0.1/24': not a CIDR"):
        AlbIngress(certificate_arn=CERT, exposure=Exposure.INTERNAL, source_cidrs=["10.0.0.1/24"])


@pytest.mark.parametrize("environment", sorted(AZS))
def test_an_internet_facing_alb_is_admitted_from_the_public_subnets(environment: str) -> None:
    count = AZS[environment]
    ingress = AlbIngress(
        certificate_arn=CERT,
        exposure=Exposure.INTERNET_FACING,
        waf_acl_arn=WAF,
        access_log_bucket="alb-logs",
    )
    assert alb_source_cidrs(ingress, VPC, count) == tuple(TIERS[SubnetTier.PUBLIC][:count])


@pytest.mark.parametrize("environment", sorted(AZS))
def test_an_internal_alb_is_admitted_from_the_private_subnets(environment: str) -> None:
    count = AZS[environment]
    ingress = AlbIngress(certificate_arn=CERT, exposure=Exposure.INTERNAL)
    assert alb_source_cidrs(ingress, VPC, count) == tuple(TIERS[SubnetTier.PRIVATE][:count])


@pytest.mark.parametrize("exposure", list(Exposure))
def test_explicit_alb_subnets_win_over_the_tier_default(exposure: Exposure) -> None:
    ingress = AlbIngress(
        certificate_arn=CERT,
        exposure=exposure,
        waf_acl_arn=WAF,
        access_log_bucket="alb-logs",
        source_cidrs=["10.0.152.0/26"],
    )
    assert alb_source_cidrs(ingress, VPC, 3) == ("10.0.152.0/26",)
