"""An access-log bucket that receives ALB access logs: who may deliver them, by region (EDGE-1)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra_kit.aws._bucket_policies import load_balancer_log_principal
from infra_kit.aws.bucket import Bucket, BucketArgs, BucketPurpose
from infra_kit.aws.key import Key, KeyArgs
from infra_kit.core.environment import Environment
from infra_kit.errors import ValidationError
from infra_kit.testing import run_offline

POLICY = "aws:s3/bucketPolicy:BucketPolicy"
SUPPRESSION = "infra-kit:policy:Suppression"


def _statements(region: str) -> dict[str, Any]:
    def build(env: Environment) -> None:
        Bucket(
            "alb-logs",
            BucketArgs(purpose=BucketPurpose.ACCESS_LOGS, enable_load_balancer_log_delivery=True),
            env,
        )

    graph = run_offline(build, environment="dev", region=region)
    policy = json.loads(graph.named("alb-logs-policy", POLICY)["inputs"]["policy"])
    return {s["Sid"]: s for s in policy["Statement"]}


def test_in_an_older_region_the_regions_elb_account_puts_the_logs() -> None:
    statement = _statements("us-east-1")["AllowLoadBalancerAccessLogDelivery"]
    assert statement["Effect"] == "Allow"
    # us-east-1's Elastic Load Balancing account, as the ELB User Guide lists it.
    assert statement["Principal"] == {"AWS": ["arn:aws:iam::127311923021:root"]}
    assert statement["Action"] == ["s3:PutObject"]
    (resource,) = statement["Resource"]
    assert resource.startswith("arn:aws:s3:::alb-logs-")
    assert resource.endswith("/*/AWSLogs/123456789012/*")


def test_in_a_region_opened_since_august_2022_the_log_delivery_service_does() -> None:
    assert load_balancer_log_principal("ap-southeast-5", "aws") == {
        "Service": ["logdelivery.elasticloadbalancing.amazonaws.com"]
    }
    assert load_balancer_log_principal("eu-west-1", "aws") == {
        "AWS": ["arn:aws:iam::156460612806:root"]
    }


def test_the_bucket_still_denies_plain_http_and_takes_s3_server_logs() -> None:
    statements = _statements("us-east-1")
    assert set(statements) == {
        "DenyInsecureTransport",
        "AllowServerAccessLogDelivery",
        "AllowLoadBalancerAccessLogDelivery",
    }


def test_its_sse_s3_is_accepted_with_the_alb_limitation_named() -> None:
    def build(env: Environment) -> None:
        Bucket(
            "alb-logs",
            BucketArgs(purpose=BucketPurpose.ACCESS_LOGS, enable_load_balancer_log_delivery=True),
            env,
        )

    graph = run_offline(build, environment="prod")
    reason = graph.named("alb-logs-ik-sec-3-cmk", SUPPRESSION)["outputs"]["reason"]
    assert "Elastic Load Balancing User Guide" in reason
    assert "docs/adr/0024" in reason


def test_a_data_bucket_cannot_receive_load_balancer_logs() -> None:
    def build(env: Environment) -> None:
        key = Key("data-key", KeyArgs(description="data", via_services=("s3",)), env)
        Bucket("data", BucketArgs(key=key, enable_load_balancer_log_delivery=True), env)

    with pytest.raises(
        ValidationError,
        match=r"^enable_load_balancer_log_delivery=True: only an ACCESS_LOGS bucket receives",
    ):
        run_offline(build)
