"""The monthly estimate of a graph: every resource priced, free or reported as unpriced (COST-2).

Usage assumptions come from the graph's environment profile (its ``usage`` section); a graph
written before the section existed falls back to the built-in profile of its environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from infra_kit.cost import _pricers as compute
from infra_kit.cost import _queue_cache_pricers as app_data
from infra_kit.cost import _service_pricers as services
from infra_kit.cost._model import CostEstimate, CostLine, Lever
from infra_kit.cost._pricers import LOAD_BALANCERS, STORAGE, Context, Item, Pricer, _n, _usd
from infra_kit.cost._prices import PriceTable, load_prices
from infra_kit.policy._graph import GraphDoc

__all__ = ["PRICERS", "component_label", "estimate", "usage_of"]

#: The pricer of each billed AWS type; every other type must be listed as free in the table.
PRICERS: dict[str, Pricer] = {
    "aws:eks/cluster:Cluster": compute.eks_cluster,
    "aws:eks/nodeGroup:NodeGroup": compute.node_group,
    "aws:autoscaling/group:Group": compute.autoscaling_group,
    "aws:ec2/natGateway:NatGateway": services.nat_gateway,
    "aws:ec2/eip:Eip": services.eip,
    "aws:ec2/vpcEndpoint:VpcEndpoint": services.interface_endpoint,
    "aws:rds/instance:Instance": services.database,
    "aws:s3/bucket:Bucket": services.bucket,
    "aws:s3/bucketV2:BucketV2": services.bucket,
    "aws:backup/vault:Vault": services.backup_vault,
    "aws:kms/key:Key": services.kms_key,
    "aws:secretsmanager/secret:Secret": services.secret,
    "aws:cloudwatch/logGroup:LogGroup": services.log_group,
    "aws:cloudwatch/metricAlarm:MetricAlarm": services.metric_alarm,
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": services.composite_alarm,
    "aws:cloudwatch/dashboard:Dashboard": services.dashboard,
    "aws:budgets/budget:Budget": services.budget,
    "aws:lambda/function:Function": services.function,
    "aws:sns/topic:Topic": services.topic,
    "aws:wafv2/webAcl:WebAcl": services.web_acl,
    "aws:route53/zone:Zone": services.hosted_zone,
    app_data.QUEUE_TYPE: app_data.queue,
    app_data.REPLICATION_GROUP_TYPE: app_data.replication_group,
}

_GROUPING = ("infra-kit:core:", "infra-kit:policy:")


def component_label(graph: GraphDoc, record: Mapping[str, Any]) -> str:
    """The nearest infra-kit component above ``record`` as ``name (Type)``, else ``stack``."""
    for urn in [record["urn"], *graph.ancestors(record["urn"])]:
        node = graph.get(urn)
        if node is None:
            continue
        kind = str(node["type"])
        if kind.startswith("infra-kit:") and not kind.startswith(_GROUPING):
            return f"{node['name']} ({kind.rsplit(':', 1)[-1]})"
    return "stack"


def usage_of(graph: GraphDoc, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The usage assumptions of ``graph``'s environment, with ``overrides`` applied."""
    from infra_kit.core.profile import BUILTIN_PROFILES

    facts = graph.environment
    usage = facts.profile.get("usage")
    if not isinstance(usage, Mapping):
        name = facts.name if facts.name in BUILTIN_PROFILES else "prod"
        usage = BUILTIN_PROFILES[name]["usage"]
    return {**usage, **(overrides or {})}


def estimate(
    graph: GraphDoc,
    *,
    prices: PriceTable | None = None,
    usage: Mapping[str, Any] | None = None,
) -> CostEstimate:
    """The monthly cost of every resource in ``graph`` at list prices (COST-2).

    ``usage`` overrides single assumptions of the profile's ``usage`` section (e.g.
    ``{"nat_processed_gb": 5000}``); ``prices`` replaces the packaged price table.
    """
    # prescription: COST-2 -- every resource priced or named unpriced, with its driver and levers.
    table = prices or load_prices()
    ctx = Context(graph=graph, prices=table, usage=usage_of(graph, usage))
    lines: list[CostLine] = []
    unpriced: list[tuple[str, str]] = []
    for record in graph.resources:
        kind = record["type"]
        pricer = PRICERS.get(kind)
        if pricer is None:
            if table.free_reason(kind) is None:
                unpriced.append((record["urn"], kind))
            continue
        try:
            items = pricer(record, ctx)
        except KeyError as missing:
            unpriced.append((record["urn"], f"{kind} ({missing.args[0]} not in the price table)"))
            continue
        lines.extend(_lines(graph, record, kind, items))
    lines.extend(_kubernetes_lines(graph, ctx))
    profile = graph.environment.profile
    return CostEstimate(
        project=graph.project,
        stack=graph.stack,
        environment=str(profile.get("name", graph.stack)),
        lines=tuple(lines),
        levers=tuple(_merged(ctx.levers)),
        unpriced=tuple(unpriced),
        usage=dict(ctx.usage),
        region=table.region,
        prices_retrieved=table.retrieved,
    )


def _lines(
    graph: GraphDoc, record: Mapping[str, Any], kind: str, items: list[Item]
) -> list[CostLine]:
    component = component_label(graph, record)
    return [
        CostLine(
            urn=str(record["urn"]),
            type=kind,
            name=str(record.get("name", "")),
            component=component,
            monthly_usd=round(item.monthly_usd, 4),
            basis=item.basis,
            driver=item.driver,
        )
        for item in items
    ]


def _merged(levers: list[Lever]) -> list[Lever]:
    """Levers in the order found, without repeats, largest saving first within a driver."""
    seen: dict[str, Lever] = {}
    for lever in levers:
        seen.setdefault(lever.description, lever)
    return sorted(seen.values(), key=lambda lever: (lever.driver, lever.monthly_delta_usd))


# -- what Kubernetes objects make AWS create ---------------------------------------------------------
def _annotations(obj: Mapping[str, Any]) -> dict[str, str]:
    return dict((obj.get("metadata") or {}).get("annotations") or {})


def _is_alb(obj: Mapping[str, Any]) -> bool:
    spec = obj.get("spec") or {}
    kind = spec.get("ingressClassName") or _annotations(obj).get("kubernetes.io/ingress.class")
    return kind == "alb"


def _kubernetes_lines(graph: GraphDoc, ctx: Context) -> list[CostLine]:
    """What the AWS Load Balancer Controller and the EBS CSI driver create for Kubernetes objects:
    an ALB per Ingress group (or per ungrouped Ingress), an NLB per Service of type
    LoadBalancer, and an EBS volume per PersistentVolumeClaim."""
    lines: list[CostLine] = []
    seen_groups: set[str] = set()
    for record, obj in graph.kubernetes_of_kind("Ingress"):
        if not _is_alb(obj):
            continue
        annotations = _annotations(obj)
        meta = obj.get("metadata") or {}
        group = annotations.get("alb.ingress.kubernetes.io/group.name")
        key = f"group:{group}" if group else f"{meta.get('namespace')}/{meta.get('name')}"
        if key in seen_groups:
            continue
        seen_groups.add(key)
        scheme = annotations.get("alb.ingress.kubernetes.io/scheme", "internal")
        items = _load_balancer("alb", scheme, ctx)
        lines.extend(_lines(graph, record, str(record["type"]), items))
        if not group:
            fixed = sum(item.monthly_usd for item in items if "LCU" not in item.basis)
            ctx.levers.append(
                Lever(
                    f"share an ALB through an Ingress group (alb.ingress.kubernetes.io/group.name)"
                    f" instead of Ingress {meta.get('name')}'s own (its listeners and failures "
                    "are shared with the group's other apps)",
                    round(-fixed, 2),
                    LOAD_BALANCERS,
                )
            )
    for record, obj in graph.kubernetes_of_kind("Service"):
        if (obj.get("spec") or {}).get("type") == "LoadBalancer":
            scheme = _annotations(obj).get(
                "service.beta.kubernetes.io/aws-load-balancer-scheme", "internal"
            )
            items = _load_balancer("nlb", scheme, ctx)
            lines.extend(_lines(graph, record, str(record["type"]), items))
    for record, obj in graph.kubernetes_of_kind("PersistentVolumeClaim"):
        request = ((obj.get("spec") or {}).get("resources") or {}).get("requests") or {}
        size = _gib(str(request.get("storage", "0")))
        rate = ctx.prices.usd("ebs.gp3_gb_month")
        item = Item(size * rate, f"{_n(size)} GB gp3 x {_usd(rate)}/GB-month", STORAGE)
        lines.extend(_lines(graph, record, str(record["type"]), [item]))
    return lines


def _load_balancer(kind: str, scheme: str, ctx: Context) -> list[Item]:
    """An Application (``alb``) or Network (``nlb``) Load Balancer: its hours, its capacity units
    (``usage.load_balancer_lcu``) and, when internet-facing, a public IPv4 address per AZ."""
    hour = ctx.prices.usd(f"elb.{kind}_hour")
    lcu_hour = ctx.prices.usd(f"elb.{kind}_lcu_hour")
    lcu = ctx.u("load_balancer_lcu")
    label = kind.upper()
    items = [
        Item(hour * ctx.hours, f"1 {label} x {_usd(hour)}/h x {_n(ctx.hours)} h", LOAD_BALANCERS),
        Item(
            lcu * lcu_hour * ctx.hours,
            f"{_n(lcu)} LCU (usage.load_balancer_lcu) x ${lcu_hour}/LCU-h x {_n(ctx.hours)} h",
            LOAD_BALANCERS,
        ),
    ]
    if scheme == "internet-facing":
        azs = int((ctx.graph.environment.profile.get("network") or {}).get("az_count") or 2)
        ip = ctx.prices.usd("vpc.public_ipv4_hour")
        items.append(
            Item(
                azs * ip * ctx.hours,
                f"{azs} public IPv4 (one per AZ, network.az_count) x {_usd(ip)}/h x "
                f"{_n(ctx.hours)} h",
                LOAD_BALANCERS,
            )
        )
    return items


_UNITS = {"Ki": 2**-20, "Mi": 2**-10, "Gi": 1, "Ti": 2**10, "K": 1e3 / 2**30, "M": 1e6 / 2**30,
          "G": 1e9 / 2**30, "T": 1e12 / 2**30}  # fmt: skip


def _gib(quantity: str) -> float:
    for suffix in sorted(_UNITS, key=len, reverse=True):
        if quantity.endswith(suffix):
            return float(quantity[: -len(suffix)]) * _UNITS[suffix]
    return float(quantity or 0) / 2**30
