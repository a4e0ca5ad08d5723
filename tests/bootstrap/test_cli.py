"""``infra-kit bootstrap`` on the command line: exit codes, what it prints, what it refuses."""

from __future__ import annotations

import boto3
import pytest

from infra_kit.cli import main
from tests.bootstrap.conftest import REGION


def test_the_first_run_creates_and_prints_the_pulumi_commands_and_the_second_changes_nothing(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["bootstrap", "--region", REGION]) == 0
    out = capsys.readouterr().out
    bucket = f"infra-kit-state-123456789012-{REGION}"
    assert f"export PULUMI_BACKEND_URL='s3://{bucket}?region={REGION}&awssdk=v2'" in out
    assert f"export PULUMI_SECRETS_PROVIDER='awskms://alias/infra-kit-state?region={REGION}'" in out
    assert 'pulumi login "$PULUMI_BACKEND_URL"' in out
    assert (
        "pulumi stack init organization/<project>/<stack> --secrets-provider "
        '"$PULUMI_SECRETS_PROVIDER"' in out
    )
    assert main(["bootstrap", "--region", REGION]) == 0
    second = capsys.readouterr().out
    assert "\nchanged " not in second
    assert "nothing to change" in second


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--region", "Europe"], "--region"),
        (["--region", REGION, "--bucket", "Not_A_Bucket"], "--bucket"),
        (["--region", REGION, "--bucket", "state.example.com"], "--bucket"),
        (["--region", REGION, "--key-alias", "infra-kit-state"], "--key-alias"),
        (["--region", REGION, "--key-alias", "alias/aws/s3"], "--key-alias"),
        (["--region", REGION, "--noncurrent-days", "0"], "--noncurrent-days"),
        (["--region", REGION, "--bucket", "a" * 60], "--bucket"),
    ],
)
def test_bad_options_are_usage_errors_naming_the_option_before_any_aws_call(
    args: list[str],
    option: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_aws(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("AWS was called")

    monkeypatch.setattr(boto3.session.Session, "client", no_aws)
    assert main(["bootstrap", *args]) == 2
    err = capsys.readouterr().err
    assert f"Invalid value for {option}" in err
    assert "Traceback" not in err


def test_a_refusal_exits_1_without_a_traceback(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    boto3.client("s3", region_name=REGION).create_bucket(
        Bucket="someone-elses", CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    assert main(["bootstrap", "--region", REGION, "--bucket", "someone-elses"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("infra-kit bootstrap: error: refused before changing anything")
    assert "put-public-access-block --bucket someone-elses" in err
    assert "Traceback" not in err


def test_a_dry_run_prints_the_plan_and_no_pulumi_commands(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["bootstrap", "--region", REGION, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert (
        "would      KMS key alias/infra-kit-state: create a symmetric customer-managed key" in out
    )
    assert "pulumi login" not in out
    assert boto3.client("s3", region_name=REGION).list_buckets()["Buckets"] == []
