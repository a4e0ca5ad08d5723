"""The stack outputs other stacks rely on are the ones docs/stack-outputs.md documents.

Three things are held to the document: it parses into {project: {output: type}}; every stack of
every project exports exactly the documented outputs, each of its documented type; and every
``get_output("…")`` / ``require_output("…")`` in a program or library module names an output
documented for the project its StackReference points at.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from infra_kit.core.engine import Graph, synthesize
from infra_kit.core.engine._project import find_projects, load_project
from infra_kit.preview import write_stack_file
from tests.conftest import REPO, graph_of
from tests.stack_contract import (
    NESTED_MAP,
    Documented,
    MalformedContractError,
    Read,
    config_key_projects,
    export_problems,
    parse_contract,
    stack_reference_reads,
    unknown_reads,
)
from tests.support import copy_of_the_repository

DOC = REPO / "docs" / "stack-outputs.md"

#: Library modules that read a StackReference for one fixed purpose, by the project they read.
#: A module that reads one and is neither a program nor listed here fails the read test.
LIBRARY_READERS = {"infra_kit/aws/platform_access.py": "ci-identities"}

#: The stack a project's preview stack file (``preview.stack.yaml``) is written as.
PREVIEW_STACK = "pr-123"


@cache
def contract() -> dict[str, dict[str, Documented]]:
    return parse_contract(DOC.read_text(encoding="utf-8"))


def _stacks() -> list[tuple[str, str]]:
    pairs = []
    for name, directory in sorted(find_projects(REPO).items()):
        pairs += [(name, stack) for stack in load_project(directory).stacks()]
        if (directory / "preview.stack.yaml").is_file():
            pairs.append((name, PREVIEW_STACK))
    return pairs


@pytest.fixture(scope="module")
def graph_for(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str], Graph]:
    """The graph of a project's stack; a preview stack is written from its template first, in a
    copy of the repository, as the pull-request workflow writes it."""

    def graph(project: str, stack: str) -> Graph:
        directory = find_projects(REPO)[project]
        if stack != PREVIEW_STACK:
            return graph_of(directory, stack)
        assert directory == REPO / "examples" / "orders-service", "copy this project too"
        copy = copy_of_the_repository(tmp_path_factory.mktemp("repo"), REPO)
        write_stack_file(copy, int(PREVIEW_STACK.removeprefix("pr-")))
        return synthesize(copy, stack)

    return graph


def _python_files(directory: Path) -> list[Path]:
    return sorted(
        p for p in directory.rglob("*.py") if not {"__pycache__", ".synth"} & set(p.parts)
    )


@cache
def repository_reads() -> tuple[list[tuple[str, Read]], list[str]]:
    """Every read of a program or library module in the repository, with its reader's label."""
    found: list[tuple[str, Read]] = []
    problems: list[str] = []
    for name, directory in sorted(find_projects(REPO).items()):
        keys = config_key_projects(name, directory)
        for path in _python_files(load_project(directory).program_dir):
            where = str(path.relative_to(REPO))
            reads, trouble = stack_reference_reads(path.read_text(), where, key_projects=keys)
            found += [(name, r) for r in reads]
            problems += trouble
    for path in _python_files(REPO / "infra_kit"):
        where = str(path.relative_to(REPO))
        source = path.read_text()
        fixed = LIBRARY_READERS.get(where)
        reads, trouble = stack_reference_reads(source, where, project=fixed or "?")
        if reads and fixed is None:
            problems.append(f"{where} reads a StackReference; add it to LIBRARY_READERS")
        found += [(path.stem, r) for r in reads]
        problems += trouble
    return found, problems


# -- tests ------------------------------------------------------------------------------------------
def test_the_document_parses_into_the_outputs_of_every_project_of_the_repository() -> None:
    assert set(contract()) == set(find_projects(REPO))
    assert contract()["platform"]["kubeconfig"].type == "secret string"
    assert contract()["platform"]["api_tunnel_tag"].type == "object {key, value}"
    assert contract()["ci-identities"]["app_deploy_role_arns"].type == NESTED_MAP


_TABLE = "## `p`\n| Output | Type | Meaning | Read by |\n|---|---|---|---|\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("## `p`\n| Output | Type |\n|---|---|\n", "must have the columns"),
        (_TABLE + "| `a` | string |\n", "needs 4 non-empty cells"),
        (_TABLE + "| `a` | string | m | |\n", "needs 4 non-empty cells"),
        (_TABLE + "| a | string | m | r |\n", "name in backticks"),
        (_TABLE + "| `a` | number | m | r |\n", "type 'number' is not one of"),
        (_TABLE + "| `a` | object {} | m | r |\n", "type 'object {}' is not one of"),
        (_TABLE + "| `a` | string | m | r |\n" * 2, "docs/stack-outputs.md:5: p documents a twice"),
        ("## `p`\nno table\n", "no table of outputs for ['p']"),
    ],
)
def test_a_malformed_table_is_refused_with_its_line_and_what_is_wrong(
    text: str, message: str
) -> None:
    with pytest.raises(MalformedContractError, match=re.escape(message)):
        parse_contract(text)


@pytest.mark.parametrize(("project", "stack"), _stacks())
def test_each_stack_exports_exactly_the_documented_outputs_with_their_types(
    graph_for: Callable[[str, str], Graph], project: str, stack: str
) -> None:
    graph = graph_for(project, stack)
    problems = export_problems(contract()[project], stack, graph.outputs, graph.output_secret_paths)
    assert problems == [], f"{project}/{stack} and docs/stack-outputs.md disagree:\n" + "\n".join(
        problems
    )


def test_outputs_limited_to_preview_stacks_are_checked_on_a_preview_stack() -> None:
    limited = {
        (p, name) for p, outputs in contract().items() for name, d in outputs.items() if d.only_on
    }
    assert limited == {("orders-service", "expires_at")}
    assert ("orders-service", PREVIEW_STACK) in _stacks()


def test_an_undocumented_export_a_missing_one_and_a_wrong_type_are_each_named() -> None:
    documented = {
        "vpc_id": Documented("string", None, "—"),
        "subnets": Documented("list of strings", None, "—"),
        "kubeconfig": Documented("secret string", None, "—"),
        "tag": Documented("object {key, value}", None, "—"),
        "expires_at": Documented("string", "pr-*", "—"),
    }
    outputs = {"vpc_id": "vpc-1", "subnets": ["a", 1], "kubeconfig": "{}", "tag": {"key": "k"}}
    assert export_problems(documented, "dev", {**outputs, "extra": "x"}, []) == [
        "extra is exported but not documented",
        "kubeconfig is documented as secret string but is '{}'",
        "subnets is documented as list of strings but is ['a', 1]",
        "tag is documented as object {key, value} but is {'key': 'k'}",
    ]
    assert export_problems(documented, "pr-1", outputs, ["kubeconfig", "vpc_id"]) == [
        "expires_at is documented but not exported",
        "subnets is documented as list of strings but is ['a', 1]",
        "tag is documented as object {key, value} but is {'key': 'k'}",
        "vpc_id is documented as string but is secret in the graph",
    ]


def test_every_output_a_program_or_library_module_reads_is_documented_for_that_project() -> None:
    found, problems = repository_reads()
    assert problems == [], "\n".join(problems)
    unknown = unknown_reads([r for _, r in found], contract())
    assert unknown == [], "\n".join(unknown)
    # The readers this test exists for are all seen, so it cannot pass by finding nothing.
    readers = {(reader, r.project) for reader, r in found}
    assert readers == {
        ("cluster-services", "platform"),
        ("orders-service", "platform"),
        ("order-events-worker", "platform"),
        ("platform_access", "ci-identities"),
    }


def test_each_documented_output_names_the_programs_and_modules_that_read_it() -> None:
    found, _ = repository_reads()
    missing = sorted(
        f"{r.project}.{r.output} is read by {reader} ({r.where})"
        for reader, r in found
        if r.output in contract()[r.project]
        and f"`{reader}`" not in contract()[r.project][r.output].read_by
    )
    assert missing == [], "add the reader to the output's Read by cell:\n" + "\n".join(missing)


def test_a_program_reading_an_undocumented_output_is_reported_with_its_line() -> None:
    program = (
        "import pulumi\n"
        "config = pulumi.Config()\n"
        'platform = pulumi.StackReference(config.require("platform_stack"))\n'
        'vpc_id = platform.get_output("vpc_id")\n'
        'subnets = platform.require_output("no_such_subnets")\n'
    )
    reads, problems = stack_reference_reads(
        program, "app/__main__.py", key_projects={"platform_stack": "platform"}
    )
    assert problems == []
    assert unknown_reads(reads, contract()) == [
        "app/__main__.py:5: reads 'no_such_subnets' of platform, which docs/stack-outputs.md "
        "does not document for platform"
    ]


def test_a_reference_whose_project_cannot_be_told_is_reported_not_skipped() -> None:
    program = (
        "import pulumi\n"
        'other = pulumi.StackReference("organization/platform/dev")\n'
        'pulumi.StackReference(pulumi.Config().require("platform_stack")).get_output("vpc_id")\n'
        'platform = pulumi.StackReference(pulumi.Config().require("platform_stack"))\n'
        'name = "vpc_id"\n'
        "platform.get_output(name)\n"
        'other.get_output("vpc_id")\n'
    )
    reads, problems = stack_reference_reads(
        program, "app/__main__.py", key_projects={"platform_stack": "platform"}
    )
    assert reads == []
    assert problems == [
        "app/__main__.py:2: the StackReference is not named by a config key whose stack files "
        "name one project's stacks",
        "app/__main__.py:3: a StackReference that is not assigned to a name; which project it "
        "reads cannot be told",
        "app/__main__.py:3: get_output on something that is not a StackReference of a known "
        "project",
        "app/__main__.py:6: get_output of a name that is not a string literal",
        "app/__main__.py:7: get_output on something that is not a StackReference of a known "
        "project",
    ]


def test_stack_files_name_the_project_each_reference_key_reads() -> None:
    projects = find_projects(REPO)
    assert config_key_projects("cluster-services", projects["cluster-services"]) == {
        "platform_stack": "platform",
        "identities_stack": "ci-identities",
    }
    for example in ("orders-service", "order-events-worker"):
        assert config_key_projects(example, projects[example]) == {"platform_stack": "platform"}
