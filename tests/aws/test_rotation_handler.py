"""The rotation function infra-kit ships, run step by step against moto's Secrets Manager.

moto cannot run a Lambda function, so Secrets Manager's own part of a rotation is played here on
moto's backend, exactly as the service does it: ``_enable_rotation`` turns rotation on (what
``RotateSecret`` records), and ``_begin_rotation`` attaches ``AWSPENDING`` to a new version id
that has no value yet (what the service does before it invokes the function). Every step is then
driven by calling the handler directly, with a client pointing at moto.

Readers ask for ``VersionStage="AWSCURRENT"``, the stage AWS reads by default: moto's default
read follows the version ``PutSecretValue`` last made current, not ``UpdateSecretVersionStage``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.secretsmanager.models import secretsmanager_backends

from infra_kit.aws.rotation import HANDLER_PATH, STEPS, RotationError, lambda_handler
from infra_kit.aws.rotation.handler import DEFAULT_EXCLUDE_CHARACTERS, make_client

REGION = "us-east-1"
NAME = "orders-db"
OLD = {"username": "orders", "password": "old-password", "host": "db.internal"}


@pytest.fixture
def client(moto_account: None, monkeypatch: pytest.MonkeyPatch) -> Any:
    for variable in ("PASSWORD_FIELD", "PASSWORD_LENGTH", "EXCLUDE_CHARACTERS"):
        monkeypatch.delenv(variable, raising=False)
    return boto3.client("secretsmanager", region_name=REGION)


# -- Secrets Manager's part, played on moto's backend ---------------------------------------------


def _backend_secret(arn: str) -> Any:
    return secretsmanager_backends[DEFAULT_ACCOUNT_ID][REGION].secrets[arn]


def _enable_rotation(arn: str) -> None:
    secret = _backend_secret(arn)
    secret.rotation_requested = True
    secret.rotation_enabled = True
    secret.auto_rotate_after_days = 30


def _begin_rotation(arn: str) -> str:
    """Attach AWSPENDING to a new version with no value, as Secrets Manager does; return its id."""
    token = str(uuid.uuid4())
    secret = _backend_secret(arn)
    secret.remove_version_stages_from_old_versions(["AWSPENDING"])
    secret.versions[token] = {
        "createdate": int(time.time()),
        "version_id": token,
        "version_stages": ["AWSPENDING"],
    }
    return token


# -- helpers --------------------------------------------------------------------------------------


def _create(client: Any, value: dict[str, Any] | None = OLD, *, rotation: bool = True) -> str:
    kwargs: dict[str, Any] = {"Name": NAME}
    if value is not None:
        kwargs["SecretString"] = json.dumps(value)
    arn = client.create_secret(**kwargs)["ARN"]
    if rotation:
        _enable_rotation(arn)
    return arn


def _step(client: Any, arn: str, token: str, step: str) -> None:
    lambda_handler(
        {"SecretId": arn, "ClientRequestToken": token, "Step": step}, None, client=client
    )


def _read_current(client: Any, arn: str) -> dict[str, Any]:
    return json.loads(
        client.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")["SecretString"]
    )


def _state(client: Any, arn: str) -> dict[str, tuple[list[str], str | None]]:
    """Every version of the secret: its labels and its value (None when it has none)."""
    versions = client.describe_secret(SecretId=arn).get("VersionIdsToStages", {})
    state = {}
    for version, stages in versions.items():
        try:
            value = client.get_secret_value(SecretId=arn, VersionId=version)["SecretString"]
        except ClientError:
            value = None
        state[version] = (sorted(stages), value)
    return state


def _version_with(client: Any, arn: str, stage: str) -> str | None:
    versions = client.describe_secret(SecretId=arn).get("VersionIdsToStages", {})
    return next((v for v, stages in versions.items() if stage in stages), None)


def _pending(client: Any, arn: str, token: str) -> dict[str, Any]:
    response = client.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
    return json.loads(response["SecretString"])


# -- createSecret ---------------------------------------------------------------------------------


def test_create_secret_stores_a_new_password_as_pending_and_keeps_the_other_fields(
    client: Any,
) -> None:
    # prescription: SEC-2
    arn = _create(client)
    token = _begin_rotation(arn)
    _step(client, arn, token, "createSecret")
    pending = _pending(client, arn, token)
    assert {k: v for k, v in pending.items() if k != "password"} == {
        "username": "orders",
        "host": "db.internal",
    }
    assert pending["password"] != OLD["password"]
    assert len(pending["password"]) == 32
    assert not set(pending["password"]) & set(DEFAULT_EXCLUDE_CHARACTERS)
    assert _read_current(client, arn) == OLD


def test_create_secret_twice_leaves_the_same_single_pending_value(client: Any) -> None:
    arn = _create(client)
    token = _begin_rotation(arn)
    _step(client, arn, token, "createSecret")
    once = _state(client, arn)
    _step(client, arn, token, "createSecret")
    assert _state(client, arn) == once
    assert len(once) == 2


def test_create_secret_keeps_the_value_a_concurrent_call_stored_first(client: Any) -> None:
    arn = _create(client)
    token = _begin_rotation(arn)
    winner = {**OLD, "password": "stored-by-the-other-call"}

    class Racing:
        """Stores the winner's value under the token just before the handler's own write."""

        def __getattr__(self, name: str) -> Any:
            return getattr(client, name)

        def put_secret_value(self, **kwargs: Any) -> Any:
            client.put_secret_value(**{**kwargs, "SecretString": json.dumps(winner)})
            raise ClientError(
                {"Error": {"Code": "ResourceExistsException", "Message": "in use"}},
                "PutSecretValue",
            )

    _step(Racing(), arn, token, "createSecret")
    assert _pending(client, arn, token) == winner


def test_create_secret_uses_the_configured_field_and_length(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PASSWORD_FIELD", "token")
    monkeypatch.setenv("PASSWORD_LENGTH", "20")
    arn = _create(client, {"token": "old"})
    token = _begin_rotation(arn)
    _step(client, arn, token, "createSecret")
    pending = _pending(client, arn, token)
    assert set(pending) == {"token"}
    assert len(pending["token"]) == 20


def test_the_first_rotation_of_a_secret_without_a_value_gives_it_one(client: Any) -> None:
    # prescription: SEC-2
    arn = _create(client, None)
    token = _begin_rotation(arn)
    for step in STEPS[:-1]:
        _step(client, arn, token, step)
    pending = _pending(client, arn, token)
    assert set(pending) == {"password"}
    assert len(pending["password"]) == 32

    # moto cannot attach AWSCURRENT when no version holds it yet (it looks for a holder to
    # name); AWS can. So finishSecret's call is recorded here rather than sent.
    moves: list[dict[str, Any]] = []

    class Recording:
        def __getattr__(self, name: str) -> Any:
            return getattr(client, name)

        def update_secret_version_stage(self, **kwargs: Any) -> dict[str, Any]:
            moves.append(kwargs)
            return {}

    _step(Recording(), arn, token, "finishSecret")
    assert moves == [{"SecretId": arn, "VersionStage": "AWSCURRENT", "MoveToVersionId": token}]


def test_create_secret_refuses_a_current_value_that_is_not_a_json_object(client: Any) -> None:
    arn = client.create_secret(Name=NAME, SecretString="not json")["ARN"]
    _enable_rotation(arn)
    token = _begin_rotation(arn)
    with pytest.raises(RotationError, match=r"is not a JSON object; store the secret as"):
        _step(client, arn, token, "createSecret")
    assert _state(client, arn)[token] == (["AWSPENDING"], None)


# -- setSecret ------------------------------------------------------------------------------------


def test_set_secret_changes_nothing_for_a_generic_secret_even_when_retried(client: Any) -> None:
    arn = _create(client)
    token = _begin_rotation(arn)
    _step(client, arn, token, "createSecret")
    before = _state(client, arn)
    _step(client, arn, token, "setSecret")
    assert _state(client, arn) == before
    _step(client, arn, token, "setSecret")
    assert _state(client, arn) == before


# -- testSecret -----------------------------------------------------------------------------------


def test_test_secret_accepts_a_pending_value_with_a_password_even_when_retried(
    client: Any,
) -> None:
    arn = _create(client)
    token = _begin_rotation(arn)
    _step(client, arn, token, "createSecret")
    before = _state(client, arn)
    _step(client, arn, token, "testSecret")
    _step(client, arn, token, "testSecret")
    assert _state(client, arn) == before


@pytest.mark.parametrize(
    ("pending", "message"),
    [
        ('{"username": "orders"}', r"has no 'password' field holding a non-empty string"),
        ('{"password": ""}', r"has no 'password' field holding a non-empty string"),
        ("[1, 2]", r"is not a JSON object"),
    ],
)
def test_test_secret_refuses_a_broken_pending_value_and_current_stays(
    client: Any, pending: str, message: str
) -> None:
    # prescription: SEC-2
    arn = _create(client)
    token = _begin_rotation(arn)
    client.put_secret_value(
        SecretId=arn, ClientRequestToken=token, SecretString=pending, VersionStages=["AWSPENDING"]
    )
    with pytest.raises(RotationError, match=message):
        _step(client, arn, token, "testSecret")
    assert _read_current(client, arn) == OLD
    assert "AWSCURRENT" not in _state(client, arn)[token][0]


def test_test_secret_refuses_a_pending_version_without_a_value(client: Any) -> None:
    arn = _create(client)
    token = _begin_rotation(arn)
    with pytest.raises(RotationError, match=rf"version {token} of secret .* has no value to test"):
        _step(client, arn, token, "testSecret")


# -- finishSecret ---------------------------------------------------------------------------------


def test_finish_secret_moves_current_to_the_token_and_previous_to_the_old_version(
    client: Any,
) -> None:
    # prescription: SEC-2
    arn = _create(client)
    old = _version_with(client, arn, "AWSCURRENT")
    assert old is not None
    token = _begin_rotation(arn)
    for step in STEPS:
        _step(client, arn, token, step)
    state = _state(client, arn)
    assert "AWSCURRENT" in state[token][0]
    assert state[old][0] == ["AWSPREVIOUS"]
    assert set(state) == {old, token}


def test_finish_secret_twice_leaves_the_same_labels(client: Any) -> None:
    arn = _create(client)
    token = _begin_rotation(arn)
    for step in STEPS:
        _step(client, arn, token, step)
    once = _state(client, arn)
    _step(client, arn, token, "finishSecret")
    assert _state(client, arn) == once


def test_every_step_is_a_no_op_once_the_token_is_current(client: Any) -> None:
    arn = _create(client)
    token = _begin_rotation(arn)
    for step in STEPS:
        _step(client, arn, token, step)
    done = _state(client, arn)
    for step in STEPS:
        _step(client, arn, token, step)
        assert _state(client, arn) == done


# -- readers during a rotation --------------------------------------------------------------------


def test_a_reader_of_awscurrent_sees_the_old_value_until_finish_then_the_new_one(
    client: Any,
) -> None:
    # prescription: SEC-2
    arn = _create(client)
    token = _begin_rotation(arn)
    assert _read_current(client, arn) == OLD
    seen = []
    for step in STEPS:
        _step(client, arn, token, step)
        seen.append(_read_current(client, arn))
    new = _pending(client, arn, token)
    assert seen == [OLD, OLD, OLD, new]
    assert new["password"] != OLD["password"]
    assert new == {**OLD, "password": new["password"]}


def test_two_rotations_in_a_row_keep_one_previous_and_one_current(client: Any) -> None:
    arn = _create(client)
    values = []
    tokens = []
    for _ in range(2):
        token = _begin_rotation(arn)
        for step in STEPS:
            _step(client, arn, token, step)
            assert _read_current(client, arn)["username"] == "orders"
        values.append(_read_current(client, arn)["password"])
        tokens.append(token)
    state = _state(client, arn)
    assert "AWSCURRENT" in state[tokens[1]][0]
    assert state[tokens[0]][0] == ["AWSPREVIOUS"]
    assert len(set(values)) == 2


# -- refusals -------------------------------------------------------------------------------------


def test_an_unknown_step_is_refused_before_any_call(client: Any) -> None:
    arn = _create(client)
    token = _begin_rotation(arn)
    before = _state(client, arn)

    class NoCalls:
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"the handler called {name}")

    with pytest.raises(RotationError, match=r"Step='rollbackSecret' is not a rotation step"):
        lambda_handler(
            {"SecretId": arn, "ClientRequestToken": token, "Step": "rollbackSecret"},
            None,
            client=NoCalls(),  # pyright: ignore[reportArgumentType] -- it must never be called
        )
    assert _state(client, arn) == before


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ("createSecret", r"the event is not a mapping: got str"),
        ({"ClientRequestToken": "t", "Step": "createSecret"}, r"the event has no SecretId"),
        ({"SecretId": "s", "Step": "createSecret"}, r"the event has no ClientRequestToken"),
        ({"SecretId": "s", "ClientRequestToken": "t"}, r"the event has no Step"),
        ({"SecretId": "", "ClientRequestToken": "t", "Step": "createSecret"}, r"no SecretId"),
    ],
)
def test_a_malformed_event_is_refused(client: Any, event: object, message: str) -> None:
    with pytest.raises(RotationError, match=message):
        lambda_handler(event, None, client=client)


def test_a_token_that_is_not_a_version_of_the_secret_is_refused(client: Any) -> None:
    arn = _create(client)
    _begin_rotation(arn)
    before = _state(client, arn)
    stranger = str(uuid.uuid4())
    for step in STEPS:
        with pytest.raises(RotationError, match=rf"version {stranger} is not a version of secret"):
            _step(client, arn, stranger, step)
    assert _state(client, arn) == before


def test_a_token_not_labelled_awspending_is_refused(client: Any) -> None:
    arn = _create(client)
    first = _begin_rotation(arn)
    for step in STEPS:
        _step(client, arn, first, step)
    second = _begin_rotation(arn)
    for step in STEPS:
        _step(client, arn, second, step)
    before = _state(client, arn)
    assert before[first][0] == ["AWSPREVIOUS"]
    for step in STEPS:
        with pytest.raises(
            RotationError, match=rf"version {first} of secret .* not labelled AWSPENDING"
        ):
            _step(client, arn, first, step)
    assert _state(client, arn) == before


def test_a_secret_whose_rotation_is_not_enabled_is_refused(client: Any) -> None:
    arn = _create(client, rotation=False)
    token = _begin_rotation(arn)
    before = _state(client, arn)
    for step in STEPS:
        with pytest.raises(RotationError, match=r"rotation is not enabled on secret"):
            _step(client, arn, token, step)
    assert _state(client, arn) == before


def test_a_password_length_that_is_not_a_number_is_refused(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PASSWORD_LENGTH", "long")
    arn = _create(client)
    token = _begin_rotation(arn)
    with pytest.raises(RotationError, match=r"PASSWORD_LENGTH='long' is not a whole number"):
        _step(client, arn, token, "createSecret")


# -- packaging ------------------------------------------------------------------------------------


def test_make_client_calls_the_configured_endpoint(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRETS_MANAGER_ENDPOINT", "https://secretsmanager.eu-west-1.amazonaws.com")
    made: Any = make_client()
    assert made.meta.endpoint_url == "https://secretsmanager.eu-west-1.amazonaws.com"


def test_the_handler_file_loads_alone_without_pulumi_infra_kit_or_boto3() -> None:
    # The function's archive holds handler.py alone; it must import nothing else.
    script = f"""
import importlib.util, sys
for blocked in ("pulumi", "pulumi_aws", "infra_kit", "boto3", "botocore"):
    sys.modules[blocked] = None
spec = importlib.util.spec_from_file_location("handler", {str(HANDLER_PATH)!r})
module = importlib.util.module_from_spec(spec)
sys.modules["handler"] = module
spec.loader.exec_module(module)
print(module.lambda_handler.__name__)
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "lambda_handler"
