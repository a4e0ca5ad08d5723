"""Running a Pulumi Python program offline and collecting its resource graph."""

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
from typing import Any

from pulumi.runtime import rpc, set_all_config, set_mocks
from pulumi.runtime.settings import SETTINGS, get_root_resource
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

from infra_kit.core.engine._cloud import FakeCloud
from infra_kit.core.engine._graph import Graph
from infra_kit.core.engine._project import (
    StackConfig,
    find_projects,
    load_project,
    load_stack_config,
)
from infra_kit.core.engine._recorder import OfflineMocks, RecordingMonitor
from infra_kit.core.engine._values import decode_struct
from infra_kit.errors import InfraKitError, SynthError

__all__ = ["OfflineEngine", "synthesize"]

_CHAIN_ENV = "INFRA_KIT_SYNTH_CHAIN"
_PACKAGE_ROOT = Path(__file__).resolve().parents[3]


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
    which resources the program had registered before it failed (ENV-3 asks for none).
    """

    def __init__(
        self,
        program: Callable[[], None],
        *,
        project: str,
        stack: str,
        config: StackConfig,
        directory: Path,
    ) -> None:
        self.program = program
        self.project_name = project
        self.stack = stack
        self.config = config
        self.directory = directory.resolve()
        self.root = _repo_root(self.directory)
        self.monitor: RecordingMonitor | None = None
        self.warnings: list[str] = []
        self._stack_outputs: dict[str, tuple[dict[str, Any], list[str]]] = {}

    @classmethod
    def for_project(cls, project_dir: Path | str, stack: str) -> OfflineEngine:
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
            program, project=project.name, stack=stack, config=config, directory=project.directory
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
        )

    @property
    def registered(self) -> list[dict[str, Any]]:
        """Records of every resource registered so far, the root stack excluded."""
        if self.monitor is None:
            return []
        return [r for r in self.monitor.records.values() if r["type"] != "pulumi:pulumi:Stack"]

    def run(self) -> Graph:
        return contextvars.Context().run(self._run)

    def _run(self) -> Graph:
        roots = (self.directory, self.root, _PACKAGE_ROOT)
        cloud = FakeCloud(self.config.region, self._resolve_stack_reference)
        mocks = OfflineMocks(cloud)
        self.monitor = RecordingMonitor(mocks, roots)
        logger = logging.getLogger(f"infra_kit.synth.{id(self)}")
        logger.propagate = False
        collector = _Collect()
        logger.addHandler(collector)
        set_all_config(self.config.values, self.config.secret_keys)
        set_mocks(
            mocks,
            project=self.project_name,
            stack=self.stack,
            preview=False,
            logger=logger,
            monitor=self.monitor,
        )
        # MockSettings leaves the set of pending outputs as it was; a failed earlier run in this
        # process may have left tasks there, so each run starts with its own.
        SETTINGS.outputs = set()  # pyright: ignore[reportAttributeAccessIssue] -- a context property with a setter
        SETTINGS.lock = threading.Lock()  # pyright: ignore[reportAttributeAccessIssue] -- likewise
        program = self.program
        _ensure_event_loop().set_exception_handler(_quiet_abandoned)
        try:
            _sync_await(run_pulumi_func(program))
        except InfraKitError:
            raise
        except Exception as exc:  # a program error: say where, without the runtime's frames
            raise SynthError(_describe_program_error(exc, self.directory)) from exc
        finally:
            logger.removeHandler(collector)
            self.warnings = collector.messages
        root = get_root_resource()
        exported: dict[str, Any] = dict(getattr(root, "outputs", None) or {})
        struct = _sync_await(rpc.serialize_properties(exported, {}))
        outputs, secret_paths = decode_struct(struct, roots)
        records = sorted(self.monitor.records.values(), key=lambda r: r["urn"])
        return Graph(self.project_name, self.stack, records, outputs, secret_paths)

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
        env = {**os.environ, _CHAIN_ENV: ",".join([*chain, here])}
        proc = subprocess.run(
            [sys.executable, "-m", "infra_kit.core.engine", str(projects[project]), stack],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if proc.returncode != 0:
            raise SynthError(
                f"StackReference {name!r}: synthesizing it failed:\n{proc.stderr.strip()}"
            )
        data = json.loads(proc.stdout)
        result = (data["outputs"], data["secret_output_names"])
        self._stack_outputs[name] = result
        return result


def _quiet_abandoned(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Drop "exception was never retrieved" reports of outputs a failed program abandoned.

    The program's first error is already raised to the caller; the runtime's other pending
    outputs fail with the same cause and would only repeat it, with tracebacks, on stderr.
    """
    if "never retrieved" in str(context.get("message", "")):
        return
    loop.default_exception_handler(context)


def _describe_program_error(exc: BaseException, program_dir: Path) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    cause = exc.__cause__
    while cause is not None:  # errors inside apply() surface wrapped; show the root frame
        frames += traceback.extract_tb(cause.__traceback__)
        cause = cause.__cause__
    user = [
        f
        for f in frames
        if f.filename.startswith((str(program_dir), str(_PACKAGE_ROOT)))
        and "site-packages" not in f.filename
        and "/engine/" not in f.filename
    ]
    where = f" at {user[-1].filename}:{user[-1].lineno}" if user else ""
    return f"the program in {program_dir} failed{where}: {type(exc).__name__}: {exc}"


def synthesize(project_dir: Path | str, stack: str) -> Graph:
    """Run ``stack`` of the Pulumi project in ``project_dir`` offline and return its graph."""
    return OfflineEngine.for_project(project_dir, stack).run()


def raw_outputs(project_dir: Path | str, stack: str) -> dict[str, Any]:
    """Stack outputs in clear with the names of the secret ones, for StackReference resolution."""
    graph = synthesize(project_dir, stack)
    secret_names = sorted({p.split(".")[0].split("[")[0] for p in graph.output_secret_paths})
    return {"outputs": graph.outputs, "secret_output_names": secret_names}
