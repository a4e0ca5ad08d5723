"""``infra-kit new service``: a complete app-team project, generated from templates.

:func:`create_service` renders every file of :func:`~infra_kit.scaffold._plan.file_plan` with
Jinja2 into a temporary directory beside the target and moves it into place only once all are
written, so a failed or interrupted run leaves nothing that looks like a project. The target
must be absent or an empty directory: a user's files are never overwritten.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2

from infra_kit.core.profile import BUILTIN_PROFILES, first_availability_zones
from infra_kit.scaffold._plan import (
    DEFAULT_COST_CENTER,
    DEFAULT_REPOSITORY,
    DEFAULT_TEAM,
    MAX_SERVICE_NAME_LENGTH,
    STACKS,
    ServiceKind,
    ServiceRequest,
    check_commit,
    check_repository,
    check_service_name,
    check_tag_option,
    check_target,
    file_plan,
)

__all__ = [
    "BASE_IMAGE",
    "DEFAULT_COST_CENTER",
    "DEFAULT_REPOSITORY",
    "DEFAULT_TEAM",
    "MAX_SERVICE_NAME_LENGTH",
    "STACKS",
    "ServiceKind",
    "ServiceRequest",
    "check_commit",
    "check_repository",
    "check_service_name",
    "check_tag_option",
    "check_target",
    "create_service",
    "file_plan",
    "render_service",
]

#: The Dockerfile's base image, pinned by the digest of its multi-platform index. Source:
#: docker-library/repo-info, repos/python/remote/3.12-slim-trixie.md at commit
#: 2986dca3a80cb11b70fc4599941096374ea9e509 (Python 3.12.13 on Debian trixie, built
#: 2026-08-05), read 2026-12-02.
BASE_IMAGE = (
    "python:3.12-slim-trixie"
    "@sha256:229a2c5bfa27522db7815ea81f9bed70af17ccb9de9fc7ad142b1877b5830d36"
)
#: Where the digest was read, and when, written into the Dockerfile next to it.
BASE_IMAGE_SOURCE = "docker-library/repo-info, repos/python/remote/3.12-slim-trixie.md"
BASE_IMAGE_READ = "at its commit 2986dca3a80c, read 2026-12-02"
#: The region of the stack files; ``aws:region`` is the first line a team changes.
REGION = "us-east-1"

_TEMPLATES = Path(__file__).parent / "templates"


def _quoted(value: object) -> str:
    """A scalar quoted for YAML and TOML alike (a JSON string is valid in both)."""
    return json.dumps(str(value))


def _environment() -> jinja2.Environment:
    # Delimiters that never occur in the files rendered: workflows use ${{ }}, Python and
    # YAML use {} and {% is nowhere, but <{ and <% are in none of them either.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        variable_start_string="<{",
        variable_end_string="}>",
        block_start_string="<%",
        block_end_string="%>",
        comment_start_string="<#",
        comment_end_string="#>",
    )
    env.filters["q"] = _quoted
    return env


def _stack(stack: str) -> dict[str, Any]:
    """What a stack file says beyond the service: the AZs it pins where its profile protects
    state, as the platform's stack files of those environments do (DR-1)."""
    profile = BUILTIN_PROFILES[stack]
    count = int(profile["network"]["az_count"])
    pinned = first_availability_zones(REGION, count)
    return {"name": stack, "availability_zones": pinned if profile["protect_stateful"] else []}


def render_service(request: ServiceRequest) -> dict[str, str]:
    """Every file of the project ``request`` describes, by its relative POSIX path."""
    env = _environment()
    base: dict[str, Any] = {
        "name": request.name,
        "kind": request.kind.value,
        "team": request.team,
        "cost_center": request.cost_center,
        "repository": request.repository,
        "workflow_repository": request.workflow_repository,
        "version": request.version,
        "commit": request.commit,
        "region": REGION,
        "stacks": STACKS,
        "base_image": BASE_IMAGE,
        "base_image_source": BASE_IMAGE_SOURCE,
        "base_image_read": BASE_IMAGE_READ,
    }
    rendered: dict[str, str] = {}
    for path, template in file_plan(request.kind).items():
        context = dict(base)
        if path.startswith("Pulumi.") and path != "Pulumi.yaml":
            context["stack"] = _stack(path.split(".")[1])
        rendered[path] = env.get_template(template).render(context)
    return rendered


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def create_service(request: ServiceRequest, target: Path) -> list[str]:
    """Write the project of ``request`` at ``target``; returns the paths written, relative.

    Every file is rendered first, then written into a temporary directory beside ``target``
    that is renamed to ``target`` last. On any failure, Ctrl-C included, the temporary
    directory is removed and ``target`` is as it was.
    """
    check_target(target)
    files = render_service(request)
    parent = target.absolute().parent
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", suffix=".partial", dir=parent))
    try:
        _write(staging, files)
        # mkdtemp made it private; the project gets the mode any new directory would.
        staging.chmod(0o777 & ~_umask())
        # rename replaces an empty directory and refuses a non-empty one (ENOTEMPTY), so a
        # file that appeared there meanwhile is never overwritten.
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return list(files)


def _write(root: Path, files: Mapping[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
