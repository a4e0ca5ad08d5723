"""How long offline synthesis of the platform stacks takes, against a one-resource baseline.

Run: ``python3 -m uv run --locked python benchmarks/bench_synth.py [--repeat N]``.
It times the ``infra-kit synth`` command end to end (a fresh process each time, as a user runs it)
for dev and prod, and the same command on a one-resource project measured in the same run, and
prints medians and the ratio to that baseline. Figures are not asserted: machines differ.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BASELINE_PROGRAM = """
import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

aws.kms.Key("key", enable_key_rotation=True)
pulumi.export("ok", True)
"""


def _time(args: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(args, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


def _command(stack: str, project: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "infra_kit.cli", "synth", "--stack", stack,
            "--project-dir", str(project), "--out", str(out)]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "baseline"
        base.mkdir()
        (base / "Pulumi.yaml").write_text("name: baseline\nruntime: python\n")
        (base / "__main__.py").write_text(BASELINE_PROGRAM)
        (base / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-east-1\n")
        cases = {
            "baseline (one resource)": (base, "dev"),
            "platform dev": (REPO, "dev"),
            "platform prod": (REPO, "prod"),
        }
        results: dict[str, float] = {}
        for label, (project, stack) in cases.items():
            _time(_command(stack, project, Path(tmp) / "warmup"), REPO)  # warm the file cache
            runs = [_time(_command(stack, project, Path(tmp) / label), REPO) for _ in range(repeat)]
            results[label] = statistics.median(runs)
    baseline = results["baseline (one resource)"]
    print(f"infra-kit synth, median of {repeat} runs, fresh process each:")
    for label, seconds in results.items():
        print(f"  {label:<26} {seconds:6.2f} s   {seconds / baseline:5.2f}x baseline")


if __name__ == "__main__":
    main()
