"""Cluster admins come from the CI identities stack, never from a literal in a stack file
(SEC-1, CICD-2, ENV-3).

The platform graph of each environment is compared with the synthesized identities graph: the
cluster admin is that graph's deploy role of the same environment, not an ARN written here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra_kit.aws.platform_access import load_platform_access, load_tenant_access
from infra_kit.core.engine import Graph
from infra_kit.errors import ConfigError
from infra_kit.testing import run_offline
from tests.conftest import REPO, graph_of

STACKS = ("dev", "stage", "prod")
ENTRY = "aws:eks/accessEntry:AccessEntry"
ASSOCIATION = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
POLICY = "arn:aws:eks::aws:cluster-access-policy/"


def _identities() -> Graph:
    return graph_of(REPO / "identities", "prod")


def _associations(graph: Graph) -> list[dict[str, Any]]:
    return [r["inputs"] for r in graph.of_type(ASSOCIATION)]


def _stack_files() -> list[Path]:
    return sorted(p for p in REPO.rglob("Pulumi.*.yaml") if ".venv" not in p.parts)


def _arns_under(value: Any) -> list[str]:
    text = json.dumps(value)
    return [part for part in text.split('"') if part.startswith("arn:aws:iam::")]


def test_there_are_stack_files_to_scan() -> None:
    assert {p.relative_to(REPO).as_posix() for p in _stack_files()} >= {
        "stacks/Pulumi.dev.yaml",
        "stacks/Pulumi.stage.yaml",
        "stacks/Pulumi.prod.yaml",
        "identities/Pulumi.prod.yaml",
    }


@pytest.mark.parametrize("path", _stack_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_no_stack_file_names_a_role_arn_for_cluster_access(path: Path) -> None:
    config = (yaml.safe_load(path.read_text()) or {}).get("config") or {}
    for key, value in config.items():
        if not key.endswith(":environment") or not isinstance(value, dict):
            continue
        cluster = value.get("cluster") or {}
        assert cluster.get("admin_role_arns", []) == [], f"{path}: {key}.cluster.admin_role_arns"
        assert _arns_under(cluster) == [], f"{path}: an IAM ARN under {key}.cluster"


@pytest.mark.parametrize("stack", STACKS)
def test_the_cluster_admin_is_the_identities_deploy_role_of_the_environment(
    stack: str, platform_graph: Callable[[str], Graph]
) -> None:
    graph = platform_graph(stack)
    admins = [
        a["principalArn"]
        for a in _associations(graph)
        if a["policyArn"] == f"{POLICY}AmazonEKSClusterAdminPolicy"
    ]
    deploy = _identities().outputs["deploy_role_arns"]
    assert admins == [deploy[stack]]
    assert all(a["accessScope"] == {"type": "cluster"} for a in _associations(graph)
               if a["policyArn"].endswith("ClusterAdminPolicy"))  # fmt: skip


@pytest.mark.parametrize("stack", STACKS)
def test_every_other_ci_role_has_exactly_its_narrow_access(
    stack: str, platform_graph: Callable[[str], Graph]
) -> None:
    outputs = _identities().outputs
    graph = platform_graph(stack)
    by_principal = {
        a["principalArn"]: (a["policyArn"].removeprefix(POLICY), a["accessScope"])
        for a in _associations(graph)
    }
    assert by_principal[outputs["pr_preview_role_arn"]] == (
        "AmazonEKSViewPolicy", {"type": "cluster"},
    )  # fmt: skip
    # Tenants' access lives in cluster-services, beside their namespaces.
    assert outputs["app_deploy_role_arns"]["orders"][stack] not in by_principal
    preview = outputs["preview_env_deploy_role_arn"]
    entries = {e["inputs"]["principalArn"]: e["inputs"] for e in graph.of_type(ENTRY)}
    if stack == "dev":  # the profile row cluster.hosts_previews: dev only
        assert by_principal[preview] == (
            "AmazonEKSAdminPolicy", {"type": "namespace", "namespaces": ["pr-*"]},
        )  # fmt: skip
        assert entries[preview]["kubernetesGroups"] == ["infra-kit:preview-deployers"]
    else:
        assert preview not in by_principal
        assert preview not in entries
    assert len(entries) == len(by_principal) == (3 if stack == "dev" else 2)


def test_without_identities_stack_or_admin_roles_the_program_stops_naming_both_keys() -> None:
    with pytest.raises(ConfigError) as exc:
        run_offline(load_platform_access, environment="dev")
    message = str(exc.value)
    assert "test:identities_stack and test:environment.cluster.admin_role_arns" in message
    assert "neither is set" in message
    assert "Fix: set test:identities_stack" in message


def test_break_glass_admin_roles_alone_are_enough() -> None:
    arn = "arn:aws:iam::123456789012:role/break-glass"
    graph = run_offline(
        load_platform_access,
        environment="dev",
        overrides={"cluster": {"admin_role_arns": [arn]}},
    )
    assert not graph.of_type(ENTRY)  # the Cluster creates break-glass entries itself


def test_a_tenant_without_roles_needs_the_identities_stack() -> None:
    overrides = {"cluster": {"tenants": {"apps": {"team": "orders"}}}}
    with pytest.raises(ConfigError, match=r"cluster\.tenants: apps name no deploy_role_arns"):
        run_offline(load_tenant_access, environment="dev", overrides=overrides)


def test_tenants_in_the_platform_stack_are_refused_with_where_they_belong() -> None:
    arn = "arn:aws:iam::123456789012:role/break-glass"
    overrides = {"cluster": {"admin_role_arns": [arn], "tenants": {"apps": {"team": "orders"}}}}
    with pytest.raises(ConfigError, match=r"move the tenants to the cluster-services stack file"):
        run_offline(load_platform_access, environment="dev", overrides=overrides)


@pytest.mark.parametrize("stack", STACKS)
def test_each_tenant_gets_its_namespace_and_admin_inside_it_only(
    stack: str, cluster_services_graph: Callable[[str], Graph]
) -> None:
    graph = cluster_services_graph(stack)
    outputs = _identities().outputs
    by_principal = {
        a["principalArn"]: (a["policyArn"].removeprefix(POLICY), a["accessScope"])
        for a in _associations(graph)
    }
    assert by_principal == {
        outputs["app_deploy_role_arns"]["orders"][stack]: (
            "AmazonEKSAdminPolicy", {"type": "namespace", "namespaces": ["apps"]},
        )
    }  # fmt: skip
    namespaces = {
        o["metadata"]["name"] for o in graph.kubernetes_objects() if o["kind"] == "Namespace"
    }
    assert "apps" in namespaces
    assert graph.outputs["tenant_namespaces"] == {"apps": "apps"}


@pytest.mark.parametrize("stack", STACKS)
def test_only_the_cluster_hosting_previews_fences_the_preview_deployers(
    stack: str, cluster_services_graph: Callable[[str], Graph]
) -> None:
    kinds = {o["kind"] for o in cluster_services_graph(stack).kubernetes_objects()}
    guarded = {"ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"} <= kinds
    assert guarded == (stack == "dev")


def test_the_command_line_reports_the_missing_admin_without_a_traceback(tmp_path: Path) -> None:
    project = tmp_path / "platform"
    shutil.copytree(REPO / "stacks", project / "stacks")
    shutil.copy(REPO / "Pulumi.yaml", project / "Pulumi.yaml")
    stack_file = project / "stacks" / "Pulumi.dev.yaml"
    config = yaml.safe_load(stack_file.read_text())
    del config["config"]["platform:identities_stack"]
    stack_file.write_text(yaml.safe_dump(config))
    result = subprocess.run(
        [sys.executable, "-m", "infra_kit.cli", "synth", "--stack", "dev", "--project-dir",
         str(project), "--json", "-q"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "platform:identities_stack and platform:environment.cluster.admin_role_arns" in (
        result.stderr
    )
