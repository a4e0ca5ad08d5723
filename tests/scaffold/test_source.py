"""Which infra-kit commit a new project's workflows are pinned to, by how it was installed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from infra_kit.scaffold import _source


def _git(directory: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(directory), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_installed_from_git_the_recorded_commit_is_pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    commit = "89abcdef0123456789abcdef0123456789abcdef"
    monkeypatch.setattr(
        _source, "_direct_url", lambda: {"url": "https://x", "vcs_info": {"commit_id": commit}}
    )
    assert _source.installed_commit("0.1.0") == commit


def test_from_an_index_no_commit_is_known(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_source, "_direct_url", dict)
    assert _source.installed_commit("0.1.0") is None


def test_from_a_checkout_the_release_tag_wins_over_head(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _git(tmp_path, "init", "-q")
    for message in ("release", "later"):
        _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.com",
             "commit", "-q", "--allow-empty", "-m", message)  # fmt: skip
        if message == "release":
            _git(tmp_path, "tag", "v0.1.0")
    monkeypatch.setattr(
        _source, "_direct_url", lambda: {"url": tmp_path.as_uri(), "dir_info": {"editable": True}}
    )
    assert _source.installed_commit("0.1.0") == _git(tmp_path, "rev-parse", "v0.1.0^{commit}")
    assert _source.installed_commit("0.2.0") == _git(tmp_path, "rev-parse", "HEAD")
