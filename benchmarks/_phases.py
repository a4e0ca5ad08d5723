"""Runs ``python -m infra_kit.cli ARGS...`` and notes when each phase of the synth ends.

Usage: ``python benchmarks/_phases.py MARKS MODULES ARGS...``. MODULES is a JSON list of
modules to import before the command runs (``-`` for none), so that their cost is one phase
instead of being spread over the program. After it writes MODULES_OUT (``$BENCH_MODULES_OUT``),
the modules that were loaded once the command finished. MARKS receives one line per event,
``name seconds``, on the ``time.perf_counter`` clock, which on Linux is shared by every process,
so the parent can place the start and the end of this process on the same scale.

Phases: ``imports`` (the modules above); ``profile`` (reading the stack config and
``Environment.load``); ``recording`` (the engine's monitor, construction tracker and
diagnostics, as CPU time of the threads that ran them); ``program`` (the rest of the run);
``writing`` (graph.json and manifests) and ``check`` (the summary line); the parent derives
``exit`` from the moment the command returned to the moment the process ended.
"""

from __future__ import annotations

import time

_START = time.perf_counter()

import functools  # noqa: E402 -- after the clock: the first thing this process does
import importlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import runpy  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402


def main() -> None:
    marks_path, modules_path, *args = sys.argv[1:]
    marks = open(marks_path, "w", encoding="utf-8")  # noqa: SIM115 -- kept open until exit

    def mark(name: str, at: float | None = None) -> None:
        marks.write(f"{name} {time.perf_counter() if at is None else at:.6f}\n")
        marks.flush()

    mark("start", _START)
    if modules_path != "-":
        for module in json.loads(Path(modules_path).read_text()):
            try:
                importlib.import_module(module)
            except Exception:  # a module only some code paths can import
                continue
    mark("imports")

    spent = dict.fromkeys(("config", "environment", "recording", "writing", "check"), 0.0)

    def timed(phase: str, function: Callable[..., Any], clock: Callable[[], float]) -> Any:
        @functools.wraps(function)
        def wrapper(*a: Any, **kw: Any) -> Any:
            began = clock()
            try:
                return function(*a, **kw)
            finally:
                spent[phase] += clock() - began

        return wrapper

    import infra_kit.cli
    from infra_kit.core.engine import _diagnostics, _hooks, _recorder, _run
    from infra_kit.core.engine._graph import Graph
    from infra_kit.core.environment import Environment

    # The package's ``synth`` attribute is the click command; the module is only in sys.modules.
    synth_command = sys.modules["infra_kit.cli.synth"]
    wall, cpu = time.perf_counter, time.thread_time
    _run.load_stack_config = timed("config", _run.load_stack_config, wall)
    load = Environment.load.__func__  # pyright: ignore[reportFunctionMemberAccess]
    Environment.load = classmethod(timed("environment", load, wall))  # type: ignore[method-assign]
    monitor = _recorder.RecordingMonitor
    monitor._record = timed("recording", monitor._record, cpu)  # type: ignore[method-assign]
    monitor.RegisterResourceOutputs = timed("recording", monitor.RegisterResourceOutputs, cpu)  # type: ignore[method-assign]
    tracker = _hooks.ConstructionTracker
    tracker._observe = timed("recording", tracker._observe, cpu)  # type: ignore[method-assign]
    scan = _diagnostics.Diagnostics.scan
    _diagnostics.Diagnostics.scan = timed("recording", scan, wall)  # type: ignore[method-assign]
    Graph.write = timed("writing", Graph.write, wall)  # type: ignore[method-assign]
    synth_command._check_summary = timed("check", synth_command._check_summary, wall)
    engine_run = _run.OfflineEngine.run

    def run(self: Any) -> Any:
        mark("run-start")
        try:
            return engine_run(self)
        finally:
            mark("run-end")

    _run.OfflineEngine.run = run  # type: ignore[method-assign]
    command = infra_kit.cli.main

    def main_then_mark(argv: Any = None) -> int:
        code = command(argv)
        for phase, seconds in spent.items():
            marks.write(f"spent:{phase} {seconds:.6f}\n")
        mark("done")
        modules_out = os.environ.get("BENCH_MODULES_OUT")
        if modules_out:
            Path(modules_out).write_text(json.dumps(list(sys.modules)))
        return code

    infra_kit.cli.main = main_then_mark
    sys.argv = ["infra-kit", *args]
    runpy.run_module("infra_kit.cli", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
