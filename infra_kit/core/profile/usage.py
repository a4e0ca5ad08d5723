"""How much an environment is used, as the cost model assumes it (COST-2).

A price table says what a unit costs; these rows say how many units a month an environment
consumes where the graph cannot know it (hours a resource runs, gigabytes through a NAT gateway,
log volume, requests). ``infra-kit cost`` multiplies the two. Each value is an assumption, stated
once here per environment and overridable in a stack file (``environment: {usage: {...}}``) so
that an estimate can be brought closer to a bill without touching code.
"""

from __future__ import annotations

from pydantic import Field

from infra_kit.core.profile._base import Frozen, same, table

__all__ = ["USAGE_ROWS", "UsageProfile"]


class UsageProfile(Frozen):
    """Usage assumptions of the monthly cost estimate (COST-2).

    Volumes are per month. Per-resource values (``*_per_group``, ``*_per_bucket``,
    ``*_per_function``, ``*_per_queue``, ``*_per_cache``, ``*_per_load_balancer``) apply to each
    such resource in the stack; the ``*_gb`` totals of the network are the environment's
    traffic, shared by its NAT gateways or its interface endpoints.
    """

    #: Hours a resource that always runs is billed for in a month (AWS prices use 730).
    hours_per_month: float = Field(gt=0, le=744)
    #: Gigabytes the NAT gateways process in a month (egress from private subnets), in total.
    nat_processed_gb: float = Field(ge=0)
    #: Gigabytes the interface VPC endpoints process in a month, in total.
    endpoint_processed_gb: float = Field(ge=0)
    #: Average load balancer capacity units an Application Load Balancer consumes per hour.
    load_balancer_lcu: float = Field(ge=0)
    #: Gigabytes each CloudWatch log group ingests in a month.
    log_ingestion_gb_per_group: float = Field(ge=0)
    #: Gigabytes each S3 bucket stores (standard class).
    s3_storage_gb_per_bucket: float = Field(ge=0)
    #: Share of a database's storage that changes each day; an automated backup keeps each day's
    #: changes for the retention period, and what exceeds the free allowance (the database's own
    #: storage size) is billed as backup storage.
    storage_change_per_day: float = Field(ge=0, le=1)
    #: Gigabytes of recovery points each AWS Backup vault holds.
    backup_storage_gb_per_vault: float = Field(ge=0)
    #: Millions of requests each WAF web ACL inspects in a month.
    waf_requests_millions: float = Field(ge=0)
    #: Invocations of each Lambda function in a month, and their average duration.
    lambda_invocations_per_function: float = Field(ge=0)
    lambda_average_duration_ms: float = Field(ge=0)
    #: Messages each SNS topic publishes in a month.
    sns_publishes_per_topic: float = Field(ge=0)
    #: Millions of requests each SQS queue (not a dead-letter queue) receives in a month: sends,
    #: receives (empty long polls included: one consumer polling with a 20 s wait makes about
    #: 0.13 million a month) and deletes, each 64 KB of payload counting as one.
    sqs_requests_millions_per_queue: float = Field(ge=0)
    #: Gigabytes of data each ElastiCache cache holds: the size of each of its snapshots.
    cache_data_gb_per_cache: float = Field(ge=0)


# fmt: off
USAGE_ROWS = table(
    # key                                      dev      preview  stage    prod
    ("usage.hours_per_month",                  *same(730)),
    ("usage.nat_processed_gb",                 50,      5,       200,     1000),
    ("usage.endpoint_processed_gb",            20,      2,       50,      200),
    ("usage.load_balancer_lcu",                0.5,     0.1,     1,       5),
    ("usage.log_ingestion_gb_per_group",       1,       0.1,     3,       10),
    ("usage.s3_storage_gb_per_bucket",         5,       1,       20,      100),
    ("usage.storage_change_per_day",           *same(0.02)),
    ("usage.backup_storage_gb_per_vault",      20,      0,       100,     500),
    ("usage.waf_requests_millions",            1,       0.1,     5,       50),
    ("usage.lambda_invocations_per_function",  10_000,  1_000,   50_000,  100_000),
    ("usage.lambda_average_duration_ms",       *same(200)),
    ("usage.sns_publishes_per_topic",          1_000,   100,     5_000,   10_000),
    ("usage.sqs_requests_millions_per_queue",  1,       0.2,     3,       20),
    ("usage.cache_data_gb_per_cache",          0.1,     0.05,    1,       5),
)
# fmt: on
