"""The README stays true: its commands are what CI runs, its stack file is the real one."""

from __future__ import annotations

import re
from pathlib import Path

import yaml


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


def test_the_quickstart_has_two_commands_and_ci_runs_the_test_command_verbatim(repo: Path) -> None:
    readme = (repo / "README.md").read_text()
    quickstart = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    (block,) = _blocks(quickstart, "sh")
    commands = [line for line in block.splitlines() if line.strip()]
    assert len(commands) == 2
    assert commands[0].endswith("infra-kit synth --stack dev")
    assert commands[1] in (repo / ".ci" / "run").read_text().splitlines()


def test_the_stack_file_shown_is_the_prod_stack_file(repo: Path) -> None:
    readme = (repo / "README.md").read_text()
    section = readme.split("stacks/Pulumi.prod.yaml", 1)[1]
    shown = yaml.safe_load(_blocks(section, "yaml")[0])
    assert shown == yaml.safe_load((repo / "stacks" / "Pulumi.prod.yaml").read_text())
