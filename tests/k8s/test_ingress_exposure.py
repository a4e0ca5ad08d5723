"""AlbIngress: exposure is stated, a public ALB has a WAF and access logs or a written reason
for each one left out, and ALB-to-pod TLS is an option (EDGE-1, SEC-3)."""

from __future__ import annotations

from typing import Any

import pytest

from infra_kit.errors import ValidationError
from infra_kit.k8s import AlbIngress, BackendProtocol, Exposure, WebService, WebServiceArgs
from infra_kit.k8s._ingress import alb_annotations
from infra_kit.policy import RULES, GraphDoc, rules_for
from infra_kit.policy._check import check_graph
from tests.k8s.helpers import CERTIFICATE, IMAGE, WAF_ACL_ARN, obj, synth

ALB = "alb.ingress.kubernetes.io/"
REASON = "The partner gateway in front applies the same managed rule groups"


def _public(**kwargs: Any) -> AlbIngress:
    args: dict[str, Any] = {
        "certificate_arn": CERTIFICATE,
        "exposure": Exposure.INTERNET_FACING,
        "waf_acl_arn": WAF_ACL_ARN,
        "access_log_bucket": "alb-logs",
        **kwargs,
    }
    return AlbIngress(**args)


def test_an_ingress_without_its_exposure_is_refused_with_the_fix() -> None:
    with pytest.raises(
        ValidationError,
        match=r"^ingress\.exposure=None: an ALB's exposure is never assumed: say whether it is "
        r"internal or faces the internet \(EDGE-1\)\. Fix: pass exposure=Exposure\.INTERNAL .*"
        r"or exposure=Exposure\.INTERNET_FACING with waf_acl_arn= and access_log_bucket=",
    ):
        AlbIngress(certificate_arn=CERTIFICATE)


def test_exposure_as_a_string_is_refused_too() -> None:
    with pytest.raises(ValidationError, match=r"^ingress\.exposure='internet-facing'"):
        AlbIngress(certificate_arn=CERTIFICATE, exposure="internet-facing")  # type: ignore[arg-type] -- the refusal under test


def test_an_internet_facing_alb_without_a_waf_or_a_reason_is_refused() -> None:
    with pytest.raises(
        ValidationError,
        match=r"^ingress\.waf_acl_arn=None: an internet-facing ALB is put behind a WAFv2 web ACL"
        r".*Fix: pass waf_acl_arn= .*or disable_waf_reason=",
    ):
        _public(waf_acl_arn=None)


def test_an_internet_facing_alb_without_access_logs_or_a_reason_is_refused() -> None:
    with pytest.raises(
        ValidationError,
        match=r"^ingress\.access_log_bucket=None: an internet-facing ALB writes access logs"
        r".*Fix: pass access_log_bucket= .*or disable_access_logs_reason=",
    ):
        _public(access_log_bucket=None)


@pytest.mark.parametrize(
    ("kwargs", "key", "words"),
    [
        ({"waf_acl_arn": None, "disable_waf_reason": "not needed"}, "disable_waf_reason", "4 words"),
        ({"disable_waf_reason": REASON}, "disable_waf_reason", "a web ACL is given as well"),
        ({"access_log_bucket": None, "disable_access_logs_reason": "no"}, "disable_access_logs_reason", "4 words"),
        ({"disable_access_logs_reason": REASON}, "disable_access_logs_reason", "bucket is given as well"),
        ({"access_log_prefix": "/apps"}, "access_log_prefix", "S3 key segments"),
        ({"access_log_prefix": "apps/AWSLogs"}, "access_log_prefix", "without 'AWSLogs'"),
        ({"backend_protocol": "TLS"}, "backend_protocol", "not a BackendProtocol"),
    ],
)  # fmt: skip
def test_contradictory_or_unexplained_edge_options_are_refused(
    kwargs: dict[str, Any], key: str, words: str
) -> None:
    with pytest.raises(ValidationError, match=rf"^ingress\.{key}=") as raised:
        _public(**kwargs)
    assert words in str(raised.value)


def test_an_internal_alb_has_no_waf_to_disable() -> None:
    with pytest.raises(ValidationError, match=r"internal ALB needs no WAF"):
        AlbIngress(
            certificate_arn=CERTIFICATE, exposure=Exposure.INTERNAL, disable_waf_reason=REASON
        )


def test_without_a_waf_the_ingress_says_why_and_removes_any_acl() -> None:
    annotations = alb_annotations(
        _public(waf_acl_arn=None, disable_waf_reason=REASON),
        health_check_path="/readyz",
        tags={},
        log_prefix="apps/web",
    )
    assert annotations[f"{ALB}wafv2-acl-arn"] == "none"
    assert annotations["infra-kit.io/waf-disabled-reason"] == REASON


def test_https_to_the_pods_sets_the_backend_and_health_check_protocol() -> None:
    annotations = alb_annotations(
        _public(backend_protocol=BackendProtocol.HTTPS, access_log_prefix="edge/orders"),
        health_check_path="/readyz",
        tags={},
        log_prefix="apps/web",
    )
    assert annotations[f"{ALB}backend-protocol"] == "HTTPS"
    assert annotations[f"{ALB}healthcheck-protocol"] == "HTTPS"
    assert annotations[f"{ALB}load-balancer-attributes"].endswith(
        "access_logs.s3.bucket=alb-logs,access_logs.s3.prefix=edge/orders"
    )


def _service_graph(ingress: AlbIngress) -> Any:
    def build(env: Any, p: Any) -> None:
        WebService(
            "quotes",
            WebServiceArgs(namespace="shop", image=IMAGE, ingress=ingress),
            env,
            provider=p,
        )

    return synth(build, "prod")


def test_a_public_service_passes_the_edge_rules_and_records_its_exposure() -> None:
    graph = _service_graph(_public())
    annotations = obj(graph, "Ingress", "quotes", "shop")["metadata"]["annotations"]
    assert annotations[f"{ALB}scheme"] == "internet-facing"
    assert annotations[f"{ALB}wafv2-acl-arn"] == WAF_ACL_ARN
    assert annotations[f"{ALB}ssl-redirect"] == "443"
    assert annotations[f"{ALB}ssl-policy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert annotations[f"{ALB}load-balancer-attributes"] == (
        "routing.http.drop_invalid_header_fields.enabled=true,access_logs.s3.enabled=true,"
        "access_logs.s3.bucket=alb-logs,access_logs.s3.prefix=shop/quotes"
    )
    report = check_graph(GraphDoc(graph.to_contract()))
    exposure_rules = {
        "IK-EDGE-1-WAF",
        "IK-EDGE-1-ALB-ACCESS-LOGS",
        "IK-EDGE-1-PUBLIC-LOAD-BALANCER",
    }
    assert [f.rule.id for f in report.failed if f.rule.id in exposure_rules] == []
    assert [f.rule.id for f in report.accepted if f.rule.id in exposure_rules] == [
        "IK-EDGE-1-PUBLIC-LOAD-BALANCER"
    ]


def test_a_waf_turned_off_stays_visible_in_the_graph_as_annotation_and_suppression() -> None:
    graph = _service_graph(_public(waf_acl_arn=None, disable_waf_reason=REASON))
    annotations = obj(graph, "Ingress", "quotes", "shop")["metadata"]["annotations"]
    assert annotations["infra-kit.io/waf-disabled-reason"] == REASON
    suppression = graph.named("quotes-ingress-ik-edge-1-waf", "infra-kit:policy:Suppression")
    assert suppression["outputs"] == {"rule": "IK-EDGE-1-WAF", "reason": REASON, "resources": []}
    rules_for()
    assert RULES["IK-EDGE-1-WAF"].run(GraphDoc(graph.to_contract()))  # found, then accepted
