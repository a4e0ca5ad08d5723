"""The example's public edge: its own name and certificate in the platform's zone, the
platform's web ACL and access-log bucket, and an internet-facing HTTPS ALB (EDGE-1)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from infra_kit.core.engine import Graph, synthesize
from infra_kit.errors import SynthError
from tests.conftest import graph_of
from tests.support import copy_of_the_repository

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "orders-service"
REPO = EXAMPLE.parents[1]
ALB = "alb.ingress.kubernetes.io/"
#: The hosts the stack files name, each in the platform's zone of its environment.
HOSTS = {"dev": "orders.dev.infra-kit.example.com", "prod": "orders.infra-kit.example.com"}


def _graph(stack: str) -> Graph:
    return graph_of(EXAMPLE, stack)


@pytest.mark.parametrize("stack", sorted(HOSTS))
def test_the_certificate_is_validated_in_the_platforms_zone(stack: str) -> None:
    graph = _graph(stack)
    platform = graph_of(REPO, stack)
    certificate = graph.named("orders-public", "aws:acm/certificate:Certificate")
    assert certificate["inputs"]["domainName"] == HOSTS[stack]
    assert certificate["inputs"]["validationMethod"] == "DNS"
    record = graph.named("orders-public-validation", "aws:route53/record:Record")
    assert record["inputs"]["zoneId"] == platform.outputs["dns_zone_id"]
    assert record["inputs"]["type"] == "CNAME"
    validation = graph.named(
        "orders-public-validation", "aws:acm/certificateValidation:CertificateValidation"
    )
    assert validation["inputs"]["validationRecordFqdns"] == [record["inputs"]["name"]]
    alarms = [r for r in graph.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")]
    watched = {a["name"] for a in alarms if a["inputs"].get("metricName") == "DaysToExpiry"}
    assert watched == {"orders-public-expiry-warning", "orders-public-expiry-critical"}


@pytest.mark.parametrize("stack", sorted(HOSTS))
def test_the_api_is_internet_facing_behind_the_platforms_waf_with_access_logs(stack: str) -> None:
    graph = _graph(stack)
    platform = graph_of(REPO, stack)
    (ingress,) = [o for o in graph.kubernetes_objects() if o["kind"] == "Ingress"]
    annotations = ingress["metadata"]["annotations"]
    certificate = graph.named(
        "orders-public-validation", "aws:acm/certificateValidation:CertificateValidation"
    )
    assert annotations[f"{ALB}scheme"] == "internet-facing"
    assert annotations[f"{ALB}wafv2-acl-arn"] == platform.outputs["web_acl_arn"]
    assert annotations[f"{ALB}certificate-arn"] == certificate["inputs"]["certificateArn"]
    assert annotations[f"{ALB}listen-ports"] == '[{"HTTP": 80}, {"HTTPS": 443}]'
    assert annotations[f"{ALB}ssl-redirect"] == "443"
    assert annotations[f"{ALB}ssl-policy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert annotations[f"{ALB}backend-protocol"] == "HTTP"
    bucket = platform.outputs["alb_access_log_bucket"]
    assert annotations[f"{ALB}load-balancer-attributes"] == (
        "routing.http.drop_invalid_header_fields.enabled=true,access_logs.s3.enabled=true,"
        f"access_logs.s3.bucket={bucket},access_logs.s3.prefix=apps/orders-api"
    )
    assert [rule["host"] for rule in ingress["spec"]["rules"]] == [HOSTS[stack]]


def test_a_host_outside_the_platforms_zone_is_refused(tmp_path: Path) -> None:
    copy = copy_of_the_repository(tmp_path, REPO)
    stack_file = copy / "Pulumi.dev.yaml"
    config = yaml.safe_load(stack_file.read_text())
    config["config"]["orders-service:host"] = "orders.example.org"
    stack_file.write_text(yaml.safe_dump(config))
    with pytest.raises(SynthError, match=r"host='orders\.example\.org': not in the platform's DNS"):
        synthesize(copy, "dev")
