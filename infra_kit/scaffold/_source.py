"""Which infra-kit a new project pins: the installed version and the commit it came from."""

from __future__ import annotations

import json
import subprocess
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse

__all__ = ["installed_commit", "installed_version"]


def installed_version() -> str:
    """The installed infra-kit's version, e.g. ``0.1.0``."""
    try:
        return metadata.version("infra-kit")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def _direct_url() -> dict[str, object]:
    try:
        text = metadata.distribution("infra-kit").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return {}
    try:
        found = json.loads(text or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _git(checkout: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(checkout), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def installed_commit(version: str) -> str | None:
    """The commit the installed infra-kit came from, or ``None`` when it records none.

    Installed from git (as a generated project installs it), the commit pip or uv recorded;
    installed from a checkout (infra-kit's own development), that checkout's tag
    ``v<version>`` if it has one, else its HEAD. A wheel from an index records no commit.
    """
    found = _direct_url()
    vcs = found.get("vcs_info")
    if isinstance(vcs, dict) and isinstance(vcs.get("commit_id"), str):
        return str(vcs["commit_id"])
    url = found.get("url")
    if not isinstance(url, str) or not url.startswith("file://"):
        return None
    checkout = Path(unquote(urlparse(url).path))
    return _git(
        checkout, "rev-parse", "--verify", "--quiet", f"refs/tags/v{version}^{{commit}}"
    ) or _git(checkout, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
