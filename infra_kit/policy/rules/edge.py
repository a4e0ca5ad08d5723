"""EDGE-1: the internet-facing edge sits behind a WAF, records its requests, and the WAF has the
baseline rules."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from infra_kit.aws._web_acl_rules import MANAGED_RULE_GROUPS, MANAGED_VENDOR
from infra_kit.policy._graph import GraphDoc
from infra_kit.policy._registry import Hit, Severity, rule
from infra_kit.policy.rules._values import as_dict, as_list, is_true, one_or_many

__all__: list[str] = []

_ALB = "alb.ingress.kubernetes.io/"
_SCHEME = _ALB + "scheme"
_WAF = _ALB + "wafv2-acl-arn"
_WAF_NAME = _ALB + "wafv2-acl-name"
_ATTRIBUTES = _ALB + "load-balancer-attributes"
_LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
_WEB_ACL = "aws:wafv2/webAcl:WebAcl"


def _annotations(obj: Mapping[str, Any]) -> dict[str, Any]:
    return as_dict(as_dict(obj.get("metadata")).get("annotations"))


def _internet_facing_ingresses(graph: GraphDoc) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for record, obj in graph.kubernetes_of_kind("Ingress"):
        annotations = _annotations(obj)
        if annotations.get(_SCHEME) == "internet-facing":
            yield record, annotations


def _public_albs(graph: GraphDoc) -> Iterator[dict[str, Any]]:
    for record in graph.custom("aws:"):
        if record["type"] not in _LOAD_BALANCERS:
            continue
        inputs = GraphDoc.inputs(record)
        if inputs.get("loadBalancerType", "application") == "application" and not is_true(
            inputs.get("internal")
        ):
            yield record


def _attributes(text: object) -> dict[str, str]:
    """``a=b,c=d`` as a mapping (the controller's load-balancer-attributes syntax)."""
    pairs = (item.split("=", 1) for item in str(text or "").split(",") if "=" in item)
    return {k.strip(): v.strip() for k, v in pairs}


# -- IK-EDGE-1-WAF ------------------------------------------------------------------------------
@rule(
    id="IK-EDGE-1-WAF",
    prescription="EDGE-1",
    severity=Severity.ERROR,
    title="An internet-facing load balancer has no WAF web ACL",
    rationale="""Anyone can send requests to an internet-facing ALB. A WAFv2 web ACL with AWS's
    managed rule groups and a rate limit stops known exploits, known-bad sources and
    single-source floods before they reach the service.""",
    fix="""Pass waf_acl_arn= (the platform's web_acl_arn output) to AlbIngress, which sets the
    alb.ingress.kubernetes.io/wafv2-acl-arn annotation the load balancer controller associates;
    for a hand-written aws.lb.LoadBalancer add an aws.wafv2.WebAclAssociation. To run without
    one, give AlbIngress disable_waf_reason=..., which records the reason on the Ingress and as
    a suppression of this rule.""",
)
def public_albs_without_waf(graph: GraphDoc) -> Iterator[Hit]:
    for record, notes in _internet_facing_ingresses(graph):
        arn = str(notes.get(_WAF) or "").strip()
        if (not arn or arn == "none") and not notes.get(_WAF_NAME):
            yield Hit(record["urn"], f"internet-facing Ingress without {_WAF}")
    associated = {
        urn
        for association in graph.of_type(_ASSOCIATION)
        for urn in one_or_many(association.get("dependencies"))
    }
    for record in _public_albs(graph):
        if record["urn"] not in associated:
            yield Hit(record["urn"], "internet-facing ALB without an aws.wafv2.WebAclAssociation")


# -- IK-EDGE-1-ALB-ACCESS-LOGS ------------------------------------------------------------------
@rule(
    id="IK-EDGE-1-ALB-ACCESS-LOGS",
    prescription="EDGE-1",
    severity=Severity.ERROR,
    title="An internet-facing load balancer writes no access logs",
    rationale="""The access logs of the public edge are the record of who called what, when and
    with which result: what an incident needs first and the only record of requests the service
    itself never saw.""",
    fix="""Pass access_log_bucket= (the platform's alb_access_log_bucket output) to AlbIngress,
    which sets access_logs.s3.enabled=true and access_logs.s3.bucket in the
    alb.ingress.kubernetes.io/load-balancer-attributes annotation; for a hand-written
    aws.lb.LoadBalancer set access_logs with enabled=true. To run without them, give AlbIngress
    disable_access_logs_reason=..., which records the reason as a suppression of this rule.""",
)
def public_albs_without_access_logs(graph: GraphDoc) -> Iterator[Hit]:
    for record, notes in _internet_facing_ingresses(graph):
        attributes = _attributes(notes.get(_ATTRIBUTES))
        if attributes.get("access_logs.s3.enabled") != "true" or not attributes.get(
            "access_logs.s3.bucket"
        ):
            yield Hit(
                record["urn"],
                f"internet-facing Ingress whose {_ATTRIBUTES} do not enable access_logs.s3 "
                "with a bucket",
            )
    for record in _public_albs(graph):
        logs = as_dict(GraphDoc.inputs(record).get("accessLogs"))
        if not is_true(logs.get("enabled")) or not logs.get("bucket"):
            yield Hit(record["urn"], "internet-facing ALB without accessLogs enabled to a bucket")


# -- IK-EDGE-1-WAF-RULES ------------------------------------------------------------------------
def _missing_rules(inputs: Mapping[str, Any]) -> list[str]:
    groups: set[str] = set()
    rate_blocks = False
    for item in as_list(inputs.get("rules")):
        entry = as_dict(item)
        statement = as_dict(entry.get("statement"))
        managed = as_dict(statement.get("managedRuleGroupStatement"))
        counts_only = "count" in as_dict(entry.get("overrideAction"))
        if managed.get("vendorName") == MANAGED_VENDOR and not counts_only:
            groups.add(str(managed.get("name")))
        if statement.get("rateBasedStatement") and "block" in as_dict(entry.get("action")):
            rate_blocks = True
    missing = [g for g in MANAGED_RULE_GROUPS if g not in groups]
    if not rate_blocks:
        missing.append("a rate-based rule that blocks")
    return missing


@rule(
    id="IK-EDGE-1-WAF-RULES",
    prescription="EDGE-1",
    severity=Severity.ERROR,
    title="A web ACL lacks the baseline managed rule groups or a rate limit",
    rationale="""A web ACL protects only through its rules. The baseline is AWS's core rule set,
    its known-bad-inputs group and its IP reputation list, each applying its own actions (not
    counting only), and a rate-based rule that blocks a single source's flood.""",
    fix="""Use infra_kit.aws.web_acl.WebAcl, which builds the baseline; or add to the ACL's rules
    managed rule group statements (vendor AWS, override action none) for
    AWSManagedRulesCommonRuleSet, AWSManagedRulesKnownBadInputsRuleSet and
    AWSManagedRulesAmazonIpReputationList, and a rateBasedStatement rule with action block.""",
)
def web_acls_without_baseline(graph: GraphDoc) -> Iterator[Hit]:
    for record in graph.of_type(_WEB_ACL):
        missing = _missing_rules(GraphDoc.inputs(record))
        if missing:
            yield Hit(record["urn"], f"web ACL without {', '.join(missing)}")


# -- IK-EDGE-1-ZONE-DELEGATION ------------------------------------------------------------------
_ZONE = "aws:route53/zone:Zone"
_RECORD = "aws:route53/record:Record"


def _name(value: object) -> str:
    return str(value or "").strip().lower().removesuffix(".")


@rule(
    id="IK-EDGE-1-ZONE-DELEGATION",
    prescription="EDGE-1",
    severity=Severity.WARNING,
    title="A public hosted zone's delegation from its parent is not in the graph",
    rationale="""A new public zone answers only once its parent zone holds its NS records. Until
    then ACM never sees a certificate's DNS validation record, and every CertificateValidation in
    the zone waits until it times out: on a fresh account the first service deployment hangs.
    When the stack writes the delegation the graph shows it; otherwise someone must do it once,
    and should say so.""",
    fix="""Give DnsZoneArgs parent_zone_id= when the parent zone is in the same account, so the
    stack writes the NS records. Otherwise delegate the zone by hand from the
    dns_zone_name_servers output (README, Deploying for real, step 6) and record how in
    DnsZoneArgs delegated_by_hand_reason= (the platform reads it from platform:dns_zone_delegation),
    which suppresses this warning with that text.""",
)
def zones_without_delegation(graph: GraphDoc) -> Iterator[Hit]:
    delegated: set[str] = set()
    for record in graph.of_type(_RECORD):
        inputs = GraphDoc.inputs(record)
        if str(inputs.get("type", "")).upper() == "NS":
            delegated.update(one_or_many(record.get("dependencies")))
    for zone in graph.of_type(_ZONE):
        inputs = GraphDoc.inputs(zone)
        if as_list(inputs.get("vpcs")):
            continue  # a private zone is answered inside its VPCs, not delegated
        if zone["urn"] not in delegated:
            yield Hit(
                zone["urn"],
                f"public zone {_name(inputs.get('name'))!r} has no NS delegation record in the "
                "graph, so certificates in it validate only once it is delegated by hand",
            )
