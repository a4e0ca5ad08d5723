"""How long offline synthesis takes, against floors measured in the same run.

Run: ``python3 -m uv run --locked python benchmarks/bench_synth.py [--repeat N]``.

Every figure is the median over N fresh processes, and the cases take turns within each round,
so a machine that gets busier slows every case alike. Figures are not asserted (machines differ);
each ratio is printed next to its target.

- **Synth**: ``python -m infra_kit.cli synth`` end to end for the platform's dev and prod stacks.
- **Floor (bare)**: a program that imports pulumi, pulumi_aws and pulumi_kubernetes and registers
  as many resources as the prod synth records, under the SDK's plain mocks.
- **Floor (import-matched)**: the same program, also importing every provider module the prod
  synth loaded; the synth's ratio to it is what the engine and the components add.
- **Phases** of the prod synth: interpreter start, imports, profile load, program, engine
  recording, writing, check summary and exit (see ``_phases.py``).
- **Imports**: ``import infra_kit, infra_kit.aws, infra_kit.k8s`` against the three SDKs.
- **Scaling**: synth of a project with 20, 200 and 400 ``WebService``; linear means the ratios
  stay below the ratio of service counts.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _programs import FLOOR_PROGRAM, IMPORT_INFRA_KIT, IMPORT_SDKS, write_scaling_project

REPO = Path(__file__).resolve().parents[1]
PHASES = Path(__file__).resolve().with_name("_phases.py")
SERVICES = (20, 200, 400)
PHASE_NAMES = (
    "startup", "imports", "profile", "program", "recording", "writing", "check", "exit", "other",
)  # fmt: skip


def _run(args: list[str], *, stdin: str | None = None, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(
        args, cwd=REPO, check=True, capture_output=True, text=True, input=stdin,
        env={**os.environ, **(env or {})},
    )  # fmt: skip
    return time.perf_counter() - start


def _synth(stack: str, project: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "infra_kit.cli", "synth", "--quiet", "--stack", stack,
            "--project-dir", str(project), "--out", str(out)]  # fmt: skip


def _phases(marks: Path, modules: Path | None, synth: list[str]) -> dict[str, float]:
    """One prod synth through ``_phases.py``: seconds per phase."""
    spawned = time.perf_counter()
    subprocess.run(
        [sys.executable, str(PHASES), str(marks), str(modules or "-"), *synth[3:]],
        cwd=REPO, check=True, capture_output=True,
    )  # fmt: skip
    ended = time.perf_counter()
    at: dict[str, float] = {}
    for line in marks.read_text().splitlines():
        name, value = line.split()
        at[name] = float(value)
    phases = {
        "startup": at["start"] - spawned,
        "imports": at["imports"] - at["start"],
        "profile": at["spent:config"] + at["spent:environment"],
        "recording": at["spent:recording"],
        # Environment.load runs inside the program; the stack config is read before the run.
        "program": at["run-end"]
        - at["run-start"]
        - at["spent:recording"]
        - at["spent:environment"],
        "writing": at["spent:writing"],
        "check": at["spent:check"],
        "exit": ended - at["done"],
    }
    phases["other"] = ended - spawned - sum(phases.values())
    phases["total"] = ended - spawned
    return phases


def _median(samples: list[float]) -> float:
    return statistics.median(samples)


def _ratio_line(label: str, value: float, target: float) -> str:
    verdict = "meets" if value <= target else "MISSES"
    return f"  {label:<44} {value:6.2f}   target <= {target:<5g} {verdict}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-scaling", action="store_true", help="Skip the WebService scaling.")
    options = parser.parse_args()
    repeat = options.repeat
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        # Discovery, which also warms the file cache: which modules a prod synth loads, and how
        # many resources it records.
        modules = tmp / "modules.json"
        _run(
            [sys.executable, str(PHASES), str(tmp / "marks"), "-",
             *_synth("prod", REPO, tmp / "discover")[3:]],
            env={"BENCH_MODULES_OUT": str(modules)},
        )  # fmt: skip
        loaded = [
            m for m in json.loads(modules.read_text())
            if not m.endswith("__main__") and m not in ("__main__", "__mp_main__")
        ]  # fmt: skip
        modules.write_text(json.dumps(loaded))
        providers = [m for m in loaded if m.startswith(("pulumi_aws.", "pulumi_kubernetes."))]
        graph = json.loads((tmp / "discover" / "graph.json").read_text())
        resources = len(graph["resources"])
        floor = [sys.executable, "-", str(resources)]
        scaling = {n: write_scaling_project(tmp / f"scaling-{n}", n) for n in SERVICES}
        scaling_resources: dict[int, int] = {}

        cases: dict[str, Callable[[], float]] = {
            "import the three SDKs": lambda: _run([sys.executable, "-c", IMPORT_SDKS]),
            "import infra_kit (aws, k8s)": lambda: _run([sys.executable, "-c", IMPORT_INFRA_KIT]),
            "floor (bare)": lambda: _run(floor, stdin=FLOOR_PROGRAM),
            "floor (import-matched)": lambda: _run([*floor, *providers], stdin=FLOOR_PROGRAM),
            "synth platform dev": lambda: _run(_synth("dev", REPO, tmp / "dev")),
            "synth platform prod": lambda: _run(_synth("prod", REPO, tmp / "prod")),
        }
        if not options.no_scaling:
            for n, project in scaling.items():
                cases[f"synth {n} web services"] = lambda project=project, n=n: _run(
                    _synth("dev", project, tmp / f"out-{n}")
                )
        samples: dict[str, list[float]] = {label: [] for label in cases}
        phase_samples: dict[str, list[float]] = {name: [] for name in (*PHASE_NAMES, "total")}
        for _round in range(repeat):
            for label, case in cases.items():
                samples[label].append(case())
            phases = _phases(tmp / "marks", modules, _synth("prod", REPO, tmp / "phases"))
            for name, seconds in phases.items():
                phase_samples[name].append(seconds)
        if not options.no_scaling:
            for n in SERVICES:
                written = json.loads((tmp / f"out-{n}" / "graph.json").read_text())
                scaling_resources[n] = len(written["resources"])

    t = {label: _median(values) for label, values in samples.items()}
    prod = t["synth platform prod"]
    print(
        f"infra-kit synth, median of {repeat} fresh processes per case ({resources} resources in prod):"
    )
    for label, seconds in t.items():
        print(f"  {label:<32} {seconds:6.2f} s")
    print(f"  prod synth: {resources / prod:,.0f} resources/s; floor (bare) "
          f"{resources / t['floor (bare)']:,.0f} resources/s")  # fmt: skip
    print(f"prod synth by phase (median of {repeat}, through benchmarks/_phases.py):")
    for name in (*PHASE_NAMES, "total"):
        print(f"  {name:<12} {_median(phase_samples[name]):6.2f} s")
    print(f"  ({len(providers)} provider modules loaded)")
    if not options.no_scaling:
        print("scaling (WebService, dev):")
        for n in SERVICES:
            seconds = t[f"synth {n} web services"]
            count = scaling_resources[n]
            print(f"  {n:>4} services  {count:>6} resources  {seconds:6.2f} s")
        low, mid, high = (t[f"synth {n} web services"] for n in SERVICES)
        marginal = (high - mid) / max(1, scaling_resources[400] - scaling_resources[200])
        print(f"  marginal cost between 200 and 400 services: {marginal * 1000:.2f} ms/resource")
    print("ratios:")
    print(_ratio_line("prod synth / floor (bare)", prod / t["floor (bare)"], 1.5))
    print(
        _ratio_line("prod synth / floor (import-matched)", prod / t["floor (import-matched)"], 1.1)
    )
    print(_ratio_line(
        "import infra_kit (aws, k8s) / import the SDKs",
        t["import infra_kit (aws, k8s)"] / t["import the three SDKs"], 1.1,
    ))  # fmt: skip
    if not options.no_scaling:
        print(_ratio_line("t(200 services) / t(20 services)", mid / low, 10.5))
        print(_ratio_line("t(400 services) / t(200 services)", high / mid, 2.1))


if __name__ == "__main__":
    main()
