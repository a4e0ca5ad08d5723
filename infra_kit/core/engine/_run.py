"""Running a Pulumi Python program offline and collecting its resource graph.

A run never hangs and never lies: an exception anywhere in the program, including inside an
``.apply()``, ends it with a message naming the user's line and the resource whose input was
being computed; a run that stops making progress is stopped by a watchdog that says what it was
waiting for; a duplicate URN is refused with both locations; and every event loop and executor
the run opened is closed when it ends, whatever happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import gc
import json
import logging
import math
import os
import runpy
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from pulumi.runtime import config as runtime_config
from pulumi.runtime import rpc, set_all_config, set_mocks
from pulumi.runtime.settings import SETTINGS, _get_rpc_manager, get_root_resource
from pulumi.runtime.stack import run_pulumi_func

from infra_kit.core._paths import parse_path
from infra_kit.core._records import ENVIRONMENT_TYPE
from infra_kit.core.engine._cloud import FakeCloud
from infra_kit.core.engine._config import WatchedConfig
from infra_kit.core.engine._diagnostics import Diagnostics
from infra_kit.core.engine._failures import describe_program_error, program_site
from infra_kit.core.engine._graph import Graph
from infra_kit.core.engine._hooks import ConstructionTracker
from infra_kit.core.engine._loop import cancel_leftovers, close_loop, loop_for_run, quiet_abandoned
from infra_kit.core.engine._project import (
    StackConfig,
    find_projects,
    load_project,
    load_stack_config,
)
from infra_kit.core.engine._recorder import OfflineMocks, RecordingMonitor
from infra_kit.core.engine._reference_cache import cache_file, cached_outputs, store_outputs
from infra_kit.core.engine._stand_ins import StandIn, default_stand_in
from infra_kit.core.engine._values import decode_struct
from infra_kit.core.engine._watchdog import TIMEOUT_ENV, Watchdog, timeout_from_env
from infra_kit.errors import ConfigError, InfraKitError, SynthError

__all__ = ["OfflineEngine", "raw_outputs", "synthesize"]

_CHAIN_ENV = "INFRA_KIT_SYNTH_CHAIN"
_PACKAGE_ROOT = Path(__file__).resolve().parents[3]
_ROOT_TYPE = "pulumi:pulumi:Stack"
Progress = Callable[[str], None]


class _Interrupt:
    """Notes a Ctrl-C during the run (main thread only), so the error it causes in the program
    is reported as the interruption it is."""

    def __init__(self) -> None:
        self.received = False
        self._previous: Any = None

    def _handle(self, signum: int, frame: Any) -> None:
        self.received = True
        raise KeyboardInterrupt

    def __enter__(self) -> _Interrupt:
        # Only where Ctrl-C would interrupt anyway: a caller that ignores SIGINT keeps ignoring it.
        main = threading.current_thread() is threading.main_thread()
        if main and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


@contextlib.contextmanager
def _collection_paused() -> Iterator[None]:
    """No cyclic garbage collection during a run; the caller's setting is restored after it.

    A run allocates many objects that live until it ends (records, outputs, futures), so every
    collection during it finds little garbage while scanning a heap that keeps growing, so the
    collector's share grows with the program (about a fifth of the CPU time of 200 services,
    for a few percent more peak memory). What a run leaves in cycles is collected after it, as
    usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _repo_root(start: Path) -> Path:
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists() or (candidate / "pyproject.toml").is_file():
            return candidate
    return start


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.levelname.lower()}: {record.getMessage()}")


class OfflineEngine:
    """Runs one Pulumi program for one stack through the SDK's mock API.

    ``run()`` returns the :class:`Graph`. After a failed run, :attr:`registered` still tells
    which resources the program had registered before it failed (ENV-3 asks for none), and
    :attr:`program_exception` holds the program's own exception, for ``--traceback``.

    ``timeout`` is the watchdog's limit in seconds without progress (default 20, or
    ``$INFRA_KIT_WATCHDOG_SECONDS``); ``progress`` receives short phase messages for a
    terminal; ``hard_exit`` lets the watchdog end the process when nothing else stops a stuck
    program (the command line sets it).
    """

    def __init__(
        self,
        program: Callable[[], None],
        *,
        project: str,
        stack: str,
        config: StackConfig,
        directory: Path,
        timeout: float | None = None,
        progress: Progress | None = None,
        hard_exit: bool = False,
        stand_ins: Mapping[str, StandIn] | None = None,
    ) -> None:
        self.program = program
        self.project_name = project
        self.stack = stack
        self.config = config
        self.directory = directory.resolve()
        self.root = _repo_root(self.directory)
        self.timeout = timeout if timeout is not None else timeout_from_env()
        if not (math.isfinite(self.timeout) and self.timeout > 0):
            raise SynthError(f"timeout={self.timeout!r}: give a positive number of seconds")
        self.progress = progress
        self.hard_exit = hard_exit
        self.stand_ins: dict[str, StandIn] = dict(stand_ins or {})
        #: The StackReferences a stand-in answered in the last run, by name.
        self.stood_in: list[str] = []
        self.monitor: RecordingMonitor | None = None
        self.tracker: ConstructionTracker | None = None
        self.warnings: list[str] = []
        self.notes = Diagnostics()
        self.program_exception: BaseException | None = None
        self._stack_outputs: dict[str, tuple[dict[str, Any], list[str]]] = {}
        # StackReferences being resolved now (they resolve concurrently) and their processes.
        self._resolving: list[str] = []
        self._children: set[subprocess.Popen[str]] = set()
        self._resolving_lock = threading.Lock()

    @classmethod
    def for_project(cls, project_dir: Path | str, stack: str, **options: Any) -> OfflineEngine:
        """The engine for ``stack`` of the Pulumi project in ``project_dir``."""
        project = load_project(Path(project_dir))
        config = load_stack_config(project, stack)
        main = project.program_dir / "__main__.py"

        def program() -> None:
            sys.path.insert(0, str(project.program_dir))
            try:
                runpy.run_path(str(main), run_name="__main__")
            finally:
                sys.path.remove(str(project.program_dir))

        return cls(
            program,
            project=project.name,
            stack=stack,
            config=config,
            directory=project.directory,
            **options,
        )

    @classmethod
    def for_function(
        cls,
        program: Callable[[], None],
        *,
        project: str = "test",
        stack: str = "dev",
        config: Mapping[str, str] | None = None,
        secret_keys: Sequence[str] = (),
        directory: Path | None = None,
        **options: Any,
    ) -> OfflineEngine:
        """The engine for a Python callable, as tests and embedding tools use it."""
        values = dict(config or {})
        values.setdefault("aws:region", "us-east-1")
        stack_config = StackConfig(values, list(secret_keys), values["aws:region"])
        return cls(
            program,
            project=project,
            stack=stack,
            config=stack_config,
            directory=directory or Path.cwd(),
            **options,
        )

    @property
    def registered(self) -> list[dict[str, Any]]:
        """Records of every resource registered so far, the root stack and the Environment record
        (a bookkeeping component that creates nothing) excluded."""
        if self.monitor is None:
            return []
        skip = {_ROOT_TYPE, ENVIRONMENT_TYPE}
        return [r for r in self.monitor.records.values() if r["type"] not in skip]

    @property
    def roots(self) -> tuple[Path, ...]:
        return (self.directory, self.root, _PACKAGE_ROOT)

    def run(self) -> Graph:
        with _collection_paused():
            return contextvars.Context().run(self._run)

    def _say(self, message: str) -> None:
        if self.progress is not None:
            self.progress(message)

    # -- the run --------------------------------------------------------------------------------
    def _run(self) -> Graph:
        roots = self.roots
        tracker = ConstructionTracker(
            project=self.project_name,
            stack=self.stack,
            roots=(self.root, self.directory, _PACKAGE_ROOT),
        )
        cloud = FakeCloud(self.config.region, self._resolve_stack_reference, tracker.class_of)
        mocks = OfflineMocks(cloud)
        monitor = RecordingMonitor(
            mocks, roots, project=self.project_name, stack=self.stack, sources=tracker.sources
        )
        self.tracker, self.monitor = tracker, monitor
        logger = logging.getLogger(f"infra_kit.synth.{id(self)}")
        logger.propagate = False
        collector = _Collect()
        logger.addHandler(collector)
        loop, owned = loop_for_run()
        loop.set_exception_handler(quiet_abandoned)
        watchdog: Watchdog | None = None
        task: asyncio.Task[None] | None = None
        completed = False
        try:
            set_all_config(self.config.values, self.config.secret_keys)
            runtime_config.CONFIG.set(
                WatchedConfig(
                    runtime_config.CONFIG.get(),
                    self.config.secret_keys,
                    (self.root, self.directory, _PACKAGE_ROOT),
                    self.notes.clear_read,
                )
            )
            set_mocks(
                mocks,
                project=self.project_name,
                stack=self.stack,
                preview=False,
                logger=logger,
                monitor=monitor,
            )
            # Where Pulumi.yaml is, as `pulumi up` tells a program (pulumi.get_root_directory()).
            SETTINGS.root_directory = str(self.directory)  # pyright: ignore[reportAttributeAccessIssue] -- a context property with a setter
            # MockSettings leaves the set of pending outputs as it was; a failed earlier run in
            # this process may have left tasks there, so each run starts with its own.
            SETTINGS.outputs = set()  # pyright: ignore[reportAttributeAccessIssue] -- a context property with a setter
            SETTINGS.lock = threading.Lock()  # pyright: ignore[reportAttributeAccessIssue] -- likewise
            pending_outputs: set[Any] = SETTINGS.outputs  # pyright: ignore[reportAttributeAccessIssue] -- likewise
            rpcs = _get_rpc_manager().rpcs
            tracker.install()
            task = loop.create_task(run_pulumi_func(self.program))
            running = task

            def cancel() -> None:
                loop.call_soon_threadsafe(running.cancel)

            watchdog = Watchdog(
                timeout=self.timeout,
                progress=lambda: (monitor.calls, tracker.count, len(rpcs), len(pending_outputs)),
                describe=self._waiting_for,
                cancel=cancel,
                paused=lambda: bool(self._resolving),
                report=self._report_progress,
                hard_exit=self.hard_exit,
            )
            watchdog.start()
            interrupt = _Interrupt()
            self._say(f"running the program of {self.project_name}/{self.stack}")
            try:
                # The program's prints go to stderr: stdout carries graph.json, reports and the
                # StackReference protocol.
                with interrupt, contextlib.redirect_stdout(sys.stderr):
                    loop.run_until_complete(task)
            except SystemExit as exc:
                site = program_site(exc, self.directory)
                raise SynthError(
                    f"the program in {self.directory} called sys.exit({exc.code!r})"
                    + (f" at {site}" if site else "")
                    + "; a Pulumi program ends by returning, and nothing after that line ran"
                ) from None
            except (asyncio.CancelledError, KeyboardInterrupt) as exc:
                if watchdog.message is not None:
                    raise SynthError(watchdog.message) from None
                if isinstance(exc, KeyboardInterrupt):
                    raise
                raise SynthError("the run was cancelled") from None
            except ConfigError:
                raise
            except InfraKitError as exc:  # refused by a component: keep the type, add the line
                self.program_exception = exc
                if watchdog.message is not None:
                    raise SynthError(watchdog.message) from exc
                if interrupt.received:
                    raise KeyboardInterrupt from None
                exc.where = program_site(exc, self.directory)
                raise
            except Exception as exc:  # a program error: say where, without the runtime's frames
                self.program_exception = exc
                if watchdog.message is not None:
                    raise SynthError(watchdog.message) from exc
                if interrupt.received:
                    # Ctrl-C landed in the middle of the program (an import, say); what failed
                    # after it is a consequence, not the program's fault.
                    raise KeyboardInterrupt from None
                raise SynthError(describe_program_error(exc, self.directory, self.tracker)) from exc
            root = get_root_resource()
            exported: dict[str, Any] = dict(getattr(root, "outputs", None) or {})
            struct = loop.run_until_complete(rpc.serialize_properties(exported, {}))
            completed = True
        finally:
            stalled = watchdog is not None and watchdog.message is not None
            if watchdog is not None:
                watchdog.stop()
                watchdog.join(timeout=5)
            with self._resolving_lock:
                for child in list(self._children):
                    child.kill()  # a run that ended takes the stacks it was reading with it
            logger.removeHandler(collector)
            if owned:
                close_loop(loop, stalled=stalled, abandoned=not completed)
            else:
                cancel_leftovers(loop, stalled=stalled, abandoned=not completed)
            self.warnings = [*collector.messages, *self.notes.warnings]
        outputs, secret_paths = decode_struct(struct, roots)
        records = sorted(monitor.records.values(), key=lambda r: r["urn"])
        self.notes.scan(
            records,
            outputs,
            secret_paths,
            secret_keys=self.config.secret_keys,
            placeholders=cloud.placeholders,
        )
        self.warnings = [*collector.messages, *self.notes.warnings]
        self._say(f"{len(records)} resources registered")
        return Graph(
            self.project_name, self.stack, records, outputs, secret_paths, list(self.notes.items)
        )

    # -- what the run tells the user ------------------------------------------------------------
    def _report_progress(self) -> None:
        if self.monitor is not None and not self._resolving:
            self._say(f"{len(self.monitor.records)} resources registered")

    def _waiting_for(self) -> str:
        parts = []
        with self._resolving_lock:
            resolving = list(self._resolving)
        if resolving:
            parts.append(f"It was resolving the StackReference(s) {', '.join(resolving)}.")
        if self.tracker is not None and self.monitor is not None:
            waiting = self.tracker.pending(dict(self.monitor.records))
            if waiting:
                shown = "; ".join(
                    f"{c.type} {c.name!r}" + (f" (created at {c.sites[-1]})" if c.sites else "")
                    for c in waiting[:8]
                )
                more = f" and {len(waiting) - 8} more" if len(waiting) > 8 else ""
                parts.append(
                    f"Still waiting for the inputs of {len(waiting)} resource(s): {shown}{more}; "
                    "an output they depend on never resolved."
                )
            else:
                parts.append(
                    "Every constructed resource was registered; it was waiting for outputs of "
                    "the program that never resolved (an await or apply that does not finish)."
                )
        return " ".join(parts)

    # -- StackReferences ------------------------------------------------------------------------
    def _resolve_stack_reference(self, name: str) -> tuple[dict[str, Any], list[str]]:
        parts = name.split("/")
        if len(parts) not in (2, 3):
            raise SynthError(
                f"StackReference {name!r}: expected 'project/stack' or 'org/project/stack'"
            )
        project, stack = parts[-2], parts[-1]
        if name in self._stack_outputs:
            return self._stack_outputs[name]
        projects = find_projects(self.root)
        stand_in = self.stand_ins.get(project)
        if stand_in is None and project not in projects:
            stand_in = default_stand_in(project)
            if stand_in is None:
                raise SynthError(
                    f"StackReference {name!r}: no project named {project!r} in {self.root} "
                    f"(found: {', '.join(sorted(projects)) or 'none'})"
                )
        if stand_in is not None:
            result = (
                stand_in.outputs(stack, self.config.region),
                list(stand_in.secret_output_names),
            )
            self._stack_outputs[name] = result
            self.stood_in.append(name)
            self.notes.stand_in(name, project, type(stand_in).__name__, self.root)
            self._say(f"StackReference {name} answered by the {project} stand-in")
            return result
        chain = [c for c in os.environ.get(_CHAIN_ENV, "").split(",") if c]
        here = f"{self.project_name}/{self.stack}"
        if f"{project}/{stack}" in [*chain, here]:
            raise SynthError(
                f"StackReference cycle: {' -> '.join([*chain, here, f'{project}/{stack}'])}"
            )
        kept = cache_file(projects[project], stack)
        cached = cached_outputs(kept)
        if cached is not None:
            self._stack_outputs[name] = cached
            self._say(f"resolved StackReference {name} (outputs kept in {kept})")
            return cached
        env = {**os.environ, _CHAIN_ENV: ",".join([*chain, here]), TIMEOUT_ENV: str(self.timeout)}
        self._say(f"resolving StackReference {name} (synthesizing {project}/{stack})")
        child = subprocess.Popen(
            [sys.executable, "-m", "infra_kit.core.engine", str(projects[project]), stack],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        with self._resolving_lock:
            self._resolving.append(name)
            self._children.add(child)
        try:
            # The child has a watchdog of its own; this bounds a child that keeps progressing.
            stdout, stderr = child.communicate(timeout=max(600.0, 30 * self.timeout))
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            raise SynthError(
                f"StackReference {name!r}: synthesizing {project}/{stack} did not finish in "
                f"{max(600.0, 30 * self.timeout):g} s"
            ) from None
        finally:
            with self._resolving_lock:
                self._resolving.remove(name)
                self._children.discard(child)
        if child.returncode != 0:
            raise SynthError(f"StackReference {name!r}: synthesizing it failed:\n{stderr.strip()}")
        try:
            data = json.loads(stdout)
            result = (data["outputs"], data["secret_output_names"])
        except (ValueError, KeyError, TypeError):
            raise SynthError(
                f"StackReference {name!r}: synthesizing {project}/{stack} printed something "
                f"that is not its outputs: {stdout[:200]!r}"
            ) from None
        self._stack_outputs[name] = result
        store_outputs(kept, result)
        self._say(f"resolved StackReference {name}")
        return result


def synthesize(project_dir: Path | str, stack: str, **options: Any) -> Graph:
    """Run ``stack`` of the Pulumi project in ``project_dir`` offline and return its graph."""
    return OfflineEngine.for_project(project_dir, stack, **options).run()


def raw_outputs(project_dir: Path | str, stack: str) -> dict[str, Any]:
    """Stack outputs in clear with the names of the secret ones, for StackReference resolution."""
    graph = synthesize(project_dir, stack, hard_exit=True)
    secret_names = sorted({str(parse_path(p)[0]) for p in graph.output_secret_paths if p})
    return {"outputs": graph.outputs, "secret_output_names": secret_names}
