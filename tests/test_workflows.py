"""The workflows in .github/workflows keep the pipeline's security invariants (CICD-1, CICD-2, DEP-2).

Each invariant is a small checker that returns the problems it finds, so the same function is
run over every real workflow (no problems) and over a workflow built here to break it (the
problem named). actionlint and zizmor run from .ci/run as well; these tests pin what is
specific to this pipeline: which jobs may mint an OIDC token, how deploys are serialised and
gated, and the promotion order to prod.
"""

from __future__ import annotations

import copy
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra_kit.aws.delivery import (
    DEPLOYMENT_SUCCESS,
    ENVIRONMENT_DIMENSION,
    NAMESPACE,
    PARAMETER_ROOT,
    PATH_SEGMENT,
    PIPELINE_FAILURE,
    RECORD_FIELDS,
)
from tests.conftest import REPO

WORKFLOWS = REPO / ".github" / "workflows"
AWS_CREDENTIALS = "aws-actions/configure-aws-credentials"
_PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
_USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+)\s*(#.*)?$")
_VERSION_COMMENT = re.compile(r"^#\s*v?\d+(\.\d+)*\s*$")
_LOCAL = ("./", "$/")

Workflow = dict[str, Any]


@cache
def _load(path: Path) -> Workflow:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _files() -> list[Path]:
    return sorted(WORKFLOWS.glob("*.yml"))


def _jobs(workflow: Workflow) -> dict[str, dict[str, Any]]:
    return workflow.get("jobs") or {}


def _steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return job.get("steps") or []


def _local_workflow(uses: str) -> Workflow | None:
    """The reusable workflow a job calls from this repository, if it calls one."""
    if not uses.startswith(_LOCAL):
        return None
    return _load(REPO / uses[2:])


def _assumes_aws_role(job: dict[str, Any]) -> bool:
    """The job configures AWS credentials itself, or calls a workflow with a job that does."""
    if any(str(s.get("uses", "")).startswith(AWS_CREDENTIALS + "@") for s in _steps(job)):
        return True
    called = _local_workflow(str(job.get("uses", "")))
    return called is not None and any(_assumes_aws_role(j) for j in _jobs(called).values())


def _runs_pulumi_deploy(job: dict[str, Any]) -> bool:
    """The job changes a stack: `pulumi up` or `pulumi destroy` in one of its run steps."""
    return any(re.search(r"\bpulumi (up|destroy)\b", str(s.get("run", ""))) for s in _steps(job))


# --- checkers: each returns human-readable problems, empty when the invariant holds -----------


def unpinned_uses(text: str) -> list[str]:
    """Every remote `uses:` names a full 40-hex commit and carries its version as a comment."""
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        match = _USES_LINE.match(line)
        if not match or match.group(1).startswith(_LOCAL):
            continue
        ref, comment = match.group(1), match.group(2) or ""
        if not _PINNED.match(ref):
            problems.append(f"line {number}: {ref} is not pinned to a full commit SHA")
        elif not _VERSION_COMMENT.match(comment):
            problems.append(f"line {number}: {ref} has no `# vX.Y.Z` comment naming its version")
    return problems


def broad_top_level_permissions(workflow: Workflow) -> list[str]:
    """Top-level permissions are `{}` or `contents: read`; jobs widen them where needed."""
    if "permissions" not in workflow:
        return ["no top-level permissions: the repository default (possibly write-all) applies"]
    granted = workflow["permissions"]
    if granted in ({}, {"contents": "read"}):
        return []
    return [f"top-level permissions {granted!r} are wider than contents: read"]


def misplaced_id_token(workflow: Workflow) -> list[str]:
    """`id-token: write` is granted exactly to the jobs that assume an AWS role."""
    problems = []
    if (workflow.get("permissions") or {}).get("id-token") == "write":
        problems.append("id-token: write at the top level reaches every job")
    for name, job in _jobs(workflow).items():
        grants = (job.get("permissions") or {}).get("id-token") == "write"
        assumes = _assumes_aws_role(job)
        if grants and not assumes:
            problems.append(f"job {name} has id-token: write but assumes no AWS role")
        if assumes and not grants:
            problems.append(f"job {name} assumes an AWS role without id-token: write")
    return problems


def ungated_deploys(workflow: Workflow) -> list[str]:
    """A job that changes a stack runs in a GitHub environment, in a per-stack deploy group."""
    problems = []
    for name, job in _jobs(workflow).items():
        if not _runs_pulumi_deploy(job):
            continue
        if not job.get("environment"):
            problems.append(f"deploy job {name} has no environment: nothing can gate it")
        concurrency = job.get("concurrency") or {}
        group = str(concurrency.get("group", "")) if isinstance(concurrency, dict) else ""
        if not group.startswith("deploy-") or "inputs.stack" not in group:
            problems.append(f"deploy job {name} has no per-stack concurrency group deploy-...")
        if isinstance(concurrency, dict) and concurrency.get("cancel-in-progress") is not False:
            problems.append(f"deploy job {name} may be cancelled mid-update: cancel-in-progress")
    return problems


def deploys_by_stack(
    workflow: Workflow, project_dir: str = "."
) -> dict[str, tuple[str, dict[str, Any]]]:
    """Jobs calling the deploy workflow for the project in ``project_dir``, by stack."""
    return {
        job["with"]["stack"]: (name, job)
        for name, job in _jobs(workflow).items()
        if str(job.get("uses", "")).endswith("/_deploy.yml")
        and job["with"].get("project-dir", ".") == project_dir
    }


def _ancestors(workflow: Workflow, name: str) -> set[str]:
    needs = _jobs(workflow)[name].get("needs") or []
    direct = {needs} if isinstance(needs, str) else set(needs)
    return direct.union(*(_ancestors(workflow, n) for n in direct))


def unordered_promotion(workflow: Workflow, project_dir: str = ".") -> list[str]:
    """Main deploys dev, then stage, then prod, and prod only in the `prod` environment."""
    deploys = deploys_by_stack(workflow, project_dir)
    missing = [s for s in ("dev", "stage", "prod") if s not in deploys]
    if missing:
        return [f"no deploy of {', '.join(missing)}"]
    problems = []
    for before, after in (("dev", "stage"), ("stage", "prod")):
        if deploys[before][0] not in _ancestors(workflow, deploys[after][0]):
            problems.append(f"{after} is deployed without waiting for {before}")
    if deploys["prod"][1]["with"].get("environment") != "prod":
        problems.append("prod is not deployed in the `prod` environment (no required reviewers)")
    return problems


def services_out_of_order(workflow: Workflow) -> list[str]:
    """cluster-services of an environment waits for its platform, and the next environment's
    platform waits for it: the services read the platform's outputs, and a promotion carries
    the whole environment."""
    platform = deploys_by_stack(workflow)
    services = deploys_by_stack(workflow, "cluster-services")
    problems = []
    for env in ("dev", "stage", "prod"):
        if env not in services:
            problems.append(f"no deploy of cluster-services to {env}")
            continue
        name, job = services[env]
        if env in platform and platform[env][0] not in _ancestors(workflow, name):
            problems.append(f"cluster-services of {env} is deployed before its platform")
        if job["with"].get("environment") != env:
            problems.append(f"cluster-services of {env} is not deployed in the {env} environment")
    for before, after in (("dev", "stage"), ("stage", "prod")):
        if (
            before in services
            and after in platform
            and services[before][0] not in _ancestors(workflow, platform[after][0])
        ):
            problems.append(f"{after} is deployed without waiting for {before}'s services")
    return problems


def _destroys(workflow: Workflow) -> dict[str, dict[str, Any]]:
    return {
        name: job
        for name, job in _jobs(workflow).items()
        if str(job.get("uses", "")).endswith("/_destroy.yml")
    }


def _refuses_all_but_previews(job: dict[str, Any]) -> bool:
    """The job's first step stops it for any stack not named pr-*."""
    steps = _steps(job)
    first = str(steps[0].get("run", "")) if steps else ""
    return 'case "$STACK" in' in first and "pr-*) ;;" in first and "exit 1" in first


def unsafe_collection(workflow: Workflow) -> list[str]:
    """The preview garbage collector runs on a schedule, one run at a time, and destroys only
    what `infra-kit preview gc` chose, through _destroy.yml, which refuses all but pr-*."""
    problems = []
    triggers = workflow.get("on", workflow.get(True)) or {}
    if not (triggers.get("schedule") if isinstance(triggers, dict) else None):
        problems.append("no schedule: expired previews wait for someone to notice")
    concurrency = workflow.get("concurrency") or {}
    if not isinstance(concurrency, dict) or concurrency.get("cancel-in-progress") is not False:
        problems.append("runs may overlap or cancel each other: no concurrency group")
    destroys = _destroys(workflow)
    if not destroys:
        problems.append("no job calls _destroy.yml")
    if any(_runs_pulumi_deploy(job) for job in _jobs(workflow).values()):
        problems.append("a job runs pulumi up or destroy itself, outside _destroy.yml")
    for name, job in destroys.items():
        needs = job.get("needs") or []
        listers = [needs] if isinstance(needs, str) else list(needs)
        chose = any(
            "infra-kit preview gc" in str(s.get("run", ""))
            for lister in listers
            for s in _steps(_jobs(workflow).get(lister, {}))
        )
        if not chose or "matrix.stack" not in str(job.get("with", {}).get("stack", "")):
            problems.append(f"job {name} destroys stacks that infra-kit preview gc did not choose")
        called = _local_workflow(str(job["uses"]))
        if called is None or not all(_refuses_all_but_previews(j) for j in _jobs(called).values()):
            problems.append(f"job {name} calls a destroy that does not refuse stacks but pr-*")
    return problems


# --- the real workflows ---------------------------------------------------------------------


def test_the_pipeline_has_its_workflows() -> None:
    names = {p.name for p in _files()}
    assert {
        "_check.yml",
        "_preview.yml",
        "_deploy.yml",
        "_record.yml",
        "_destroy.yml",
        "pull-request.yml",
        "main.yml",
        "drift.yml",
        "security.yml",
        "preview-gc.yml",
    } <= names
    assert (REPO / ".github" / "dependabot.yml").is_file()


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_with_its_version(path: Path) -> None:
    assert unpinned_uses(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_top_level_permissions_are_minimal(path: Path) -> None:
    assert broad_top_level_permissions(_load(path)) == []


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_only_jobs_that_assume_an_aws_role_can_mint_an_oidc_token(path: Path) -> None:
    assert misplaced_id_token(_load(path)) == []


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_every_deploy_is_gated_by_an_environment_and_serialised_per_stack(path: Path) -> None:
    assert ungated_deploys(_load(path)) == []


def test_the_deploy_and_destroy_workflows_are_deploy_jobs() -> None:
    """The deploy checker sees the jobs it must, or its clean result would mean nothing."""
    for name in ("_deploy.yml", "_destroy.yml"):
        assert [n for n, j in _jobs(_load(WORKFLOWS / name)).items() if _runs_pulumi_deploy(j)]


def test_the_preview_garbage_collector_runs_hourly_and_destroys_only_the_previews_it_chose() -> (
    None
):
    workflow = _load(WORKFLOWS / "preview-gc.yml")
    assert unsafe_collection(workflow) == []
    (cron,) = [entry["cron"] for entry in workflow[True]["schedule"]]
    assert cron.split()[1:] == ["*", "*", "*", "*"]  # every hour


def test_main_promotes_dev_then_stage_then_prod_behind_the_prod_environment() -> None:
    assert unordered_promotion(_load(WORKFLOWS / "main.yml")) == []
    assert unordered_promotion(_load(WORKFLOWS / "main.yml"), "cluster-services") == []


def test_main_deploys_each_environments_cluster_services_after_its_platform() -> None:
    assert services_out_of_order(_load(WORKFLOWS / "main.yml")) == []


def test_a_failed_deploy_rolls_back_to_the_known_good_commit_and_fails() -> None:
    """DEP-2: after a failure, the deploy job redeploys the recorded commit, then fails."""
    steps = _steps(_jobs(_load(WORKFLOWS / "_deploy.yml"))["deploy"])
    after_failure = [s for s in steps if "failure()" in str(s.get("if", ""))]
    runs = "\n".join(str(s.get("run", "")) for s in after_failure)
    assert "refs/tags/$tag" in runs
    assert re.search(r"pulumi up\b", runs)
    assert after_failure[-1]["run"].rstrip().endswith("exit 1")
    recorded = _load(WORKFLOWS / "_record.yml")
    assert "TAG: deployed/${{ inputs.project }}/${{ inputs.stack }}" in (
        WORKFLOWS / "_record.yml"
    ).read_text(encoding="utf-8")
    assert _jobs(recorded)["record"]["permissions"] == {"contents": "write"}


def test_only_recording_a_known_good_commit_may_write_to_the_repository() -> None:
    writers = [
        f"{path.name}:{name}"
        for path in _files()
        for name, job in _jobs(_load(path)).items()
        if (job.get("permissions") or {}).get("contents") == "write"
    ]
    assert writers == [
        "_record.yml:record",
        "main.yml:record-dev",
        "main.yml:record-dev-services",
        "main.yml:record-stage",
        "main.yml:record-stage-services",
        "main.yml:record-prod",
        "main.yml:record-prod-services",
    ]


# --- each checker fails on a workflow that breaks its invariant -----------------------------

_CHECKOUT = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1"


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("      - uses: actions/checkout@v7", "is not pinned to a full commit SHA"),
        ("      - uses: actions/checkout@3d3c42e5", "is not pinned to a full commit SHA"),
        (f"      - uses: {_CHECKOUT}", "has no `# vX.Y.Z` comment"),
        (f"      - uses: {_CHECKOUT} # main", "has no `# vX.Y.Z` comment"),
    ],
)
def test_an_unpinned_action_is_reported(line: str, problem: str) -> None:
    assert problem in unpinned_uses(f"steps:\n{line}\n")[0]
    assert unpinned_uses(f"steps:\n      - uses: {_CHECKOUT} # v7.0.1\n") == []


@pytest.mark.parametrize(
    "permissions", [{"contents": "write"}, "write-all", {"id-token": "write"}, None]
)
def test_broad_or_missing_top_level_permissions_are_reported(permissions: Any) -> None:
    workflow: Workflow = {"jobs": {}} if permissions is None else {"permissions": permissions}
    assert broad_top_level_permissions(workflow)


def test_an_oidc_token_in_a_job_without_aws_credentials_is_reported() -> None:
    workflow: Workflow = {
        "permissions": {},
        "jobs": {
            "lint": {"permissions": {"id-token": "write"}, "steps": [{"run": "ruff check ."}]},
            "deploy": {"permissions": {}, "steps": [{"uses": AWS_CREDENTIALS + "@" + "0" * 40}]},
        },
    }
    assert misplaced_id_token(workflow) == [
        "job lint has id-token: write but assumes no AWS role",
        "job deploy assumes an AWS role without id-token: write",
    ]


def test_a_deploy_without_environment_or_concurrency_group_is_reported() -> None:
    workflow: Workflow = {"jobs": {"up": {"steps": [{"run": "pulumi up --yes --stack prod"}]}}}
    assert ungated_deploys(workflow) == [
        "deploy job up has no environment: nothing can gate it",
        "deploy job up has no per-stack concurrency group deploy-...",
        "deploy job up may be cancelled mid-update: cancel-in-progress",
    ]


def test_prod_outside_the_prod_environment_or_before_stage_is_reported() -> None:
    deploy = "$/.github/workflows/_deploy.yml"
    workflow: Workflow = {
        "jobs": {
            "dev": {"uses": deploy, "with": {"stack": "dev", "environment": "dev"}},
            "stage": {"needs": "dev", "uses": deploy, "with": {"stack": "stage"}},
            "prod": {"needs": "dev", "uses": deploy, "with": {"stack": "prod", "environment": "x"}},
        }
    }
    assert unordered_promotion(workflow) == [
        "prod is deployed without waiting for stage",
        "prod is not deployed in the `prod` environment (no required reviewers)",
    ]


def test_cluster_services_before_their_platform_or_outside_their_environment_are_reported() -> None:
    deploy = "$/.github/workflows/_deploy.yml"

    def services(stack: str, environment: str, needs: list[str]) -> dict[str, Any]:
        return {
            "needs": needs,
            "uses": deploy,
            "with": {"project-dir": "cluster-services", "stack": stack, "environment": environment},
        }

    workflow: Workflow = {
        "jobs": {
            "dev": {"uses": deploy, "with": {"stack": "dev", "environment": "dev"}},
            "dev-services": services("dev", "dev", []),
            "stage": {"needs": "dev", "uses": deploy, "with": {"stack": "stage"}},
            "stage-services": services("stage", "prod", ["stage"]),
        }
    }
    assert services_out_of_order(workflow) == [
        "cluster-services of dev is deployed before its platform",
        "cluster-services of stage is not deployed in the stage environment",
        "no deploy of cluster-services to prod",
        "stage is deployed without waiting for dev's services",
    ]


# --- the EKS API tunnel (ADR 0017) -------------------------------------------------------------
TUNNEL_ACTION = "$/.github/actions/eks-api-tunnel"
TUNNEL_INPUT = "tunnel-platform-stack"
_ACTION_FILE = REPO / ".github" / "actions" / "eks-api-tunnel" / "action.yml"


def _runs_pulumi_on_a_stack(step: dict[str, Any]) -> bool:
    """The step previews, deploys or destroys a stack (the Pulumi action or the CLI)."""
    if str(step.get("uses", "")).startswith("pulumi/actions@"):
        return bool((step.get("with") or {}).get("command"))
    return bool(re.search(r"\bpulumi (up|preview|destroy)\b", str(step.get("run", ""))))


def untunnelled_pulumi(workflow: Workflow) -> list[str]:
    """Every job that runs Pulumi against a stack opens the tunnel first, when asked to, and
    closes it whatever happens."""
    problems = []
    inputs = ((workflow.get("on") or workflow.get(True) or {}).get("workflow_call") or {}).get(
        "inputs"
    ) or {}
    for name, job in _jobs(workflow).items():
        steps = _steps(job)
        runs = [i for i, s in enumerate(steps) if _runs_pulumi_on_a_stack(s)]
        if not runs:
            continue
        if TUNNEL_INPUT not in inputs or inputs[TUNNEL_INPUT].get("default") != "":
            problems.append(f"{name}: no {TUNNEL_INPUT} input defaulting to empty")
        opens = [i for i, s in enumerate(steps) if s.get("uses") == TUNNEL_ACTION]
        if not opens or opens[0] > runs[0]:
            problems.append(f"{name}: runs Pulumi before opening the EKS API tunnel")
        elif TUNNEL_INPUT not in str(steps[opens[0]].get("if", "")):
            problems.append(f"{name}: the tunnel does not depend on {TUNNEL_INPUT}")
        closes = [
            s for s in steps if "terminate-session" in str(s.get("run", "")) and
            str(s.get("if", "")).startswith("always()")
        ]  # fmt: skip
        if not closes:
            problems.append(f"{name}: the tunnel's session is not ended with if: always()")
    return problems


def self_hosted_runners(workflow: Workflow) -> list[str]:
    """No job waits for a self-hosted runner that nothing creates."""
    inputs = ((workflow.get("on") or workflow.get(True) or {}).get("workflow_call") or {}).get(
        "inputs"
    ) or {}
    problems = []
    runner = inputs.get("runner")
    if runner is not None and runner.get("default") != "ubuntu-24.04":
        problems.append(f"runner input defaults to {runner.get('default')!r}")
    for name, job in _jobs(workflow).items():
        runs_on = str(job.get("runs-on", ""))
        if "self-hosted" in runs_on or "infra-kit-vpc" in runs_on:
            problems.append(f"{name}: runs on {runs_on}")
    return problems


@pytest.mark.parametrize("name", ["_deploy.yml", "_preview.yml", "_destroy.yml"])
def test_every_reusable_pulumi_workflow_opens_the_tunnel_before_pulumi(name: str) -> None:
    # prescription: CICD-1
    assert untunnelled_pulumi(_load(WORKFLOWS / name)) == []


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_no_workflow_waits_for_a_self_hosted_runner(path: Path) -> None:
    assert self_hosted_runners(_load(path)) == []
    assert "infra-kit-vpc" not in path.read_text(encoding="utf-8")


def test_pulumi_before_the_tunnel_or_without_closing_it_is_reported() -> None:
    pulumi_up = {"name": "pulumi up", "run": "pulumi up --yes"}
    tunnel = {"uses": TUNNEL_ACTION, "if": f"inputs.{TUNNEL_INPUT} != ''"}
    on = {"workflow_call": {"inputs": {TUNNEL_INPUT: {"type": "string", "default": ""}}}}
    late = {"on": on, "jobs": {"deploy": {"steps": [pulumi_up, tunnel]}}}
    assert untunnelled_pulumi(late) == [
        "deploy: runs Pulumi before opening the EKS API tunnel",
        "deploy: the tunnel's session is not ended with if: always()",
    ]
    missing = {"on": {"workflow_call": {}}, "jobs": {"deploy": {"steps": [pulumi_up]}}}
    assert untunnelled_pulumi(missing)[0] == f"deploy: no {TUNNEL_INPUT} input defaulting to empty"


def test_a_self_hosted_runner_default_is_reported() -> None:
    on = {"workflow_call": {"inputs": {"runner": {"default": "infra-kit-vpc"}}}}
    workflow = {"on": on, "jobs": {"x": {"runs-on": "[self-hosted, linux]"}}}
    assert self_hosted_runners(workflow) == [
        "runner input defaults to 'infra-kit-vpc'",
        "x: runs on [self-hosted, linux]",
    ]


def test_the_tunnel_action_pins_what_it_uses_and_quotes_inputs_through_env() -> None:
    # prescription: CICD-2
    text = _ACTION_FILE.read_text(encoding="utf-8")
    assert unpinned_uses(text) == []
    action = yaml.safe_load(text)
    assert action["runs"]["using"] == "composite"
    for step in action["runs"]["steps"]:
        assert "${{" not in str(step.get("run", "")), step.get("name")


def test_the_tunnel_action_maps_the_endpoint_to_localhost_and_fails_loudly() -> None:
    read, step = yaml.safe_load(_ACTION_FILE.read_text(encoding="utf-8"))["runs"]["steps"]
    # The platform stack's outputs name the endpoint and the tunnel (docs/stack-outputs.md).
    assert 'pulumi stack output --stack "$PLATFORM_STACK" --json' in read["run"]
    assert all(
        o in read["run"] for o in ("cluster_endpoint", "api_tunnel_tag", "api_tunnel_group_name")
    )
    assert step["env"]["ENDPOINT"] == "${{ steps.platform.outputs.endpoint }}"
    script = step["run"]
    assert 'echo "127.0.0.1 $host" | sudo tee -a /etc/hosts' in script
    assert "--document-name AWS-StartPortForwardingSessionToRemoteHost" in script
    assert '\\"localPortNumber\\":[\\"443\\"]' in script
    assert "net.ipv4.ip_unprivileged_port_start=443" in script
    assert "sudo aws" not in script  # the session runs as the runner user
    # The wait is bounded, and a failure prints the session log.
    assert "deadline=$((SECONDS + WAIT_SECONDS))" in script
    assert 'cat "$log"' in script
    assert '"$RUNNER_TEMP/eks-api-tunnel.log"' in script


def test_a_collector_without_schedule_or_that_destroys_any_stack_is_reported() -> None:
    workflow: Workflow = {
        "on": {"workflow_dispatch": None},
        "jobs": {
            "list": {"steps": [{"run": "echo stacks=dev >> $GITHUB_OUTPUT"}]},
            "destroy": {
                "needs": "list",
                "uses": "$/.github/workflows/_destroy.yml",
                "with": {"stack": "dev"},
            },
            "direct": {"steps": [{"run": "pulumi destroy --yes --stack dev"}]},
        },
    }
    assert unsafe_collection(workflow) == [
        "no schedule: expired previews wait for someone to notice",
        "runs may overlap or cancel each other: no concurrency group",
        "a job runs pulumi up or destroy itself, outside _destroy.yml",
        "job destroy destroys stacks that infra-kit preview gc did not choose",
    ]


def test_the_destroy_workflow_refuses_every_stack_but_a_preview_first() -> None:
    (job,) = _jobs(_load(WORKFLOWS / "_destroy.yml")).values()
    assert _refuses_all_but_previews(job)
    assert not _refuses_all_but_previews({"steps": [{"run": "pulumi destroy --yes"}]})


# --- which callers tunnel (ADR 0017) -----------------------------------------------------------
_STACK_WORKFLOWS = ("/_deploy.yml", "/_preview.yml", "/_destroy.yml")


def untunnelled_callers(workflow: Workflow) -> list[str]:
    """A call of a reusable workflow that runs Pulumi on a stack with Kubernetes objects (any
    project but the root platform) names the platform stack to tunnel through."""
    problems = []
    for name, job in _jobs(workflow).items():
        if not str(job.get("uses", "")).endswith(_STACK_WORKFLOWS):
            continue
        given = job.get("with") or {}
        project = str(given.get("project-dir", "."))
        tunnel = str(given.get("tunnel-platform-stack", ""))
        if "matrix.project_dir" in project:
            # Each entry's own platform (list_stacks), or the one platform every entry reads
            # (previews: the dev platform, checked against the template below).
            if not tunnel:
                problems.append(f"{name}: a matrix call without each stack's platform to tunnel")
        elif project not in (".", "") and not tunnel:
            problems.append(f"{name}: {project} runs without a tunnel to its platform's API")
        elif project in (".", "") and tunnel:
            problems.append(f"{name}: the platform creates only AWS resources; no tunnel needed")
    return problems


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_every_call_on_a_kubernetes_stack_tunnels_through_its_platform(path: Path) -> None:
    # prescription: CICD-1
    assert untunnelled_callers(_load(path)) == []


def test_a_call_that_forgets_the_tunnel_is_reported() -> None:
    workflow = {
        "jobs": {
            "services": {
                "uses": "$/.github/workflows/_deploy.yml",
                "with": {"project-dir": "cluster-services", "stack": "dev"},
            },
            "matrix": {
                "uses": "$/.github/workflows/_preview.yml",
                "with": {"project-dir": "${{ matrix.project_dir }}", "stack": "x"},
            },
            "platform": {
                "uses": "$/.github/workflows/_deploy.yml",
                "with": {"stack": "dev", "tunnel-platform-stack": "organization/platform/dev"},
            },
        }
    }
    assert untunnelled_callers(workflow) == [
        "services: cluster-services runs without a tunnel to its platform's API",
        "matrix: a matrix call without each stack's platform to tunnel",
        "platform: the platform creates only AWS resources; no tunnel needed",
    ]


def test_previews_tunnel_through_the_platform_their_template_reads() -> None:
    template = yaml.safe_load(
        (REPO / "examples" / "orders-service" / "preview.stack.yaml").read_text(encoding="utf-8")
    )
    platform = template["config"]["orders-service:platform_stack"]
    for path in (WORKFLOWS / "pull-request.yml", WORKFLOWS / "preview-gc.yml"):
        for name, job in _jobs(_load(path)).items():
            given = job.get("with") or {}
            if "preview" in str(given.get("environment", "")):
                assert given.get("tunnel-platform-stack") == platform, f"{path.name}: {name}"


def test_drift_opens_the_tunnel_before_previewing_a_stack_that_reads_a_platform() -> None:
    steps = _steps(_jobs(_load(WORKFLOWS / "drift.yml"))["detect"])
    opens = [i for i, s in enumerate(steps) if s.get("uses") == TUNNEL_ACTION]
    previews = [i for i, s in enumerate(steps) if "pulumi preview" in str(s.get("run", ""))]
    assert opens
    assert previews
    assert opens[0] < previews[0]
    assert "matrix.tunnel_platform_stack" in str(steps[opens[0]].get("if"))
    assert any(
        "terminate-session" in str(s.get("run", "")) and str(s.get("if", "")).startswith("always()")
        for s in steps
    )


# --- delivery metrics: every deploy and every main run reports its outcome (OBS-3) -------------

_EXPRESSION = re.compile(r"\$\{\{")


def _runs(step: dict[str, Any]) -> str:
    return str(step.get("run", ""))


def _publishes(step: dict[str, Any], metric: str) -> bool:
    run = _runs(step)
    return (
        "aws cloudwatch put-metric-data" in run
        and f"--namespace {NAMESPACE}" in run
        and f"--metric-name {metric}" in run
        and f'--dimensions "{ENVIRONMENT_DIMENSION}=' in run
    )


def unpublished_deploy_outcome(workflow: Workflow) -> list[str]:
    """The deploy job publishes DeploymentSuccess and the stack's deploy record after `pulumi
    up`, even when it failed, before any rollback, without failing the deploy itself, and with
    every value passed through the environment rather than written into the script."""
    job = _jobs(workflow).get("deploy")
    if job is None:
        return ["no deploy job"]
    steps = _steps(job)
    publishing = [i for i, s in enumerate(steps) if _publishes(s, DEPLOYMENT_SUCCESS)]
    if not publishing:
        return [f"no step publishes {DEPLOYMENT_SUCCESS} to {NAMESPACE}"]
    index = publishing[0]
    step = steps[index]
    problems = []
    if not str(step.get("if", "")).startswith("always()"):
        problems.append("the outcome is not published when the deploy fails: if: always()")
    if step.get("continue-on-error") is not True:
        problems.append("a failure to publish would fail (and roll back) the deploy")
    if str((step.get("env") or {}).get("OUTCOME")) != "${{ job.status }}":
        problems.append("the outcome is not the job's status (env OUTCOME: ${{ job.status }})")
    if "$OUTCOME" not in _runs(step):
        problems.append("the published value is not read from $OUTCOME")
    if _EXPRESSION.search(_runs(step)):
        problems.append("an expression is interpolated into the script; pass it through env")
    run = _runs(step)
    record = f'--name "{PARAMETER_ROOT}/$ENVIRONMENT/deployments/$PROJECT/$STACK"'
    if "aws ssm put-parameter --overwrite" not in run or record not in run:
        problems.append(f"the deploy record is not written to {record} with --overwrite")
    if f"segment='{PATH_SEGMENT}'" not in run:
        problems.append(f"the names are not checked against {PATH_SEGMENT} before use")
    if not all(f'"{field}"' in run for field in RECORD_FIELDS):
        problems.append(f"the deploy record does not hold {', '.join(RECORD_FIELDS)}")
    up = [i for i, s in enumerate(steps) if re.search(r"\bpulumi up\b", _runs(s))]
    if not up or up[0] > index:
        problems.append("the outcome is published before pulumi up")
    rollback = [i for i, s in enumerate(steps) if "failure()" in str(s.get("if", ""))]
    if rollback and rollback[0] < index:
        problems.append("the outcome is published after the rollback (a rollback is a failure)")
    return problems


def unpublished_pipeline_outcome(workflow: Workflow) -> list[str]:
    """One job, after every other job and whatever their results, publishes PipelineFailure."""
    jobs = _jobs(workflow)
    publishers = {
        name: job
        for name, job in jobs.items()
        if any(_publishes(s, PIPELINE_FAILURE) for s in _steps(job))
    }
    if len(publishers) != 1:
        return [f"{len(publishers)} jobs publish {PIPELINE_FAILURE}; one must, once per run"]
    name, job = next(iter(publishers.items()))
    problems = []
    if job.get("if") != "always()":
        problems.append(f"job {name} does not run when the pipeline failed: if: always()")
    missing = sorted(set(jobs) - {name} - _ancestors(workflow, name))
    if missing:
        problems.append(f"job {name} does not wait for {', '.join(missing)}")
    step = next(s for s in _steps(job) if _publishes(s, PIPELINE_FAILURE))
    failed = str((step.get("env") or {}).get("FAILED", ""))
    if "contains(needs.*.result, 'failure')" not in failed or "'cancelled'" not in failed:
        problems.append("PipelineFailure is not 1 when a job failed or was cancelled")
    if _EXPRESSION.search(_runs(step)):
        problems.append("an expression is interpolated into the script; pass it through env")
    return problems


def test_every_deploy_publishes_its_outcome_even_when_it_fails() -> None:
    assert unpublished_deploy_outcome(_load(WORKFLOWS / "_deploy.yml")) == []


def test_main_publishes_the_pipeline_outcome_once_after_everything() -> None:
    assert unpublished_pipeline_outcome(_load(WORKFLOWS / "main.yml")) == []


def _publishing_step(workflow: Workflow) -> dict[str, Any]:
    steps = _steps(_jobs(workflow)["deploy"])
    return next(s for s in steps if _publishes(s, DEPLOYMENT_SUCCESS))


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda s: s.pop("if"), "not published when the deploy fails"),
        (lambda s: s.update({"if": "success()"}), "not published when the deploy fails"),
        (lambda s: s.pop("continue-on-error"), "would fail (and roll back) the deploy"),
        (lambda s: s["env"].update({"OUTCOME": "success"}), "not the job's status"),
        (
            lambda s: s.update({"run": s["run"] + "\necho ${{ inputs.stack }}"}),
            "interpolated into the script",
        ),
        (
            lambda s: s.update({"run": s["run"].replace("--overwrite ", "")}),
            "is not written to",
        ),
        (
            lambda s: s.update({"run": s["run"].replace("{1,128}", "+")}),
            "are not checked against",
        ),
        (
            lambda s: s.update({"run": s["run"].replace('"run_url"', '"url"')}),
            "does not hold outcome, commit, run_url",
        ),
        (
            lambda s: s.update({"run": s["run"].replace(DEPLOYMENT_SUCCESS, "Deploys")}),
            f"no step publishes {DEPLOYMENT_SUCCESS}",
        ),
    ],
)
def test_a_deploy_that_does_not_report_its_outcome_is_reported(change: Any, problem: str) -> None:
    workflow = copy.deepcopy(_load(WORKFLOWS / "_deploy.yml"))
    change(_publishing_step(workflow))
    problems = unpublished_deploy_outcome(workflow)
    assert any(problem in p for p in problems), problems


def test_an_outcome_published_after_the_rollback_is_reported() -> None:
    workflow = copy.deepcopy(_load(WORKFLOWS / "_deploy.yml"))
    steps = _jobs(workflow)["deploy"]["steps"]
    step = _publishing_step(workflow)
    steps.remove(step)
    steps.append(step)
    assert "the outcome is published after the rollback (a rollback is a failure)" in (
        unpublished_deploy_outcome(workflow)
    )


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda j: j.pop("if"), "does not run when the pipeline failed"),
        (lambda j: j.update({"needs": ["check"]}), "does not wait for deploy-dev"),
        (
            lambda j: j["steps"][-1]["env"].update(
                {"FAILED": "${{ contains(needs.*.result, 'failure') }}"}
            ),
            "not 1 when a job failed or was cancelled",
        ),
    ],
)
def test_a_pipeline_that_does_not_report_its_outcome_is_reported(change: Any, problem: str) -> None:
    workflow = copy.deepcopy(_load(WORKFLOWS / "main.yml"))
    change(workflow["jobs"]["pipeline-outcome"])
    problems = unpublished_pipeline_outcome(workflow)
    assert any(problem in p for p in problems), problems


def test_a_pipeline_that_publishes_its_outcome_twice_is_reported() -> None:
    workflow = copy.deepcopy(_load(WORKFLOWS / "main.yml"))
    workflow["jobs"]["again"] = copy.deepcopy(workflow["jobs"]["pipeline-outcome"])
    assert unpublished_pipeline_outcome(workflow) == [
        f"2 jobs publish {PIPELINE_FAILURE}; one must, once per run"
    ]
