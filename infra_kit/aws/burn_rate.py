"""Multi-window burn-rate alerts: two silent metric alarms and a composite alarm (OBS-3).

A burn-rate alert fires only when the error budget burns too fast over a long window *and* a
short one: the long window makes it significant, the short one makes it stop soon after the
burn does. CloudWatch has no such alarm, so each alert is

- a metric alarm per window (``<owner>-<key>-long`` and ``-short``) on the error ratio, with one
  period of the window's length, and **no actions**: on its own a window says nothing;
- a composite alarm ``<owner>-<key>`` with the rule ``ALARM("<long>") AND ALARM("<short>")``,
  whose actions (ALARM and OK) go to the topic of the alert's severity.

All three are recorded in the program's :class:`~infra_kit.core.monitoring.Monitoring`, the
window alarms with ``notifies=False``, so the dashboard shows them and the tests hold them to
metrics something emits.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra_kit.aws.alarms import (
    AlarmTopics,
    Severity,
    Signal,
    WatchedAlarm,
    _alarm_args,  # pyright: ignore[reportPrivateUsage] -- one renderer of signals for every alarm
    alarm_prefix,
)
from infra_kit.core.component import Component

__all__ = ["WatchedComposite", "burn_rate_alert"]


@dataclass(frozen=True)
class WatchedComposite:
    """A composite alarm as the dashboard and the tests see it."""

    owner: str
    name: str
    severity: Severity
    section: str
    #: The alarms whose states the rule combines (all must be in ALARM).
    members: tuple[WatchedAlarm, ...]
    alarm: aws.cloudwatch.CompositeAlarm


def _physical(owner: Component, logical: str) -> str:
    env = owner.env
    return f"{alarm_prefix(env)}{env.project}-{env.stack}-{logical}"


# prescription: OBS-3 -- alerts on symptoms tied to the SLO, to the severity's topic.
def burn_rate_alert(
    owner: Component,
    key: str,
    *,
    long_window: Signal,
    short_window: Signal,
    threshold: float,
    severity: Severity,
    topics: AlarmTopics,
    section: str,
    description: str,
) -> WatchedComposite:
    """Alert ``topics.of(severity)`` when both windows' error ratio is above ``threshold``.

    Each window signal's period is the window; the window alarms evaluate one period and treat
    missing data (no requests) as not breaching.
    """
    env = owner.env
    members: list[WatchedAlarm] = []
    for window, signal in (("long", long_window), ("short", short_window)):
        logical = owner.child(key, window)
        args = _alarm_args(signal)
        # <composite>-<severity>-<window>: how the health function reads the alert's state
        # without reading composite alarms (infra_kit.aws.health_function.handler._burning).
        args.name = _physical(owner, owner.child(key, severity, window))
        args.alarm_description = (
            f"{description}: the {window} window of a burn-rate alert; it notifies nobody, the "
            f"composite alarm {_physical(owner, owner.child(key))} does (above {threshold:g})"
        )
        args.comparison_operator = "GreaterThanThreshold"
        args.threshold = threshold
        args.evaluation_periods = 1
        args.treat_missing_data = "notBreaching"
        alarm = aws.cloudwatch.MetricAlarm(logical, args, opts=owner.child_opts())
        watched = WatchedAlarm(
            owner.component_name,
            f"{key}-{window}",
            severity,
            section,
            signal,
            "above",
            threshold,
            alarm,
            notifies=False,
        )
        env.monitoring.alarms.append(watched)
        members.append(watched)
    long_alarm, short_alarm = (m.alarm for m in members)
    topic = topics.of(severity)
    logical = owner.child(key)
    composite = aws.cloudwatch.CompositeAlarm(
        logical,
        aws.cloudwatch.CompositeAlarmArgs(
            alarm_name=_physical(owner, logical),
            alarm_description=f"{description} ({severity}: both windows above {threshold:g})",
            # Built from the window alarms' names, so it is created after them.
            alarm_rule=pulumi.Output.format(
                'ALARM("{0}") AND ALARM("{1}")', long_alarm.name, short_alarm.name
            ),
            alarm_actions=[topic],
            ok_actions=[topic],
        ),
        opts=owner.child_opts(),
    )
    watched_composite = WatchedComposite(
        owner.component_name, key, severity, section, tuple(members), composite
    )
    env.monitoring.composites.append(watched_composite)
    return watched_composite
