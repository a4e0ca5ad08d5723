"""Print the Pulumi stacks of this repository as a GitHub Actions matrix (JSON).

A project is any directory holding a ``Pulumi.yaml`` (the root platform project,
``cluster-services/`` and each of ``examples/*``); its stacks are the ``Pulumi.<stack>.yaml``
files in its ``stackConfigDir``.

    python scripts/ci/list_stacks.py                      # every stack
    python scripts/ci/list_stacks.py --changed FILE       # stacks a change touches
    python scripts/ci/list_stacks.py --stack dev --stack prod

``--changed`` reads a list of changed paths, one a line (``git diff --name-only``). A project is
affected when a changed path lies inside it, or outside every project but the root: the library
(``infra_kit/``), the lock file and the platform program are shared by every project, so a change
there affects them all. Output is
``{"include": [{"project_dir", "project", "stack", "tunnel_platform_stack"}, ...]}``,
with ``"include": []`` when nothing is affected. Exits 2 with a message when a ``Pulumi.yaml``
cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path, PurePosixPath

import yaml

ROOT = Path(__file__).resolve().parents[2]


def projects(root: Path) -> list[Path]:
    """The root project and cluster-services (each when it has a Pulumi.yaml), then every
    examples/* project, sorted."""
    found = [p for p in (root, root / "cluster-services") if (p / "Pulumi.yaml").is_file()]
    found += sorted(p.parent for p in root.glob("examples/*/Pulumi.yaml"))
    return found


def tunnel_platform_stack(project: str, stack_file: Path) -> str:
    """The platform stack whose EKS API tunnel a deploy of this stack opens (ADR 0017): the
    value of ``<project>:platform_stack`` in its stack file, or ``""`` for a stack that reads no
    platform (the platform itself, which creates only AWS resources)."""
    config = (yaml.safe_load(stack_file.read_text(encoding="utf-8")) or {}).get("config") or {}
    value = config.get(f"{project}:platform_stack", "")
    return value if isinstance(value, str) else ""


def stacks(root: Path, project_dir: Path) -> list[dict[str, str]]:
    """One matrix entry per stack file of the project."""
    spec = yaml.safe_load((project_dir / "Pulumi.yaml").read_text(encoding="utf-8"))
    config_dir = project_dir / spec.get("stackConfigDir", ".")
    rel, name = project_dir.relative_to(root).as_posix(), spec["name"]
    return [
        {
            "project_dir": rel,
            "project": name,
            "stack": f.name[len("Pulumi.") : -len(".yaml")],
            "tunnel_platform_stack": tunnel_platform_stack(name, f),
        }
        for f in sorted(config_dir.glob("Pulumi.*.yaml"))
    ]


def affected(root: Path, project_dirs: list[Path], changed: list[str]) -> set[Path]:
    """Projects that a change to ``changed`` (repository-relative paths) can alter."""
    nested = [p for p in project_dirs if p != root]
    hit: set[Path] = set()
    for path in (PurePosixPath(c.strip()) for c in changed if c.strip()):
        owners = [p for p in nested if path.is_relative_to(p.relative_to(root).as_posix())]
        hit.update(owners or project_dirs)
    return hit


def matrix(
    root: Path, changed: list[str] | None = None, only: list[str] | None = None
) -> dict[str, list[dict[str, str]]]:
    dirs = projects(root)
    if changed is not None:
        keep = affected(root, dirs, changed)
        dirs = [d for d in dirs if d in keep]
    entries = [e for d in dirs for e in stacks(root, d)]
    if only:
        entries = [e for e in entries if e["stack"] in only]
    return {"include": entries}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--changed", type=Path, help="file listing changed paths, one a line")
    parser.add_argument("--stack", action="append", help="keep only this stack name (repeatable)")
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root")
    args = parser.parse_args(argv)
    changed = args.changed.read_text(encoding="utf-8").splitlines() if args.changed else None
    try:
        result = matrix(args.root.resolve(), changed, args.stack)
    except (OSError, yaml.YAMLError, KeyError) as exc:
        print(f"list_stacks: cannot read a Pulumi.yaml: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
