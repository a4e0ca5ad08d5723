"""The checks `infra-kit new service` makes before it writes anything, and its file plan."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from infra_kit.errors import ValidationError
from infra_kit.scaffold import (
    MAX_SERVICE_NAME_LENGTH,
    ServiceKind,
    ServiceRequest,
    check_commit,
    check_repository,
    check_service_name,
    check_tag_option,
    check_target,
    file_plan,
)


@pytest.mark.parametrize("name", ["ab", "orders", "billing-api", "a1-b2", "x" * 33])
def test_a_lowercase_dns_label_of_at_most_33_characters_is_a_service_name(name: str) -> None:
    assert check_service_name(name) == name


def test_the_limit_is_what_the_longest_component_name_leaves() -> None:
    # `<name>-public` (the web service's PublicName) must stay within a component name's 40.
    assert MAX_SERVICE_NAME_LENGTH == 33
    with pytest.raises(ValidationError, match=r"NAME='x{34}': 34 characters.*shorten it to 33"):
        check_service_name("x" * 34)


@pytest.mark.parametrize(
    "name", ["Orders", "orders_api", "-orders", "orders-", "9orders", "a", "or--ders", "ör", ""]
)
def test_anything_else_is_refused_naming_the_argument_and_the_fix(name: str) -> None:
    with pytest.raises(ValidationError, match=r"^NAME=.*lowercase DNS label.*Fix: choose a name"):
        check_service_name(name)


def test_an_absent_or_empty_directory_is_a_target(tmp_path: Path) -> None:
    assert check_target(tmp_path / "new") == tmp_path / "new"
    (tmp_path / "empty").mkdir()
    assert check_target(tmp_path / "empty") == tmp_path / "empty"


def test_a_directory_with_anything_in_it_is_refused(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / ".hidden").write_text("mine")
    with pytest.raises(ValidationError, match=r"^--dir=.*exists and is not empty.*Fix: choose"):
        check_target(tmp_path / "taken")


def test_a_file_or_a_missing_parent_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("mine")
    with pytest.raises(ValidationError, match=r"^--dir=.*is not a directory"):
        check_target(tmp_path / "file")
    with pytest.raises(ValidationError, match=r"^--dir=.*parent directory .* does not exist"):
        check_target(tmp_path / "missing" / "service")


def test_tag_options_must_be_tag_values_and_the_team_a_label_too() -> None:
    assert check_tag_option("--team", "payments", label=True) == "payments"
    assert check_tag_option("--cost-center", "cc 20/01") == "cc 20/01"
    with pytest.raises(ValidationError, match=r"^--team='pay ments': .*label value"):
        check_tag_option("--team", "pay ments", label=True)
    with pytest.raises(ValidationError, match=r"^--cost-center='cc#1': .*tag value"):
        check_tag_option("--cost-center", "cc#1")


def test_the_repository_is_a_github_url_and_the_ref_a_full_commit() -> None:
    assert check_repository("https://github.com/acme/infra-kit.git") == (
        "https://github.com/acme/infra-kit"
    )
    request = ServiceRequest(
        name="ab", kind=ServiceKind.WEB, repository="https://github.com/acme/infra-kit"
    )
    assert request.workflow_repository == "acme/infra-kit"
    with pytest.raises(ValidationError, match=r"^--infra-kit-repository=.*GitHub repository"):
        check_repository("https://gitlab.com/acme/infra-kit")
    assert check_commit("0123456789abcdef0123456789abcdef01234567")
    with pytest.raises(ValidationError, match=r"^--infra-kit-ref='v0.1.0': .*full commit SHA"):
        check_commit("v0.1.0")


def test_each_kind_has_the_same_files_from_its_own_program_and_service() -> None:
    web, worker = file_plan(ServiceKind.WEB), file_plan(ServiceKind.WORKER)
    assert (
        set(web)
        == set(worker)
        == {
            ".dockerignore",
            ".github/workflows/main.yml",
            ".github/workflows/preview-gc.yml",
            ".github/workflows/pull-request.yml",
            ".gitignore",
            "Dockerfile",
            "Pulumi.dev.yaml",
            "Pulumi.prod.yaml",
            "Pulumi.stage.yaml",
            "Pulumi.yaml",
            "README.md",
            "__main__.py",
            "preview.stack.yaml",
            "pyproject.toml",
            "service/__init__.py",
            "service/app.py",
            "service/requirements.txt",
            "tests/__init__.py",
            "tests/test_service.py",
            "tests/test_stacks.py",
        }
    )
    assert web["__main__.py"] == "web/__main__.py.j2"
    assert worker["__main__.py"] == "worker/__main__.py.j2"
    templates = Path(__file__).resolve().parents[2] / "infra_kit" / "scaffold" / "templates"
    for template in {*web.values(), *worker.values()}:
        assert (templates / template).is_file(), template


def test_the_generator_runs_without_the_pulumi_runtime() -> None:
    # The command plans, checks and renders; only the generated project's tests synthesize.
    code = (
        "import sys, infra_kit.scaffold, infra_kit.cli.new; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pulumi'))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
