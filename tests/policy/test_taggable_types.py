"""The taggable-types data file matches the installed pulumi_aws, and names real types."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
from functools import cache
from importlib import resources
from pathlib import Path

from infra_kit.policy.rules.state import STATEFUL_TYPES
from infra_kit.policy.rules.tags import taggable_types

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "refresh_taggable_types.py"


def _data() -> dict:
    text = resources.files("infra_kit.policy").joinpath("data", "aws-taggable-types.json")
    return json.loads(text.read_text("utf-8"))


@cache
def _installed() -> tuple[list[str], list[str]]:
    """``(taggable, every)`` type tokens of the installed pulumi_aws, read by the script.

    It imports every module of pulumi_aws by name, which leaves the SDK's lazily loaded
    packages half-initialised in that process, so it runs in a process of its own.
    """
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--print"], capture_output=True, text=True, check=True
    )
    data = json.loads(done.stdout)
    return data["taggable"], data["every"]


def test_the_data_file_was_written_from_the_installed_pulumi_aws() -> None:
    data = _data()
    assert data["pulumi_aws_version"] == importlib.metadata.version("pulumi_aws"), (
        "run scripts/refresh_taggable_types.py after upgrading pulumi_aws"
    )
    assert data["generated"]
    assert data["source"]


def test_the_data_file_lists_exactly_what_the_installed_pulumi_aws_tags() -> None:
    taggable, every = _installed()
    assert sorted(taggable_types()) == taggable
    assert _data()["resource_type_count"] == len(every)


def test_the_list_agrees_with_the_constructors_on_known_types() -> None:
    taggable = taggable_types()
    assert {"aws:ec2/vpc:Vpc", "aws:lambda/function:Function", "aws:s3/bucket:Bucket"} <= taggable
    assert "aws:iam/rolePolicy:RolePolicy" not in taggable
    assert "aws:s3/bucketPolicy:BucketPolicy" not in taggable


def test_every_stateful_type_is_a_resource_type_of_pulumi_aws() -> None:
    _, every = _installed()
    assert sorted(STATEFUL_TYPES - set(every)) == []
