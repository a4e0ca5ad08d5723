"""The secret-age publisher: how many days since a secret was last rotated, as a metric (SEC-2, OBS-4).

Secrets Manager publishes no metric of a secret's age, so a rotation that silently stopped (its
schedule removed, its function unable to run, Secrets Manager unable to invoke it) would go
unnoticed. :class:`~infra_kit.aws.secret.Secret` runs this function every hour for each rotated
secret; it reads ``DescribeSecret`` and publishes ``SecretAgeDays`` (namespace
:data:`NAMESPACE`, dimension ``SecretName``): the days since ``LastRotatedDate``, or since
``CreatedDate`` for a secret never rotated. The secret's alarms fire when the age passes the
rotation period plus the profile's allowance, and when the metric stops arriving.

The event names the secret: ``{"secret_id": "<arn>"}`` (the schedule's fixed input). The function
packages this file alone, so it imports only the standard library and boto3, which every Lambda
Python runtime provides. It never reads a secret's value.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Protocol, cast

__all__ = [
    "DIMENSION",
    "METRIC",
    "NAMESPACE",
    "AgeError",
    "lambda_handler",
    "publish",
    "secret_age_days",
]

#: The custom namespace the function publishes to; its role may publish nowhere else.
NAMESPACE = "InfraKit/Secrets"
METRIC = "SecretAgeDays"
DIMENSION = "SecretName"
_DAY_SECONDS = 86400

logger = logging.getLogger()
logger.setLevel(logging.INFO)


class AgeError(ValueError):
    """The event does not name a secret."""


class SecretsClient(Protocol):
    def describe_secret(self, **kwargs: Any) -> Mapping[str, Any]: ...


class MetricsClient(Protocol):
    def put_metric_data(self, **kwargs: Any) -> Mapping[str, Any]: ...


def secret_age_days(description: Mapping[str, Any], now: datetime) -> float:
    """Days since the secret was last rotated, or created if it never was; never negative."""
    since = description.get("LastRotatedDate") or description["CreatedDate"]
    return max(0.0, (now - since).total_seconds() / _DAY_SECONDS)


def _secret_id(event: object) -> str:
    secret_id = event.get("secret_id") if isinstance(event, Mapping) else None
    if not isinstance(secret_id, str) or not secret_id:
        raise AgeError(
            f"the event names no secret: expected {{'secret_id': '<arn>'}}, got {event!r}"
        )
    return secret_id


def publish(
    event: object,
    *,
    secrets: SecretsClient,
    metrics: MetricsClient,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Publish the age of the secret ``event`` names; returns what was published."""
    secret_id = _secret_id(event)
    moment = now or datetime.now(UTC)
    description = secrets.describe_secret(SecretId=secret_id)
    age = secret_age_days(description, moment)
    name = str(description["Name"])
    metrics.put_metric_data(
        Namespace=NAMESPACE,
        MetricData=[
            {
                "MetricName": METRIC,
                "Dimensions": [{"Name": DIMENSION, "Value": name}],
                "Timestamp": moment,
                "Value": age,
                "Unit": "None",
            }
        ],
    )
    published = {"secret": str(description.get("ARN", secret_id)), "age_days": round(age, 3)}
    logger.info(json.dumps(published))
    return published


def lambda_handler(event: object, context: object = None) -> dict[str, Any]:
    """The function's entry point (``age.lambda_handler``)."""
    import boto3  # provided by the Lambda runtime

    return publish(
        event,
        secrets=cast(SecretsClient, boto3.client("secretsmanager")),
        metrics=cast(MetricsClient, boto3.client("cloudwatch")),
    )
