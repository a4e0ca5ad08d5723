"""Alarms: a warning and a critical alarm on one signal, each to its own topic (OBS-3).

Every alarm infra-kit creates goes through :func:`alarm_pair`, which

- takes both thresholds from the caller, who reads them from the profile's ``alarms`` section
  (no threshold is written in a component);
- sends the warning to the environment's warning topic and the critical alarm to its critical
  topic (:class:`AlarmTopics`), both for ALARM and OK, so a recovery is heard where the alert was;
- names the alarms ``<environment>-<project>-<stack>-<component>-<signal>-<severity>``, so an
  environment's alarms share a prefix (:func:`alarm_prefix`) that the health function reads;
- records each alarm, with the metric it reads and who emits that metric, in the program's
  :class:`~infra_kit.core.monitoring.Monitoring`, from which the dashboard is generated and
  against which tests check that every alarm's metric is emitted by something.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import pulumi
import pulumi_aws as aws

from infra_kit.core.component import Component
from infra_kit.core.environment import Environment

__all__ = [
    "AWS_SERVICE",
    "AlarmTopics",
    "Graph",
    "Metric",
    "MetricMath",
    "Search",
    "Severity",
    "WatchedAlarm",
    "alarm_pair",
    "alarm_prefix",
    "graph",
]

Severity = Literal["warning", "critical"]
SEVERITIES: tuple[Severity, ...] = ("warning", "critical")

#: ``Metric.emitter`` of a metric an AWS service publishes by itself (``AWS/...`` namespaces).
AWS_SERVICE = "aws"

_COMPARISONS = {
    "above": "GreaterThanThreshold",
    "at-or-above": "GreaterThanOrEqualToThreshold",
    "below": "LessThanThreshold",
    "at-or-below": "LessThanOrEqualToThreshold",
}


@dataclass(frozen=True)
class AlarmTopics:
    """Where an environment's alarms notify: its warning and its critical topic.

    Attributes:
        warning: the ARN of the environment's warning topic.
        critical: the ARN of the environment's critical topic.
    """

    warning: pulumi.Input[str]
    critical: pulumi.Input[str]

    @classmethod
    def from_stack(cls, platform: pulumi.StackReference) -> AlarmTopics:
        """The topics the platform stack of the environment exports."""
        return cls(
            warning=platform.require_output("alarm_topic_arn"),  # pyright: ignore[reportArgumentType]
            critical=platform.require_output("critical_alarm_topic_arn"),  # pyright: ignore[reportArgumentType]
        )

    def of(self, severity: Severity) -> pulumi.Input[str]:
        return self.warning if severity == "warning" else self.critical


@dataclass(frozen=True)
class Metric:
    """One CloudWatch metric, the statistic read from it and who publishes it.

    ``stat``: a statistic (``Average``, ``Maximum``, ``Minimum``, ``Sum``, ``SampleCount``) or an
    extended one (``p99``, ``TC(0:0.5)``, ``PR(:0.5)``). ``emitter``: :data:`AWS_SERVICE` for a
    metric an AWS service publishes, or what in the graph publishes it (``"collector"``,
    ``"pipeline"``, a function's name); the emission test holds each to it.
    """

    namespace: str
    name: str
    dimensions: Mapping[str, pulumi.Input[str]]
    stat: str
    period_seconds: int
    emitter: str = AWS_SERVICE

    @property
    def extended(self) -> bool:
        return self.stat not in ("Average", "Maximum", "Minimum", "Sum", "SampleCount")


@dataclass(frozen=True)
class MetricMath:
    """A metric math expression over named metrics (ids are lower-case, e.g. ``errors``)."""

    expression: str
    metrics: Mapping[str, Metric]
    label: str

    @property
    def period_seconds(self) -> int:
        return max(m.period_seconds for m in self.metrics.values())


Signal = Metric | MetricMath


@dataclass(frozen=True)
class Search:
    """Every metric ``name`` of ``namespace`` with the dimensions ``schema`` whose values match
    ``filters``: for a graph only (an alarm needs one time series), where the program does not
    know every dimension value, e.g. the target groups a controller creates behind an ALB."""

    namespace: str
    name: str
    schema: tuple[str, ...]
    filters: Mapping[str, pulumi.Input[str]]
    stat: str
    period_seconds: int
    emitter: str = AWS_SERVICE


#: What a dashboard graph may show: an alarm's signal or a search.
GraphSignal = Signal | Search


@dataclass(frozen=True)
class WatchedAlarm:
    """One alarm as the dashboard and the tests see it."""

    owner: str
    signal_name: str
    severity: Severity
    #: The dashboard section the alarm belongs to, e.g. ``"Resource use"``.
    section: str
    signal: Signal
    comparison: str
    threshold: float
    alarm: aws.cloudwatch.MetricAlarm
    #: False for an alarm without actions that only feeds a composite alarm, which notifies.
    notifies: bool = True


@dataclass(frozen=True)
class Graph:
    """A metric the dashboard shows without an alarm (deployments, scaling events, cost)."""

    owner: str
    section: str
    title: str
    signals: tuple[GraphSignal, ...] = field(default_factory=tuple)
    #: The region the graph reads, when not the stack's (AWS/Billing is only in us-east-1).
    region: str | None = None


def alarm_prefix(env: Environment) -> str:
    """What the names of all the environment's alarms start with: ``<environment>-``."""
    return f"{env.profile.name}-"


def graph(
    owner: Component, section: str, title: str, *signals: GraphSignal, region: str | None = None
) -> None:
    """Show ``signals`` on the program's dashboard in ``section`` (OBS-4)."""
    owner.env.monitoring.graphs.append(
        Graph(owner.component_name, section, title, tuple(signals), region)
    )


# prescription: OBS-3 -- warning and critical alarms, each to its own topic.
def alarm_pair(
    owner: Component,
    name: str,
    *,
    signal: Signal,
    comparison: Literal["above", "at-or-above", "below", "at-or-below"],
    warning: float,
    critical: float,
    topics: AlarmTopics,
    section: str,
    description: str,
    evaluation_periods: int = 1,
    datapoints_to_alarm: int | None = None,
    treat_missing_data: Literal["missing", "breaching", "notBreaching", "ignore"] = "missing",
) -> dict[Severity, aws.cloudwatch.MetricAlarm]:
    """A warning and a critical alarm on ``signal``, children of ``owner``.

    ``description`` says what breached and what to do; the threshold is appended. The alarms'
    logical names are ``<owner>-<name>-warning`` and ``<owner>-<name>-critical``.
    """
    env = owner.env
    alarms: dict[Severity, aws.cloudwatch.MetricAlarm] = {}
    for severity, threshold in zip(SEVERITIES, (warning, critical), strict=True):
        logical = owner.child(name, severity)
        physical = f"{alarm_prefix(env)}{env.project}-{env.stack}-{logical}"
        topic = topics.of(severity)
        args = _alarm_args(signal)
        args.name = physical
        args.alarm_description = f"{description} ({severity}: {comparison} {threshold:g})"
        args.comparison_operator = _COMPARISONS[comparison]
        args.threshold = threshold
        args.evaluation_periods = evaluation_periods
        args.datapoints_to_alarm = datapoints_to_alarm
        args.treat_missing_data = treat_missing_data
        args.alarm_actions = [topic]
        args.ok_actions = [topic]
        alarm = aws.cloudwatch.MetricAlarm(logical, args, opts=owner.child_opts())
        alarms[severity] = alarm
        env.monitoring.alarms.append(
            WatchedAlarm(
                owner.component_name, name, severity, section, signal, comparison, threshold, alarm
            )
        )
    return alarms


def _alarm_args(signal: Signal) -> aws.cloudwatch.MetricAlarmArgs:
    """Alarm arguments that read ``signal``; the caller sets the rest."""
    if isinstance(signal, Metric):
        return aws.cloudwatch.MetricAlarmArgs(
            comparison_operator="",
            evaluation_periods=1,
            namespace=signal.namespace,
            metric_name=signal.name,
            dimensions=dict(signal.dimensions) or None,
            period=signal.period_seconds,
            extended_statistic=signal.stat if signal.extended else None,
            statistic=None if signal.extended else signal.stat,
        )
    queries = [
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id=query_id,
            return_data=False,
            metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                namespace=m.namespace,
                metric_name=m.name,
                dimensions=dict(m.dimensions) or None,
                period=m.period_seconds,
                stat=m.stat,
            ),
        )
        for query_id, m in signal.metrics.items()
    ]
    queries.append(
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id="result", expression=signal.expression, label=signal.label, return_data=True
        )
    )
    return aws.cloudwatch.MetricAlarmArgs(
        comparison_operator="", evaluation_periods=1, metric_queries=queries
    )
