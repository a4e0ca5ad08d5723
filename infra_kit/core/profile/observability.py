"""Logs and alarms (OBS-2, OBS-3)."""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from infra_kit.core.profile._base import Frozen, check_retention, same, table

__all__ = [
    "OBSERVABILITY_ROWS",
    "AlarmProfile",
    "BurnRateAlert",
    "LogProfile",
    "NotificationSubscription",
    "SloProfile",
]

# One address: no spaces, one @, a dot in the domain. SNS confirms it by mail anyway.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class LogProfile(Frozen):
    """Log groups (OBS-2).

    ``retention_days`` applies to application and telemetry logs; ``audit_retention_days`` to
    audit-class logs (the EKS control plane, database logs), which prod keeps at least a year.
    VPC flow logs, also audit-class, follow ``network.flow_log_retention_days``.
    """

    retention_days: int
    audit_retention_days: int

    _retention = field_validator("retention_days", "audit_retention_days")(check_retention)


class NotificationSubscription(Frozen):
    """Who reads an environment's notification topics (OBS-3): ``protocol`` ``email`` with an
    address, or ``https`` with an ``https://`` URL (a chat or paging webhook). SNS asks each
    endpoint to confirm before it delivers anything.

    ``severities``: which topics the endpoint subscribes to. Default both; a pager takes
    ``[critical]`` only, so warnings never wake anyone.
    """

    protocol: Literal["email", "https"]
    endpoint: str
    severities: tuple[Literal["warning", "critical"], ...] = Field(
        default=("warning", "critical"), min_length=1
    )

    @model_validator(mode="after")
    def _endpoint_fits(self) -> NotificationSubscription:
        if self.protocol == "email" and not _EMAIL.match(self.endpoint):
            raise PydanticCustomError(
                "subscription_endpoint",
                "endpoint={endpoint!r} is not an email address; write one address such as "
                "platform-oncall@your-domain, or use protocol https for a webhook",
                {"endpoint": self.endpoint},
            )
        if self.protocol == "https":
            url = urlsplit(self.endpoint)
            if url.scheme != "https" or not url.hostname:
                raise PydanticCustomError(
                    "subscription_endpoint",
                    "endpoint={endpoint!r} is not an https URL; SNS delivers protocol https only "
                    "to https://host/path (plain http is refused: alerts cross the internet)",
                    {"endpoint": self.endpoint},
                )
        return self


class AlarmProfile(Frozen):
    """Alarm thresholds and who is told (OBS-3).

    Every alarm infra-kit creates is a pair: a ``warning`` and a ``critical`` alarm on the same
    signal, each with its own threshold below and its own topic
    (:class:`~infra_kit.aws.notifications.Notifications`). Thresholds are "above" for
    utilization, failure rates, lag, age and queue depth, and "below" for success rates, days
    to certificate expiry and free storage.

    ``notification_subscriptions`` subscribe to the environment's notification topics. No
    built-in environment has any: who reads alerts is the stack owner's to say, in the stack
    file. Where ``require_notification_subscription`` is on (stage, prod), a topic without
    subscriptions is refused, since alerts nobody reads are no alerts.

    ``period_seconds`` and ``evaluation_periods``: how long a resource signal (CPU, memory,
    storage, connections, lag, queue age) must breach before its alarm fires.
    ``delivery_window_hours``: the window over which the pipeline's deployment success and
    failure rates are computed (at most 24, CloudWatch's longest alarm period).
    """

    utilization_warning_percent: int = Field(ge=1, le=100)
    utilization_critical_percent: int = Field(ge=1, le=100)
    period_seconds: int = Field(ge=60, le=3600, multiple_of=60)
    evaluation_periods: int = Field(ge=1, le=24)
    deployment_success_warning_percent: float = Field(gt=0, le=100)
    deployment_success_critical_percent: float = Field(gt=0, le=100)
    pipeline_failure_warning_percent: float = Field(ge=0, lt=100)
    pipeline_failure_critical_percent: float = Field(ge=0, lt=100)
    delivery_window_hours: int = Field(ge=1, le=24)
    certificate_expiry_warning_days: int = Field(ge=1, le=395)
    certificate_expiry_critical_days: int = Field(ge=1, le=395)
    #: Days past the rotation period (``secrets.rotation_days``) a secret may go unrotated.
    secret_overdue_warning_days: int = Field(ge=0, le=365)
    secret_overdue_critical_days: int = Field(ge=0, le=365)
    #: Failed invocations of a secret's rotation function within an hour (each failed step is
    #: one; Secrets Manager retries a failed rotation).
    rotation_errors_warning: int = Field(ge=1)
    rotation_errors_critical: int = Field(ge=1)
    replica_lag_warning_seconds: int = Field(ge=1)
    replica_lag_critical_seconds: int = Field(ge=1)
    queue_oldest_message_warning_seconds: int = Field(ge=1)
    queue_oldest_message_critical_seconds: int = Field(ge=1)
    dead_letter_warning_messages: int = Field(ge=1)
    dead_letter_critical_messages: int = Field(ge=1)
    notification_subscriptions: tuple[NotificationSubscription, ...]
    require_notification_subscription: bool

    @model_validator(mode="after")
    def _ordered(self) -> AlarmProfile:
        # (warning key, critical key, True where a higher value is worse)
        pairs = (
            ("utilization_warning_percent", "utilization_critical_percent", True),
            ("deployment_success_warning_percent", "deployment_success_critical_percent", False),
            ("pipeline_failure_warning_percent", "pipeline_failure_critical_percent", True),
            ("certificate_expiry_warning_days", "certificate_expiry_critical_days", False),
            ("secret_overdue_warning_days", "secret_overdue_critical_days", True),
            ("rotation_errors_warning", "rotation_errors_critical", True),
            ("replica_lag_warning_seconds", "replica_lag_critical_seconds", True),
            (
                "queue_oldest_message_warning_seconds",
                "queue_oldest_message_critical_seconds",
                True,
            ),
            ("dead_letter_warning_messages", "dead_letter_critical_messages", True),
        )
        for warning_key, critical_key, higher_is_worse in pairs:
            w, c = getattr(self, warning_key), getattr(self, critical_key)
            if (w >= c) if higher_is_worse else (w <= c):
                raise PydanticCustomError(
                    "threshold_order",
                    "alarms.{wk}={w} must be {side} alarms.{ck}={c}: the warning fires first",
                    {
                        "wk": warning_key,
                        "w": w,
                        "ck": critical_key,
                        "c": c,
                        "side": "below" if higher_is_worse else "above",
                    },
                )
        return self


class BurnRateAlert(Frozen):
    """One multi-window burn-rate alert (Google SRE workbook, "Alerting on SLOs").

    It fires when the error budget burns ``burn_rate`` times faster than the SLO allows over
    both the long window and the short one (the short window makes it reset quickly once the
    burn stops). ``severity`` picks the topic.
    """

    burn_rate: float = Field(gt=0)
    long_window_minutes: int = Field(ge=5, le=1440)
    short_window_minutes: int = Field(ge=1, le=1440)
    severity: Literal["warning", "critical"]

    @model_validator(mode="after")
    def _windows(self) -> BurnRateAlert:
        if self.short_window_minutes >= self.long_window_minutes:
            raise PydanticCustomError(
                "threshold_order",
                "short_window_minutes={s} must be below long_window_minutes={long}",
                {"s": self.short_window_minutes, "long": self.long_window_minutes},
            )
        return self


class SloProfile(Frozen):
    """The default service-level objective of a service that serves traffic (OBS-3).

    ``availability_target_percent``: the share of requests that must not fail (5xx) over
    ``window_days``. ``latency_target_percent`` of requests must be answered within
    ``latency_threshold_ms``. A :class:`~infra_kit.k8s.WebService` may declare its own; these
    are the defaults. ``burn_rate_alerts``: the multi-window alerts on both objectives' error
    budgets.
    """

    availability_target_percent: float = Field(gt=0, lt=100)
    latency_target_percent: float = Field(gt=0, lt=100)
    latency_threshold_ms: int = Field(ge=1)
    window_days: int = Field(ge=1, le=90)
    burn_rate_alerts: tuple[BurnRateAlert, ...] = Field(min_length=1)


# fmt: off
OBSERVABILITY_ROWS = table(
    # key                                    dev   preview  stage  prod
    ("logs.retention_days",                  14,   3,       30,    90),
    ("logs.audit_retention_days",            14,   3,       90,    365),
    ("alarms.utilization_warning_percent",   *same(75)),
    ("alarms.utilization_critical_percent",  *same(90)),
    ("alarms.period_seconds",                *same(300)),
    ("alarms.evaluation_periods",            *same(3)),
    ("alarms.deployment_success_warning_percent", *same(98)),
    ("alarms.deployment_success_critical_percent", *same(95)),
    ("alarms.pipeline_failure_warning_percent",   *same(5)),
    ("alarms.pipeline_failure_critical_percent",  *same(10)),
    ("alarms.delivery_window_hours",         *same(24)),
    ("alarms.certificate_expiry_warning_days",  *same(30)),
    ("alarms.certificate_expiry_critical_days", *same(7)),
    ("alarms.secret_overdue_warning_days",   *same(1)),
    ("alarms.secret_overdue_critical_days",  *same(7)),
    # One failed step warns; repeated failures within the hour mean the retries fail too.
    ("alarms.rotation_errors_warning",       *same(1)),
    ("alarms.rotation_errors_critical",      *same(3)),
    ("alarms.replica_lag_warning_seconds",   *same(60)),
    ("alarms.replica_lag_critical_seconds",  *same(300)),
    ("alarms.queue_oldest_message_warning_seconds",  *same(300)),
    ("alarms.queue_oldest_message_critical_seconds", *same(900)),
    ("alarms.dead_letter_warning_messages",  *same(1)),
    ("alarms.dead_letter_critical_messages", *same(10)),
    ("alarms.notification_subscriptions",    *same(())),
    ("alarms.require_notification_subscription", False, False, True, True),
    # A service's default SLO: dev and previews promise less, so their budgets burn slower.
    ("slo.availability_target_percent",      99.0, 99.0,    99.5,  99.9),
    ("slo.latency_target_percent",           *same(99.0)),
    ("slo.latency_threshold_ms",             *same(500)),
    ("slo.window_days",                      *same(30)),
    # SRE workbook: 2% of a 30-day budget in an hour or 5% in six hours pages; 10% in a day
    # (its 3-day ticket alert, shortened to CloudWatch's longest alarm period) warns.
    ("slo.burn_rate_alerts",                 *same((
        {"burn_rate": 14.4, "long_window_minutes": 60, "short_window_minutes": 5, "severity": "critical"},
        {"burn_rate": 6.0, "long_window_minutes": 360, "short_window_minutes": 30, "severity": "critical"},
        {"burn_rate": 3.0, "long_window_minutes": 1440, "short_window_minutes": 120, "severity": "warning"},
    ))),
)
# fmt: on
