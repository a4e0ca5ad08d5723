"""The run's event loop at its end: what an interrupted run leaves is freed quietly."""

from __future__ import annotations

import asyncio
import gc
import warnings

from infra_kit.core.engine._loop import cancel_leftovers


async def _inner() -> None:
    return None


async def _outer() -> None:
    started = _inner()  # made, never awaited: what a half-built Output leaves behind
    await asyncio.sleep(3600)
    await started


def _leftover_warnings(*, abandoned: bool) -> list[str]:
    loop = asyncio.new_event_loop()
    try:
        started = {loop.create_task(_outer())}
        loop.run_until_complete(asyncio.sleep(0))  # the task starts and makes its coroutine
        # Only the loop holds it now, as it holds a program's abandoned tasks.
        started.clear()
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            cancel_leftovers(loop, stalled=False, abandoned=abandoned)
            gc.collect()
        # Only this test's coroutine: the collection may free other tests' leftovers too.
        return [
            str(w.message)
            for w in seen
            if issubclass(w.category, RuntimeWarning) and "'_inner'" in str(w.message)
        ]
    finally:
        loop.close()


def test_an_abandoned_run_frees_its_unawaited_coroutines_without_a_warning() -> None:
    assert _leftover_warnings(abandoned=True) == []


def test_a_completed_run_keeps_pythons_report_of_a_coroutine_never_awaited() -> None:
    assert any("was never awaited" in m for m in _leftover_warnings(abandoned=False))
