"""The preview garbage collector asks pulumi and gh, and fails clearly when they fail (ENV-1).

Commands run through an injected runner that returns canned results, so these tests need no
Pulumi CLI, no state backend and no GitHub.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from infra_kit.cli import main
from infra_kit.errors import PreviewError
from infra_kit.preview import CommandResult, PullRequestState, gather, plan

NOW = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)
LS = ("pulumi", "stack", "ls", "--json")


def _output(name: str) -> tuple[str, ...]:
    return ("pulumi", "stack", "output", "--json", "--stack", name)


def _gh(number: int) -> tuple[str, ...]:
    return ("gh", "pr", "view", str(number), "--json", "state")


def _ok(document: object) -> CommandResult:
    return CommandResult(0, json.dumps(document))


class FakeCommands:
    """A runner answering from a table, and remembering what it was asked."""

    def __init__(self, answers: dict[tuple[str, ...], CommandResult]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, ...]] = []

    def __call__(self, args: Sequence[str], cwd: Path) -> CommandResult:
        key = tuple(args)
        self.calls.append(key)
        return self.answers.get(key, CommandResult(127, "", f"{args[0]}: command not found"))


def _stack(
    name: str, last_update: str = "2026-12-04T10:00:00.000Z", *, running: bool = False
) -> dict[str, object]:
    return {"name": name, "current": False, "lastUpdate": last_update,
            "updateInProgress": running, "resourceCount": 41}  # fmt: skip


def _backend() -> FakeCommands:
    """Four previews and dev: expired, closed, fresh and open, being updated."""
    return FakeCommands(
        {
            LS: _ok(
                [
                    _stack("dev"),
                    _stack("pr-1"),
                    _stack("pr-2"),
                    _stack("pr-3"),
                    _stack("pr-4", running=True),
                ]
            ),
            _output("pr-1"): _ok({"expires_at": "2026-12-04T19:00:00Z", "documents_bucket": "b"}),
            _output("pr-2"): _ok({"expires_at": "2026-12-07T10:00:00Z"}),
            _output("pr-3"): _ok({"expires_at": "2026-12-07T10:00:00Z"}),
            _output("pr-4"): _ok({"expires_at": "2026-12-01T10:00:00Z"}),
            _gh(1): _ok({"state": "OPEN"}),
            _gh(2): _ok({"state": "MERGED"}),
            _gh(3): _ok({"state": "OPEN"}),
            _gh(4): _ok({"state": "CLOSED"}),
        }
    )


def test_expired_and_closed_previews_are_destroyed_and_fresh_open_ones_kept() -> None:
    verdicts, warnings = plan(Path("."), now=NOW, ttl_hours=72, run=_backend())
    assert [(v.stack, v.destroy, v.reason) for v in verdicts] == [
        ("dev", False, "not a preview environment (pr-<n>): never collected"),
        ("pr-1", True, "expired at 2026-12-04T19:00:00Z"),
        ("pr-2", True, "pull request #2 is closed"),
        ("pr-3", False, "expires at 2026-12-07T10:00:00Z"),
        ("pr-4", False, "an update is running: judged again on the next run"),
    ]
    assert warnings == []


def test_only_previews_are_asked_about_and_in_the_project_directory(tmp_path: Path) -> None:
    commands = _backend()
    seen: list[Path] = []

    def runner(args: Sequence[str], cwd: Path) -> CommandResult:
        seen.append(cwd)
        return commands(args, cwd)

    facts = gather(tmp_path, runner)
    assert _output("dev") not in commands.calls
    assert _gh(1) in commands.calls
    assert set(seen) == {tmp_path}
    (dev,) = [s for s in facts.stacks if s.name == "dev"]
    assert (dev.expires_at, dev.pull_request) == (None, PullRequestState.UNKNOWN)


def test_a_pull_request_github_cannot_answer_for_is_left_to_its_expiry_with_a_warning() -> None:
    commands = _backend()
    commands.answers[_gh(1)] = CommandResult(1, "", "HTTP 502: Bad Gateway\n")
    commands.answers[_gh(3)] = CommandResult(0, "not json")
    verdicts, warnings = plan(Path("."), now=NOW, ttl_hours=72, run=commands)
    by_name = {v.stack: v for v in verdicts}
    assert by_name["pr-1"].destroy is True  # expired: the expiry alone decides
    assert by_name["pr-3"].destroy is False
    assert warnings == [
        "pull request #1: state unknown (HTTP 502: Bad Gateway); its expiry decides",
        "pull request #3: state unknown (unexpected answer 'not json'); its expiry decides",
    ]


def test_a_preview_without_an_expires_at_output_is_judged_by_its_last_update() -> None:
    commands = FakeCommands(
        {
            LS: _ok([_stack("pr-8", "2026-12-01T19:00:00.000Z")]),
            _output("pr-8"): _ok({}),
            _gh(8): _ok({"state": "OPEN"}),
        }
    )
    (verdict,), _ = plan(Path("."), now=NOW, ttl_hours=72, run=commands)
    assert verdict.destroy is True
    assert verdict.reason.startswith("no expiry recorded; last updated 2026-12-01T19:00:00Z")


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (
            {LS: CommandResult(255, "", "error: could not log in\nerror: AccessDenied\n")},
            "`pulumi stack ls --json` failed: error: AccessDenied. Fix: log in to the state backend",
        ),
        ({}, "`pulumi stack ls --json` pulumi is not installed. Fix: install the Pulumi CLI"),
        ({LS: CommandResult(0, "<html>")}, "printed something other than JSON"),
        ({LS: _ok({"name": "pr-1"})}, "printed JSON that is not a list of stacks"),
        (
            {LS: _ok([_stack("pr-1")]), _output("pr-1"): CommandResult(1, "", "")},
            "`pulumi stack output --json --stack pr-1` failed: exit code 1, nothing on stderr. "
            "Fix: check that the state of pr-1 is readable",
        ),
        (
            {LS: _ok([_stack("pr-1")]), _output("pr-1"): _ok({})},
            "`gh pr view 1 --json state` gh is not installed",
        ),
    ],
)
def test_a_failing_or_missing_command_stops_everything_with_its_message(
    answers: dict[tuple[str, ...], CommandResult], message: str
) -> None:
    with pytest.raises(PreviewError) as raised:
        gather(Path("."), FakeCommands(answers))
    assert message in str(raised.value)


# --- the command line, with fake pulumi and gh on PATH ---------------------------------------

_FAKE_PULUMI = """#!/bin/sh
case "$*" in
  "stack ls --json")
    [ -n "$FAKE_PULUMI_FAILS" ] && { echo "error: failed to load checkpoint: AccessDenied" >&2; exit 255; }
    echo '[{"name":"pr-1","lastUpdate":"2026-12-01T00:00:00.000Z","updateInProgress":false},
           {"name":"pr-2","lastUpdate":"2026-12-01T00:00:00.000Z","updateInProgress":false},
           {"name":"pr-3","lastUpdate":"2026-12-01T00:00:00.000Z","updateInProgress":false}]' ;;
  "stack output --json --stack pr-1") echo '{"expires_at":"2000-01-01T00:00:00Z"}' ;;
  *) echo '{"expires_at":"2999-01-01T00:00:00Z"}' ;;
esac
"""
_FAKE_GH = """#!/bin/sh
case "$3" in
  2) echo '{"state":"CLOSED"}' ;;
  *) echo '{"state":"OPEN"}' ;;
esac
"""


@pytest.fixture
def fake_clis(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, script in (("pulumi", _FAKE_PULUMI), ("gh", _FAKE_GH)):
        path = bin_dir / name
        path.write_text(script, encoding="utf-8")
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return tmp_path


def test_gc_prints_the_matrix_of_previews_to_destroy_and_each_reason(
    fake_clis: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["preview", "gc", "--project-dir", str(fake_clis)])
    captured = capsys.readouterr()
    assert code == 0
    assert json.loads(captured.out) == {
        "include": [
            {"project_dir": str(fake_clis), "stack": "pr-1",
             "reason": "expired at 2000-01-01T00:00:00Z"},
            {"project_dir": str(fake_clis), "stack": "pr-2",
             "reason": "pull request #2 is closed"},
        ]
    }  # fmt: skip
    assert "pr-3: keep: expires at 2999-01-01T00:00:00Z" in captured.err


def test_gc_dry_run_reports_the_decisions_but_destroys_nothing(
    fake_clis: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["preview", "gc", "--project-dir", str(fake_clis), "--dry-run"])
    captured = capsys.readouterr()
    assert code == 0
    assert json.loads(captured.out) == {"include": []}
    assert "pr-1: destroy: expired at 2000-01-01T00:00:00Z" in captured.err


def test_gc_says_what_failed_without_a_traceback_and_prints_no_matrix(
    fake_clis: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_PULUMI_FAILS", "1")
    code = main(["preview", "gc", "--project-dir", str(fake_clis)])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.out == ""
    assert captured.err.strip() == (
        "infra-kit preview gc: error: `pulumi stack ls --json` failed: error: failed to load "
        "checkpoint: AccessDenied. Fix: log in to the state backend (pulumi login) with "
        "credentials that can read it, and pass the --project-dir of a Pulumi project"
    )
    assert "Traceback" not in captured.err
