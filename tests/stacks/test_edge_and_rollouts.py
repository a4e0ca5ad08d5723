"""The public edge and safe rollouts, across the prod graphs of the platform, its cluster services
and the example service taken together (EDGE-1, DEP-1, DEP-2, K8S-4, SEC-1):

- the example's certificate is validated by DNS in the platform's zone, and its Ingress carries it;
- ExternalDNS may change records of that one zone only, and publishes only names in it;
- the platform's web ACL is the one the example's internet-facing Ingress is associated with;
- the namespace the example's Ingress sends traffic into injects ALB readiness gates;
- the rollout controller is installed, and the example's prod service rolls out by canary with an
  analysis that aborts, while dev keeps the surge-only Deployment.

Each part is also tested where it is built; this file ties the stacks together, reading every
value the example uses from the graph that produced it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra_kit.core.engine import Graph
from tests.conftest import CLUSTER_SERVICES, REPO, graph_of

EXAMPLE = REPO / "examples" / "orders-service"
ALB = "alb.ingress.kubernetes.io/"
ROLLOUT = "kubernetes:argoproj.io/v1alpha1:Rollout"
ANALYSIS = "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
RELEASE = "kubernetes:helm.sh/v3:Release"
Resource = dict[str, Any]


@pytest.fixture(scope="module")
def prod() -> dict[str, Graph]:
    return {
        "platform": graph_of(REPO, "prod"),
        "cluster-services": graph_of(CLUSTER_SERVICES, "prod"),
        "example": graph_of(EXAMPLE, "prod"),
    }


def _one(graph: Graph, type_: str, name: str | None = None) -> Resource:
    found = [r for r in graph.of_type(type_) if name is None or r["name"] == name]
    assert len(found) == 1, f"{type_} {name or ''}: {[r['name'] for r in found]}"
    return found[0]


def _ingress(prod: dict[str, Graph]) -> Resource:
    return _one(prod["example"], "kubernetes:networking.k8s.io/v1:Ingress")


def _release(graph: Graph, chart: str) -> Resource:
    (release,) = [r for r in graph.of_type(RELEASE) if r["inputs"]["chart"] == chart]
    return release


def test_the_certificate_is_validated_by_dns_in_the_platforms_zone(
    prod: dict[str, Graph],
) -> None:
    zone_id = prod["platform"].outputs["dns_zone_id"]
    zone_name = prod["platform"].outputs["dns_zone_name"]
    example = prod["example"]
    certificate = _one(example, "aws:acm/certificate:Certificate")
    assert certificate["inputs"]["validationMethod"] == "DNS"
    assert certificate["inputs"]["domainName"].endswith("." + zone_name)
    validation = _one(example, "aws:acm/certificateValidation:CertificateValidation")
    assert certificate["urn"] in validation["dependencies"]
    records = [
        r
        for r in example.of_type("aws:route53/record:Record")
        if r["urn"] in validation["dependencies"]
    ]
    assert records, "the validation waits for no DNS record"
    assert {r["inputs"]["zoneId"] for r in records} == {zone_id}
    # The Ingress gets the certificate once it is issued: the ARN comes from the validation.
    ingress = _ingress(prod)
    assert (
        ingress["inputs"]["metadata"]["annotations"][ALB + "certificate-arn"]
        == (validation["inputs"]["certificateArn"])
    )
    assert validation["urn"] in ingress["dependencies"]
    hosts = [rule["host"] for rule in ingress["inputs"]["spec"]["rules"]]
    assert hosts == [certificate["inputs"]["domainName"]]


def test_externaldns_changes_records_of_the_platforms_one_zone_only(
    prod: dict[str, Graph],
) -> None:
    zone_id = prod["platform"].outputs["dns_zone_id"]
    zone_name = prod["platform"].outputs["dns_zone_name"]
    services = prod["cluster-services"]
    values = _release(services, "external-dns")["inputs"]["values"]
    assert values["domainFilters"] == [zone_name]
    assert values["extraArgs"]["zone-id-filter"] == zone_id
    policy = json.loads(
        _one(services, "aws:iam/rolePolicy:RolePolicy", "platform-external-dns-role-route53")[
            "inputs"
        ]["policy"]
    )
    zone_arn = f"arn:aws:route53:::hostedzone/{zone_id}"
    for statement in policy["Statement"]:
        actions = statement["Action"]
        actions = [actions] if isinstance(actions, str) else actions
        resources = statement["Resource"]
        resources = [resources] if isinstance(resources, str) else resources
        if any(a.startswith("route53:ChangeResourceRecordSets") for a in actions):
            assert resources == [zone_arn]
        if resources == ["*"]:
            # Only what AWS authorizes on no resource at all.
            assert actions == ["route53:ListHostedZones"]


def test_the_public_ingress_sits_behind_the_platforms_web_acl_with_access_logs(
    prod: dict[str, Graph],
) -> None:
    platform = prod["platform"]
    acl = _one(platform, "aws:wafv2/webAcl:WebAcl")
    assert acl["inputs"]["scope"] == "REGIONAL"
    groups = {
        rule["statement"]["managedRuleGroupStatement"]["name"]
        for rule in acl["inputs"]["rules"]
        if "managedRuleGroupStatement" in rule["statement"]
    }
    assert groups == {
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesAmazonIpReputationList",
    }
    assert any("rateBasedStatement" in rule["statement"] for rule in acl["inputs"]["rules"])
    annotations = _ingress(prod)["inputs"]["metadata"]["annotations"]
    assert annotations[ALB + "scheme"] == "internet-facing"
    # The association: the controller attaches the ACL the platform exports to the ALB it makes.
    assert annotations[ALB + "wafv2-acl-arn"] == platform.outputs["web_acl_arn"]
    attributes = annotations[ALB + "load-balancer-attributes"].split(",")
    assert "access_logs.s3.enabled=true" in attributes
    assert f"access_logs.s3.bucket={platform.outputs['alb_access_log_bucket']}" in attributes
    assert annotations[ALB + "ssl-redirect"] == "443"
    assert annotations[ALB + "ssl-policy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"


def test_the_namespace_of_the_alb_targets_injects_readiness_gates(
    prod: dict[str, Graph],
) -> None:
    ingress = _ingress(prod)
    assert ingress["inputs"]["metadata"]["annotations"][ALB + "target-type"] == "ip"
    namespace = ingress["inputs"]["metadata"]["namespace"]
    (hosting,) = [
        n
        for n in prod["cluster-services"].of_type("kubernetes:core/v1:Namespace")
        if n["inputs"]["metadata"]["name"] == namespace
    ]
    labels = hosting["inputs"]["metadata"]["labels"]
    assert labels["elbv2.k8s.aws/pod-readiness-gate-inject"] == "enabled"


def test_prod_rolls_out_by_canary_with_an_analysis_that_aborts(prod: dict[str, Graph]) -> None:
    assert _release(prod["cluster-services"], "argo-rollouts")["inputs"]["values"]["installCRDs"]
    example = prod["example"]
    assert not [d for d in example.of_type(DEPLOYMENT) if d["name"].startswith("orders-api")]
    rollout = _one(example, ROLLOUT)["inputs"]
    template = _one(example, ANALYSIS)["inputs"]
    canary = rollout["spec"]["strategy"]["canary"]
    # Surge only: the desired count never drops (K8S-4).
    assert canary["maxUnavailable"] == 0
    assert canary["steps"] == [
        {"setWeight": 10},
        {"pause": {"duration": "300s"}},
        {"setWeight": 25},
        {"pause": {"duration": "300s"}},
        {"setWeight": 50},
        {"pause": {"duration": "300s"}},
    ]
    assert canary["analysis"]["templates"] == [{"templateName": template["metadata"]["name"]}]
    assert rollout["spec"]["progressDeadlineAbort"] is True
    metrics = {m["name"]: m for m in template["spec"]["metrics"]}
    assert set(metrics) == {"error-rate", "latency"}
    for metric in metrics.values():
        assert metric["failureLimit"] == 2
        assert metric["interval"] == "60s"
        assert "cloudWatch" in metric["provider"]
    # 1 % of requests failing, and p99 latency over the SLO's 500 ms, fail a measurement.
    assert "0.01" in metrics["error-rate"]["successCondition"]
    assert "0.5" in metrics["latency"]["successCondition"]


def test_dev_keeps_the_surge_only_deployment() -> None:
    dev = graph_of(EXAMPLE, "dev")
    assert not dev.of_type(ROLLOUT)
    assert not dev.of_type(ANALYSIS)
    (deployment,) = [d for d in dev.of_type(DEPLOYMENT) if d["name"] == "orders-api-deployment"]
    strategy = deployment["inputs"]["spec"]["strategy"]
    assert strategy["rollingUpdate"]["maxUnavailable"] == 0
