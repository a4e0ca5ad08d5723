"""What the preview garbage collector knows, asked of ``pulumi`` and ``gh`` (ENV-1, ADR 0018).

:func:`gather` lists a project's stacks (``pulumi stack ls --json``: name, ``lastUpdate``,
``updateInProgress``), reads each preview's ``expires_at`` output (``pulumi stack output --json
--stack``) and asks GitHub for its pull request's state (``gh pr view <n> --json state``).
:func:`plan` adds the decision of :func:`~infra_kit.preview.collect`. Every command goes
through a :data:`Run` function, so tests pass canned results and nothing here needs a network.

Failures:

- ``pulumi`` missing, failing, or printing something other than the JSON expected: a
  :class:`~infra_kit.errors.PreviewError` naming the command, what it said and the fix. Nothing
  is decided on half the facts.
- ``gh`` missing: the same error. ``gh`` failing for one pull request (network, rate limit, a
  number GitHub does not know): that pull request's state is ``unknown``, so only its expiry can
  destroy the stack, and :attr:`Facts.warnings` says why.

Only ``pr-<n>`` stacks are asked about; any other stack is passed on as it is listed, and never
collected.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from infra_kit.errors import PreviewError
from infra_kit.preview._gc import (
    PreviewStack,
    PullRequestState,
    Verdict,
    collect,
    parse_last_update,
    pull_request_number,
)

__all__ = ["COMMAND_TIMEOUT_SECONDS", "CommandResult", "Facts", "Run", "gather", "plan", "run"]

#: How long one ``pulumi`` or ``gh`` call may take before it counts as failed.
COMMAND_TIMEOUT_SECONDS = 300
_NOT_FOUND = 127
_TIMED_OUT = 124


@dataclass(frozen=True)
class CommandResult:
    """What a command did: its exit code and what it printed."""

    returncode: int
    stdout: str = ""
    stderr: str = ""


#: Runs a command (its arguments, in a working directory) and returns what it did. A command
#: that cannot be started returns exit code 127; one that outlives the timeout, 124.
Run = Callable[[Sequence[str], Path], CommandResult]


def run(args: Sequence[str], cwd: Path) -> CommandResult:
    """The real :data:`Run`: the command in ``cwd``, output captured, at most
    :data:`COMMAND_TIMEOUT_SECONDS`."""
    try:
        done = subprocess.run(
            list(args), cwd=cwd, capture_output=True, text=True, check=False,
            timeout=COMMAND_TIMEOUT_SECONDS,
        )  # fmt: skip
    except FileNotFoundError:
        return CommandResult(_NOT_FOUND, "", f"{args[0]}: command not found")
    except subprocess.TimeoutExpired:
        return CommandResult(_TIMED_OUT, "", f"timed out after {COMMAND_TIMEOUT_SECONDS}s")
    return CommandResult(done.returncode, done.stdout, done.stderr)


@dataclass(frozen=True)
class Facts:
    """The stacks as the backend and GitHub describe them, and what could not be learned."""

    stacks: list[PreviewStack]
    warnings: list[str] = field(default_factory=list)


def _said(result: CommandResult) -> str:
    lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
    return lines[-1] if lines else f"exit code {result.returncode}, nothing on stderr"


def _pulumi_json(args: list[str], cwd: Path, run: Run, fix: str) -> Any:
    command = " ".join(args)
    result = run(args, cwd)
    if result.returncode == _NOT_FOUND:
        raise PreviewError(command, "pulumi is not installed", "install the Pulumi CLI")
    if result.returncode != 0:
        raise PreviewError(command, f"failed: {_said(result)}", fix)
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError:
        raise PreviewError(
            command, "printed something other than JSON", "check the Pulumi CLI version"
        ) from None


def _pull_request(number: int, cwd: Path, run: Run, warnings: list[str]) -> PullRequestState:
    args = ["gh", "pr", "view", str(number), "--json", "state"]
    result = run(args, cwd)
    if result.returncode == _NOT_FOUND:
        raise PreviewError(
            " ".join(args), "gh is not installed", "install the GitHub CLI, or run on a runner "
            "that has it"
        )  # fmt: skip
    state: object = None
    if result.returncode == 0:
        try:
            state = json.loads(result.stdout).get("state")
        except (json.JSONDecodeError, AttributeError):
            state = None
    if state == "OPEN":
        return PullRequestState.OPEN
    if state in ("CLOSED", "MERGED"):
        return PullRequestState.CLOSED
    problem = _said(result) if result.returncode != 0 else f"unexpected answer {result.stdout!r}"
    warnings.append(f"pull request #{number}: state unknown ({problem}); its expiry decides")
    return PullRequestState.UNKNOWN


def gather(project_dir: Path, run: Run = run) -> Facts:
    """Every stack of the Pulumi project in ``project_dir``, with what decides its fate.

    Raises :class:`~infra_kit.errors.PreviewError` when ``pulumi`` cannot list the stacks or
    read a preview's outputs, or ``gh`` is missing.
    """
    listed = _pulumi_json(
        ["pulumi", "stack", "ls", "--json"], project_dir, run,
        "log in to the state backend (pulumi login) with credentials that can read it, and pass "
        "the --project-dir of a Pulumi project",
    )  # fmt: skip
    if not isinstance(listed, list):
        raise PreviewError(
            "pulumi stack ls --json", "printed JSON that is not a list of stacks",
            "check the Pulumi CLI version",
        )  # fmt: skip
    stacks: list[PreviewStack] = []
    warnings: list[str] = []
    for entry in listed:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            continue
        name: str = entry["name"]
        last_update = parse_last_update(entry.get("lastUpdate"))
        running = entry.get("updateInProgress") is True
        number = pull_request_number(name)
        if number is None:
            stacks.append(PreviewStack(name, None, last_update, PullRequestState.UNKNOWN, running))
            continue
        outputs = _pulumi_json(
            ["pulumi", "stack", "output", "--json", "--stack", name], project_dir, run,
            f"check that the state of {name} is readable (pulumi stack export --stack {name})",
        )  # fmt: skip
        expires_at = outputs.get("expires_at") if isinstance(outputs, dict) else None
        state = _pull_request(number, project_dir, run, warnings)
        stacks.append(PreviewStack(name, expires_at, last_update, state, running))
    return Facts(stacks, warnings)


def plan(
    project_dir: Path, *, now: datetime, ttl_hours: int, run: Run = run
) -> tuple[list[Verdict], list[str]]:
    """:func:`gather`, then :func:`~infra_kit.preview.collect`: one verdict per stack, in name
    order, and the warnings."""
    facts = gather(project_dir, run)
    return collect(facts.stacks, now=now, ttl_hours=ttl_hours), facts.warnings
