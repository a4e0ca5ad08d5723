"""Reading a Pulumi project and its stack file the way the Pulumi CLI would, without the CLI."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from infra_kit.errors import SynthError

__all__ = ["Project", "StackConfig", "find_projects", "load_project", "load_stack_config"]

SECRET_PLACEHOLDER = "offline-placeholder-secret-for-{key}"


@dataclass(frozen=True)
class Project:
    """A directory holding a Pulumi.yaml."""

    directory: Path
    name: str
    program_dir: Path
    stack_config_dir: Path
    project_config: dict[str, Any]

    def stack_file(self, stack: str) -> Path:
        return self.stack_config_dir / f"Pulumi.{stack}.yaml"

    def stacks(self) -> list[str]:
        return sorted(
            p.name[len("Pulumi.") : -len(".yaml")]
            for p in self.stack_config_dir.glob("Pulumi.*.yaml")
        )


@dataclass(frozen=True)
class StackConfig:
    """Config values as the SDK receives them: strings (objects as JSON) plus the secret keys."""

    values: dict[str, str]
    secret_keys: list[str]
    region: str


def _read_yaml(path: Path, what: str) -> dict[str, Any]:
    """A YAML mapping from ``path``; every way the file can be wrong is a SynthError naming it."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SynthError(
            f"{path} is not UTF-8 text (byte {exc.start} is invalid); save it as UTF-8"
        ) from None
    except OSError as exc:
        raise SynthError(f"{path} cannot be read: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SynthError(f"{path} is not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SynthError(
            f"{path}: the top level is a {type(data).__name__}, but {what} is a mapping of keys "
            "to values (e.g. 'config:' for a stack file, 'name:' and 'runtime:' for Pulumi.yaml)"
        )
    return data


def load_project(directory: Path) -> Project:
    directory = directory.resolve()
    manifest = directory / "Pulumi.yaml"
    if not manifest.is_file():
        raise SynthError(
            f"no Pulumi.yaml in {directory}; pass --project-dir with a directory that holds one"
        )
    data = _read_yaml(manifest, "Pulumi.yaml")
    runtime = data.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise SynthError(
            f"{manifest}: runtime is {runtime_name!r}; the offline engine runs python programs"
        )
    if not data.get("name"):
        raise SynthError(f"{manifest}: 'name' is missing")
    program_dir = (directory / str(data.get("main", "."))).resolve()
    if not (program_dir / "__main__.py").is_file():
        raise SynthError(f"{manifest}: main points at {program_dir}, which has no __main__.py")
    config_dir = (directory / str(data.get("stackConfigDir", "."))).resolve()
    config = data.get("config") or {}
    if not isinstance(config, dict):
        raise SynthError(f"{manifest}: 'config' must be a mapping of keys to declarations")
    return Project(directory, str(data["name"]), program_dir, config_dir, dict(config))


def find_projects(root: Path) -> dict[str, Path]:
    """Every Pulumi project below ``root`` by name, for resolving StackReferences."""
    found: dict[str, Path] = {}
    skip = {".venv", "node_modules", ".git", "__pycache__"}
    for manifest in sorted(root.rglob("Pulumi.yaml")):
        if skip.intersection(manifest.parts):
            continue
        try:
            name = _read_yaml(manifest, "Pulumi.yaml").get("name")
        except SynthError:
            continue
        if name:
            found.setdefault(str(name), manifest.parent)
    return found


def _full_key(project: str, key: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _strip_secure(value: Any, key: str) -> tuple[Any, bool]:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return SECRET_PLACEHOLDER.format(key=key), True
        found = False
        out = {}
        for k, v in value.items():
            out[k], inner = _strip_secure(v, key)
            found = found or inner
        return out, found
    if isinstance(value, list):
        items = [_strip_secure(v, key) for v in value]
        return [v for v, _ in items], any(s for _, s in items)
    return value, False


def _as_config_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value)


def load_stack_config(project: Project, stack: str) -> StackConfig:
    """Project defaults, then the stack file; ``secure:`` values become marked placeholders."""
    path = project.stack_file(stack)
    if not path.is_file():
        known = ", ".join(project.stacks()) or "none"
        raise SynthError(
            f"stack {stack!r} has no stack file {path} (stacks of {project.name}: {known}); "
            f"create it or pick another --stack"
        )
    data = _read_yaml(path, "a stack file")
    raw: dict[str, Any] = {}
    project_config = project.project_config if isinstance(project.project_config, dict) else {}
    for key, decl in project_config.items():
        if isinstance(decl, dict) and ("default" in decl or "value" in decl):
            raw[_full_key(project.name, key)] = decl.get("value", decl.get("default"))
        elif not isinstance(decl, dict):
            raw[_full_key(project.name, key)] = decl
    stack_values = data.get("config") or {}
    if not isinstance(stack_values, dict):
        raise SynthError(f"{path}: 'config' must be a mapping of keys to values")
    for key, value in stack_values.items():
        raw[_full_key(project.name, str(key))] = value
    values: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in sorted(raw.items()):
        plain, secret = _strip_secure(value, key)
        values[key] = _as_config_string(plain)
        if secret:
            secret_keys.append(key)
    region = values.get("aws:region", "us-east-1")
    return StackConfig(values, secret_keys, region)
