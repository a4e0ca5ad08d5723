"""The rules of a :class:`~infra_kit.aws.secret.Secret`'s rotation function: argument checks and
the IAM statements of its role. Pure logic: no Pulumi resources are created here.

Decisions about the function (docs/adr/0011):

- its environment variables are encrypted with the secret's customer-managed key, so the key
  must be usable through Lambda, which creates a grant for the function's role;
- X-Ray active tracing is on; ``xray:PutTraceSegments`` and ``xray:PutTelemetryRecords`` accept
  no resource ARN, so they are granted on ``*`` with that reason;
- no reserved concurrency: it is taken from the account's unreserved pool, which must keep 100,
  so an account whose concurrency quota is still the new-account 10 refuses any reservation;
- outside a VPC and unsigned, for the reasons the record gives.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from infra_kit.aws._policy import Statement
from infra_kit.errors import ValidationError

if TYPE_CHECKING:
    from infra_kit.aws.key import Key
    from infra_kit.aws.secret import RotationArgs

__all__ = [
    "GET_RANDOM_PASSWORD",
    "NO_RESOURCE",
    "TRACING_ACTIONS",
    "check_rotation",
    "check_rotation_key",
    "dns_suffix",
    "tracing_statement",
]

GET_RANDOM_PASSWORD = "secretsmanager:GetRandomPassword"
NO_RESOURCE = "GetRandomPassword acts on no resource so IAM accepts only a star"
#: What Lambda's active tracing calls with the function's role (AWSXRayDaemonWriteAccess minus
#: the sampling reads, which only the SDK's own sampler makes and this function does not use).
TRACING_ACTIONS: tuple[str, ...] = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
_NO_TRACE_RESOURCE = "X-Ray trace ingestion actions accept no resource ARN so IAM needs a star"
_MIN_PASSWORD_LENGTH = 16
_MAX_PASSWORD_LENGTH = 4096
_MAX_ROTATION_DAYS = 365
_MAX_LAMBDA_TIMEOUT = 900


def dns_suffix(partition: str) -> str:
    return "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"


def check_rotation(rotation: RotationArgs, days: int) -> None:
    if not 1 <= days <= _MAX_ROTATION_DAYS:
        raise ValidationError(
            "rotation.automatically_after_days",
            days,
            "a secret is rotated at least once a year and at most once a day",
            f"pick a number of days from 1 to {_MAX_ROTATION_DAYS}, or omit it to use the "
            "profile's secrets.rotation_days",
        )
    field = rotation.password_field
    if not field.strip() or field != field.strip():
        raise ValidationError(
            "rotation.password_field",
            field,
            "the name of the JSON field that holds the password is empty or padded",
            "name the field without surrounding spaces, e.g. 'password'",
        )
    if not _MIN_PASSWORD_LENGTH <= rotation.password_length <= _MAX_PASSWORD_LENGTH:
        raise ValidationError(
            "rotation.password_length",
            rotation.password_length,
            f"generated passwords are {_MIN_PASSWORD_LENGTH} to {_MAX_PASSWORD_LENGTH} "
            "characters long (shorter ones are guessable)",
            f"pick a length from {_MIN_PASSWORD_LENGTH} to {_MAX_PASSWORD_LENGTH}",
        )
    if not 1 <= rotation.timeout_seconds <= _MAX_LAMBDA_TIMEOUT:
        raise ValidationError(
            "rotation.timeout_seconds",
            rotation.timeout_seconds,
            "a Lambda function runs for 1 to 900 seconds",
            "pick a timeout from 1 to 900 seconds",
        )


def check_rotation_key(key: Key) -> None:
    """Refuse a key the rotation function's environment variables cannot be encrypted with."""
    if "lambda" not in key.via_services:
        raise ValidationError(
            "key",
            key.component_name,
            "the key is not usable through Lambda, which encrypts the rotation function's "
            "environment variables with it (SEC-3)",
            "create the key with KeyArgs(via_services=(..., 'lambda', 'secretsmanager'))",
        )


def tracing_statement() -> Statement:
    """What Lambda needs from the function's role to send its traces to X-Ray."""
    return Statement(actions=TRACING_ACTIONS, resources=["*"], justification=_NO_TRACE_RESOURCE)
