"""The stack-output contract as data: docs/stack-outputs.md parsed, a stack's exports compared with
it, and the outputs a Python module reads through a StackReference found with ``ast``.

Pure functions over text and values; tests/test_stack_outputs.py applies them to the repository.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import yaml

from infra_kit.core.engine._project import load_project

__all__ = [
    "NESTED_MAP",
    "SIMPLE_TYPES",
    "Documented",
    "MalformedContractError",
    "Read",
    "config_key_projects",
    "export_problems",
    "parse_contract",
    "stack_reference_reads",
    "type_problem",
    "unknown_reads",
]

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
