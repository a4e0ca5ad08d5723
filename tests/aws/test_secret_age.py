"""The secret-age publisher, run against moto's Secrets Manager and CloudWatch (SEC-2, OBS-4)."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.secretsmanager.models import secretsmanager_backends

from infra_kit.aws.rotation import age
from infra_kit.aws.rotation.age import DIMENSION, METRIC, NAMESPACE, AgeError, publish

REGION = "us-east-1"


@pytest.fixture
def clients(moto_account: None) -> tuple[Any, Any]:
    return (
        boto3.client("secretsmanager", region_name=REGION),
        boto3.client("cloudwatch", region_name=REGION),
    )


def _published(cloudwatch: Any, name: str, now: datetime) -> list[float]:
    data = cloudwatch.get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName=METRIC,
        Dimensions=[{"Name": DIMENSION, "Value": name}],
        StartTime=now - timedelta(hours=1),
        EndTime=now + timedelta(hours=1),
        Period=3600,
        Statistics=["Maximum"],
    )
    return [p["Maximum"] for p in data["Datapoints"]]


def _created(secrets: Any, name: str) -> tuple[str, datetime]:
    arn = secrets.create_secret(Name=name, SecretString='{"password": "x"}')["ARN"]
    return arn, secrets.describe_secret(SecretId=arn)["CreatedDate"]


def test_a_secret_never_rotated_is_as_old_as_it_is(clients: tuple[Any, Any]) -> None:
    secrets, cloudwatch = clients
    arn, created = _created(secrets, "never-rotated")
    now = created + timedelta(days=12, hours=12)
    result = publish({"secret_id": arn}, secrets=secrets, metrics=cloudwatch, now=now)
    assert result == {"secret": arn, "age_days": 12.5}
    assert _published(cloudwatch, "never-rotated", now) == [12.5]


def test_a_secret_rotated_recently_counts_from_its_last_rotation(clients: tuple[Any, Any]) -> None:
    secrets, cloudwatch = clients
    arn, created = _created(secrets, "rotated")
    # Created 60 days ago: its age must come from the rotation, not from its creation.
    backend = secretsmanager_backends[DEFAULT_ACCOUNT_ID][REGION]
    secret: Any = backend.secrets[arn]  # a FakeSecret here, never a replica
    secret.created_date = int((created - timedelta(days=60)).timestamp())
    # moto runs no rotation function; it records the rotation as Secrets Manager does.
    secrets.rotate_secret(SecretId=arn, RotationRules={"AutomaticallyAfterDays": 30})
    described = secrets.describe_secret(SecretId=arn)
    rotated = described["LastRotatedDate"]
    assert rotated - described["CreatedDate"] >= timedelta(days=60)
    now = rotated + timedelta(hours=6)
    assert (
        publish({"secret_id": arn}, secrets=secrets, metrics=cloudwatch, now=now)["age_days"]
        == 0.25
    )
    assert _published(cloudwatch, "rotated", now) == [0.25]


def test_an_overdue_secret_reports_every_day_past_its_rotation(clients: tuple[Any, Any]) -> None:
    secrets, cloudwatch = clients
    arn, created = _created(secrets, "overdue")
    now = created + timedelta(days=40)
    publish({"secret_id": arn}, secrets=secrets, metrics=cloudwatch, now=now)
    # 40 days: past a 30-day rotation by more than the critical allowance of 7 days.
    assert _published(cloudwatch, "overdue", now) == [40.0]


def test_the_secret_is_named_by_the_event_and_a_missing_one_is_an_error(
    clients: tuple[Any, Any],
) -> None:
    secrets, cloudwatch = clients
    for event in ({}, {"secret_id": ""}, None, ["arn"]):
        with pytest.raises(AgeError, match="names no secret"):
            publish(event, secrets=secrets, metrics=cloudwatch)
    with pytest.raises(secrets.exceptions.ResourceNotFoundException):
        publish({"secret_id": "no-such-secret"}, secrets=secrets, metrics=cloudwatch)


def test_a_clock_behind_the_creation_date_never_reports_a_negative_age() -> None:
    created = datetime(2026, 1, 2, tzinfo=UTC)
    assert age.secret_age_days({"CreatedDate": created}, created - timedelta(hours=1)) == 0.0


def test_the_handler_imports_only_the_standard_library_and_boto3() -> None:
    tree = ast.parse(Path(age.__file__).read_text(encoding="utf-8"))
    modules = {
        (node.module or "").split(".")[0] if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert modules <= {
        "__future__",
        "json",
        "logging",
        "collections",
        "datetime",
        "typing",
        "boto3",
    }
