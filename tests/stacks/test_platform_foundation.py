"""The platform stack: tagging over whole graphs, determinism and refusal of bad config."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from infra_kit.core.engine import Graph, OfflineEngine
from infra_kit.core.tags import REQUIRED_TAG_KEYS
from infra_kit.errors import ConfigError
from tests.support import accepts_tags, missing_required_tags

STACKS = ("dev", "stage", "prod")


@pytest.mark.parametrize("stack", STACKS)
def test_every_taggable_aws_resource_carries_every_required_tag(
    stack: str, platform_graph: Callable[[str], Graph]
) -> None:
    graph = platform_graph(stack)
    taggable = [r for r in graph if r["custom"] and accepts_tags(r["type"])]
    assert taggable, "the platform registers taggable resources"
    assert missing_required_tags(graph) == []


@pytest.mark.parametrize("stack", STACKS)
def test_every_aws_resource_goes_through_the_tagged_provider(
    stack: str, platform_graph: Callable[[str], Graph]
) -> None:
    graph = platform_graph(stack)
    (provider,) = graph.of_type("pulumi:providers:aws")
    tags = graph.provider_default_tags(provider["urn"])
    assert set(REQUIRED_TAG_KEYS) <= set(tags)
    assert tags["environment"] == stack
    assert tags["stack"] == f"platform/{stack}"
    assert tags["managed-by"] == "pulumi"
    aws_resources = [r for r in graph if r["custom"] and r["type"].startswith("aws:")]
    assert {r["provider"] for r in aws_resources} == {provider["urn"]}


def test_the_tag_check_catches_a_resource_outside_the_tagged_provider(
    platform_graph: Callable[[str], Graph],
) -> None:
    graph = platform_graph("dev")
    taggable = next(r for r in graph if r["custom"] and accepts_tags(r["type"]))
    stray = {**taggable, "urn": taggable["urn"] + "-stray", "provider": None, "inputs": {}}
    findings = missing_required_tags(
        Graph(graph.project, graph.stack, [*graph.resources, stray], {})
    )
    assert findings == [f"{stray['urn']}: missing required tag(s): {', '.join(REQUIRED_TAG_KEYS)}"]


def test_accepts_tags_knows_which_types_take_tags() -> None:
    assert accepts_tags("aws:ec2/vpc:Vpc")
    assert accepts_tags("aws:lambda/function:Function")
    assert not accepts_tags("aws:iam/rolePolicy:RolePolicy")
    assert not accepts_tags("kubernetes:core/v1:Namespace")


@pytest.mark.parametrize("stack", STACKS)
def test_the_environment_is_exported(stack: str, platform_graph: Callable[[str], Graph]) -> None:
    assert platform_graph(stack).outputs["environment"] == stack


def test_synthesis_is_deterministic(repo: Path, platform_graph: Callable[[str], Graph]) -> None:
    again = OfflineEngine.for_project(repo, "prod").run()
    assert again.to_json() == platform_graph("prod").to_json()


@pytest.fixture
def platform_copy(repo: Path, tmp_path: Path) -> Path:
    """A copy of the platform project whose stack files a test may break."""
    target = tmp_path / "platform"
    shutil.copytree(
        repo / "stacks", target / "stacks", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(repo / "Pulumi.yaml", target / "Pulumi.yaml")
    # The platform reads its cluster admins from the identities stack (platform:identities_stack).
    shutil.copytree(
        repo / "identities", target / "identities", ignore=shutil.ignore_patterns("__pycache__")
    )
    return target


def _break(
    project: Path, stack: str, environment: dict[str, object] | None, region: object = "us-east-1"
) -> None:
    path = project / "stacks" / f"Pulumi.{stack}.yaml"
    data = yaml.safe_load(path.read_text())
    if environment is None:
        del data["config"]["platform:environment"]
    else:
        data["config"]["platform:environment"] = environment
    data["config"]["aws:region"] = region
    path.write_text(yaml.safe_dump(data))


TAGS = {"team": "platform", "service": "platform", "cost_center": "cc-1", "repository": "infra-kit"}

BAD_STACK_FILES = [
    ("prod", {"tags": TAGS, "network": {"az_count": 2}}, "us-east-1", "network.az_count=2"),
    ("dev", {"tags": TAGS, "netwrok": {}}, "us-east-1", "netwrok: unknown key"),
    ("dev", {"tags": {**TAGS, "cost_center": ""}}, "us-east-1", "tags.cost_center=''"),
    ("dev", {"tags": TAGS}, "mars-north-1a", "aws:region='mars-north-1a'"),
    ("dev", None, "us-east-1", "platform:environment: not set"),
    ("dev", {"tags": TAGS, "network": {"vpc_cidr": "10.0.0/16"}}, "us-east-1", "network.vpc_cidr"),
    ("dev", {"tags": TAGS, "database": {"allocated_storage_gb": 500}}, "us-east-1", "database.max_allocated_storage_gb=100"),
    ("prod", {"tags": TAGS, "protect_stateful": False, "network": {"availability_zones": ["us-east-1a", "us-east-1b", "us-east-1c"]}}, "us-east-1", "protect_stateful=false"),
    ("prod", {"tags": TAGS, "name": "dev", "network": {"availability_zones": ["us-east-1a", "us-east-1b"]}}, "us-east-1", "name='dev': the stack 'prod' is the prod environment"),
    ("stage", {"tags": TAGS, "name": "prod"}, "us-east-1", "name='prod': the stack 'stage' is the stage environment"),
    ("dev", {"tags": TAGS, "alarms": {"utilization_warning_percent": 95}}, "us-east-1", "alarms.utilization_warning_percent=95"),
    ("dev", {"tags": TAGS, "keys": {"deletion_window_days": 3}}, "us-east-1", "keys.deletion_window_days=3"),
]  # fmt: skip


@pytest.mark.parametrize(("stack", "environment", "region", "key"), BAD_STACK_FILES)
def test_a_bad_stack_file_is_refused_before_any_resource_is_registered(
    platform_copy: Path, stack: str, environment: dict[str, object] | None, region: str, key: str
) -> None:
    _break(platform_copy, stack, environment, region)
    engine = OfflineEngine.for_project(platform_copy, stack)
    with pytest.raises(ConfigError) as caught:
        engine.run()
    assert f"Pulumi.{stack}.yaml" in str(caught.value)
    assert key in str(caught.value)
    assert engine.registered == []


def test_a_good_copy_of_the_platform_does_register_resources(platform_copy: Path) -> None:
    engine = OfflineEngine.for_project(platform_copy, "dev")
    graph = engine.run()
    assert engine.registered
    assert json.loads(graph.to_json())["project"] == "platform"
