"""Pricers of the network, data, observability and edge resource types (see :mod:`._pricers`)."""

from __future__ import annotations

from typing import Any

from infra_kit.cost._model import Lever
from infra_kit.cost._pricers import (
    DATABASES,
    EDGE,
    ENDPOINTS,
    FUNCTIONS,
    KEYS,
    LOGS,
    MONITORING,
    NAT,
    PUBLIC_IPS,
    STORAGE,
    Context,
    Item,
    _n,
    _usd,
)
from infra_kit.policy._graph import GraphDoc

__all__ = [
    "backup_vault",
    "bucket",
    "budget",
    "composite_alarm",
    "dashboard",
    "database",
    "eip",
    "function",
    "hosted_zone",
    "interface_endpoint",
    "kms_key",
    "log_group",
    "metric_alarm",
    "nat_gateway",
    "secret",
    "topic",
    "web_acl",
]

NAT_TYPE = "aws:ec2/natGateway:NatGateway"
ENDPOINT_TYPE = "aws:ec2/vpcEndpoint:VpcEndpoint"


def _is_interface(record: dict[str, Any]) -> bool:
    return GraphDoc.inputs(record).get("vpcEndpointType") == "Interface"


def _nat_eips(ctx: Context) -> set[str]:
    return {
        urn
        for nat in ctx.graph.of_type(NAT_TYPE)
        for urn in nat.get("dependencies") or []
        if (ctx.graph.get(urn) or {}).get("type") == "aws:ec2/eip:Eip"
    }


# -- network ---------------------------------------------------------------------------------------
def nat_gateway(record: dict[str, Any], ctx: Context) -> list[Item]:
    hour = ctx.prices.usd("vpc.nat_gateway_hour")
    per_gb = ctx.prices.usd("vpc.nat_gateway_gb")
    gateways = ctx.count(NAT_TYPE)
    gb = ctx.u("nat_processed_gb") / gateways
    if gateways > 1 and record is ctx.graph.of_type(NAT_TYPE)[0]:
        ip_hour = ctx.prices.usd("vpc.public_ipv4_hour")
        saved = (gateways - 1) * (hour + ip_hour) * ctx.hours
        ctx.levers.append(
            Lever(
                f"one NAT gateway instead of one per AZ ({gateways}) (loses AZ-independent "
                "egress: an AZ outage takes the other AZs' egress with it)",
                round(-saved, 2),
                NAT,
            )
        )
    return [
        Item(hour * ctx.hours, f"1 gateway x {_usd(hour)}/h x {_n(ctx.hours)} h", NAT),
        Item(
            gb * per_gb,
            f"{_n(round(gb, 2))} GB processed (usage.nat_processed_gb / {gateways}) x "
            f"{_usd(per_gb)}/GB",
            NAT,
        ),
    ]


def eip(record: dict[str, Any], ctx: Context) -> list[Item]:
    rate = ctx.prices.usd("vpc.public_ipv4_hour")
    driver = NAT if record["urn"] in _nat_eips(ctx) else PUBLIC_IPS
    return [Item(rate * ctx.hours, f"1 public IPv4 x {_usd(rate)}/h x {_n(ctx.hours)} h", driver)]


def interface_endpoint(record: dict[str, Any], ctx: Context) -> list[Item]:
    if not _is_interface(record):
        return [Item(0.0, "gateway endpoint: free", ENDPOINTS)]
    az_hour = ctx.prices.usd("privatelink.interface_endpoint_az_hour")
    per_gb = ctx.prices.usd("privatelink.interface_endpoint_gb")
    azs = len(GraphDoc.inputs(record).get("subnetIds") or []) or 1
    endpoints = ctx.count(ENDPOINT_TYPE, _is_interface)
    gb = ctx.u("endpoint_processed_gb") / endpoints
    if record is next(r for r in ctx.graph.of_type(ENDPOINT_TYPE) if _is_interface(r)):
        hours_cost = endpoints * azs * az_hour * ctx.hours
        through_nat = ctx.u("endpoint_processed_gb") * (
            ctx.prices.usd("vpc.nat_gateway_gb") - per_gb
        )
        if ctx.count(NAT_TYPE):
            ctx.levers.append(
                Lever(
                    f"no interface endpoints ({endpoints}); AWS API traffic through NAT instead "
                    "(loses private access to AWS APIs, NET-4)",
                    round(-hours_cost + through_nat, 2),
                    ENDPOINTS,
                )
            )
    return [
        Item(
            azs * az_hour * ctx.hours,
            f"{azs} AZ x {_usd(az_hour)}/h x {_n(ctx.hours)} h",
            ENDPOINTS,
        ),
        Item(
            gb * per_gb,
            f"{_n(round(gb, 2))} GB (usage.endpoint_processed_gb / {endpoints}) x "
            f"{_usd(per_gb)}/GB",
            ENDPOINTS,
        ),
    ]


# -- data ------------------------------------------------------------------------------------------
def database(record: dict[str, Any], ctx: Context) -> list[Item]:
    inputs = GraphDoc.inputs(record)
    klass = str(inputs.get("instanceClass"))
    multi_az = bool(inputs.get("multiAz"))
    hour = ctx.prices.database_hour(klass, multi_az=multi_az)
    deployment = "Multi-AZ" if multi_az else "single-AZ"
    storage = float(inputs.get("allocatedStorage") or 20)
    kind = str(inputs.get("storageType") or "gp2")
    gb_month = ctx.prices.usd(f"rds.{kind}_gb_month")
    copies = 2 if multi_az else 1
    retention = float(inputs.get("backupRetentionPeriod") or 0)
    backup_gb = storage * ctx.u("storage_change_per_day") * retention
    backup_rate = ctx.prices.usd("rds.backup_gb_month")
    if multi_az:
        single = ctx.prices.database_hour(klass, multi_az=False)
        ctx.levers.append(
            Lever(
                f"single-AZ database {record['name']} (loses automatic failover to a standby "
                "in another AZ, HA-1)",
                round(-((hour - single) * ctx.hours + storage * gb_month), 2),
                DATABASES,
            )
        )
    return [
        Item(
            hour * ctx.hours,
            f"1 x {klass} {deployment} x ${hour:.4f}/h x {_n(ctx.hours)} h",
            DATABASES,
        ),
        Item(
            copies * storage * gb_month,
            f"{copies} x {_n(storage)} GB {kind} x {_usd(gb_month)}/GB-month",
            DATABASES,
        ),
        Item(
            backup_gb * backup_rate,
            f"{_n(round(backup_gb, 2))} GB backup beyond the free allowance ({_n(storage)} GB x "
            f"usage.storage_change_per_day x {_n(retention)} days) x {_usd(backup_rate)}/GB-month",
            DATABASES,
        ),
    ]


def bucket(record: dict[str, Any], ctx: Context) -> list[Item]:
    gb = ctx.u("s3_storage_gb_per_bucket")
    rate = ctx.prices.usd("s3.standard_gb_month")
    return [Item(gb * rate, f"{_n(gb)} GB Standard x {_usd(rate)}/GB-month", STORAGE)]


def backup_vault(record: dict[str, Any], ctx: Context) -> list[Item]:
    gb = ctx.u("backup_storage_gb_per_vault")
    rate = ctx.prices.usd("backup.warm_gb_month")
    return [Item(gb * rate, f"{_n(gb)} GB warm x {_usd(rate)}/GB-month", STORAGE)]


def kms_key(record: dict[str, Any], ctx: Context) -> list[Item]:
    rate = ctx.prices.usd("kms.key_month")
    return [Item(rate, f"1 key x {_usd(rate)}/month", KEYS)]


def secret(record: dict[str, Any], ctx: Context) -> list[Item]:
    rate = ctx.prices.usd("secretsmanager.secret_month")
    return [Item(rate, f"1 secret x {_usd(rate)}/month", KEYS)]


# -- observability ---------------------------------------------------------------------------------
def log_group(record: dict[str, Any], ctx: Context) -> list[Item]:
    gb = ctx.u("log_ingestion_gb_per_group")
    ingest = ctx.prices.usd("cloudwatch.logs_ingested_gb")
    store = ctx.prices.usd("cloudwatch.logs_stored_gb_month")
    retention = float(GraphDoc.inputs(record).get("retentionInDays") or 0)
    months = min(retention / 30, 12.0) if retention else 12.0
    stored = gb * months
    return [
        Item(gb * ingest, f"{_n(gb)} GB ingested x {_usd(ingest)}/GB", LOGS),
        Item(
            stored * store,
            f"{_n(round(stored, 2))} GB kept ({_n(gb)} GB x {_n(round(months, 2))} months of "
            f"retention) x {_usd(store)}/GB-month",
            LOGS,
        ),
    ]


def metric_alarm(record: dict[str, Any], ctx: Context) -> list[Item]:
    inputs = GraphDoc.inputs(record)
    queries = inputs.get("metricQueries") or []
    metrics = sum(1 for q in queries if q.get("metric")) or 1
    period = inputs.get("period") or min(
        ((q.get("metric") or {}).get("period") or 60 for q in queries), default=60
    )
    key = (
        "cloudwatch.alarm_high_resolution_month"
        if float(period) < 60
        else "cloudwatch.alarm_standard_month"
    )
    rate = ctx.prices.usd(key)
    return [Item(metrics * rate, f"{metrics} metric(s) x {_usd(rate)}/month", MONITORING)]


def composite_alarm(record: dict[str, Any], ctx: Context) -> list[Item]:
    rate = ctx.prices.usd("cloudwatch.alarm_composite_month")
    return [Item(rate, f"1 composite alarm x {_usd(rate)}/month", MONITORING)]


def dashboard(record: dict[str, Any], ctx: Context) -> list[Item]:
    rate = ctx.prices.usd("cloudwatch.dashboard_month")
    return [Item(rate, f"1 dashboard x {_usd(rate)}/month", MONITORING)]


def budget(record: dict[str, Any], ctx: Context) -> list[Item]:
    rate = ctx.prices.rate("budgets.budget_day")
    free = int(rate.quantity or 0)
    budgets = ctx.graph.of_type("aws:budgets/budget:Budget")
    if budgets.index(record) < free:
        return [Item(0.0, f"within the first {free} budgets of the account, free", MONITORING)]
    days = ctx.hours / 24
    return [Item(rate.usd * days, f"{_usd(rate.usd)}/day x {_n(round(days, 2))} days", MONITORING)]


# -- functions and edge ----------------------------------------------------------------------------
def function(record: dict[str, Any], ctx: Context) -> list[Item]:
    inputs = GraphDoc.inputs(record)
    calls = ctx.u("lambda_invocations_per_function")
    memory_gb = float(inputs.get("memorySize") or 128) / 1024
    seconds = ctx.u("lambda_average_duration_ms") / 1000
    arm = "arm64" in (inputs.get("architectures") or [])
    gb_second = ctx.prices.usd("lambda.arm_gb_second" if arm else "lambda.x86_gb_second")
    per_million = ctx.prices.usd("lambda.requests_million")
    compute = calls * seconds * memory_gb
    return [
        Item(
            calls / 1e6 * per_million,
            f"{_n(calls)} requests x {_usd(per_million)}/million",
            FUNCTIONS,
        ),
        Item(
            compute * gb_second,
            f"{_n(round(compute, 2))} GB-s ({_n(calls)} x {_n(seconds)} s x "
            f"{_n(round(memory_gb, 4))} GB) x ${gb_second}/GB-s",
            FUNCTIONS,
        ),
    ]


def topic(record: dict[str, Any], ctx: Context) -> list[Item]:
    publishes = ctx.u("sns_publishes_per_topic")
    rate = ctx.prices.usd("sns.publishes_million")
    return [
        Item(publishes / 1e6 * rate, f"{_n(publishes)} publishes x {_usd(rate)}/million", FUNCTIONS)
    ]


def web_acl(record: dict[str, Any], ctx: Context) -> list[Item]:
    rules = len(GraphDoc.inputs(record).get("rules") or [])
    acl = ctx.prices.usd("waf.web_acl_month")
    rule = ctx.prices.usd("waf.rule_month")
    millions = ctx.u("waf_requests_millions")
    per_million = ctx.prices.usd("waf.requests_million")
    return [
        Item(acl + rules * rule, f"1 web ACL x {_usd(acl)} + {rules} rules x {_usd(rule)}", EDGE),
        Item(
            millions * per_million,
            f"{_n(millions)} million requests x {_usd(per_million)}/million",
            EDGE,
        ),
    ]


def hosted_zone(record: dict[str, Any], ctx: Context) -> list[Item]:
    rate = ctx.prices.usd("route53.hosted_zone_month")
    return [Item(rate, f"1 hosted zone x {_usd(rate)}/month", EDGE)]
