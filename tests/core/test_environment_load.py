"""Environment.load refuses a bad stack file before any resource is registered (ENV-3).

Each case edits a copy of the platform's prod stack file and runs the real platform program
offline: the run must fail with the key, the file and the fix, with nothing but the stack
itself registered, and every problem of the file must be listed at once.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra_kit.core.engine import OfflineEngine
from infra_kit.errors import InfraKitError
from tests.conftest import REPO

Edit = Callable[[dict[str, Any]], None]


def platform_copy(tmp_path: Path, edit: Edit, stack: str = "prod") -> Path:
    project = tmp_path / "platform"
    shutil.copytree(
        REPO / "stacks", project / "stacks", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(REPO / "Pulumi.yaml", project)
    # The platform reads its cluster admins from the identities stack (platform:identities_stack).
    shutil.copytree(
        REPO / "identities", project / "identities", ignore=shutil.ignore_patterns("__pycache__")
    )
    stack_file = project / "stacks" / f"Pulumi.{stack}.yaml"
    data = yaml.safe_load(stack_file.read_text())
    edit(data["config"])
    stack_file.write_text(yaml.safe_dump(data))
    return project


def refusal(project: Path, stack: str = "prod") -> tuple[str, list[str]]:
    """The error message, and the types of what was registered before the refusal."""
    engine = OfflineEngine.for_project(project, stack)
    with pytest.raises(InfraKitError) as caught:
        engine.run()
    assert engine.monitor is not None
    return str(caught.value), sorted(r["type"] for r in engine.monitor.records.values())


def env(config: dict[str, Any]) -> dict[str, Any]:
    return config["platform:environment"]


def _name_dev(config: dict[str, Any]) -> None:
    env(config)["name"] = "dev"


def _digest_off(config: dict[str, Any]) -> None:
    env(config)["workloads"] = {"require_image_digest": False}


def _endpoints_off(config: dict[str, Any]) -> None:
    env(config)["network"]["enable_interface_endpoints"] = False


def _retention_one_day(config: dict[str, Any]) -> None:
    env(config)["logs"] = {"retention_days": 1}


def _team_with_accents(config: dict[str, Any]) -> None:
    env(config)["tags"]["team"] = "Équipe plateforme"


def _team_too_long(config: dict[str, Any]) -> None:
    env(config)["tags"]["team"] = "t" * 64


def _zones_of_another_region(config: dict[str, Any]) -> None:
    env(config)["network"]["availability_zones"] = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]


def _unknown_key(config: dict[str, Any]) -> None:
    config["platform:definitelyNotAKey"] = "x"


REFUSALS: list[tuple[str, Edit, str, str]] = [
    ("name dev in the prod file", _name_dev, "name='dev'", "the stack 'prod' is the prod environment"),
    ("image digests off", _digest_off, "workloads.require_image_digest=false", "write why under weakened"),
    ("interface endpoints off", _endpoints_off, "network.enable_interface_endpoints=false", "write why under weakened"),
    ("a day of log retention", _retention_one_day, "logs.retention_days=1", "write why under weakened"),
    ("a team label with accents", _team_with_accents, "tags.team='Équipe plateforme'", "Kubernetes label"),
    ("a team label over 63 characters", _team_too_long, "tags.team=", "at most 63 characters"),
    ("AZs of another region", _zones_of_another_region, "eu-west-1a, eu-west-1b, eu-west-1c are not an AZ of aws:region=us-east-1", "name AZs of us-east-1"),
    ("an unknown top-level key", _unknown_key, "platform:definitelyNotAKey: not a key", "declare it in Pulumi.yaml under config:"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "edit", "key", "fix"), REFUSALS, ids=[case for case, *_ in REFUSALS]
)
def test_a_bad_stack_file_is_refused_before_any_resource_is_registered(
    tmp_path: Path, case: str, edit: Edit, key: str, fix: str
) -> None:
    message, registered = refusal(platform_copy(tmp_path, edit))
    assert "invalid configuration in Pulumi.prod.yaml" in message  # derived from the stack name
    assert key in message, message
    assert fix in message, message
    assert registered == ["pulumi:pulumi:Stack"]


def test_every_problem_of_the_file_is_listed_at_once(tmp_path: Path) -> None:
    def three(config: dict[str, Any]) -> None:
        _digest_off(config)
        _team_with_accents(config)
        _unknown_key(config)
        _zones_of_another_region(config)

    message, _ = refusal(platform_copy(tmp_path, three))
    lines = [line for line in message.splitlines() if line.startswith("  - ")]
    assert len(lines) == 4, message
    for key in ("platform:definitelyNotAKey", "tags.team", "workloads.require_image_digest",
                "network.availability_zones"):  # fmt: skip
        assert sum(key in line for line in lines) == 1, (key, message)


def test_a_weakened_protection_with_a_reason_is_recorded_in_the_graph(tmp_path: Path) -> None:
    reason = "The vendor publishes these images by tag only; tracked in PLAT-42"

    def explained(config: dict[str, Any]) -> None:
        _digest_off(config)
        env(config)["weakened"] = {"workloads.require_image_digest": reason}

    graph = OfflineEngine.for_project(platform_copy(tmp_path, explained), "prod").run()
    (record,) = [r for r in graph.resources if r["type"] == "infra-kit:core:Environment"]
    profile = record["outputs"]["profile"]
    assert profile["workloads"]["require_image_digest"] is False
    assert profile["weakened"] == {"workloads.require_image_digest": reason}
    assert reason in json.dumps(json.loads(graph.to_json()))


def test_a_key_the_program_declares_is_accepted_and_recorded(tmp_path: Path) -> None:
    def declared(config: dict[str, Any]) -> None:
        config["platform:owner_email"] = "platform@example.com"

    project = platform_copy(tmp_path, declared)
    manifest = yaml.safe_load((project / "Pulumi.yaml").read_text())
    manifest["config"] = {**manifest["config"], "owner_email": {"type": "string"}}
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(manifest))
    graph = OfflineEngine.for_project(project, "prod").run()
    (record,) = [r for r in graph.resources if r["type"] == "infra-kit:core:Environment"]
    assert record["outputs"]["config_keys"] == {
        "set": [
            "platform:dns_zone",
            "platform:dns_zone_delegation",
            "platform:environment",
            "platform:identities_stack",
            "platform:owner_email",
            "platform:placeholder_subscriptions_reason",
        ],
        "declared": [
            "dns_zone",
            "dns_zone_delegation",
            "identities_stack",
            "owner_email",
            "placeholder_subscriptions_reason",
        ],
    }
