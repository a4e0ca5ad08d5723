"""The pull request's change preview: ``infra-kit diff`` of every affected stack, as one comment.

    python scripts/ci/change_preview.py --base BASE_SHA --matrix FILE --out comment.md

``--matrix`` is what ``list_stacks.py --changed`` prints (``{"include": [{"project_dir",
"project", "stack"}, ...]}``). Each stack is synthesized at BASE and in the working tree and
compared (``--fail-on-stateful``); the sections are joined under one marker line so the workflow
can find and update its comment. Writes ``data_loss`` and ``failed`` (``true``/``false``) to
``$GITHUB_OUTPUT`` when set, and exits 0 once the comment is written: the workflow posts it
first and fails afterwards, so the warning is read before the red cross.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

MARKER = "<!-- infra-kit diff -->"
#: GitHub refuses a comment longer than 65536 characters.
LIMIT = 60_000
LABEL = "data-loss-acknowledged"


def _section(base: str, entry: dict[str, str], scratch: Path) -> tuple[str, str]:
    """One stack's Markdown and its outcome: ``ok``, ``data-loss`` or ``failed``."""
    out = scratch / f"{entry['project']}-{entry['stack']}.md"
    command = [
        sys.executable,
        "-m",
        "infra_kit.cli",
        "diff",
        base,
        "--stack",
        entry["stack"],
        "--project-dir",
        entry["project_dir"],
        "--format",
        "markdown",
        "--fail-on-stateful",
        "--quiet",
        "--output",
        str(out),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode in (0, 1) and out.is_file():
        text = out.read_text(encoding="utf-8").replace(MARKER + "\n", "", 1)
        return text, "data-loss" if done.returncode == 1 else "ok"
    said = (done.stderr or done.stdout).strip() or f"exit {done.returncode}"
    name = f"{entry['project']}/{entry['stack']}"
    return f"### Change preview: `{name}`\n\n**Could not be made:**\n\n```\n{said}\n```\n", "failed"


def compose(sections: list[str], *, data_loss: bool) -> str:
    """The comment: the marker, a headline, then each stack's section, cut to GitHub's limit."""
    head = [MARKER, "## Offline change preview", ""]
    if data_loss:
        head += [
            f"**This change loses data.** Label the pull request `{LABEL}` if that is intended, "
            "then re-run the change-preview job.",
            "",
        ]
    body = "\n".join(head) + "\n" + "\n".join(sections)
    if len(body) > LIMIT:
        body = body[:LIMIT] + "\n\n… cut to fit a comment; run `infra-kit diff` for the rest.\n"
    return body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--base", required=True, help="the commit the pull request merges into")
    parser.add_argument("--matrix", type=Path, required=True, help="list_stacks.py output")
    parser.add_argument("--out", type=Path, required=True, help="where to write the comment")
    args = parser.parse_args(argv)
    entries = json.loads(args.matrix.read_text(encoding="utf-8"))["include"]
    sections, outcomes = [], []
    with tempfile.TemporaryDirectory(prefix="change-preview-") as scratch:
        for entry in entries:
            text, outcome = _section(args.base, entry, Path(scratch))
            sections.append(text)
            outcomes.append(outcome)
            print(f"{entry['project']}/{entry['stack']}: {outcome}", file=sys.stderr)
    data_loss = "data-loss" in outcomes
    args.out.write_text(compose(sections, data_loss=data_loss), encoding="utf-8")
    github_output = os.environ.get("GITHUB_OUTPUT")
    if github_output:
        with open(github_output, "a", encoding="utf-8") as handle:
            handle.write(f"data_loss={str(data_loss).lower()}\n")
            handle.write(f"failed={str('failed' in outcomes).lower()}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
