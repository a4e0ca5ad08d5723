"""A web service's service-level objective and the burn-rate alerts that guard it (OBS-3).

Pure logic: no Pulumi runtime. :func:`plan_slo` validates a :class:`Slo` against the profile's
``slo`` section and returns, for each objective (availability and latency) and each of the
profile's ``slo.burn_rate_alerts``, the two windows and the error-ratio threshold both must
cross: ``burn_rate x (1 - target)`` (Google SRE workbook, "Alerting on SLOs").

The signals are read at the service's Application Load Balancer (``AWS/ApplicationELB``):

- availability error ratio: ``(HTTPCode_Target_5XX_Count + HTTPCode_ELB_5XX_Count) /
  RequestCount``; the 5xx counts are published only when not zero, hence ``FILL(…, 0)``;
- latency error ratio: ``1 - PR(:threshold)/100`` of ``TargetResponseTime`` (seconds), the share
  of requests slower than the threshold. ``PR(:t)`` is the percentile rank: the percentage of
  data points at or below ``t``.

Each window is one alarm period of the window's length (CloudWatch alarms slide by default),
so a window is at most a day (86,400 s, also CloudWatch's limit on period x evaluation periods
for periods under an hour). With no traffic the ratio has no data point and the alarm treats it
as not breaching.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import pulumi

from infra_kit.aws.alarms import Metric, MetricMath, Search
from infra_kit.core.profile import EnvironmentProfile
from infra_kit.errors import ValidationError

__all__ = [
    "ALB_NAMESPACE",
    "LOAD_BALANCER_NAME_ANNOTATION",
    "MAX_WINDOW_MINUTES",
    "BurnRateWindow",
    "Objective",
    "Slo",
    "SloPlan",
    "availability_error_ratio",
    "latency_error_ratio",
    "load_balancer_name",
    "plan_slo",
    "scaling_graphs",
    "service_graphs",
]

ALB_NAMESPACE = "AWS/ApplicationELB"
#: The AWS Load Balancer Controller's annotation that names the ALB it creates.
LOAD_BALANCER_NAME_ANNOTATION = "alb.ingress.kubernetes.io/load-balancer-name"
#: The longest window: one alarm period of at most a day.
MAX_WINDOW_MINUTES = 1440
_ALB_NAME_LENGTH = 32
_NOT_ALNUM = re.compile(r"[^a-z0-9-]+")
_BY_TARGET_GROUP = ("LoadBalancer", "TargetGroup")

Objective = Literal["availability", "latency"]


@dataclass(frozen=True)
class Slo:
    """The service-level objective of a :class:`~infra_kit.k8s.WebService` behind an ALB.

    Every field left ``None`` takes the profile's ``slo`` value (the same in every environment
    except ``availability_target_percent``: dev and preview 99.0, stage 99.5, prod 99.9).

    Args:
        availability_target_percent: share of requests that must not fail with a 5xx, over
            ``window_days``. Above 0, below 100. Default ``slo.availability_target_percent``.
        latency_target_percent: share of requests answered within ``latency_threshold_ms``.
            Above 0, below 100. Default ``slo.latency_target_percent`` (99).
        latency_threshold_ms: what "fast enough" is, at the load balancer's target.
            Default ``slo.latency_threshold_ms`` (500).
        window_days: the period the objective is promised over, which sets the error budget.
            Default ``slo.window_days`` (30).
    """

    availability_target_percent: float | None = None
    latency_target_percent: float | None = None
    latency_threshold_ms: int | None = None
    window_days: int | None = None


@dataclass(frozen=True)
class BurnRateWindow:
    """One multi-window burn-rate alert of one objective: both windows must breach."""

    objective: Objective
    burn_rate: float
    long_minutes: int
    short_minutes: int
    severity: Literal["warning", "critical"]
    #: The error ratio both windows must exceed: ``burn_rate x (1 - target/100)``.
    threshold: float

    @property
    def key(self) -> str:
        """A stable name part, e.g. ``availability-burn-1h-5m``."""
        return f"{self.objective}-burn-{_span(self.long_minutes)}-{_span(self.short_minutes)}"


@dataclass(frozen=True)
class SloPlan:
    """A validated SLO with the alerts derived from it."""

    availability_target_percent: float
    latency_target_percent: float
    latency_threshold_ms: int
    window_days: int
    alerts: tuple[BurnRateWindow, ...]


def _span(minutes: int) -> str:
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"


def _target(key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 100:
        raise ValidationError(
            key,
            value,
            "a target is a percentage above 0 and below 100; 100 leaves no error budget, so "
            "every failed request would page",
            "use e.g. 99.9",
        )
    return float(value)


def plan_slo(slo: Slo, profile: EnvironmentProfile) -> SloPlan:
    """Validate ``slo`` (filled from the profile's ``slo`` section) into its alerts (ENV-3)."""
    if not isinstance(slo, Slo):
        raise ValidationError("slo", slo, "not an Slo", "pass Slo(...) or leave it unset")
    defaults = profile.slo
    availability = _target(
        "slo.availability_target_percent",
        defaults.availability_target_percent
        if slo.availability_target_percent is None
        else slo.availability_target_percent,
    )
    latency = _target(
        "slo.latency_target_percent",
        defaults.latency_target_percent
        if slo.latency_target_percent is None
        else slo.latency_target_percent,
    )
    threshold_ms = (
        defaults.latency_threshold_ms
        if slo.latency_threshold_ms is None
        else slo.latency_threshold_ms
    )
    if isinstance(threshold_ms, bool) or not isinstance(threshold_ms, int) or threshold_ms < 1:
        raise ValidationError(
            "slo.latency_threshold_ms",
            threshold_ms,
            "not a whole number of milliseconds",
            "e.g. 500",
        )
    window_days = defaults.window_days if slo.window_days is None else slo.window_days
    if (
        isinstance(window_days, bool)
        or not isinstance(window_days, int)
        or not 1 <= window_days <= 90
    ):
        raise ValidationError(
            "slo.window_days", window_days, "an SLO window is 1 to 90 days", "use e.g. 30"
        )
    alerts: list[BurnRateWindow] = []
    for index, alert in enumerate(defaults.burn_rate_alerts):
        where = f"slo.burn_rate_alerts[{index}]"
        if alert.long_window_minutes > MAX_WINDOW_MINUTES:
            raise ValidationError(
                f"{where}.long_window_minutes",
                alert.long_window_minutes,
                "a window is one CloudWatch alarm period, at most a day",
                f"use at most {MAX_WINDOW_MINUTES}",
            )
        for objective, target, key in (
            ("availability", availability, "availability_target_percent"),
            ("latency", latency, "latency_target_percent"),
        ):
            ratio = round(alert.burn_rate * (100.0 - target) / 100.0, 10)
            if ratio >= 1:
                raise ValidationError(
                    f"slo.{key}",
                    target,
                    f"with {where}.burn_rate={alert.burn_rate:g} the alert would need more than "
                    f"every request to fail ({ratio:g} of them), so it could never fire",
                    "raise the target or lower the burn rate",
                )
            alerts.append(
                BurnRateWindow(
                    objective=objective,  # pyright: ignore[reportArgumentType] -- the literal above
                    burn_rate=alert.burn_rate,
                    long_minutes=alert.long_window_minutes,
                    short_minutes=alert.short_window_minutes,
                    severity=alert.severity,
                    threshold=ratio,
                )
            )
    keys = [a.key for a in alerts]
    if len(set(keys)) != len(keys):
        raise ValidationError(
            "slo.burn_rate_alerts",
            keys,
            "two alerts have the same pair of windows",
            "give each alert its own long and short window",
        )
    return SloPlan(availability, latency, threshold_ms, window_days, tuple(alerts))


def load_balancer_name(
    *, environment: str, project: str, stack: str, namespace: str, service: str, group: str | None
) -> str:
    """The ALB's name: deterministic, at most 32 characters, unique per stack (or per group).

    ``<service>-<environment>`` shortened, then 8 hex digits of a hash of everything that makes
    it unique: the project, stack, namespace and service, or, for an Ingress of an IngressGroup
    (one ALB shared by the group, whose Ingresses must all carry the same name), the
    environment and the group only.
    """
    if group is not None:
        identity, readable = f"group/{environment}/{group}", f"{group}-{environment}"
    else:
        identity = f"{project}/{stack}/{namespace}/{service}"
        readable = f"{service}-{environment}"
    digest = hashlib.sha256(identity.encode()).hexdigest()[:8]
    stem = _NOT_ALNUM.sub("-", readable.lower())[: _ALB_NAME_LENGTH - 9].strip("-")
    stem = stem.removeprefix("internal-").strip("-") or "alb"
    return f"{stem}-{digest}"


def _alb(name: str, lb: pulumi.Input[str], stat: str, period: int) -> Metric:
    return Metric(ALB_NAMESPACE, name, {"LoadBalancer": lb}, stat, period)


def availability_error_ratio(lb: pulumi.Input[str], period_seconds: int) -> MetricMath:
    """The share of requests that failed with a 5xx, from the target or the ALB itself."""
    return MetricMath(
        "(FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests",
        {
            "target5xx": _alb("HTTPCode_Target_5XX_Count", lb, "Sum", period_seconds),
            "elb5xx": _alb("HTTPCode_ELB_5XX_Count", lb, "Sum", period_seconds),
            "requests": _alb("RequestCount", lb, "Sum", period_seconds),
        },
        "5xx error ratio",
    )


def latency_error_ratio(
    lb: pulumi.Input[str], threshold_ms: int, period_seconds: int
) -> MetricMath:
    """The share of requests slower than ``threshold_ms`` at the target."""
    seconds = f"{threshold_ms / 1000:g}"
    return MetricMath(
        "1 - fast / 100",
        {"fast": _alb("TargetResponseTime", lb, f"PR(:{seconds})", period_seconds)},
        f"share slower than {threshold_ms} ms",
    )


def service_graphs(
    lb: pulumi.Input[str], threshold_ms: int
) -> Mapping[str, tuple[Metric | MetricMath, ...]]:
    """What the dashboard shows of a service beside its alarms: both error ratios its SLO
    alerts read (over 5 minutes), requests, errors and latency."""
    return {
        "5xx error ratio (5 min)": (availability_error_ratio(lb, 300),),
        f"Share slower than {threshold_ms} ms (5 min)": (
            latency_error_ratio(lb, threshold_ms, 300),
        ),
        "Requests": (_alb("RequestCount", lb, "Sum", 60),),
        "Errors (5xx)": (
            _alb("HTTPCode_Target_5XX_Count", lb, "Sum", 60),
            _alb("HTTPCode_ELB_5XX_Count", lb, "Sum", 60),
        ),
        "Latency at the target (s)": tuple(
            _alb("TargetResponseTime", lb, stat, 60) for stat in ("p50", "p90", "p99")
        ),
    }


def scaling_graphs(lb: pulumi.Input[str]) -> Mapping[str, tuple[Search, ...]]:
    """The pods behind the ALB (healthy targets) and the load each takes, per target group.

    Target groups are created by the controller with names the program does not know, so the
    dashboard finds them with a search on the load balancer's dimension.
    """
    return {
        "Healthy targets": (
            Search(
                ALB_NAMESPACE,
                "HealthyHostCount",
                _BY_TARGET_GROUP,
                {"LoadBalancer": lb},
                "Minimum",
                60,
            ),
        ),
        "Requests per target": (
            Search(
                ALB_NAMESPACE,
                "RequestCountPerTarget",
                _BY_TARGET_GROUP,
                {"LoadBalancer": lb},
                "Sum",
                60,
            ),
        ),
    }
