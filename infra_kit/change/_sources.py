"""Where the two sides of a change preview come from: a graph.json, a synth output directory, or a
git ref whose tree is synthesized offline.

A ref's tree is exported (``git archive``) into a temporary directory and synthesized there by
that tree's own infra-kit, in a child process whose import path starts at the export: a change
inside a component (a renamed child, a new default) shows, not only a change to a stack program.
The directory is removed on every way out, Ctrl-C included; the child process is ended with it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click
import yaml

from infra_kit.core.stack_graphs import load_graph, synth_graph
from infra_kit.errors import SynthError
from infra_kit.policy._graph import GraphDoc

__all__ = ["WORKING_TREE", "Side", "git_root", "is_ref", "resolve"]

#: What NEW is called when it is the working tree.
WORKING_TREE = "the working tree"


@dataclass(frozen=True)
class Side:
    """One side of the comparison: its graph and how it was named on the command line."""

    label: str
    graph: GraphDoc


def git_root(start: Path) -> Path | None:
    """The top of the git work tree holding ``start``, or None outside one (or without git)."""
    try:
        done = subprocess.run(
            ["git", "-C", str(start), "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    return Path(done.stdout.strip()) if done.returncode == 0 else None


def is_ref(root: Path, ref: str) -> bool:
    """Whether ``ref`` names a commit in the repository at ``root``."""
    if not ref or ref.startswith("-"):
        return False
    done = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode == 0


def _from_path(path: Path) -> GraphDoc:
    if path.is_dir():
        graph = path / "graph.json"
        if not graph.is_file():
            raise SynthError(
                f"{path} is a directory without a graph.json; give a synth output directory "
                "(infra-kit synth --out DIR), a graph.json, or a git ref"
            )
        path = graph
    return load_graph(path)


def _export(root: Path, ref: str, into: Path) -> None:
    archive = into / "tree.tar"
    done = subprocess.run(
        ["git", "-C", str(root), "archive", "--format=tar", "-o", str(archive), ref],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SynthError(f"git archive {ref} failed: {done.stderr.strip()}")
    tree = into / "tree"
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    archive.unlink()


def _has_stack(project: Path, stack: str) -> bool:
    """Whether ``project`` holds a Pulumi project with a stack file for ``stack``."""
    manifest = project / "Pulumi.yaml"
    if not manifest.is_file():
        return False
    data = yaml.safe_load(manifest.read_text(encoding="utf-8")) or {}
    config_dir = project / str(data.get("stackConfigDir", ".") if isinstance(data, dict) else ".")
    return (config_dir / f"Pulumi.{stack}.yaml").is_file()


def _synth_ref(
    root: Path,
    ref: str,
    *,
    project: Path,
    stack: str,
    timeout: float | None,
    progress: Callable[[str], None] | None,
) -> GraphDoc:
    with tempfile.TemporaryDirectory(prefix="infra-kit-diff-") as scratch:
        where = Path(scratch)
        if progress:
            progress(f"exporting {ref}")
        _export(root, ref, where)
        tree = where / "tree"
        if not _has_stack(tree / project, stack):
            # The pull request adds the project or the stack: at BASE there is nothing yet.
            return GraphDoc({"project": "", "stack": stack, "resources": []})
        out = where / "out"
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(tree), os.environ.get("PYTHONPATH")])),
        }
        command = [
            sys.executable,
            "-c",
            "from infra_kit.cli import run; run()",
            "synth",
            "--quiet",
            "--stack",
            stack,
            "--project-dir",
            str(tree / project),
            "--out",
            str(out),
        ]
        if timeout is not None:
            command += ["--timeout", str(timeout)]
        if progress:
            progress(f"synthesizing {stack} at {ref}")
        done = subprocess.run(
            command, cwd=tree, env=env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0 or not (out / "graph.json").is_file():
            said = (done.stderr or done.stdout).strip().splitlines()
            raise SynthError(
                f"synthesizing stack {stack!r} of {project.as_posix() or '.'} at {ref} failed: "
                + (said[-1] if said else f"exit {done.returncode}")
            )
        return load_graph(out / "graph.json")


def resolve(
    argument: str | None,
    *,
    param: str,
    project_dir: Path,
    stack: str | None,
    timeout: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> Side:
    """The graph ``argument`` names: a graph.json, a directory holding one, or a git ref (with
    ``stack``); None is the working tree at ``project_dir`` (with ``stack``).

    A path that exists wins over a ref of the same name. Anything else is a usage error naming
    ``param``.
    """
    if argument is None:
        if stack is None:
            raise click.UsageError("NEW defaults to the working tree, which needs --stack NAME")
        graph, _ = synth_graph(project_dir, stack, timeout=timeout, progress=progress)
        return Side(WORKING_TREE, graph)
    path = Path(argument)
    if path.exists():
        return Side(argument, _from_path(path))
    root = git_root(project_dir)
    if root is not None and is_ref(root, argument):
        if stack is None:
            raise click.BadParameter(
                f"{argument!r} is a git ref; comparing refs synthesizes a stack, so give "
                "--stack NAME (and --project-dir for an app)",
                param_hint=param,
            )
        try:
            project = project_dir.resolve().relative_to(root.resolve())
        except ValueError:
            raise click.BadParameter(
                f"{project_dir} is outside the repository at {root} that holds {argument!r}",
                param_hint="--project-dir",
            ) from None
        graph = _synth_ref(
            root, argument, project=project, stack=stack, timeout=timeout, progress=progress
        )
        return Side(argument, graph)
    where = f" of the repository at {root}" if root is not None else " (and no git repository here)"
    raise click.BadParameter(
        f"{argument!r} is neither a graph.json, a directory holding one, nor a git ref{where}",
        param_hint=param,
    )
