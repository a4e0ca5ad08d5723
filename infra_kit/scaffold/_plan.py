"""What ``infra-kit new service`` writes, decided before anything is written.

Pure logic, no Pulumi runtime: the checks of every argument (each a
:class:`~infra_kit.errors.ValidationError` naming it, the value and the fix) and the plan of
files, each template with the path it is rendered to.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from infra_kit.core.tags import validate_label_value, validate_tag_value
from infra_kit.errors import ValidationError

__all__ = [
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
    "file_plan",
]

#: The longest service name. The name becomes the Pulumi project, the workload and the prefix
#: of every component the program creates; the longest of those, the web service's
#: ``<name>-public``, must stay within the 40 characters of a component name
#: (:func:`infra_kit.core.naming.check_name`). Every AWS name derived from it fits too: the
#: generated projects synthesize and pass ``infra-kit check`` at this length.
MAX_SERVICE_NAME_LENGTH = 40 - len("-public")

#: Placeholders a new project starts with; the README says where the real values come from.
DEFAULT_TEAM = "app-team"
DEFAULT_COST_CENTER = "cc-0000"
#: The infra-kit repository the project depends on and whose workflows it calls.
DEFAULT_REPOSITORY = "https://github.com/example-org/infra-kit"

_DNS_LABEL = re.compile(r"^[a-z]([a-z0-9-]*[a-z0-9])?$")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")
_GITHUB = re.compile(
    r"^https://github\.com/([A-Za-z0-9][A-Za-z0-9-]*)/([A-Za-z0-9._-]+?)(\.git)?/?$"
)


class ServiceKind(StrEnum):
    """What the service does: serve HTTP from the internet, or consume a queue."""

    WEB = "web"
    WORKER = "worker"


@dataclass(frozen=True)
class ServiceRequest:
    """Everything a generated project depends on, already checked."""

    name: str
    kind: ServiceKind
    team: str = DEFAULT_TEAM
    cost_center: str = DEFAULT_COST_CENTER
    #: ``https://github.com/<owner>/<repo>`` of infra-kit.
    repository: str = DEFAULT_REPOSITORY
    #: The infra-kit version the project pins, e.g. ``0.1.0``.
    version: str = "0.0.0"
    #: The infra-kit commit the project's workflows call (a full SHA, CICD-2).
    commit: str = "0" * 40

    @property
    def workflow_repository(self) -> str:
        """``<owner>/<repo>``, as a workflow's ``uses:`` names it."""
        match = _GITHUB.match(self.repository)
        assert match is not None  # check_repository
        return f"{match.group(1)}/{match.group(2)}"


def check_service_name(name: str) -> str:
    """``name`` if it is a lowercase DNS label short enough for every name derived from it."""
    if not _DNS_LABEL.match(name) or "--" in name or len(name) < 2:
        raise ValidationError(
            "NAME",
            name,
            "a service name is a lowercase DNS label: 2 or more lowercase letters, digits and "
            "single dashes, starting with a letter and ending with a letter or digit",
            "choose a name such as 'orders' or 'billing-api'",
        )
    if len(name) > MAX_SERVICE_NAME_LENGTH:
        raise ValidationError(
            "NAME",
            name,
            f"{len(name)} characters; it prefixes the names of the service's AWS and "
            f"Kubernetes resources, which leaves room for {MAX_SERVICE_NAME_LENGTH} at most",
            f"shorten it to {MAX_SERVICE_NAME_LENGTH} characters or fewer",
        )
    return name


def check_tag_option(option: str, value: str, *, label: bool = False) -> str:
    """``value`` if it is a valid tag value (and Kubernetes label value, for the team)."""
    problem = validate_tag_value(value) if value.strip() else "it is empty"
    if problem is None and label:
        problem = validate_label_value(value)
    if problem is not None:
        raise ValidationError(option, value, problem, f"give {option} a value such as 'payments'")
    return value


def check_repository(url: str) -> str:
    """``url`` if it names a GitHub repository, whose workflows a project can call."""
    if not _GITHUB.match(url):
        raise ValidationError(
            "--infra-kit-repository",
            url,
            "the project calls the reusable workflows of this repository, so it must be a "
            "GitHub repository URL",
            f"give https://github.com/<owner>/<repo>, e.g. {DEFAULT_REPOSITORY}",
        )
    return url.removesuffix("/").removesuffix(".git")


def check_commit(ref: str) -> str:
    """``ref`` if it is a full commit SHA: a tag can move, a commit cannot (CICD-2)."""
    if not _COMMIT.match(ref):
        raise ValidationError(
            "--infra-kit-ref",
            ref,
            "the workflows are pinned to a full commit SHA (40 lowercase hex digits), since a "
            "tag or branch can move (CICD-2)",
            "give the commit of the infra-kit release tag, e.g. from `git ls-remote <repository> "
            "v<version>`",
        )
    return ref


def check_target(target: Path) -> Path:
    """``target`` if a project may be created there: absent or an empty directory, in an
    existing writable directory. A user's files are never overwritten."""
    if target.exists() or target.is_symlink():
        if not target.is_dir():
            raise ValidationError(
                "--dir", str(target), "it exists and is not a directory", "choose a new directory"
            )
        if any(target.iterdir()):
            raise ValidationError(
                "--dir",
                str(target),
                "the directory exists and is not empty, and nothing in it is ever overwritten",
                "choose a new or empty directory with --dir, or move its files away",
            )
    parent = target.absolute().parent
    if not parent.is_dir():
        raise ValidationError(
            "--dir",
            str(target),
            f"its parent directory {parent} does not exist",
            f"create {parent} first, or choose another --dir",
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ValidationError(
            "--dir",
            str(target),
            f"its parent directory {parent} is not writable",
            "choose a directory you can write to",
        )
    return target


#: Templates both kinds render, by the path they are written to.
_COMMON = {
    "Pulumi.yaml": "Pulumi.yaml.j2",
    "Pulumi.dev.yaml": "Pulumi.stack.yaml.j2",
    "Pulumi.stage.yaml": "Pulumi.stack.yaml.j2",
    "Pulumi.prod.yaml": "Pulumi.stack.yaml.j2",
    "preview.stack.yaml": "preview.stack.yaml.j2",
    "pyproject.toml": "pyproject.toml.j2",
    "README.md": "README.md.j2",
    ".gitignore": "gitignore.j2",
    ".dockerignore": "dockerignore.j2",
    "Dockerfile": "Dockerfile.j2",
    "service/__init__.py": "service/__init__.py.j2",
    "service/requirements.txt": "service/requirements.txt.j2",
    "tests/__init__.py": "tests/__init__.py.j2",
    "tests/test_stacks.py": "tests/test_stacks.py.j2",
    ".github/workflows/pull-request.yml": "workflows/pull-request.yml.j2",
    ".github/workflows/main.yml": "workflows/main.yml.j2",
    ".github/workflows/preview-gc.yml": "workflows/preview-gc.yml.j2",
}

#: Templates of one kind only.
_BY_KIND = {
    ServiceKind.WEB: {
        "__main__.py": "web/__main__.py.j2",
        "service/app.py": "web/app.py.j2",
        "tests/test_service.py": "web/test_service.py.j2",
    },
    ServiceKind.WORKER: {
        "__main__.py": "worker/__main__.py.j2",
        "service/app.py": "worker/app.py.j2",
        "tests/test_service.py": "worker/test_service.py.j2",
    },
}

#: The stacks a project starts with; each gets ``Pulumi.<stack>.yaml``.
STACKS = ("dev", "stage", "prod")


def file_plan(kind: ServiceKind) -> dict[str, str]:
    """Every file of a ``kind`` project (a POSIX path relative to it) and its template."""
    return dict(sorted({**_COMMON, **_BY_KIND[kind]}.items()))
