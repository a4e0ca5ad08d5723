"""The ``infra-kit`` command line.

``infra-kit synth --stack NAME [--project-dir DIR] [--out OUT] [--json]`` runs a Pulumi program
offline and writes OUT/graph.json and OUT/k8s/. Errors are printed without a traceback and exit 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from infra_kit.errors import InfraKitError

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="infra-kit",
        description="Pulumi components and stacks that encode production practice.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    synth = sub.add_parser(
        "synth",
        help="run a stack's program offline and write its resource graph",
        description="Run a Pulumi Python program offline through the SDK's mock API. No Pulumi "
        "CLI, provider plugin or cloud account is used.",
    )
    synth.add_argument("--stack", required=True, help="stack name, e.g. dev, stage, prod")
    synth.add_argument(
        "--project-dir",
        type=Path,
        default=Path("."),
        help="directory holding Pulumi.yaml (default: the current directory)",
    )
    synth.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output directory (default: <project-dir>/.synth/<stack>)",
    )
    synth.add_argument(
        "--json", action="store_true", help="print graph.json to stdout, write nothing"
    )
    return parser


def _synth(args: argparse.Namespace) -> int:
    from infra_kit.core.engine import OfflineEngine

    engine = OfflineEngine.for_project(args.project_dir, args.stack)
    graph = engine.run()
    if args.json:
        sys.stdout.write(graph.to_json())
        return 0
    out = args.out if args.out is not None else engine.directory / ".synth" / args.stack
    written = graph.write(out)
    print(graph.summary())
    for warning in engine.warnings:
        print(warning)
    manifests = len(written) - 1
    print(f"wrote {out / 'graph.json'} and {manifests} Kubernetes manifest(s) under {out / 'k8s'}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "synth":
            return _synth(args)
    except InfraKitError as exc:
        print(f"infra-kit {args.command}: error: {exc}", file=sys.stderr)
        return 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
