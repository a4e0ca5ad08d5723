"""Bad and good graphs for the edge rules of EDGE-1 (see tests/policy/cases.py).

Plain graph documents only: the policy pack's environment has no provider SDKs.
"""

from __future__ import annotations

from typing import Any

from infra_kit.policy import GraphDoc
from tests.policy.cases import Case
from tests.policy.graphs import doc, k8s, resource, urn

INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
LB = "aws:lb/loadBalancer:LoadBalancer"
ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
WAF_ARN = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/edge/0a1b"
ALB = "alb.ingress.kubernetes.io/"
LOGS = (
    "routing.http.drop_invalid_header_fields.enabled=true,access_logs.s3.enabled=true,"
    "access_logs.s3.bucket=alb-logs,access_logs.s3.prefix=apps/web"
)
GROUPS = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
)


def _ingress(name: str, **annotations: str) -> dict[str, Any]:
    notes = {f"{ALB}{k.replace('_', '-')}": v for k, v in annotations.items()}
    return k8s("Ingress", name, {}, metadata={"annotations": notes})


def _alb(name: str, **inputs: Any) -> dict[str, Any]:
    return resource(LB, name, {"loadBalancerType": "application", "internal": False, **inputs})


def _association(name: str, alb: dict[str, Any]) -> dict[str, Any]:
    record = resource(ASSOCIATION, name, {"webAclArn": WAF_ARN})
    record["dependencies"] = [alb["urn"]]
    return record


def _visibility(metric: str) -> dict[str, Any]:
    return {"cloudwatchMetricsEnabled": True, "metricName": metric, "sampledRequestsEnabled": True}


def _group(name: str, priority: int, override: str = "none") -> dict[str, Any]:
    return {
        "name": name,
        "priority": priority,
        "overrideAction": {override: {}},
        "statement": {"managedRuleGroupStatement": {"vendorName": "AWS", "name": name}},
        "visibilityConfig": _visibility(name),
    }


def _rate(priority: int, action: str = "block") -> dict[str, Any]:
    return {
        "name": "rate",
        "priority": priority,
        "action": {action: {}},
        "statement": {"rateBasedStatement": {"limit": 2000, "aggregateKeyType": "IP"}},
        "visibilityConfig": _visibility("rate"),
    }


def _acl(name: str, rules: list[dict[str, Any]]) -> dict[str, Any]:
    return resource(
        WEB_ACL,
        name,
        {
            "scope": "REGIONAL",
            "defaultAction": {"allow": {}},
            "rules": rules,
            "visibilityConfig": _visibility(name),
        },
    )


def _graph(*records: dict[str, Any]) -> GraphDoc:
    return doc(*records)


ZONE = "aws:route53/zone:Zone"
RECORD = "aws:route53/record:Record"


def _delegation(name: str, zone: dict[str, Any], record_type: str = "NS") -> dict[str, Any]:
    record = resource(
        RECORD, name, {"zoneId": "ZPARENT", "name": "dev.example.com", "type": record_type}
    )
    record["dependencies"] = [zone["urn"]]
    return record


CASES: list[Case] = [
    Case(
        "IK-EDGE-1-WAF",
        bad=lambda: _graph(
            _ingress("web", scheme="internet-facing"),
            _ingress("off", scheme="internet-facing", wafv2_acl_arn="none"),
            _ingress("inside", scheme="internal"),
            _alb("edge"),
        ),
        offending=(urn(INGRESS, "web"), urn(INGRESS, "off"), urn(LB, "edge")),
        good=lambda: _graph(
            _ingress("web", scheme="internet-facing", wafv2_acl_arn=WAF_ARN),
            _ingress("inside", scheme="internal"),
            (alb := _alb("edge")),
            _association("edge-waf", alb),
        ),
        label="internet-facing Ingresses and an ALB without a web ACL",
    ),
    Case(
        "IK-EDGE-1-ALB-ACCESS-LOGS",
        bad=lambda: _graph(
            _ingress(
                "web",
                scheme="internet-facing",
                load_balancer_attributes="routing.http.drop_invalid_header_fields.enabled=true",
            ),
            _ingress(
                "nobucket",
                scheme="internet-facing",
                load_balancer_attributes="access_logs.s3.enabled=true",
            ),
            _alb("edge", accessLogs={"enabled": False, "bucket": "alb-logs"}),
        ),
        offending=(urn(INGRESS, "web"), urn(INGRESS, "nobucket"), urn(LB, "edge")),
        good=lambda: _graph(
            _ingress("web", scheme="internet-facing", load_balancer_attributes=LOGS),
            _ingress("inside", scheme="internal"),
            _alb("edge", accessLogs={"enabled": True, "bucket": "alb-logs"}),
        ),
        label="internet-facing Ingresses and an ALB without access logs",
    ),
    Case(
        "IK-EDGE-1-WAF-RULES",
        bad=lambda: _graph(
            _acl("no-rate", [_group(g, i) for i, g in enumerate(GROUPS)]),
            _acl("counting", [_group(GROUPS[0], 0, "count"), *[_group(g, 1) for g in GROUPS[1:]]]),
            _acl("rate-counts", [*[_group(g, i) for i, g in enumerate(GROUPS)], _rate(3, "count")]),
        ),
        offending=(urn(WEB_ACL, "no-rate"), urn(WEB_ACL, "counting"), urn(WEB_ACL, "rate-counts")),
        good=lambda: _graph(
            _acl("edge", [*[_group(g, i) for i, g in enumerate(GROUPS)], _rate(3)]),
        ),
        label="web ACLs without a blocking rate rule or with a count-only managed group",
    ),
    Case(
        "IK-EDGE-1-ZONE-DELEGATION",
        bad=lambda: _graph(
            resource(ZONE, "public", {"name": "dev.example.com"}),
            (other := resource(ZONE, "other", {"name": "stage.example.com"})),
            _delegation("other-validation", other, "CNAME"),
        ),
        offending=(urn(ZONE, "public"), urn(ZONE, "other")),
        good=lambda: _graph(
            (public := resource(ZONE, "public", {"name": "dev.example.com"})),
            _delegation("public-delegation", public),
            resource(ZONE, "inside", {"name": "corp.internal", "vpcs": [{"vpcId": "vpc-1"}]}),
        ),
        label="public zones without an NS record in their parent",
    ),
]
