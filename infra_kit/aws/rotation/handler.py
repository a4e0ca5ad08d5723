"""The Secrets Manager rotation function infra-kit ships: one generated password in a JSON secret (SEC-2).

:class:`~infra_kit.aws.secret.Secret` packages this file alone, as ``handler.py`` at the root of
the function's archive, so it imports nothing but the standard library; boto3, which every AWS
Lambda Python runtime provides, is imported only when the function builds its own client.

The protocol. Secrets Manager starts a rotation by attaching the ``AWSPENDING`` label to a new
version id (the ``ClientRequestToken``), then invokes the function once per step, in order:

``createSecret``
    Store a new value under the token, labelled ``AWSPENDING``. The new value is the current one
    with the password field replaced by ``GetRandomPassword`` output; the other fields are kept.
    A secret that has no current value yet starts from ``{}``, so the first rotation of a secret
    created without a value gives it one.
``setSecret``
    Make the system that uses the secret accept the pending value. A generic secret guards
    nothing outside Secrets Manager, so this does nothing (see *Extending* below).
``testSecret``
    Prove that the pending value works: here, that it is a JSON object whose password field is a
    non-empty string.
``finishSecret``
    Move ``AWSCURRENT`` to the token's version; Secrets Manager moves ``AWSPREVIOUS`` to the
    version it came from.

Readers of ``AWSCURRENT`` see the old value until ``finishSecret`` and the new one after it: the
pending and current versions coexist until every step has passed, and a step that fails leaves
``AWSCURRENT`` where it was. Every step is idempotent, because Secrets Manager retries a step that
failed or timed out: running a step twice leaves the same versions and labels as running it once.

Every step first checks the event: it refuses an unknown step, a secret whose rotation is not
enabled, and a token that is not a version of the secret or is not labelled ``AWSPENDING``; a
token already labelled ``AWSCURRENT`` means the rotation is over, and the step does nothing.

Configuration, from environment variables the component sets:

``SECRETS_MANAGER_ENDPOINT``
    The regional endpoint the client calls. Default: boto3's own resolution.
``PASSWORD_FIELD``
    The JSON field that holds the password. Default: ``password``.
``PASSWORD_LENGTH``
    Length of a generated password. Default: 32.
``EXCLUDE_CHARACTERS``
    Characters a generated password never contains. Default: ``/@"'\\`` (they break
    connection strings and shell quoting).

The function never logs a secret value: only the step, the secret's ARN and version ids.

Extending it for a database. Subclass :class:`Rotator` in a module of your own that ships with a
copy of this file, and override the hooks:

* :meth:`Rotator.set_secret`: connect with the ``AWSCURRENT`` credentials and change the user's
  password to the pending one (``ALTER USER ... PASSWORD``). Make it idempotent: if the pending
  credentials already log in, return.
* :meth:`Rotator.test_secret`: log in with the pending credentials and run ``SELECT 1``.

and give the function ``lambda_handler(event, context)`` that calls
``handle(event, rotator_class=YourRotator)``. The function then needs network access to the
database (a VPC configuration) and a database driver packaged with it.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, cast

__all__ = [
    "CURRENT",
    "PENDING",
    "STEPS",
    "RotationError",
    "RotationEvent",
    "RotationSettings",
    "Rotator",
    "SecretsManagerClient",
    "handle",
    "lambda_handler",
    "make_client",
]

CURRENT = "AWSCURRENT"
PENDING = "AWSPENDING"

#: The four steps of a rotation, in the order Secrets Manager runs them.
STEPS: tuple[str, ...] = ("createSecret", "setSecret", "testSecret", "finishSecret")

ENDPOINT_VARIABLE = "SECRETS_MANAGER_ENDPOINT"
PASSWORD_FIELD_VARIABLE = "PASSWORD_FIELD"
PASSWORD_LENGTH_VARIABLE = "PASSWORD_LENGTH"
EXCLUDE_CHARACTERS_VARIABLE = "EXCLUDE_CHARACTERS"

DEFAULT_PASSWORD_FIELD = "password"
DEFAULT_PASSWORD_LENGTH = 32
DEFAULT_EXCLUDE_CHARACTERS = "/@\"'\\"

_NOT_FOUND = "ResourceNotFoundException"
_EXISTS = "ResourceExistsException"

logger = logging.getLogger(__name__)
logger.setLevel(logging.INFO)


class RotationError(Exception):
    """A rotation event the function refuses; Secrets Manager records the rotation as failed."""


class SecretsManagerClient(Protocol):
    """The calls the function makes; a boto3 ``secretsmanager`` client provides them."""

    def describe_secret(self, **kwargs: Any) -> Mapping[str, Any]: ...

    def get_secret_value(self, **kwargs: Any) -> Mapping[str, Any]: ...

    def put_secret_value(self, **kwargs: Any) -> Mapping[str, Any]: ...

    def update_secret_version_stage(self, **kwargs: Any) -> Mapping[str, Any]: ...

    def get_random_password(self, **kwargs: Any) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class RotationEvent:
    """The event Secrets Manager sends: which secret, which version (token), which step."""

    secret_id: str
    token: str
    step: str

    @classmethod
    def parse(cls, event: object) -> RotationEvent:
        """Validate ``event``; raise :class:`RotationError` naming what is missing or unknown."""
        if not isinstance(event, Mapping):
            raise RotationError(f"the event is not a mapping: got {type(event).__name__}")
        fields = {}
        for key in ("SecretId", "ClientRequestToken", "Step"):
            value = event.get(key)
            if not isinstance(value, str) or not value:
                raise RotationError(f"the event has no {key} (a non-empty string)")
            fields[key] = value
        if fields["Step"] not in STEPS:
            raise RotationError(
                f"Step={fields['Step']!r} is not a rotation step; expected one of {', '.join(STEPS)}"
            )
        return cls(fields["SecretId"], fields["ClientRequestToken"], fields["Step"])


@dataclass(frozen=True)
class RotationSettings:
    """How new passwords are made, read from the function's environment variables."""

    password_field: str = DEFAULT_PASSWORD_FIELD
    password_length: int = DEFAULT_PASSWORD_LENGTH
    exclude_characters: str = DEFAULT_EXCLUDE_CHARACTERS

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> RotationSettings:
        raw_length = environ.get(PASSWORD_LENGTH_VARIABLE, str(DEFAULT_PASSWORD_LENGTH))
        try:
            length = int(raw_length)
        except ValueError:
            raise RotationError(
                f"{PASSWORD_LENGTH_VARIABLE}={raw_length!r} is not a whole number"
            ) from None
        return cls(
            password_field=environ.get(PASSWORD_FIELD_VARIABLE) or DEFAULT_PASSWORD_FIELD,
            password_length=length,
            exclude_characters=environ.get(EXCLUDE_CHARACTERS_VARIABLE, DEFAULT_EXCLUDE_CHARACTERS),
        )


def _error_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ``ClientError``, without importing botocore."""
    response = getattr(exc, "response", None)
    if isinstance(response, Mapping):
        error = response.get("Error")
        if isinstance(error, Mapping):
            code = error.get("Code")
            return code if isinstance(code, str) else None
    return None


class Rotator:
    """Runs one step of a rotation. Override the hooks to rotate credentials used elsewhere."""

    def __init__(self, client: SecretsManagerClient, settings: RotationSettings) -> None:
        self.client = client
        self.settings = settings

    # -- the protocol ---------------------------------------------------------------------------
    def run(self, event: RotationEvent) -> None:
        """Check the secret and the token, then run ``event.step`` unless the rotation is over."""
        arn, token = event.secret_id, event.token
        metadata = self.client.describe_secret(SecretId=arn)
        if not metadata.get("RotationEnabled"):
            raise RotationError(f"rotation is not enabled on secret {arn}")
        versions: Mapping[str, list[str]] = metadata.get("VersionIdsToStages") or {}
        if token not in versions:
            raise RotationError(f"version {token} is not a version of secret {arn}")
        if CURRENT in versions[token]:
            logger.info("%s: version %s is already %s of %s", event.step, token, CURRENT, arn)
            return
        if PENDING not in versions[token]:
            raise RotationError(f"version {token} of secret {arn} is not labelled {PENDING}")
        step = {
            "createSecret": self.create_secret,
            "setSecret": self.set_secret,
            "testSecret": self.test_secret,
            "finishSecret": self.finish_secret,
        }[event.step]
        step(arn, token)
        logger.info("%s: done for version %s of %s", event.step, token, arn)

    def create_secret(self, arn: str, token: str) -> None:
        """Store a new value under ``token``, labelled AWSPENDING, unless it already has one."""
        if self._pending_value(arn, token) is not None:
            logger.info("createSecret: version %s of %s already has a value", token, arn)
            return
        current = self._current_value(arn)
        value = self.new_value({} if current is None else current)
        try:
            self.client.put_secret_value(
                SecretId=arn,
                ClientRequestToken=token,
                SecretString=json.dumps(value),
                VersionStages=[PENDING],
            )
        except Exception as exc:
            # A concurrent or retried call stored a value under this token first: keep that one.
            if _error_code(exc) != _EXISTS or self._pending_value(arn, token) is None:
                raise

    def set_secret(self, arn: str, token: str) -> None:
        """Make the system that uses the secret accept the pending value.

        A generic secret guards nothing outside Secrets Manager, so there is nothing to do.
        A database rotator changes the user's password here (see the module docstring).
        """

    def test_secret(self, arn: str, token: str) -> None:
        """Prove the pending value works: a JSON object whose password field is a non-empty string."""
        value = self._pending_value(arn, token)
        if value is None:
            raise RotationError(f"version {token} of secret {arn} has no value to test")
        secret = value.get(self.settings.password_field)
        if not isinstance(secret, str) or not secret:
            raise RotationError(
                f"version {token} of secret {arn} has no {self.settings.password_field!r} field "
                "holding a non-empty string"
            )

    def finish_secret(self, arn: str, token: str) -> None:
        """Move AWSCURRENT to ``token``'s version, removing it from the version that held it."""
        metadata = self.client.describe_secret(SecretId=arn)
        versions: Mapping[str, list[str]] = metadata.get("VersionIdsToStages") or {}
        holder = next((v for v, stages in versions.items() if CURRENT in stages), None)
        if holder == token:
            return
        move: dict[str, str] = {"SecretId": arn, "VersionStage": CURRENT, "MoveToVersionId": token}
        if holder is not None:
            move["RemoveFromVersionId"] = holder
        self.client.update_secret_version_stage(**move)

    # -- hooks ----------------------------------------------------------------------------------
    def new_value(self, current: dict[str, Any]) -> dict[str, Any]:
        """The pending value: ``current`` with the password field set to a new random password."""
        response = self.client.get_random_password(
            PasswordLength=self.settings.password_length,
            ExcludeCharacters=self.settings.exclude_characters,
            RequireEachIncludedType=True,
        )
        return {**current, self.settings.password_field: response["RandomPassword"]}

    # -- reading values -------------------------------------------------------------------------
    def _current_value(self, arn: str) -> dict[str, Any] | None:
        try:
            response = self.client.get_secret_value(SecretId=arn, VersionStage=CURRENT)
        except Exception as exc:
            if _error_code(exc) == _NOT_FOUND:
                return None
            raise
        return self._parse(arn, response, CURRENT)

    def _pending_value(self, arn: str, token: str) -> dict[str, Any] | None:
        try:
            response = self.client.get_secret_value(
                SecretId=arn, VersionId=token, VersionStage=PENDING
            )
        except Exception as exc:
            if _error_code(exc) == _NOT_FOUND:
                return None
            raise
        return self._parse(arn, response, token)

    @staticmethod
    def _parse(arn: str, response: Mapping[str, Any], version: str) -> dict[str, Any]:
        raw = response.get("SecretString")
        try:
            value = json.loads(raw) if isinstance(raw, str) else None
        except json.JSONDecodeError:
            value = None
        if not isinstance(value, dict):
            raise RotationError(
                f"version {version} of secret {arn} is not a JSON object; store the secret as "
                '{"password": "..."} (other fields are kept across rotations)'
            )
        return value


def make_client() -> SecretsManagerClient:
    """A boto3 Secrets Manager client for the endpoint in ``SECRETS_MANAGER_ENDPOINT``."""
    import boto3

    client = boto3.client("secretsmanager", endpoint_url=os.environ.get(ENDPOINT_VARIABLE) or None)
    return cast(SecretsManagerClient, client)


def handle(
    event: object,
    *,
    client: SecretsManagerClient | None = None,
    rotator_class: type[Rotator] = Rotator,
    environ: Mapping[str, str] | None = None,
) -> None:
    """Validate ``event`` and run its step with ``rotator_class``; the client is made if not given."""
    parsed = RotationEvent.parse(event)
    settings = RotationSettings.from_environ(os.environ if environ is None else environ)
    rotator_class(client or make_client(), settings).run(parsed)


def lambda_handler(
    event: object, context: object = None, client: SecretsManagerClient | None = None
) -> None:
    """The function's entry point (``handler.lambda_handler``); tests pass ``client``."""
    handle(event, client=client)
