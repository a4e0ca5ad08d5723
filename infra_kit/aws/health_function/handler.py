"""The function behind ``/health/infrastructure``: one environment's state in one JSON answer.

:class:`~infra_kit.aws.health.HealthEndpoint` packages this file alone, as ``handler.py`` at the
root of the function's archive, so it imports nothing but the standard library; boto3, which
every AWS Lambda Python runtime provides, is imported only when the function builds its clients.

The answer (``GET /health/infrastructure``, a Lambda function URL with IAM authorization)::

    {"environment": "prod", "status": "healthy" | "degraded" | "failing",
     "reasons": ["..."], "checked_at": "2026-12-01T23:00:00Z",
     "deployments": [{"project", "stack", "outcome", "commit", "run_url", "finished_at"}],
     "alarms": {"critical": [{"name", "state", "reason", "since"}], "warning": [...]},
     "pipeline": {"window_hours": 24, "deployment_success_percent": 100.0,
                  "pipeline_failure_percent": 0.0}}

Where each part comes from (the convention is :mod:`infra_kit.aws.delivery`):

``deployments``
    The last deploy of each stack, from the String parameters under ``DEPLOYMENTS_PATH``
    (``/infra-kit/<environment>/deployments/<project>/<stack>``) that the deploy job writes.
``alarms``
    The environment's alarms (names starting ``ALARM_PREFIX``) in ``ALARM`` or
    ``INSUFFICIENT_DATA``, by severity: the suffix ``-critical`` or ``-warning`` that
    ``alarm_pair`` gives every alarm. An alarm with neither counts as a warning.
``pipeline``
    ``100 * Average`` of ``DeploymentSuccess`` and ``PipelineFailure`` (namespace
    ``METRIC_NAMESPACE``, dimension ``Environment``) over the last ``WINDOW_HOURS``; ``null``
    when nothing was published in the window.

The status:

``failing`` (HTTP 503)
    a critical alarm is in ``ALARM``, or the last deploy of a stack did not succeed;
``degraded`` (HTTP 200)
    otherwise, a warning alarm is in ``ALARM``, an alarm has insufficient data, no deploy is
    recorded, a record cannot be read, or a source could not be read at all;
``healthy`` (HTTP 200)
    otherwise. A window without deploys or pipeline runs is not a problem in itself.

Any other path answers 404, any other method 405. The function logs the status and its
reasons, never a caller's identity.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, cast

__all__ = [
    "DEGRADED",
    "FAILING",
    "HEALTHY",
    "PATH",
    "HealthSettings",
    "check",
    "handle",
    "lambda_handler",
]

HEALTHY = "healthy"
DEGRADED = "degraded"
FAILING = "failing"
#: The path the function answers on.
PATH = "/health/infrastructure"

ENVIRONMENT_VARIABLE = "ENVIRONMENT"
ALARM_PREFIX_VARIABLE = "ALARM_PREFIX"
DEPLOYMENTS_PATH_VARIABLE = "DEPLOYMENTS_PATH"
NAMESPACE_VARIABLE = "METRIC_NAMESPACE"
WINDOW_HOURS_VARIABLE = "WINDOW_HOURS"
WARNING_TOPIC_VARIABLE = "WARNING_TOPIC_ARN"
CRITICAL_TOPIC_VARIABLE = "CRITICAL_TOPIC_ARN"

_PROBLEM_STATES = ("ALARM", "INSUFFICIENT_DATA")
_METRICS = {"deployment_success_percent": "DeploymentSuccess", "pipeline_failure_percent": "PipelineFailure"}  # fmt: skip

logger = logging.getLogger(__name__)
logger.setLevel(logging.INFO)


class CloudWatchClient(Protocol):
    """The calls the function makes; a boto3 ``cloudwatch`` client provides them."""

    def describe_alarms(self, **kwargs: Any) -> Mapping[str, Any]: ...

    def get_metric_data(self, **kwargs: Any) -> Mapping[str, Any]: ...


class SsmClient(Protocol):
    """The call the function makes; a boto3 ``ssm`` client provides it."""

    def get_parameters_by_path(self, **kwargs: Any) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class HealthSettings:
    """What the function reads, from the environment variables the component sets."""

    environment: str
    alarm_prefix: str
    deployments_path: str
    namespace: str
    window_hours: int
    #: An alarm's severity is the topic it notifies; an alarm that notifies neither (a window
    #: alarm a composite combines) is not reported on its own.
    warning_topic_arn: str
    critical_topic_arn: str

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> HealthSettings:
        missing = [
            v
            for v in (
                ENVIRONMENT_VARIABLE,
                ALARM_PREFIX_VARIABLE,
                DEPLOYMENTS_PATH_VARIABLE,
                NAMESPACE_VARIABLE,
                WINDOW_HOURS_VARIABLE,
                WARNING_TOPIC_VARIABLE,
                CRITICAL_TOPIC_VARIABLE,
            )
            if not environ.get(v)
        ]
        if missing:
            raise ValueError(f"the function's environment lacks {', '.join(missing)}")
        return cls(
            environment=environ[ENVIRONMENT_VARIABLE],
            alarm_prefix=environ[ALARM_PREFIX_VARIABLE],
            deployments_path=environ[DEPLOYMENTS_PATH_VARIABLE].rstrip("/"),
            namespace=environ[NAMESPACE_VARIABLE],
            window_hours=int(environ[WINDOW_HOURS_VARIABLE]),
            warning_topic_arn=environ[WARNING_TOPIC_VARIABLE],
            critical_topic_arn=environ[CRITICAL_TOPIC_VARIABLE],
        )


@dataclass
class _Findings:
    failing: list[str] = field(default_factory=list)
    degraded: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return FAILING if self.failing else DEGRADED if self.degraded else HEALTHY


def _iso(value: object) -> str | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return None if value is None else str(value)


def _pages(call: Callable[..., Mapping[str, Any]], key: str, **kwargs: Any) -> Iterable[Any]:
    token: str | None = None
    while True:
        page = call(**kwargs, **({"NextToken": token} if token else {}))
        yield from page.get(key) or []
        token = page.get("NextToken")
        if not token:
            return


def _error(error: Exception) -> str:
    code = getattr(error, "response", {}).get("Error", {}).get("Code")
    return str(code or type(error).__name__)


def _deployments(
    ssm: SsmClient, settings: HealthSettings, found: _Findings
) -> list[dict[str, Any]]:
    prefix = settings.deployments_path + "/"
    try:
        parameters = list(
            _pages(
                ssm.get_parameters_by_path,
                "Parameters",
                Path=settings.deployments_path,
                Recursive=True,
            )
        )
    except Exception as error:  # any failure to read is reported
        found.degraded.append(f"deploy records could not be read ({_error(error)})")
        return []
    deployments = []
    for parameter in parameters:
        name = str(parameter.get("Name", ""))
        project, _, stack = name.removeprefix(prefix).partition("/")
        try:
            record = json.loads(parameter.get("Value", ""))
            if not isinstance(record, dict):
                raise ValueError("not an object")
        except ValueError:
            found.degraded.append(f"the deploy record {name} is not a JSON object")
            continue
        outcome = record.get("outcome")
        entry = {
            "project": project,
            "stack": stack,
            "outcome": outcome,
            "commit": record.get("commit"),
            "run_url": record.get("run_url"),
            "finished_at": record.get("finished_at"),
        }
        deployments.append(entry)
        if outcome != "success":
            found.failing.append(
                f"the last deploy of {project}/{stack} did not succeed ({outcome})"
            )
    if not parameters:
        found.degraded.append(f"no deploy is recorded under {settings.deployments_path}")
    return sorted(deployments, key=lambda d: (d["project"], d["stack"]))


def _severity(alarm: Mapping[str, Any], settings: HealthSettings) -> str | None:
    """``critical`` or ``warning`` by the topic the alarm notifies; None if it notifies neither
    (or its actions are off, as while a composite's window alarms only feed the composite)."""
    if alarm.get("ActionsEnabled") is False:
        return None
    actions = set(alarm.get("AlarmActions") or [])
    if settings.critical_topic_arn in actions:
        return "critical"
    return "warning" if settings.warning_topic_arn in actions else None


_WINDOWS = ("long", "short")


def _burning(alarms: list[Mapping[str, Any]]) -> dict[str, str]:
    """The burn-rate alerts whose long and short window alarms are both in ALARM, by name
    (``<stem>-<severity>``), with their severity: exactly when their composite alarm fires."""
    states: dict[str, set[str]] = {}
    for alarm in alarms:
        stem, _, window = str(alarm.get("AlarmName")).rpartition("-")
        if window in _WINDOWS and alarm.get("StateValue") == "ALARM":
            states.setdefault(stem, set()).add(window)
    out = {}
    for stem, windows in states.items():
        severity = stem.rpartition("-")[2]
        if windows == set(_WINDOWS) and severity in ("warning", "critical"):
            out[stem] = severity
    return out


def _every_alarm(cloudwatch: CloudWatchClient, prefix: str) -> list[Mapping[str, Any]]:
    """The metric alarms whose names start with ``prefix``. (Composite alarms are shown only to
    a role allowed DescribeAlarms on every alarm: :func:`_burning` reads burn-rate alerts from
    their window alarms instead.)"""
    return list(
        _pages(
            cloudwatch.describe_alarms,
            "MetricAlarms",
            AlarmNamePrefix=prefix,
            AlarmTypes=["MetricAlarm"],
        )
    )


def _alarms(
    cloudwatch: CloudWatchClient, settings: HealthSettings, found: _Findings
) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {"critical": [], "warning": []}
    try:
        alarms = _every_alarm(cloudwatch, settings.alarm_prefix)
    except Exception as error:  # any failure to read is reported
        found.degraded.append(f"alarms could not be read ({_error(error)})")
        return out
    for alarm in alarms:
        state = alarm.get("StateValue")
        if state not in _PROBLEM_STATES:
            continue
        name = str(alarm.get("AlarmName"))
        severity = _severity(alarm, settings)
        if severity is None:
            continue
        out[severity].append(
            {
                "name": name,
                "state": state,
                "reason": alarm.get("StateReason"),
                "since": _iso(alarm.get("StateUpdatedTimestamp")),
            }
        )
        if state == "INSUFFICIENT_DATA":
            found.degraded.append(f"alarm {name} has insufficient data")
        elif severity == "critical":
            found.failing.append(f"critical alarm {name} is in ALARM")
        else:
            found.degraded.append(f"warning alarm {name} is in ALARM")
    for name, severity in _burning(alarms).items():
        out[severity].append(
            {"name": name, "state": "ALARM", "reason": "both burn-rate windows are above their "
             "threshold: the error budget burns too fast", "since": None}
        )  # fmt: skip
        if severity == "critical":
            found.failing.append(f"critical burn-rate alert {name} is firing")
        else:
            found.degraded.append(f"warning burn-rate alert {name} is firing")
    for listed in out.values():
        listed.sort(key=lambda a: a["name"])
    return out


def _pipeline(
    cloudwatch: CloudWatchClient, settings: HealthSettings, found: _Findings, now: datetime
) -> dict[str, Any]:
    window = settings.window_hours * 3600
    out: dict[str, Any] = {"window_hours": settings.window_hours}
    queries = [
        {
            "Id": key.removesuffix("_percent"),
            "MetricStat": {
                "Metric": {
                    "Namespace": settings.namespace,
                    "MetricName": metric,
                    "Dimensions": [{"Name": "Environment", "Value": settings.environment}],
                },
                "Period": window,
                "Stat": "Average",
            },
            "ReturnData": True,
        }
        for key, metric in _METRICS.items()
    ]
    try:
        results = list(
            _pages(
                cloudwatch.get_metric_data,
                "MetricDataResults",
                MetricDataQueries=queries,
                StartTime=now - timedelta(seconds=window),
                EndTime=now,
                ScanBy="TimestampDescending",
            )
        )
    except Exception as error:  # any failure to read is reported
        found.degraded.append(f"pipeline metrics could not be read ({_error(error)})")
        return {**out, **dict.fromkeys(_METRICS)}
    by_id = {r.get("Id"): r for r in results}
    for key in _METRICS:
        values = (by_id.get(key.removesuffix("_percent")) or {}).get("Values") or []
        out[key] = round(100 * float(values[0]), 2) if values else None
    return out


def check(
    cloudwatch: CloudWatchClient,
    ssm: SsmClient,
    settings: HealthSettings,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The environment's health, as the function answers it."""
    moment = now or datetime.now(UTC)
    found = _Findings()
    deployments = _deployments(ssm, settings, found)
    alarms = _alarms(cloudwatch, settings, found)
    pipeline = _pipeline(cloudwatch, settings, found, moment)
    return {
        "environment": settings.environment,
        "status": found.status,
        "reasons": [*found.failing, *found.degraded],
        "checked_at": _iso(moment),
        "deployments": deployments,
        "alarms": alarms,
        "pipeline": pipeline,
    }


def _response(status: int, body: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json", "cache-control": "no-store"},
        "body": json.dumps(body, sort_keys=True),
    }


def handle(
    event: Mapping[str, Any],
    cloudwatch: CloudWatchClient,
    ssm: SsmClient,
    settings: HealthSettings,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Answer one function-URL request (payload format 2.0)."""
    path = str(event.get("rawPath") or "/")
    method = str((event.get("requestContext") or {}).get("http", {}).get("method", "GET"))
    if path.rstrip("/") != PATH:
        return _response(404, {"error": f"not found: the health endpoint is {PATH}"})
    if method not in ("GET", "HEAD"):
        return _response(405, {"error": f"method {method} not allowed: use GET"})
    body = check(cloudwatch, ssm, settings, now)
    logger.info(json.dumps({"status": body["status"], "reasons": body["reasons"]}))
    return _response(503 if body["status"] == FAILING else 200, body)


def lambda_handler(event: Mapping[str, Any], context: object) -> dict[str, Any]:
    """The function's entry point."""
    import boto3  # provided by the Lambda runtime

    settings = HealthSettings.from_environ(os.environ)
    cloudwatch = cast("CloudWatchClient", boto3.client("cloudwatch"))
    ssm = cast("SsmClient", boto3.client("ssm"))
    return handle(event, cloudwatch, ssm, settings)
