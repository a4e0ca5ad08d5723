"""NET-1, NET-2, NET-3 and EDGE-1: what the network exposes, and what it records."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from typing import Any

from infra_kit.policy._graph import GraphDoc
from infra_kit.policy._registry import Hit, Severity, rule
from infra_kit.policy.rules._values import as_dict, is_false, is_true, one_or_many
from infra_kit.policy.rules.encryption import BUCKET_TYPES, bucket_companions

__all__ = ["FLOW_LOGS_DISABLED_TAG", "is_open_cidr"]

VPC_TYPE = "aws:ec2/vpc:Vpc"
FLOW_LOG_TYPE = "aws:ec2/flowLog:FlowLog"
DEFAULT_SG_TYPE = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
PUBLIC_ACCESS_BLOCK_TYPE = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
#: The VPC tag in which Network(disable_flow_logs_reason=...) records why flow logs are off.
FLOW_LOGS_DISABLED_TAG = "flow-logs-disabled-reason"
_MIN_REASON_WORDS = 3
_PUBLIC_ACCESS_FLAGS = (
    "blockPublicAcls",
    "blockPublicPolicy",
    "ignorePublicAcls",
    "restrictPublicBuckets",
)


def _depends_on(record: Mapping[str, Any], target: Mapping[str, Any]) -> bool:
    return target["urn"] in one_or_many(record.get("dependencies"))


# -- IK-NET-3-FLOW-LOGS -------------------------------------------------------------------------
@rule(
    id="IK-NET-3-FLOW-LOGS",
    prescription="NET-3",
    severity=Severity.ERROR,
    title="A VPC has no flow log",
    rationale="""Flow logs are the record of which addresses talked to which, on what port, and
    whether it was allowed. Without them an investigation cannot tell what a compromised
    workload reached. They cannot be turned on after the fact for traffic already gone.""",
    fix="""Use the infra-kit Network (flow logs on by default), or create an aws.ec2.FlowLog with
    vpc_id=vpc.id. To turn them off, pass Network(disable_flow_logs_reason=...), which records
    the reason in the VPC's flow-logs-disabled-reason tag.""",
)
def flow_logs(graph: GraphDoc) -> Iterator[Hit]:
    flow = [f for f in graph.custom(FLOW_LOG_TYPE) if GraphDoc.inputs(f).get("vpcId")]
    for vpc in graph.custom(VPC_TYPE):
        if vpc["type"] != VPC_TYPE:
            continue
        reason = as_dict(GraphDoc.inputs(vpc).get("tags")).get(FLOW_LOGS_DISABLED_TAG)
        if isinstance(reason, str) and len(reason.split()) >= _MIN_REASON_WORDS:
            continue
        if not any(_depends_on(f, vpc) for f in flow):
            yield Hit(vpc["urn"], "no aws:ec2/flowLog records this VPC's traffic")


# -- IK-NET-2-DEFAULT-SG ------------------------------------------------------------------------
@rule(
    id="IK-NET-2-DEFAULT-SG",
    prescription="NET-2",
    severity=Severity.ERROR,
    title="A VPC's default security group is not adopted and emptied",
    rationale="""Every VPC comes with a default security group that admits all traffic from its
    own members and all egress. Anything launched without a group lands in it. Adopting it with
    no rules means nothing can rely on it by accident.""",
    fix="""Use the infra-kit Network, or create aws.ec2.DefaultSecurityGroup(vpc_id=vpc.id,
    ingress=[], egress=[]).""",
)
def default_security_group(graph: GraphDoc) -> Iterator[Hit]:
    groups = graph.custom(DEFAULT_SG_TYPE)
    for group in groups:
        inputs = GraphDoc.inputs(group)
        rules = [k for k in ("ingress", "egress") if one_or_many(inputs.get(k))]
        if rules:
            yield Hit(group["urn"], f"the default security group keeps {' and '.join(rules)} rules")
    for vpc in graph.custom(VPC_TYPE):
        if vpc["type"] == VPC_TYPE and not any(_depends_on(g, vpc) for g in groups):
            yield Hit(
                vpc["urn"], "no aws:ec2/defaultSecurityGroup adopts and empties its default group"
            )


# -- IK-NET-2-OPEN-INGRESS ----------------------------------------------------------------------
def is_open_cidr(value: Any) -> bool:
    """True for a CIDR covering every address: 0.0.0.0/0, ::/0 and their spellings."""
    if not isinstance(value, str):
        return False
    try:
        return ipaddress.ip_network(value.strip(), strict=False).prefixlen == 0
    except ValueError:
        return False


def _open_sources(rule_inputs: Mapping[str, Any], *keys: str) -> list[str]:
    return [str(c) for k in keys for c in one_or_many(rule_inputs.get(k)) if is_open_cidr(c)]


@rule(
    id="IK-NET-2-OPEN-INGRESS",
    prescription="NET-2",
    severity=Severity.ERROR,
    title="A security group admits the whole internet",
    rationale="""A security group should admit named sources on named ports. An ingress rule from
    0.0.0.0/0 or ::/0 exposes the port to every scanner on the internet; when that is the
    intent (a public load balancer), the reason is recorded with a suppression.""",
    fix="""Admit a security group (referenced_security_group_id) or a specific CIDR instead. If
    the exposure is intended, accept it with infra_kit.policy.suppress(group,
    "IK-NET-2-OPEN-INGRESS", reason=...).""",
)
def open_ingress(graph: GraphDoc) -> Iterator[Hit]:
    for record in graph.custom("aws:"):
        inputs = GraphDoc.inputs(record)
        kind = record["type"]
        found: list[str] = []
        if kind in ("aws:ec2/securityGroup:SecurityGroup", DEFAULT_SG_TYPE):
            for entry in one_or_many(inputs.get("ingress")):
                found += _open_sources(as_dict(entry), "cidrBlocks", "ipv6CidrBlocks")
        elif kind == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
            found = _open_sources(inputs, "cidrIpv4", "cidrIpv6")
        elif (
            kind == "aws:ec2/securityGroupRule:SecurityGroupRule"
            and inputs.get("type") == "ingress"
        ):
            found = _open_sources(inputs, "cidrBlocks", "ipv6CidrBlocks")
        if found:
            yield Hit(record["urn"], f"ingress from {', '.join(sorted(set(found)))}")


# -- IK-NET-2-ALL-PROTOCOLS / IK-NET-2-OPEN-EGRESS ----------------------------------------------
_SG_TYPE = "aws:ec2/securityGroup:SecurityGroup"
_LEGACY_RULE_TYPE = "aws:ec2/securityGroupRule:SecurityGroupRule"
_ALL_PROTOCOLS = ("-1", "all")


def _every_protocol(value: Any) -> bool:
    return str(value).strip().lower() in _ALL_PROTOCOLS if value is not None else False


def _sg_rules(record: Mapping[str, Any], direction: str) -> list[Mapping[str, Any]]:
    """``record``'s rules in ``direction`` as ``{protocol, cidrs}`` mappings, whatever its shape."""
    inputs = GraphDoc.inputs(record)
    kind = record["type"]
    if kind in (_SG_TYPE, DEFAULT_SG_TYPE):
        return [
            {
                "protocol": as_dict(e).get("protocol"),
                "cidrs": [*one_or_many(as_dict(e).get("cidrBlocks")),
                          *one_or_many(as_dict(e).get("ipv6CidrBlocks"))],
            }
            for e in one_or_many(inputs.get(direction))
        ]  # fmt: skip
    rule_type = direction.capitalize() + "Rule"
    if kind == f"aws:vpc/securityGroup{rule_type}:SecurityGroup{rule_type}":
        cidrs = [*one_or_many(inputs.get("cidrIpv4")), *one_or_many(inputs.get("cidrIpv6"))]
        return [{"protocol": inputs.get("ipProtocol"), "cidrs": cidrs}]
    if kind == _LEGACY_RULE_TYPE and inputs.get("type") == direction:
        cidrs = [*one_or_many(inputs.get("cidrBlocks")), *one_or_many(inputs.get("ipv6CidrBlocks"))]
        return [{"protocol": inputs.get("protocol"), "cidrs": cidrs}]
    return []


@rule(
    id="IK-NET-2-ALL-PROTOCOLS",
    prescription="NET-2",
    severity=Severity.ERROR,
    title="A security group admits every protocol",
    rationale="""NET-2 asks that a security group admit named sources on named ports. An ingress
    rule with protocol -1 names no port at all: every TCP and UDP port and every other IP
    protocol is open to its source, including whatever starts listening later.""",
    fix="""Admit the protocol and port range that is used (ip_protocol="tcp", from_port,
    to_port). Where a source really needs every TCP port (pods sharing a node's group on the
    VPC CNI), admit TCP 0-65535 and the UDP ports used, not protocol -1. If every protocol is
    intended, accept it with infra_kit.policy.suppress(rule, "IK-NET-2-ALL-PROTOCOLS",
    reason=...).""",
)
def all_protocol_ingress(graph: GraphDoc) -> Iterator[Hit]:
    for record in graph.custom("aws:"):
        if any(_every_protocol(r["protocol"]) for r in _sg_rules(record, "ingress")):
            yield Hit(record["urn"], "ingress on every protocol and port (protocol -1)")


@rule(
    id="IK-NET-2-OPEN-EGRESS",
    prescription="NET-2",
    severity=Severity.ERROR,
    title="A security group sends every protocol to the whole internet",
    rationale="""Egress of every protocol to 0.0.0.0/0 or ::/0 lets anything running behind the
    group reach any address on any port: a compromised pod can exfiltrate over DNS-looking UDP,
    SSH or any port a proxy listens on. Most workloads need HTTPS out and named ports inside the
    VPC.""",
    fix="""Allow HTTPS (tcp 443) to 0.0.0.0/0 and name other destinations by CIDR or security
    group and port. The infra-kit Cluster does, and widens it only through
    ClusterArgs(allow_node_egress=[NodeEgress(..., reason=...)]). If open egress is intended,
    accept it with infra_kit.policy.suppress(rule, "IK-NET-2-OPEN-EGRESS", reason=...).""",
)
def open_egress(graph: GraphDoc) -> Iterator[Hit]:
    for record in graph.custom("aws:"):
        for r in _sg_rules(record, "egress"):
            open_to = sorted({str(c) for c in r["cidrs"] if is_open_cidr(c)})
            if _every_protocol(r["protocol"]) and open_to:
                yield Hit(record["urn"], f"egress on every protocol to {', '.join(open_to)}")
                break


# -- IK-NET-1-PUBLIC-ENDPOINT -------------------------------------------------------------------
def _endpoint_problem(record: Mapping[str, Any]) -> str | None:
    inputs = GraphDoc.inputs(record)
    kind = record["type"]
    if kind == "aws:eks/cluster:Cluster":
        # AWS makes the API server public unless endpointPublicAccess is false.
        if not is_false(as_dict(inputs.get("vpcConfig")).get("endpointPublicAccess")):
            return "the EKS API endpoint is public (vpcConfig.endpointPublicAccess is not false)"
    elif kind in (
        "aws:rds/instance:Instance",
        "aws:rds/clusterInstance:ClusterInstance",
        "aws:redshift/cluster:Cluster",
    ):
        if is_true(inputs.get("publiclyAccessible")):
            return "publiclyAccessible is true"
    elif kind in ("aws:opensearch/domain:Domain", "aws:elasticsearch/domain:Domain"):
        if not one_or_many(as_dict(inputs.get("vpcOptions")).get("subnetIds")):
            return "the domain has no vpcOptions, so its endpoint is public"
    elif kind == "aws:lambda/functionUrl:FunctionUrl" and inputs.get("authorizationType") == "NONE":
        return "a function URL anyone can call (authorizationType NONE)"
    return None


@rule(
    id="IK-NET-1-PUBLIC-ENDPOINT",
    prescription="NET-1",
    severity=Severity.ERROR,
    title="A data store, API or bucket is reachable from the internet",
    rationale="""Only load balancers and NAT sit in public subnets. A public EKS API, a publicly
    accessible database, a search domain outside the VPC, an unauthenticated function URL or a
    bucket without a public access block is one leaked credential or one wrong policy away from
    exposure.""",
    fix="""Keep endpoints private: vpc_config.endpoint_public_access=False on EKS (the infra-kit
    Cluster does), publicly_accessible=False on databases, vpc_options on OpenSearch,
    authorization_type="AWS_IAM" on function URLs, and a BucketPublicAccessBlock with all four
    flags on every bucket (the infra-kit Bucket does).""",
)
def public_endpoints(graph: GraphDoc) -> Iterator[Hit]:
    blocks = bucket_companions(graph, (PUBLIC_ACCESS_BLOCK_TYPE,))
    for bucket in graph.of_type(*BUCKET_TYPES):
        if not any(
            all(is_true(GraphDoc.inputs(b).get(f)) for f in _PUBLIC_ACCESS_FLAGS)
            for b in blocks.get(bucket["urn"], [])
        ):
            yield Hit(
                bucket["urn"],
                "no BucketPublicAccessBlock of this bucket turns on all four public access blocks",
            )
    for record in graph.custom("aws:"):
        problem = _endpoint_problem(record)
        if problem is not None:
            yield Hit(record["urn"], problem)


# -- IK-EDGE-1-PUBLIC-LOAD-BALANCER -------------------------------------------------------------
_LOAD_BALANCERS = (
    "aws:lb/loadBalancer:LoadBalancer",
    "aws:alb/loadBalancer:LoadBalancer",
    "aws:elb/loadBalancer:LoadBalancer",
)
INGRESS_SCHEME = "alb.ingress.kubernetes.io/scheme"
SERVICE_SCHEME = "service.beta.kubernetes.io/aws-load-balancer-scheme"
INTERNET_FACING = "internet-facing"


@rule(
    id="IK-EDGE-1-PUBLIC-LOAD-BALANCER",
    prescription="EDGE-1",
    severity=Severity.ERROR,
    title="A load balancer faces the internet without a recorded reason",
    rationale="""An internet-facing load balancer is the public edge: it needs TLS with a managed
    certificate, a WAF where the risk calls for it, and certificate-expiry monitoring. Making one
    is a deliberate decision, so it is accepted only with a recorded reason.""",
    fix="""Keep load balancers internal (internal=True; the alb.ingress.kubernetes.io/scheme or
    service.beta.kubernetes.io/aws-load-balancer-scheme annotation "internal"). For a public
    edge, accept the finding with infra_kit.policy.suppress(resource,
    "IK-EDGE-1-PUBLIC-LOAD-BALANCER", reason=...).""",
)
def public_load_balancers(graph: GraphDoc) -> Iterator[Hit]:
    for record in graph.custom("aws:"):
        if record["type"] not in _LOAD_BALANCERS:
            continue
        inputs = GraphDoc.inputs(record)
        if inputs.get("loadBalancerType") == "gateway":
            continue  # gateway load balancers have no listener on the internet
        if not is_true(inputs.get("internal")):
            yield Hit(record["urn"], "internet-facing load balancer (internal is not true)")
    for record, obj in graph.kubernetes_of_kind("Ingress"):
        annotations = as_dict(as_dict(obj.get("metadata")).get("annotations"))
        if annotations.get(INGRESS_SCHEME) == INTERNET_FACING:
            yield Hit(record["urn"], f"Ingress with {INGRESS_SCHEME}: {INTERNET_FACING}")
    for record, obj in graph.kubernetes_of_kind("Service"):
        annotations = as_dict(as_dict(obj.get("metadata")).get("annotations"))
        spec = as_dict(obj.get("spec"))
        if (
            spec.get("type") == "LoadBalancer"
            and annotations.get(SERVICE_SCHEME) == INTERNET_FACING
        ):
            yield Hit(
                record["urn"],
                f"Service of type LoadBalancer with {SERVICE_SCHEME}: {INTERNET_FACING}",
            )
