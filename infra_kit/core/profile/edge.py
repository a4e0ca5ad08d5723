"""The internet-facing edge: the web ACL's rate limit and how long its logs are kept (EDGE-1)."""

from __future__ import annotations

from pydantic import Field, field_validator

from infra_kit.core.profile._base import Frozen, check_retention, table

__all__ = ["EDGE_ROWS", "EdgeProfile"]


class EdgeProfile(Frozen):
    """The environment's WAFv2 web ACL (EDGE-1).

    ``waf_rate_limit_per_5_minutes`` is the rate-based rule's limit: requests from one client
    address in any 5-minute window, above which WAF blocks that address until its rate falls
    below the limit again. AWS WAF accepts 10 to 2,000,000,000 (AWS WAF Developer Guide,
    "Rate-based rule statement", read 2026-12-02). ``waf_log_retention_days`` keeps the web
    ACL's request log group (``aws-waf-logs-...``); it records every request the ACL judged,
    so it is sized like application logs rather than audit logs.
    """

    waf_rate_limit_per_5_minutes: int = Field(ge=10, le=2_000_000_000)
    waf_log_retention_days: int

    _retention = field_validator("waf_log_retention_days")(check_retention)


# fmt: off
EDGE_ROWS = table(
    # key                                  dev   preview  stage  prod
    # About 7 requests a second from one address, sustained for five minutes: far above what a
    # person or a well-behaved client sends, low enough to stop a single-source flood.
    ("edge.waf_rate_limit_per_5_minutes",  2000, 1000,    2000,  2000),
    ("edge.waf_log_retention_days",        14,   3,       30,    90),
)
# fmt: on
