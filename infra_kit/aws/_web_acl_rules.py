"""The rules of the environment's WAFv2 web ACL, as plain data (EDGE-1).

Pure logic: no Pulumi runtime and no provider SDK, so the policy rule that judges web ACLs
(``IK-EDGE-1-WAF-RULES``) reads the same names as the component that builds them.

The managed rule groups are AWS's baseline and IP-reputation groups (AWS WAF Developer Guide,
"Baseline rule groups" and "IP reputation rule groups", read 2026-12-02):

- ``AWSManagedRulesCommonRuleSet`` (core rule set, 700 WCU): OWASP Top 10 style exploits;
- ``AWSManagedRulesKnownBadInputsRuleSet`` (200 WCU): request patterns known to be malicious,
  such as Log4j lookups;
- ``AWSManagedRulesAmazonIpReputationList`` (25 WCU): addresses Amazon threat intelligence
  lists as bots or attackers.

Together with one rate-based rule they use well under the 1,500 WCU a web ACL gets without an
extra charge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "MANAGED_RULE_GROUPS",
    "MANAGED_VENDOR",
    "RATE_RULE_NAME",
    "RuleKind",
    "WebAclRule",
    "metric_name",
    "plan_rules",
]

#: The vendor of AWS managed rule groups.
MANAGED_VENDOR = "AWS"
#: The managed rule groups every web ACL of infra-kit runs, in evaluation order: reputation first
#: (cheapest, and it drops known-bad sources before the others inspect them).
MANAGED_RULE_GROUPS: tuple[str, ...] = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
)
#: The name of the rate-based rule.
RATE_RULE_NAME = "rate-limit-per-client"
#: CloudWatch metric names of WAF: letters, digits, ``-`` and ``_``, at most 128 characters.
_METRIC = re.compile(r"[^A-Za-z0-9_-]")


class RuleKind(StrEnum):
    """What a rule of the web ACL is."""

    MANAGED_GROUP = "managed-group"
    RATE_LIMIT = "rate-limit"


@dataclass(frozen=True)
class WebAclRule:
    """One rule: its name, priority (lower runs first), kind and CloudWatch metric.

    A managed group keeps the actions its rules define (override ``none``); the rate rule
    blocks. ``group`` names the managed group; ``limit`` is the rate rule's limit.
    """

    name: str
    priority: int
    kind: RuleKind
    metric: str
    group: str | None = None
    limit: int | None = None


def metric_name(*parts: str) -> str:
    """A WAF CloudWatch metric name from ``parts``: joined by ``-``, other characters replaced."""
    return _METRIC.sub("-", "-".join(parts))[:128]


def plan_rules(acl_name: str, rate_limit: int) -> list[WebAclRule]:
    """The rules of web ACL ``acl_name``: the managed groups, then the rate rule at
    ``rate_limit`` requests per client address per 5 minutes. Every rule has a metric named
    ``<acl_name>-<rule>``."""
    if not 10 <= rate_limit <= 2_000_000_000:
        raise ValueError(f"rate limit {rate_limit} is outside WAF's 10..2000000000")
    rules = [
        WebAclRule(
            name=group,
            priority=index,
            kind=RuleKind.MANAGED_GROUP,
            metric=metric_name(acl_name, group),
            group=group,
        )
        for index, group in enumerate(MANAGED_RULE_GROUPS)
    ]
    rules.append(
        WebAclRule(
            name=RATE_RULE_NAME,
            priority=len(rules),
            kind=RuleKind.RATE_LIMIT,
            metric=metric_name(acl_name, RATE_RULE_NAME),
            limit=rate_limit,
        )
    )
    return rules
