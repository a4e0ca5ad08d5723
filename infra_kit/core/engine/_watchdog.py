"""The watchdog: a run that stops making progress is stopped, saying what it was waiting for."""

from __future__ import annotations

import math
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Hashable

__all__ = ["DEFAULT_TIMEOUT_SECONDS", "TIMEOUT_ENV", "Watchdog", "timeout_from_env"]

#: Seconds without progress after which a run is stopped.
DEFAULT_TIMEOUT_SECONDS = 20.0
#: Environment variable that overrides the default (the CLI's ``--timeout`` sets it for children).
TIMEOUT_ENV = "INFRA_KIT_WATCHDOG_SECONDS"
_GRACE_SECONDS = 3.0


def timeout_from_env() -> float:
    """The limit from ``$INFRA_KIT_WATCHDOG_SECONDS``, or the default when unset or not a
    positive, finite number."""
    raw = os.environ.get(TIMEOUT_ENV)
    try:
        value = float(raw) if raw else DEFAULT_TIMEOUT_SECONDS
    except ValueError:
        return DEFAULT_TIMEOUT_SECONDS
    return value if math.isfinite(value) and value > 0 else DEFAULT_TIMEOUT_SECONDS


class Watchdog(threading.Thread):
    """Polls ``progress()``; after ``timeout`` seconds without a change, stops the run.

    Stopping is gentle first (``cancel()``, which cancels the program's task on its event loop),
    then, if the loop is blocked in the program's own code, an interrupt of the main thread, and
    finally, where ``hard_exit`` is set (the command line), the process ends with exit 1.
    ``paused()`` holds the clock, e.g. while another stack is synthesized for a StackReference
    (that run has its own watchdog).
    """

    def __init__(
        self,
        *,
        timeout: float,
        progress: Callable[[], Hashable],
        describe: Callable[[], str],
        cancel: Callable[[], None],
        paused: Callable[[], bool] = lambda: False,
        report: Callable[[], None] | None = None,
        hard_exit: bool = False,
        poll: float = 0.2,
    ) -> None:
        super().__init__(name="infra-kit-watchdog", daemon=True)
        self.timeout = timeout
        self.progress = progress
        self.describe = describe
        self.cancel = cancel
        self.paused = paused
        self.report = report
        self.hard_exit = hard_exit
        self.poll = poll
        self.message: str | None = None
        self._stop_event = threading.Event()
        self._engine_thread = threading.current_thread()

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        try:
            self._watch()
        except Exception as exc:  # the watchdog must never die silently and leave a run unguarded
            self.message = (
                f"the watchdog failed ({type(exc).__name__}: {exc}); the run was stopped."
            )
            self._escalate()

    def _watch(self) -> None:
        last = self.progress()
        since = time.monotonic()
        while not self._stop_event.wait(self.poll):
            now = time.monotonic()
            current = self.progress()
            if current != last or self.paused():
                last, since = current, now
                if self.report is not None:
                    self.report()
                continue
            if now - since < self.timeout:
                continue
            try:
                waiting = self.describe()
            except Exception:  # describing is best effort; stopping is not
                waiting = ""
            self.message = (
                f"no progress for {self.timeout:g} s, so the run was stopped. "
                f"{waiting} Raise the limit with --timeout (or {TIMEOUT_ENV}) if the "
                "program is only slow"
            )
            self._escalate()
            return

    def _escalate(self) -> None:
        try:
            self.cancel()
        except RuntimeError:  # the loop already closed: the run has ended
            return
        if self._stop_event.wait(_GRACE_SECONDS):
            return
        if self._engine_thread is threading.main_thread():
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
            if self._stop_event.wait(_GRACE_SECONDS):
                return
        if self.hard_exit:
            print(f"infra-kit: error: {self.message}", file=sys.stderr, flush=True)
            os._exit(1)
