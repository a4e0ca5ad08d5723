"""Running a Pulumi Python program offline and collecting its resource graph.

A run never hangs and never lies: an exception anywhere in the program, including inside an
``.apply()``, ends it with a message naming the user's line and the resource whose input was
being computed; a run that stops making progress is stopped by a watchdog that says what it was
waiting for; a duplicate URN is refused with both locations; and every event loop and executor
the run opened is closed when it ends, whatever happened.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import os
import runpy
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from pulumi.runtime import config as runtime_config
from pulumi.runtime import rpc, set_all_config, set_mocks
from pulumi.runtime.settings import SETTINGS, _get_rpc_manager, get_root_resource
from pulumi.runtime.stack import run_pulumi_func

from infra_kit.core._records import ENVIRONMENT_TYPE
from infra_kit.core.engine._cloud import FakeCloud
from infra_kit.core.engine._config import WatchedConfig
from infra_kit.core.engine._graph import Graph
from infra_kit.core.engine._hooks import ConstructionTracker, is_user_file, relative, user_frames
from infra_kit.core.engine._project import (
    SECRET_PLACEHOLDER,
    StackConfig,
    find_projects,
    load_project,
    load_stack_config,
)
from infra_kit.core.engine._recorder import OfflineMocks, RecordingMonitor
from infra_kit.core.engine._values import decode_struct
from infra_kit.core.engine._watchdog import TIMEOUT_ENV, Watchdog, timeout_from_env
from infra_kit.errors import ConfigError, InfraKitError, SynthError

__all__ = ["OfflineEngine", "raw_outputs", "synthesize"]

_CHAIN_ENV = "INFRA_KIT_SYNTH_CHAIN"
_PACKAGE_ROOT = Path(__file__).resolve().parents[3]
_ROOT_TYPE = "pulumi:pulumi:Stack"
Progress = Callable[[str], None]


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
    ) -> None:
        self.program = program
        self.project_name = project
        self.stack = stack
        self.config = config
        self.directory = directory.resolve()
        self.root = _repo_root(self.directory)
        self.timeout = timeout if timeout is not None else timeout_from_env()
        self.progress = progress
        self.hard_exit = hard_exit
        self.monitor: RecordingMonitor | None = None
        self.tracker: ConstructionTracker | None = None
        self.warnings: list[str] = []
        self.diagnostics: list[dict[str, Any]] = []
        self.program_exception: BaseException | None = None
        self._stack_outputs: dict[str, tuple[dict[str, Any], list[str]]] = {}
        self._resolving: str | None = None

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
        loop, owned = _loop_for_run()
        loop.set_exception_handler(_quiet_abandoned)
        watchdog: Watchdog | None = None
        task: asyncio.Task[None] | None = None
        try:
            set_all_config(self.config.values, self.config.secret_keys)
            runtime_config.CONFIG.set(
                WatchedConfig(
                    runtime_config.CONFIG.get(),
                    self.config.secret_keys,
                    (self.root, self.directory, _PACKAGE_ROOT),
                    self._clear_read,
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
                paused=lambda: self._resolving is not None,
                report=self._report_progress,
                hard_exit=self.hard_exit,
            )
            watchdog.start()
            self._say(f"running the program of {self.project_name}/{self.stack}")
            try:
                loop.run_until_complete(task)
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
                exc.where = self._program_site(exc)
                raise
            except Exception as exc:  # a program error: say where, without the runtime's frames
                self.program_exception = exc
                message = self._describe_program_error(exc)
                if watchdog.message is not None:
                    message = watchdog.message
                raise SynthError(message) from exc
            root = get_root_resource()
            exported: dict[str, Any] = dict(getattr(root, "outputs", None) or {})
            struct = loop.run_until_complete(rpc.serialize_properties(exported, {}))
        finally:
            stalled = watchdog is not None and watchdog.message is not None
            if watchdog is not None:
                watchdog.stop()
            logger.removeHandler(collector)
            if owned:
                _close_loop(loop, stalled=stalled)
            else:
                _cancel_leftovers(loop, stalled=stalled)
            self.warnings = [*collector.messages, *self.warnings]
        outputs, secret_paths = decode_struct(struct, roots)
        records = sorted(monitor.records.values(), key=lambda r: r["urn"])
        self._scan(records, outputs, secret_paths, cloud)
        self._say(f"{len(records)} resources registered")
        return Graph(
            self.project_name, self.stack, records, outputs, secret_paths, list(self.diagnostics)
        )

    # -- what the run tells the user ------------------------------------------------------------
    def _report_progress(self) -> None:
        if self.monitor is not None and self._resolving is None:
            self._say(f"{len(self.monitor.records)} resources registered")

    def _waiting_for(self) -> str:
        parts = []
        if self._resolving is not None:
            parts.append(f"It was resolving the StackReference {self._resolving!r}.")
        if self.tracker is not None and self.monitor is not None:
            waiting = [
                c for urn, c in self.tracker.by_urn.items() if urn not in self.monitor.records
            ]
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

    def _clear_read(self, key: str, getter: str, site: str) -> None:
        name = key.split(":", 1)[-1]
        message = (
            f"config {key!r} is a secure: value but {site} reads it with a plain getter, so it "
            f"reaches inputs and outputs in clear (and into state in a real run). Fix: read it "
            f"with config.{getter}({name!r})"
            + (f" or config.require_secret({name!r})" if getter == "get_secret" else "")
        )
        diagnostic = {"code": "secret-config-read-in-clear", "key": key, "source": site}
        if diagnostic not in [
            {k: d.get(k) for k in ("code", "key", "source")} for d in self.diagnostics
        ]:
            self.diagnostics.append({**diagnostic, "message": message})
            self.warnings.append(f"warning: {message}")

    def _scan(
        self,
        records: list[dict[str, Any]],
        outputs: dict[str, Any],
        output_secret_paths: list[str],
        cloud: FakeCloud,
    ) -> None:
        """Report secrets that reached values in clear, and outputs the engine had to invent."""
        placeholders = {SECRET_PLACEHOLDER.format(key=k): k for k in self.config.secret_keys}
        seen: set[tuple[str, str, str]] = set()
        places: list[tuple[str, dict[str, Any] | Any, list[str]]] = [
            (r["urn"], r["inputs"], r["secret_paths"]) for r in records
        ]
        places += [(r["urn"], r["outputs"], r["output_secret_paths"]) for r in records]
        places.append(("stack outputs", outputs, output_secret_paths))
        for where, value, secret in places:
            for path, text, is_secret in _strings(value, "", set(secret)):
                for placeholder, key in placeholders.items():
                    if is_secret:
                        break
                    if placeholder in text and ("clear", where, path) not in seen:
                        seen.add(("clear", where, path))
                        message = (
                            f"the secure: config value {key!r} reaches {where} at {path or '.'} "
                            "in clear; read it with get_secret/require_secret so it stays secret"
                        )
                        self.diagnostics.append(
                            {"code": "secret-in-clear", "key": key, "urn": where, "path": path,
                             "message": message}
                        )  # fmt: skip
                        self.warnings.append(f"warning: {message}")
                for type_, name, prop in cloud.placeholders.find(text):
                    if ("fake", where, f"{type_}.{name}.{prop}") in seen:
                        continue
                    seen.add(("fake", where, f"{type_}.{name}.{prop}"))
                    message = (
                        f"{where} at {path or '.'} uses the output {prop!r} of {type_} {name!r}, "
                        "which the offline engine does not imitate; it got a fake placeholder "
                        "(offline-unimitated-…). Teach infra_kit/core/engine/_cloud.py its value"
                    )
                    self.diagnostics.append(
                        {"code": "unimitated-output", "urn": where, "path": path,
                         "resource": f"{type_}::{name}", "property": prop, "message": message}
                    )  # fmt: skip
                    self.warnings.append(f"warning: {message}")

    def _program_site(self, exc: BaseException) -> str | None:
        """``path:line`` of the program's own line the error came from: the innermost frame in
        the project's directory, else the innermost frame of any program code."""
        frames: list[tuple[str, int, str, dict[str, Any]]] = []
        for item in _exception_chain(exc):
            frames.extend(_frames(item.__traceback__))
        user = [f for f in frames if f[0].startswith(str(self.directory)) and _user(f[0])]
        anywhere = [f for f in frames if _user(f[0])]
        site = user[-1] if user else (anywhere[-1] if anywhere else None)
        return f"{site[0]}:{site[1]}" if site else None

    def _describe_program_error(self, exc: BaseException) -> str:
        chain = _exception_chain(exc)
        root_cause = chain[-1]
        frames: list[tuple[str, int, str, dict[str, Any]]] = []
        for item in chain:
            frames.extend(_frames(item.__traceback__))
        resource = _resource_context(frames)
        site = self._program_site(exc)
        where = f" at {site}" if site else ""
        if isinstance(root_cause, InfraKitError):
            text = f"{root_cause}"
            return f"{text} (raised{where})" if where else text
        detail = f"{type(root_cause).__name__}: {root_cause}"
        context = ""
        if resource is not None:
            type_, name, prop = resource
            created = ""
            if self.tracker is not None:
                for c in self.tracker.by_urn.values():
                    if c.type == type_ and c.name == name and c.sites:
                        created = f", created at {c.sites[-1]}"
                        break
            what = f"input {prop!r} of " if prop else "the inputs of "
            context = f" while computing {what}{type_} {name!r}{created}"
        return (
            f"the program in {self.directory} failed{where}: {detail}{context}. "
            "Run with --traceback to see the full traceback"
        )

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
        if project not in projects:
            raise SynthError(
                f"StackReference {name!r}: no project named {project!r} in {self.root} "
                f"(found: {', '.join(sorted(projects)) or 'none'})"
            )
        chain = [c for c in os.environ.get(_CHAIN_ENV, "").split(",") if c]
        here = f"{self.project_name}/{self.stack}"
        if f"{project}/{stack}" in [*chain, here]:
            raise SynthError(
                f"StackReference cycle: {' -> '.join([*chain, here, f'{project}/{stack}'])}"
            )
        env = {**os.environ, _CHAIN_ENV: ",".join([*chain, here]), TIMEOUT_ENV: str(self.timeout)}
        self._resolving = name
        self._say(f"resolving StackReference {name} (synthesizing {project}/{stack})")
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "infra_kit.core.engine", str(projects[project]), stack],
                capture_output=True,
                text=True,
                env=env,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        finally:
            self._resolving = None
        if proc.returncode != 0:
            raise SynthError(
                f"StackReference {name!r}: synthesizing it failed:\n{proc.stderr.strip()}"
            )
        data = json.loads(proc.stdout)
        result = (data["outputs"], data["secret_output_names"])
        self._stack_outputs[name] = result
        self._say(f"resolved StackReference {name}")
        return result


def _strings(value: Any, path: str, secret: set[str]) -> list[tuple[str, str, bool]]:
    """``(path, text, is_secret)`` of every string inside ``value``; ``is_secret`` when it is at
    or under one of the ``secret`` paths."""
    found = []
    stack: list[tuple[str, Any, bool]] = [(path, value, path in secret)]
    while stack:
        where, item, hidden = stack.pop()
        if isinstance(item, str):
            found.append((where, item, hidden))
        elif isinstance(item, dict):
            for k, v in item.items():
                child = f"{where}.{k}" if where else str(k)
                stack.append((child, v, hidden or child in secret))
        elif isinstance(item, list):
            for i, v in enumerate(item):
                child = f"{where}[{i}]"
                stack.append((child, v, hidden or child in secret))
    return found


def _loop_for_run() -> tuple[asyncio.AbstractEventLoop, bool]:
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


def _cancel_leftovers(loop: asyncio.AbstractEventLoop, *, stalled: bool) -> None:
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for t in pending:
        t.cancel()
    if pending and not stalled:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))


def _close_loop(loop: asyncio.AbstractEventLoop, *, stalled: bool) -> None:
    """Cancel what the program left running, then close the loop and its default executor."""
    try:
        _cancel_leftovers(loop, stalled=stalled)
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


def _quiet_abandoned(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Drop "exception was never retrieved" reports of outputs a failed program abandoned.

    The program's first error is already raised to the caller; the runtime's other pending
    outputs fail with the same cause and would only repeat it, with tracebacks, on stderr.
    """
    if "never retrieved" in str(context.get("message", "")):
        return
    loop.default_exception_handler(context)


def _exception_chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and its causes, outermost first; the runtime chains an error to itself."""
    chain: list[BaseException] = []
    seen: set[int] = set()
    item: BaseException | None = exc
    while item is not None and id(item) not in seen:
        seen.add(id(item))
        chain.append(item)
        item = item.__cause__ or (None if item.__suppress_context__ else item.__context__)
    return chain


def _frames(tb: TracebackType | None) -> list[tuple[str, int, str, dict[str, Any]]]:
    found = []
    while tb is not None:
        frame = tb.tb_frame
        found.append((frame.f_code.co_filename, tb.tb_lineno, frame.f_code.co_name, frame.f_locals))
        tb = tb.tb_next
    return found


def _user(filename: str) -> bool:
    return is_user_file(filename)


def _resource_context(
    frames: list[tuple[str, int, str, dict[str, Any]]],
) -> tuple[str, str, str | None] | None:
    """``(type, name, input)`` the runtime was preparing when the error happened, if any."""
    found: tuple[str, str, str | None] | None = None
    prop: str | None = None
    for filename, _line, function, local in frames:
        if "pulumi" not in filename:
            continue
        if function in ("do_register", "do_read", "prepare_resource") and "ty" in local:
            resource = local.get("res")
            name = local.get("name") or getattr(resource, "_name", None)
            if name is not None:
                found = (str(local.get("ty")), str(name), None)
        if function == "serialize_properties" and isinstance(local.get("k"), str):
            prop = local["k"]
    if found is None:
        return None
    return (found[0], found[1], prop)


def format_traceback(exc: BaseException) -> str:
    """The full traceback of a program error, for ``--traceback``."""
    return "".join(traceback.format_exception(exc))


def synthesize(project_dir: Path | str, stack: str, **options: Any) -> Graph:
    """Run ``stack`` of the Pulumi project in ``project_dir`` offline and return its graph."""
    return OfflineEngine.for_project(project_dir, stack, **options).run()


def raw_outputs(project_dir: Path | str, stack: str) -> dict[str, Any]:
    """Stack outputs in clear with the names of the secret ones, for StackReference resolution."""
    graph = synthesize(project_dir, stack, hard_exit=True)
    secret_names = sorted({p.split(".")[0].split("[")[0] for p in graph.output_secret_paths})
    return {"outputs": graph.outputs, "secret_output_names": secret_names}


__all__ += ["format_traceback", "relative", "user_frames"]
