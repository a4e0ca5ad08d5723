"""The environment's WAFv2 web ACL for internet-facing load balancers (EDGE-1)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra_kit.aws._web_acl_rules import (
    MANAGED_VENDOR,
    RuleKind,
    WebAclRule,
    metric_name,
    plan_rules,
)
from infra_kit.aws.key import Key
from infra_kit.core.component import Component
from infra_kit.core.environment import Environment

__all__ = ["REDACTED_HEADERS", "WAF_LOG_GROUP_PREFIX", "WebAcl", "WebAclArgs", "waf_log_group_name"]

#: AWS WAF delivers logs only to a CloudWatch log group whose name starts with this (AWS WAF
#: Developer Guide, "Sending web ACL traffic logs to an Amazon CloudWatch Logs log group").
WAF_LOG_GROUP_PREFIX = "aws-waf-logs-"
#: Request headers that carry credentials: logged as ``REDACTED``, never in clear (SEC-2).
REDACTED_HEADERS: tuple[str, ...] = ("authorization", "cookie")


def waf_log_group_name(project: str, stack: str, name: str) -> str:
    """The log group of web ACL ``name``: ``aws-waf-logs-<project>-<stack>-<name>``."""
    return f"{WAF_LOG_GROUP_PREFIX}{project}-{stack}-{name}"


@dataclass(frozen=True)
class WebAclArgs:
    """Arguments of :class:`WebAcl`.

    Args:
        key: the environment's customer-managed key, which encrypts the log group; it must
            admit CloudWatch Logs (``KeyArgs.log_group_access``). Required.
    """

    key: Key


class WebAcl(Component):
    """A REGIONAL WAFv2 web ACL for Application Load Balancers, with its request log (EDGE-1).

    The platform creates one per environment and exports its ARN (``web_acl_arn``); an
    internet-facing :class:`~infra_kit.k8s.AlbIngress` names it in ``waf_acl_arn`` and the AWS
    Load Balancer Controller associates it with each ALB it creates (ADR 0024).

    Children:

    - ``aws.wafv2.WebAcl`` ``<name>`` (named ``<project>-<stack>-<name>``): default action
      allow; the rules of :func:`~infra_kit.aws._web_acl_rules.plan_rules`, i.e. the managed
      groups ``AWSManagedRulesAmazonIpReputationList``, ``AWSManagedRulesCommonRuleSet`` and
      ``AWSManagedRulesKnownBadInputsRuleSet`` (vendor ``AWS``, their own actions) and a
      rate-based rule that blocks a client address above the profile's
      ``edge.waf_rate_limit_per_5_minutes``; CloudWatch metrics and sampled requests on every
      rule and on the ACL;
    - ``aws.cloudwatch.LogGroup`` ``<name>-logs`` (``aws-waf-logs-<project>-<stack>-<name>``,
      the prefix WAF requires), encrypted with ``key``, kept ``edge.waf_log_retention_days``,
      protected and with deletion protection where the profile protects state (DR-1);
    - ``aws.wafv2.WebAclLoggingConfiguration`` ``<name>-logging``: every request to that log
      group, with the ``authorization`` and ``cookie`` headers redacted.

    Prescriptions: EDGE-1 (WAF on the public edge), OBS-2 (encrypted logs with a retention),
    SEC-2 (no credentials in logs).

    Args:
        name: the component's name; every child's logical name starts with it.
        args: its settings, [WebAclArgs][infra_kit.aws.web_acl.WebAclArgs].
        env: the stack's [Environment][infra_kit.core.environment.Environment]: profile, tags and
            AWS provider.
        opts: Pulumi options for the component; every child is parented to it.

    Attributes:
        rules: the web ACL's rules as planned (managed rule groups and the rate limit).
        acl: the ``aws.wafv2.WebAcl``.
        arn: its ARN, what an internet-facing [AlbIngress][infra_kit.k8s.AlbIngress] is given.
        log_group: the request log's ``aws.cloudwatch.LogGroup``.
        logging: the ``aws.wafv2.WebAclLoggingConfiguration``.
    """

    TYPE = "infra-kit:aws:WebAcl"

    def __init__(
        self,
        name: str,
        args: WebAclArgs,
        env: Environment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        # Refused before anything exists: a key that CloudWatch Logs may not use for this group
        # would fail the group's creation on the first deployment (OBS-2).
        args.key.require_log_group(
            waf_log_group_name(env.project, env.stack, name), what="the web ACL's log group"
        )
        super().__init__(name, env, opts)
        edge = env.profile.edge
        acl_name = f"{env.project}-{env.stack}-{name}"
        self.rules = plan_rules(acl_name, edge.waf_rate_limit_per_5_minutes)
        self.acl = aws.wafv2.WebAcl(
            name,
            aws.wafv2.WebAclArgs(
                name=acl_name,
                description=f"Public edge of {env.project}/{env.stack} (infra-kit)",
                scope="REGIONAL",
                default_action=aws.wafv2.WebAclDefaultActionArgs(
                    allow=aws.wafv2.WebAclDefaultActionAllowArgs()
                ),
                rules=[_rule_args(rule) for rule in self.rules],
                visibility_config=aws.wafv2.WebAclVisibilityConfigArgs(
                    cloudwatch_metrics_enabled=True,
                    metric_name=metric_name(acl_name),
                    sampled_requests_enabled=True,
                ),
            ),
            opts=self.child_opts(),
        )
        # prescription: OBS-2 -- encrypted with the key, retention from the profile.
        self.log_group = aws.cloudwatch.LogGroup(
            self.child("logs"),
            aws.cloudwatch.LogGroupArgs(
                name=waf_log_group_name(env.project, env.stack, name),
                kms_key_id=args.key.arn,
                retention_in_days=edge.waf_log_retention_days,
                deletion_protection_enabled=env.profile.protect_stateful,
            ),
            opts=self.stateful_opts(),
        )
        self.logging = aws.wafv2.WebAclLoggingConfiguration(
            self.child("logging"),
            aws.wafv2.WebAclLoggingConfigurationArgs(
                resource_arn=self.acl.arn,
                log_destination_configs=[self.log_group.arn],
                # prescription: SEC-2 -- credentials never reach the log in clear.
                redacted_fields=[
                    aws.wafv2.WebAclLoggingConfigurationRedactedFieldArgs(
                        single_header=aws.wafv2.WebAclLoggingConfigurationRedactedFieldSingleHeaderArgs(
                            name=header
                        )
                    )
                    for header in REDACTED_HEADERS
                ],
            ),
            opts=self.child_opts(),
        )
        self.arn: pulumi.Output[str] = self.acl.arn
        self.register_outputs({"arn": self.arn, "log_group": self.log_group.name})


def _rule_args(rule: WebAclRule) -> aws.wafv2.WebAclRuleArgs:
    visibility = aws.wafv2.WebAclRuleVisibilityConfigArgs(
        cloudwatch_metrics_enabled=True, metric_name=rule.metric, sampled_requests_enabled=True
    )
    if rule.kind is RuleKind.MANAGED_GROUP:
        assert rule.group is not None
        return aws.wafv2.WebAclRuleArgs(
            name=rule.name,
            priority=rule.priority,
            # The group's own actions apply (block what it matches), not a count-only override.
            override_action=aws.wafv2.WebAclRuleOverrideActionArgs(
                none=aws.wafv2.WebAclRuleOverrideActionNoneArgs()
            ),
            statement=aws.wafv2.WebAclRuleStatementArgs(
                managed_rule_group_statement=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs(
                    vendor_name=MANAGED_VENDOR, name=rule.group
                )
            ),
            visibility_config=visibility,
        )
    assert rule.limit is not None
    return aws.wafv2.WebAclRuleArgs(
        name=rule.name,
        priority=rule.priority,
        action=aws.wafv2.WebAclRuleActionArgs(block=aws.wafv2.WebAclRuleActionBlockArgs()),
        statement=aws.wafv2.WebAclRuleStatementArgs(
            rate_based_statement=aws.wafv2.WebAclRuleStatementRateBasedStatementArgs(
                limit=rule.limit, aggregate_key_type="IP", evaluation_window_sec=300
            )
        ),
        visibility_config=visibility,
    )
