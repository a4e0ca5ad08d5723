"""The stack outputs other stacks rely on are the ones docs/stack-outputs.md documents.

Three things are held to the document: it parses into {project: {output: type}}; every stack of
every project exports exactly the documented outputs, each of its documented type; and every
``get_output("…")`` / ``require_output("…")`` in a program or library module names an output
documented for the project its StackReference points at.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra_kit.core.engine import Graph, synthesize
from infra_kit.core.engine._project import find_projects, load_project
from infra_kit.preview import write_stack_file
from tests.conftest import REPO, graph_of
from tests.examples.test_orders_service_preview import copy_of_the_repository

DOC = REPO / "docs" / "stack-outputs.md"

#: Library modules that read a StackReference for one fixed purpose, by the project they read.
#: A module that reads one and is neither a program nor listed here fails the read test.
LIBRARY_READERS = {"infra_kit/aws/platform_access.py": "ci-identities"}

#: The stack a project's preview stack file (``preview.stack.yaml``) is written as.
PREVIEW_STACK = "pr-123"

SIMPLE_TYPES = ("string", "secret string", "list of strings", "map of strings")
NESTED_MAP = "map of map of strings"
_OBJECT = re.compile(r"^object \{([a-z_][a-z0-9_]*(?:, [a-z_][a-z0-9_]*)*)\}$")
_OUTPUT_CELL = re.compile(r"^`([a-z_][a-z0-9_]*)`(?: \(`([^`]+)` stacks only\))?$")
_PROJECT_HEADING = re.compile(r"^## `([a-z0-9-]+)`\s*$")
_HEADER = ["Output", "Type", "Meaning", "Read by"]
_READERS = ("get_output", "require_output")
#: A stack name as a StackReference takes it: <organization>/<project>/<stack> or <project>/<stack>.
_STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+){1,2}$")


class MalformedContractError(Exception):
    """docs/stack-outputs.md cannot be read as the contract."""


@dataclass(frozen=True)
class Documented:
    """One documented output: its type, the stacks it is limited to, and who reads it."""

    type: str
    only_on: str | None
    read_by: str


# -- the document ---------------------------------------------------------------------------------
def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _check_type(type_: str, where: str) -> None:
    if type_ not in (*SIMPLE_TYPES, NESTED_MAP) and not _OBJECT.match(type_):
        raise MalformedContractError(
            f"{where}: type {type_!r} is not one of {', '.join(SIMPLE_TYPES)}, {NESTED_MAP} "
            "or 'object {key, other_key}'"
        )


def parse_contract(text: str) -> dict[str, dict[str, Documented]]:
    """{project: {output: Documented}} from the document's ``## `project` `` sections."""
    contract: dict[str, dict[str, Documented]] = {}
    project: str | None = None
    in_table = False
    for number, line in enumerate(text.splitlines(), 1):
        where = f"docs/stack-outputs.md:{number}"
        if line.startswith("## "):
            heading = _PROJECT_HEADING.match(line)
            project = heading[1] if heading else None
            if project is not None:
                if project in contract:
                    raise MalformedContractError(f"{where}: project {project} is documented twice")
                contract[project] = {}
            in_table = False
            continue
        if project is None or not line.startswith("|"):
            in_table = in_table and line.startswith("|")
            continue
        cells = _cells(line)
        if not in_table:
            if cells != _HEADER:
                raise MalformedContractError(
                    f"{where}: the table of {project} must have the columns "
                    f"{' | '.join(_HEADER)}, not {' | '.join(cells)}"
                )
            in_table = True
            continue
        if set("".join(cells)) <= set("-: "):
            continue  # the separator row
        if len(cells) != len(_HEADER) or not all(cells):
            raise MalformedContractError(
                f"{where}: a row of {project} needs {len(_HEADER)} non-empty cells "
                f"({' | '.join(_HEADER)}), found {cells}"
            )
        output_cell, type_, _meaning, read_by = cells
        named = _OUTPUT_CELL.match(output_cell)
        if not named:
            raise MalformedContractError(
                f"{where}: the Output cell {output_cell!r} must be the name in backticks, "
                "optionally followed by (`<stack pattern>` stacks only)"
            )
        _check_type(type_, where)
        if named[1] in contract[project]:
            raise MalformedContractError(f"{where}: {project} documents {named[1]} twice")
        contract[project][named[1]] = Documented(type_, named[2], read_by)
    if empty := [p for p, outputs in contract.items() if not outputs]:
        raise MalformedContractError(f"docs/stack-outputs.md: no table of outputs for {empty}")
    return contract


@cache
def contract() -> dict[str, dict[str, Documented]]:
    return parse_contract(DOC.read_text(encoding="utf-8"))


# -- what a stack exports -------------------------------------------------------------------------
def _secret_within(name: str, secret_paths: list[str]) -> bool:
    return any(p == name or p.startswith((f"{name}.", f"{name}[")) for p in secret_paths)


def type_problem(name: str, value: Any, type_: str, secret_paths: list[str]) -> str | None:
    """Why ``value`` of output ``name`` is not of the documented ``type_``, or None."""

    def strings(items: Any) -> bool:
        return all(isinstance(i, str) for i in items)

    secret = _secret_within(name, secret_paths)
    if type_ == "secret string":
        ok = isinstance(value, str) and name in secret_paths
    elif secret:
        return f"{name} is documented as {type_} but is secret in the graph"
    elif type_ == "string":
        ok = isinstance(value, str)
    elif type_ == "list of strings":
        ok = isinstance(value, list) and strings(value)
    elif type_ == "map of strings":
        ok = isinstance(value, dict) and strings(value.values())
    elif type_ == NESTED_MAP:
        ok = isinstance(value, dict) and all(
            isinstance(v, dict) and strings(v.values()) for v in value.values()
        )
    else:
        listed = _OBJECT.match(type_)
        keys = listed[1].split(", ") if listed else []
        ok = isinstance(value, dict) and sorted(value) == sorted(keys)
    return None if ok else f"{name} is documented as {type_} but is {value!r}"


def export_problems(
    documented: Mapping[str, Documented], stack: str, outputs: Mapping[str, Any], secrets: list[str]
) -> list[str]:
    """What differs between the documented outputs of a stack and those its graph exports."""
    expected = {
        name for name, d in documented.items() if d.only_on is None or fnmatchcase(stack, d.only_on)
    }
    problems = [
        f"{name} is exported but not documented" for name in sorted(set(outputs) - expected)
    ]
    problems += [
        f"{name} is documented but not exported" for name in sorted(expected - set(outputs))
    ]
    for name in sorted(expected & set(outputs)):
        if problem := type_problem(name, outputs[name], documented[name].type, secrets):
            problems.append(problem)
    return problems


def _stacks() -> list[tuple[str, str]]:
    pairs = []
    for name, directory in sorted(find_projects(REPO).items()):
        pairs += [(name, stack) for stack in load_project(directory).stacks()]
        if (directory / "preview.stack.yaml").is_file():
            pairs.append((name, PREVIEW_STACK))
    return pairs


@pytest.fixture(scope="module")
def graph_for(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The graph of a project's stack; a preview stack is written from its template first, in a
    copy of the repository, as the pull-request workflow writes it."""

    def graph(project: str, stack: str) -> Graph:
        directory = find_projects(REPO)[project]
        if stack != PREVIEW_STACK:
            return graph_of(directory, stack)
        assert directory == REPO / "examples" / "orders-service", "copy this project too"
        copy = copy_of_the_repository(tmp_path_factory.mktemp("repo"))
        write_stack_file(copy, int(PREVIEW_STACK.removeprefix("pr-")))
        return synthesize(copy, stack)

    return graph


# -- who reads what -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Read:
    """One ``get_output``/``require_output`` call: where, of which project, which output."""

    where: str
    project: str
    output: str


def _referenced_project(stack_name: str) -> str:
    parts = stack_name.split("/")
    if len(parts) not in (2, 3):
        raise ValueError(f"{stack_name!r} is not <organization>/<project>/<stack>")
    return parts[-2]


def config_key_projects(project: str, directory: Path) -> dict[str, str]:
    """For each config key of ``project`` whose stack files hold stack names: their project."""
    seen: dict[str, set[str]] = {}
    loaded = load_project(directory)
    for stack in loaded.stacks():
        config = yaml.safe_load(loaded.stack_file(stack).read_text()).get("config") or {}
        for full_key, value in config.items():
            namespace, _, key = str(full_key).partition(":")
            if namespace == project and isinstance(value, str) and _STACK_NAME.match(value):
                seen.setdefault(key, set()).add(_referenced_project(value))
    return {key: projects.pop() for key, projects in seen.items() if len(projects) == 1}


def _is_stack_reference(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and (
        (isinstance(node.func, ast.Name) and node.func.id == "StackReference")
        or (isinstance(node.func, ast.Attribute) and node.func.attr == "StackReference")
    )


def _config_key(call: ast.Call) -> str | None:
    """``"k"`` of ``StackReference(config.require("k"))`` (or ``config.get``), else None."""
    arg = call.args[0] if call.args else None
    if (
        isinstance(arg, ast.Call)
        and isinstance(arg.func, ast.Attribute)
        and arg.func.attr in ("require", "get")
        and len(arg.args) == 1
        and isinstance(arg.args[0], ast.Constant)
        and isinstance(arg.args[0].value, str)
    ):
        return arg.args[0].value
    return None


def stack_reference_reads(
    source: str,
    where: str,
    *,
    key_projects: Mapping[str, str] | None = None,
    project: str | None = None,
) -> tuple[list[Read], list[str]]:
    """The outputs a module reads and what could not be resolved. A program's references are
    resolved through the config key they are named by (``key_projects``); a library module
    reads one fixed ``project``."""
    tree = ast.parse(source, filename=where)
    if not any(_is_stack_reference(n) for n in ast.walk(tree)):
        return [], []
    problems: list[str] = []
    bound: dict[str, str] = {}
    if project is None:
        assigned: set[int] = set()
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and _is_stack_reference(node.value)
            ):
                assert isinstance(node.value, ast.Call)
                assigned.add(id(node.value))
                key = _config_key(node.value)
                if key is not None and key in (key_projects or {}):
                    bound[node.targets[0].id] = (key_projects or {})[key]
                else:
                    problems.append(
                        f"{where}:{node.lineno}: the StackReference is not named by a config key "
                        "whose stack files name one project's stacks"
                    )
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and _is_stack_reference(node)
                and id(node) not in assigned
            ):
                problems.append(
                    f"{where}:{node.lineno}: a StackReference that is not assigned to a name; "
                    "which project it reads cannot be told"
                )
    reads: list[Read] = []
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _READERS
        ):
            continue
        at = f"{where}:{node.lineno}"
        receiver = node.func.value
        target = project or (bound.get(receiver.id) if isinstance(receiver, ast.Name) else None)
        arg = node.args[0] if node.args else None
        if target is None:
            problems.append(
                f"{at}: {node.func.attr} on something that is not a StackReference of a known "
                "project"
            )
        elif not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
            problems.append(f"{at}: {node.func.attr} of a name that is not a string literal")
        else:
            reads.append(Read(at, target, arg.value))
    return reads, problems


def unknown_reads(reads: list[Read], documented: Mapping[str, Mapping[str, Any]]) -> list[str]:
    return [
        f"{r.where}: reads {r.output!r} of {r.project}, which docs/stack-outputs.md does not "
        f"document for {r.project}"
        for r in reads
        if r.output not in documented.get(r.project, {})
    ]


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
    graph_for: Any, project: str, stack: str
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
    assert config_key_projects("orders-service", projects["orders-service"]) == {
        "platform_stack": "platform"
    }
