"""Every deploy can verify its rollouts: `_deploy.yml`'s verify step finds the cluster from its
`cluster-name` input or from the deployed stack's own `cluster_name` output, and fails the deploy
when it has neither. A deploy job that passes no `cluster-name` must therefore deploy a project
whose every stack exports `cluster_name` (docs/stack-outputs.md, which the stacks are held to)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.conftest import REPO
from tests.stack_contract import parse_contract

WORKFLOWS = REPO / ".github" / "workflows"
#: The deploy workflow as a job calls it from this repository ($/ is GitHub's self-repository form).
DEPLOY = ("$/.github/workflows/_deploy.yml", "./.github/workflows/_deploy.yml")


def _deploy_jobs() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for name, job in (yaml.safe_load(path.read_text()).get("jobs") or {}).items():
            if job.get("uses") in DEPLOY:
                found.append((f"{path.name}:{name}", job.get("with") or {}))
    return found


def _project_name(project_dir: str) -> str:
    return yaml.safe_load((REPO / project_dir / "Pulumi.yaml").read_text())["name"]


def verify_without_cluster(
    jobs: list[tuple[str, dict[str, Any]]], contract: dict[str, Any], name_of: Any
) -> list[str]:
    """The deploy jobs whose verify step would find no cluster."""
    problems = []
    for where, inputs in jobs:
        if inputs.get("cluster-name"):
            continue
        project = name_of(str(inputs.get("project-dir", ".")))
        documented = contract.get(project, {}).get("cluster_name")
        if documented is None or documented.only_on is not None:
            problems.append(
                f"{where} deploys {project}, which does not export cluster_name on every stack, "
                "and passes no cluster-name: its verify step would fail with no cluster"
            )
    return problems


def test_the_workflows_deploy_examples_and_platform_stacks() -> None:
    # The test below covers something: the platform, its services and the example's previews.
    dirs = {str(inputs.get("project-dir", ".")) for _, inputs in _deploy_jobs()}
    assert {".", "cluster-services", "examples/orders-service"} <= dirs


def test_every_deploy_can_find_the_cluster_to_verify() -> None:
    contract = parse_contract((REPO / "docs" / "stack-outputs.md").read_text())
    assert verify_without_cluster(_deploy_jobs(), contract, _project_name) == []


@pytest.mark.parametrize(
    "project_dir", sorted(p.parent.name for p in (REPO / "examples").glob("*/Pulumi.yaml"))
)
def test_every_example_exports_the_cluster_it_runs_on(project_dir: str) -> None:
    # An example is what app teams copy; its own pipeline calls _deploy.yml the same way.
    contract = parse_contract((REPO / "docs" / "stack-outputs.md").read_text())
    documented = contract[_project_name(f"examples/{project_dir}")].get("cluster_name")
    assert documented is not None
    assert documented.only_on is None


def test_a_deploy_of_a_project_without_cluster_name_is_caught() -> None:
    contract = parse_contract((REPO / "docs" / "stack-outputs.md").read_text())
    jobs = [("x.yml:deploy", {"project-dir": "identities", "stack": "prod"})]
    assert verify_without_cluster(jobs, contract, _project_name) != []
    jobs = [("x.yml:deploy", {"project-dir": "identities", "cluster-name": "eks-prod"})]
    assert verify_without_cluster(jobs, contract, _project_name) == []
