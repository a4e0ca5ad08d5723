"""The event loop of one offline run: opened for it, and closed with its executor at its end."""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

__all__ = ["cancel_leftovers", "close_loop", "loop_for_run", "quiet_abandoned"]

_NEVER_AWAITED = r"coroutine .* was never awaited"


def loop_for_run() -> tuple[asyncio.AbstractEventLoop, bool]:
    """The event loop a run uses, and whether the run owns it (and so closes it at its end).

    A caller that already made Outputs on its thread's loop (a test building inputs before
    ``run_offline``) keeps that loop, since those Outputs belong to it; otherwise the run opens
    its own.
    """
    policy = asyncio.get_event_loop_policy()
    current = getattr(getattr(policy, "_local", None), "_loop", None)
    if (
        isinstance(current, asyncio.AbstractEventLoop)
        and not current.is_closed()
        and not current.is_running()
    ):
        return current, False
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    return loop, True


def cancel_leftovers(
    loop: asyncio.AbstractEventLoop, *, stalled: bool, abandoned: bool = False
) -> None:
    """Cancel the tasks the run left pending (and, unless it stalled, let them finish).

    ``abandoned``: the run ended early (interrupted, or failed). Outputs it left half-built hold
    coroutines nothing will await; Python reports each of them ("coroutine ... was never
    awaited") when it frees them, a screen of warnings that says nothing the run's own message
    does not. The coroutines the cancelled tasks release are freed here, with that one report
    silenced; a run that completed keeps it. (No collection is forced for the ones held in
    reference cycles: a full collection of a large process costs more than the run it ends.)
    """
    with warnings.catch_warnings():
        if abandoned:
            warnings.filterwarnings("ignore", _NEVER_AWAITED, RuntimeWarning)
        _cancel(loop, stalled=stalled)


def _cancel(loop: asyncio.AbstractEventLoop, *, stalled: bool) -> None:
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for t in pending:
        t.cancel()
    if pending and not stalled:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))


def close_loop(loop: asyncio.AbstractEventLoop, *, stalled: bool, abandoned: bool = False) -> None:
    """Cancel what the program left running, then close the loop and its default executor."""
    try:
        cancel_leftovers(loop, stalled=stalled, abandoned=abandoned)
        loop.run_until_complete(loop.shutdown_asyncgens())
        if stalled:
            # A thread of the executor may be stuck in the program; do not wait for it.
            executor = getattr(loop, "_default_executor", None)
            if executor is not None:
                executor.shutdown(wait=False, cancel_futures=True)
        else:
            loop.run_until_complete(loop.shutdown_default_executor())
    except (RuntimeError, asyncio.CancelledError):
        pass
    finally:
        asyncio.set_event_loop(None)
        loop.close()
        # Let code on this thread that needs a loop outside a run get a new one, as it could
        # before the run (the default policy creates one on first use unless one was set).
        local = getattr(asyncio.get_event_loop_policy(), "_local", None)
        if local is not None and hasattr(local, "_set_called"):
            local._set_called = False


def quiet_abandoned(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Drop "exception was never retrieved" reports of outputs a failed program abandoned.

    The program's first error is already raised to the caller; the runtime's other pending
    outputs fail with the same cause and would only repeat it, with tracebacks, on stderr.
    """
    if "never retrieved" in str(context.get("message", "")):
        return
    loop.default_exception_handler(context)
