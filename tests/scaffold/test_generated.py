"""What `infra-kit new service` generates: every file, a Dockerfile that meets the container
standards, workflows that lint clean, and a program that synthesizes and passes check.

One project per kind is generated per module, outside the repository (so the platform stand-in
answers its StackReference, as in an app team's repository). The full dev/stage/prod proof and
the generated projects' own tests run in .ci/run.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from infra_kit.k8s import Probes
from infra_kit.preview import write_stack_file
from infra_kit.scaffold import ServiceKind, ServiceRequest, create_service, file_plan
from infra_kit.testing import run_project
from tests.stack_contract import parse_contract, stack_reference_reads, unknown_reads

REPO = Path(__file__).resolve().parents[2]
COMMIT = "0123456789abcdef0123456789abcdef01234567"
#: python:3.12-slim-trixie's multi-platform index digest, from docker-library/repo-info
#: repos/python/remote/3.12-slim-trixie.md (commit 2986dca3a80c), read 2026-12-02.
BASE_DIGEST = "sha256:229a2c5bfa27522db7815ea81f9bed70af17ccb9de9fc7ad142b1877b5830d36"
_SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSW|CREDENTIAL|PRIVATE|ACCESS_KEY|API_KEY", re.I)


@pytest.fixture(scope="module", params=list(ServiceKind), ids=lambda k: k.value)
def project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    kind: ServiceKind = request.param
    target = tmp_path_factory.mktemp(f"new-{kind.value}") / "demo"
    create_service(ServiceRequest(name="demo", kind=kind, version="0.1.0", commit=COMMIT), target)
    return target


def _kind(project: Path) -> ServiceKind:
    return (
        ServiceKind.WEB
        if "WebService(" in (project / "__main__.py").read_text()
        else (ServiceKind.WORKER)
    )


def test_every_planned_file_is_there_and_nothing_else(project: Path) -> None:
    written = {p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()}
    assert written == set(file_plan(_kind(project)))


def test_the_python_files_compile_and_the_yaml_files_parse(project: Path) -> None:
    for path in project.rglob("*.py"):
        compile(path.read_text(), str(path), "exec")
    for path in [*project.glob("*.yaml"), *project.glob(".github/workflows/*.yml")]:
        assert isinstance(yaml.safe_load(path.read_text()), dict), path


def _instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile: comments dropped, continuations joined."""
    joined = re.sub(r"\\\n", " ", dockerfile)
    found = []
    for raw in joined.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def _stages(instructions: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    stages: list[list[tuple[str, str]]] = []
    for instruction in instructions:
        if instruction[0] == "FROM":
            stages.append([])
        assert stages, "the first instruction must be FROM"
        stages[-1].append(instruction)
    return stages


def test_the_dockerfile_is_multi_stage_and_pins_every_base_by_digest(project: Path) -> None:
    stages = _stages(_instructions((project / "Dockerfile").read_text()))
    assert len(stages) >= 2
    names = set()
    for stage in stages:
        image, _, alias = stage[0][1].partition(" AS ")
        if image not in names:
            assert re.fullmatch(r"[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}", image), image
            assert image.endswith(BASE_DIGEST)
        names.add(alias.strip())
    # The final stage takes what it runs from the build stage only.
    final = stages[-1]
    assert all(args.startswith("--from=build ") for word, args in final if word == "COPY")


def test_the_final_stage_runs_as_a_numeric_non_root_user(project: Path) -> None:
    final = _stages(_instructions((project / "Dockerfile").read_text()))[-1]
    users = [args for word, args in final if word == "USER"]
    assert users, "the final stage sets no USER"
    uid, _, gid = users[-1].partition(":")
    assert uid.isdigit()
    assert int(uid) != 0
    assert gid == "" or (gid.isdigit() and int(gid) != 0)
    # The UID infra-kit's pods run as (runAsUser), so the image and the pod agree.
    assert int(uid) == 10001


def test_no_layer_carries_a_secret(project: Path) -> None:
    instructions = _instructions((project / "Dockerfile").read_text())
    for word, args in instructions:
        if word in ("ARG", "ENV"):
            for name in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=", args) or [args.split()[0]]:
                assert not _SECRET_NAME.search(name), (word, args)
        if word in ("COPY", "ADD"):
            assert ".env" not in args, args
            assert "id_rsa" not in args, args
            assert "--secret" not in args
    copied = [args for word, args in instructions if word == "COPY" and "--from" not in args]
    assert all(args.split()[0].startswith("service/") for args in copied), copied


def test_health_is_checked_on_the_probes_the_workload_uses(project: Path) -> None:
    dockerfile = (project / "Dockerfile").read_text()
    instructions = _instructions(dockerfile)
    probes = Probes.http()
    assert (probes.liveness.path, probes.readiness.path) == ("/livez", "/readyz")
    (healthcheck,) = [args for word, args in instructions if word == "HEALTHCHECK"]
    assert "http://127.0.0.1:8080/livez" in healthcheck
    # Kubernetes ignores HEALTHCHECK: the comment says which probes check what.
    assert "GET /livez" in dockerfile
    assert "GET /readyz" in dockerfile
    app = (project / "service" / "app.py").read_text()
    assert '"/livez"' in app
    assert '"/readyz"' in app


def test_the_dockerignore_keeps_git_env_venv_and_tests_out(project: Path) -> None:
    ignored = {
        line.strip()
        for line in (project / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".env", ".venv", "tests", "__pycache__"} <= ignored


def test_the_workflows_call_infra_kits_reusable_workflows_at_one_commit(project: Path) -> None:
    calls = []
    for path in (project / ".github" / "workflows").glob("*.yml"):
        for job in yaml.safe_load(path.read_text())["jobs"].values():
            if "uses" in job:
                calls.append(job["uses"])
    called = {re.sub(r"@.*", "", c).rsplit("/", 1)[-1] for c in calls}
    assert called == {"_check.yml", "_preview.yml", "_deploy.yml", "_record.yml", "_destroy.yml"}
    assert {c.split("@")[1] for c in calls} == {COMMIT}
    for name in called:
        assert (REPO / ".github" / "workflows" / name).is_file()


def test_the_workflows_pass_the_inputs_the_reusable_workflows_declare(project: Path) -> None:
    for path in (project / ".github" / "workflows").glob("*.yml"):
        for job in yaml.safe_load(path.read_text())["jobs"].values():
            if "uses" not in job:
                continue
            called = REPO / ".github" / "workflows" / job["uses"].split("@")[0].rsplit("/", 1)[1]
            declared = yaml.safe_load(called.read_text())[True]["workflow_call"]["inputs"]
            given = set(job.get("with", {}))
            assert given <= set(declared), (path.name, given - set(declared))
            required = {k for k, v in declared.items() if v.get("required")}
            assert required <= given, (path.name, required - given)


def test_every_action_the_workflows_use_is_pinned_as_this_repository_pins_it(
    project: Path,
) -> None:
    ours = "\n".join(p.read_text() for p in (REPO / ".github" / "workflows").glob("*.yml"))
    for path in (project / ".github" / "workflows").glob("*.yml"):
        for action in re.findall(
            r"uses: ([\w-]+/[\w./-]+@[0-9a-f]{40} # v[\d.]+)", path.read_text()
        ):
            assert action in ours, action


def _tool(name: str) -> str:
    found = Path(sys.executable).parent / name
    if not found.exists():
        pytest.skip(f"{name} is not installed in this environment")
    return str(found)


def test_the_workflows_pass_actionlint_and_zizmor(project: Path) -> None:
    workflows = sorted(str(p) for p in (project / ".github" / "workflows").glob("*.yml"))
    lint = subprocess.run(
        [_tool("actionlint"), *workflows], capture_output=True, text=True, check=False
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    audit = subprocess.run(
        [_tool("zizmor"), "--offline", "--no-progress", str(project / ".github")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr


def test_the_program_synthesizes_on_the_stand_in_and_passes_check(project: Path) -> None:
    run = run_project(project, "stage")
    assert run.stand_ins == ("organization/platform/stage",)
    assert [f"{f.rule.id}: {f.message}" for f in run.failed] == []
    types = {r["type"] for r in run.graph}
    expected = {
        ServiceKind.WEB: {"infra-kit:aws:Key", "infra-kit:aws:PublicName", "infra-kit:k8s:WebService",
                          "infra-kit:aws:Dashboard"},
        ServiceKind.WORKER: {"infra-kit:aws:Key", "infra-kit:aws:Queue", "infra-kit:k8s:Worker",
                             "infra-kit:aws:Dashboard"},
    }[_kind(project)]  # fmt: skip
    assert expected <= types


def test_the_program_reads_only_outputs_the_platform_documents(project: Path) -> None:
    contract = parse_contract((REPO / "docs" / "stack-outputs.md").read_text(encoding="utf-8"))
    reads, problems = stack_reference_reads(
        (project / "__main__.py").read_text(),
        "__main__.py",
        key_projects={"platform_stack": "platform"},
    )
    assert problems == []
    assert unknown_reads(reads, contract) == []
    # Read directly, besides the alarm topics AlarmTopics.from_stack reads.
    expected = {"kubeconfig", "oidc_provider_arn", "oidc_issuer_url", "cluster_name"}
    if _kind(project) is ServiceKind.WEB:
        expected |= {"dns_zone_id", "dns_zone_name", "web_acl_arn", "alb_access_log_bucket"}
    assert {r.output for r in reads} == expected


def test_a_pull_requests_preview_environment_is_written_and_passes_check(
    project: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "demo"
    shutil.copytree(project, copy)
    written = write_stack_file(copy, 7)
    assert written.name == "Pulumi.pr-7.yaml"
    run = run_project(copy, "pr-7")
    assert run.stand_ins == ("organization/platform/dev",)
    assert [f"{f.rule.id}: {f.message}" for f in run.failed] == []
    # ENV-1: a namespace of its own, named after the stack.
    namespaces = [o for o in run.graph.kubernetes_objects() if o["kind"] == "Namespace"]
    assert [n["metadata"]["name"] for n in namespaces] == ["pr-7"]
