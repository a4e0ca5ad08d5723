"""The platform's edge: the public zone, the web ACL and the ALB access-log bucket of each
environment, and the outputs a service reads them by (EDGE-1)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from infra_kit.core.engine import Graph

STACKS = ("dev", "stage", "prod")
#: The domains the stack files name (platform:dns_zone).
DOMAINS = {
    "dev": "dev.infra-kit.example.com",
    "stage": "stage.infra-kit.example.com",
    "prod": "infra-kit.example.com",
}
GROUPS = [
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
]


@pytest.mark.parametrize("stack", STACKS)
def test_each_environment_has_its_public_zone_exported(
    stack: str, platform_graph: Callable[[str], Graph]
) -> None:
    graph = platform_graph(stack)
    zone = graph.named("public", "aws:route53/zone:Zone")
    assert zone["inputs"]["name"] == DOMAINS[stack]
    assert zone["protect"] is (stack != "dev")
    assert graph.outputs["dns_zone_name"] == DOMAINS[stack]
    assert graph.outputs["dns_zone_id"].startswith("Z")
    assert len(graph.outputs["dns_zone_name_servers"]) == 4


@pytest.mark.parametrize("stack", STACKS)
def test_each_environment_has_one_web_acl_with_the_baseline_rules(
    stack: str, platform_graph: Callable[[str], Graph]
) -> None:
    graph = platform_graph(stack)
    (acl,) = graph.of_type("aws:wafv2/webAcl:WebAcl")
    rules = acl["inputs"]["rules"]
    assert [r["statement"].get("managedRuleGroupStatement", {}).get("name") for r in rules] == [
        *GROUPS,
        None,
    ]
    assert rules[-1]["statement"]["rateBasedStatement"]["limit"] == 2000
    assert rules[-1]["action"] == {"block": {}}
    assert all(r["visibilityConfig"]["cloudwatchMetricsEnabled"] for r in rules)
    assert graph.outputs["web_acl_arn"].startswith(
        f"arn:aws:wafv2:us-east-1:123456789012:regional/webacl/platform-{stack}-edge/"
    )
    (logging,) = graph.of_type("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration")
    assert logging["inputs"]["logDestinationConfigs"] == [
        f"arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-platform-{stack}-edge"
    ]


@pytest.mark.parametrize("stack", STACKS)
def test_each_environment_has_an_sse_s3_bucket_elb_delivers_access_logs_to(
    stack: str, platform_graph: Callable[[str], Graph]
) -> None:
    graph = platform_graph(stack)
    assert graph.outputs["alb_access_log_bucket"].startswith("alb-access-logs-")
    encryption = graph.named(
        "alb-access-logs-encryption",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    )
    (rule,) = encryption["inputs"]["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}
    policy = json.loads(
        graph.named("alb-access-logs-policy", "aws:s3/bucketPolicy:BucketPolicy")["inputs"][
            "policy"
        ]
    )
    (delivery,) = [
        s for s in policy["Statement"] if s["Sid"] == "AllowLoadBalancerAccessLogDelivery"
    ]
    assert delivery["Principal"] == {"AWS": ["arn:aws:iam::127311923021:root"]}  # us-east-1
