"""The example as an app team's repository holds it: the service alone, no platform project.

Its StackReference to the platform is answered by the platform stand-in, and the program builds
exactly what it builds against the real platform stack, and passes every rule.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from infra_kit.errors import SynthError
from infra_kit.testing import PlatformStandIn, ProjectRun, run_project
from tests.conftest import graph_of

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "orders-service"
#: The example's hosts are in the repository platform's zones: dev.infra-kit.example.com, and
#: the domain's apex in prod.
PLATFORM = PlatformStandIn(
    domain="infra-kit.example.com", zone_names={"prod": "infra-kit.example.com"}
)


@pytest.fixture(scope="module")
def alone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the example in a directory of its own, with no platform project around it."""
    directory = tmp_path_factory.mktemp("app-repository") / "orders-service"
    shutil.copytree(EXAMPLE, directory)
    (directory / "pyproject.toml").write_text('[project]\nname = "orders-service"\nversion = "1"\n')
    return directory


@pytest.fixture(scope="module")
def runs(alone: Path) -> dict[str, ProjectRun]:
    return {
        stack: run_project(alone, stack, stand_ins={"platform": PLATFORM})
        for stack in ("dev", "prod")
    }


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_without_the_platform_project_the_stand_in_answers_and_check_passes(
    stack: str, runs: dict[str, ProjectRun]
) -> None:
    run = runs[stack]
    assert run.stand_ins == (f"organization/platform/{stack}",)
    assert run.failed == []
    (note,) = [d for d in run.graph.diagnostics if d["code"] == "stand-in-stack-reference"]
    assert note["reference"] == f"organization/platform/{stack}"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_stand_in_builds_what_the_real_platform_stack_builds(
    stack: str, runs: dict[str, ProjectRun]
) -> None:
    real = graph_of(EXAMPLE, stack)
    assert sorted(r["urn"] for r in runs[stack].graph) == sorted(r["urn"] for r in real)


def test_the_platform_stand_in_answers_by_default_where_no_platform_project_exists(
    alone: Path,
) -> None:
    # The default stand-in's zone is dev.example.com; the example's host is not in it, and the
    # program says so, which shows the default stand-in answered the reference.
    with pytest.raises(
        SynthError, match=r"not in the platform's DNS zone 'dev\.example\.com'"
    ) as refused:
        run_project(alone, "dev")
    # The refusal is raised inside an apply, in the library; it names the program's own line too.
    line = next(
        n
        for n, text in enumerate((alone / "__main__.py").read_text().splitlines(), 1)
        if text.startswith("public_name = PublicName(")
    )
    assert f"created at __main__.py:{line} via infra_kit/aws/public_name.py:" in str(refused.value)


def test_the_command_line_says_the_stand_in_answered(alone: Path, tmp_path: Path) -> None:
    stack_file = alone / "Pulumi.dev.yaml"
    original = stack_file.read_text()
    stack_file.write_text(
        original.replace("orders.dev.infra-kit.example.com", "orders.dev.example.com")
    )
    try:
        done = subprocess.run(
            [sys.executable, "-m", "infra_kit.cli", "synth", "--stack", "dev", "--quiet",
             "--project-dir", str(alone), "--out", str(tmp_path / "out")],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
    finally:
        stack_file.write_text(original)
    assert done.returncode == 0, done.stderr
    assert "'organization/platform/dev' was answered by the PlatformStandIn stand-in" in done.stderr


def test_a_reference_to_another_missing_project_is_still_an_error(alone: Path) -> None:
    stack_file = alone / "Pulumi.dev.yaml"
    original = stack_file.read_text()
    stack_file.write_text(
        original.replace("organization/platform/dev", "organization/platfrom/dev")
    )
    try:
        with pytest.raises(SynthError, match=r"no project named 'platfrom'"):
            run_project(alone, "dev")
    finally:
        stack_file.write_text(original)


def test_a_given_stand_in_replaces_a_project_that_is_present() -> None:
    run = run_project(EXAMPLE, "dev", stand_ins={"platform": PLATFORM})
    assert run.stand_ins == ("organization/platform/dev",)
    vpc = PLATFORM.outputs("dev", "us-east-1")["vpc_id"]
    (group,) = [r for r in run.graph if r["type"] == "aws:ec2/securityGroup:SecurityGroup"]
    assert group["inputs"]["vpcId"] == vpc
