"""Fixtures of the AWS component tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

#: The region moto's account answers in.
MOTO_REGION = "us-east-1"


@pytest.fixture
def moto_account(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A fresh moto account with fake credentials, so no call can reach a real one."""
    for variable, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": MOTO_REGION,
    }.items():
        monkeypatch.setenv(variable, value)
    with mock_aws():
        yield
