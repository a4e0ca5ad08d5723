"""A pull request's preview stack file, written from the project's template (ENV-1, ADR 0018).

A project that offers preview environments holds ``preview.stack.yaml`` beside its
``Pulumi.yaml``: a stack file in all but name (so no tool mistakes it for a stack) in which
``{number}`` stands for the pull request's number. :func:`write_stack_file` writes
``Pulumi.pr-<n>.yaml`` from it in the project's ``stackConfigDir``. This module never touches
the Pulumi runtime.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from infra_kit.core.profile import PREVIEW_STACK_PREFIX
from infra_kit.errors import ConfigError, ValidationError

__all__ = [
    "NUMBER_PLACEHOLDER",
    "TEMPLATE_FILE",
    "check_number",
    "preview_stack_name",
    "render_stack_file",
    "stack_file_path",
    "write_stack_file",
]

#: The template of a project's preview stack files, beside its Pulumi.yaml.
TEMPLATE_FILE = "preview.stack.yaml"
#: What the template writes where the pull request's number goes.
NUMBER_PLACEHOLDER = "{number}"


def check_number(number: object) -> int:
    """``number`` if it is a pull request number (a positive integer); ValidationError if not."""
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise ValidationError(
            "--number", number, "not a pull request number", "give a positive integer, e.g. 123"
        )
    return number


def preview_stack_name(number: int) -> str:
    """``pr-<number>``: the stack of pull request ``number``'s preview environment."""
    return f"{PREVIEW_STACK_PREFIX}{check_number(number)}"


def render_stack_file(template: str, number: int, *, source: str = TEMPLATE_FILE) -> str:
    """The stack file of pull request ``number``'s preview: ``template`` with every
    ``{number}`` replaced, under a header saying where it came from.

    Raises :class:`ConfigError` (naming ``source``) when the template holds no ``{number}``
    (every preview would then claim the same host and names) or is not a stack file's YAML.
    """
    number = check_number(number)
    if NUMBER_PLACEHOLDER not in template:
        raise ConfigError(
            source,
            [
                f"no {NUMBER_PLACEHOLDER} in the template, so every preview would share one host "
                f"and feature tag. Fix: write {NUMBER_PLACEHOLDER} where the pull request's "
                "number goes, e.g. host: pr-{number}.orders.dev.example.com"
            ],
        )
    body = template.replace(NUMBER_PLACEHOLDER, str(number))
    try:
        parsed: Any = yaml.safe_load(body)
    except yaml.YAMLError as exc:
        raise ConfigError(source, [f"not valid YAML: {exc}. Fix: correct the template"]) from None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("config"), dict):
        raise ConfigError(
            source,
            ["config: a stack file holds a 'config:' mapping. Fix: start the template with it"],
        )
    # The template's own header explains the template; the written file says what it is.
    lines = body.splitlines(keepends=True)
    while lines and (lines[0].startswith("#") or not lines[0].strip()):
        lines.pop(0)
    header = (
        f"# The preview environment of pull request #{number}, written from {TEMPLATE_FILE} by\n"
        f"# `infra-kit preview init --number {number}`. Generated: edit the template, and never\n"
        "# commit this file.\n"
    )
    return header + "".join(lines)


def _config_dir(project_dir: Path) -> Path:
    manifest = project_dir / "Pulumi.yaml"
    try:
        spec: Any = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            str(manifest), ["not found. Fix: pass --project-dir, the directory of Pulumi.yaml"]
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(str(manifest), [f"not valid YAML: {exc}"]) from None
    config_dir = spec.get("stackConfigDir", ".") if isinstance(spec, dict) else "."
    return project_dir / str(config_dir)


def stack_file_path(project_dir: Path, number: int) -> Path:
    """Where pull request ``number``'s stack file goes: the project's ``stackConfigDir``."""
    return _config_dir(project_dir) / f"Pulumi.{preview_stack_name(number)}.yaml"


def write_stack_file(project_dir: Path, number: int, *, force: bool = False) -> Path:
    """Write ``Pulumi.pr-<number>.yaml`` from the project's template; returns its path.

    An existing file with the same content is left as it is; one with other content is refused
    unless ``force`` (it may hold settings someone added by hand). The file is written whole or
    not at all (a temporary file renamed into place), so an interrupted run leaves no half file.
    """
    number = check_number(number)
    template_path = project_dir / TEMPLATE_FILE
    try:
        template = template_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            str(template_path),
            [
                f"not found: this project has no preview template. Fix: add {TEMPLATE_FILE} "
                "beside Pulumi.yaml (see examples/orders-service), or pass the --project-dir "
                "of a project that has one"
            ],
        ) from None
    content = render_stack_file(template, number, source=str(template_path))
    target = stack_file_path(project_dir, number)
    if target.exists() and not force:
        if target.read_text(encoding="utf-8") == content:
            return target
        raise ConfigError(
            str(target),
            [
                "exists with other content. Fix: remove it, or pass --force to replace it with "
                f"what {TEMPLATE_FILE} gives"
            ],
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(content)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
