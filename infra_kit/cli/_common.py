"""What every infra-kit command shares: errors without tracebacks, progress, a closed stdout.

Exit codes, for every command: 0 success, 1 the work failed (a program error, bad stack
configuration, or for ``check`` a failing rule), 2 a usage error (an unknown option, a missing
argument, an output path that cannot be used), 130 interrupted.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, NoReturn, TextIO

import click

from infra_kit.errors import InfraKitError

__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_USAGE",
    "Progress",
    "echo",
    "exit_without_teardown",
    "fail",
    "json_option",
    "output_option",
    "project_dir_option",
    "stack_option",
    "usable_output_dir",
    "usable_output_file",
    "with_graph_option",
    "write_report",
]

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

stack_option = click.option(
    "--stack", required=True, metavar="NAME", help="Stack to use, e.g. dev, stage, prod."
)
project_dir_option = click.option(
    "--project-dir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=Path("."),
    show_default="the current directory",
    help="Directory holding Pulumi.yaml (the platform's root, or examples/<name>).",
)
quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
json_option = click.option("--json", "as_json", is_flag=True, help="The same as --format json.")
output_option = click.option(
    "--output",
    "--out",
    "output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the report to this file (atomically) instead of stdout.",
)


def with_graph_option(help_text: str) -> Callable[[Any], Any]:
    """``--with-graph FILE``, repeatable: graphs of the stacks the one given relies on."""
    return click.option(
        "--with-graph",
        "with_graphs",
        multiple=True,
        type=click.Path(path_type=Path, dir_okay=False, exists=True),
        metavar="FILE",
        help=help_text,
    )


def usable_output_file(output: Path | None) -> None:
    """A usage error naming ``--output`` when it names a directory."""
    if output is not None and output.is_dir():
        raise click.BadParameter(f"{output} is a directory; give a file", param_hint="--output")


def write_report(text: str, output: Path | None, summary: str) -> None:
    """``text`` to stdout, or written atomically to ``output`` with ``summary`` on stderr."""
    if output is None:
        echo(text.rstrip("\n"))
        return
    from infra_kit.core.engine._graph import write_atomically

    output.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(output, text if text.endswith("\n") else text + "\n")
    echo(summary, err=True)


def _finite(_ctx: click.Context, _param: click.Parameter, value: float | None) -> float | None:
    if value is not None and not math.isfinite(value):
        raise click.BadParameter("give a number of seconds")
    return value


timeout_option = click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    callback=_finite,
    default=None,
    metavar="SECONDS",
    help="Stop the program after this long without progress (default 20, or "
    "$INFRA_KIT_WATCHDOG_SECONDS).",
)
traceback_option = click.option(
    "--traceback", "show_traceback", is_flag=True, help="On a program error, print its traceback."
)


class Progress:
    """Phase messages on one line of stderr, only when stderr is a terminal and not quiet."""

    def __init__(self, *, quiet: bool, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = not quiet and _isatty(self.stream)
        self._shown = False

    def __call__(self, message: str) -> None:
        if not self.enabled:
            return
        width = 100
        self.stream.write("\r\x1b[K" + message[:width])
        self.stream.flush()
        self._shown = True

    def clear(self) -> None:
        if self.enabled and self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def echo(text: str, *, err: bool = False) -> None:
    click.echo(text, err=err)


def fail(
    command: str, error: BaseException, *, show_traceback: bool, exc: BaseException | None = None
) -> NoReturn:
    """Print ``error`` for a person (and its traceback if asked) and exit 1."""
    where = getattr(error, "where", None)
    message = f"{error} (at {where})" if where else str(error)
    if show_traceback:
        shown = exc if exc is not None else error
        click.echo("".join(traceback.format_exception(shown)).rstrip(), err=True)
    click.echo(f"infra-kit {command}: error: {message}", err=True)
    raise SystemExit(EXIT_FAILED)


def usable_output_dir(out: Path, option: str = "--out") -> Path:
    """``out`` if a directory can be made there; a usage error naming the option if not."""
    for candidate in (out, *out.parents):
        if candidate.exists():
            if not candidate.is_dir():
                raise click.BadParameter(
                    f"{candidate} is a file; {option} needs a directory (it holds graph.json and "
                    "k8s/)",
                    param_hint=option,
                )
            if not os.access(candidate, os.W_OK | os.X_OK):
                raise click.BadParameter(
                    f"{candidate} is not writable; choose a directory you can write to",
                    param_hint=option,
                )
            break
    from infra_kit.core.engine._graph import check_output_dir
    from infra_kit.errors import SynthError

    if out.is_dir():
        try:
            check_output_dir(out)
        except SynthError as error:
            raise click.BadParameter(str(error), param_hint=option) from None
    return out


class _Outcome:
    """The exit code a command has earned before it prints, for when its reader goes away."""

    code = 0


def earned(code: int) -> int:
    """Record ``code`` as the command's result before printing it; returns ``code``."""
    _Outcome.code = code
    return code


@contextmanager
def closed_stdout_is_fine() -> Iterator[None]:
    """A reader that stops reading (``| head``) ends the output quietly, not with a traceback."""
    try:
        yield
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise


def run_command(
    command: str,
    body: Callable[[], int],
    *,
    show_traceback: bool,
    interrupted: str = "interrupted; nothing was written",
) -> NoReturn:
    """Run a command's body and exit with its code; errors are printed without tracebacks.

    ``interrupted`` is what the command says on Ctrl-C: what the interruption left behind.
    """
    code = EXIT_FAILED
    _Outcome.code = 0
    try:
        with closed_stdout_is_fine():
            code = body()
    except BrokenPipeError:
        code = _Outcome.code
    except KeyboardInterrupt:
        click.echo(f"infra-kit {command}: {interrupted}", err=True)
        code = EXIT_INTERRUPTED
    except InfraKitError as error:
        fail(command, error, show_traceback=show_traceback, exc=_program_exception(error))
    except OSError as error:
        fail(command, error, show_traceback=show_traceback)
    raise SystemExit(code)


def exit_without_teardown(code: int) -> NoReturn:
    """End this process with ``code`` once stdout and stderr are flushed, without the
    interpreter's teardown.

    For a process that ends right after a command (the console command, the StackReference
    child): a synth leaves a large heap behind, provider classes and resource records, and
    freeing it object by object at exit took longer than writing the outputs. Every file a
    command writes is closed before it returns, and no command relies on an ``atexit`` handler;
    log handlers are flushed here.
    """
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        # A reader that went away (| head), or a stream a caller closed: nothing more to say.
        with suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def _program_exception(error: BaseException) -> BaseException:
    cause: Any = error.__cause__
    return cause if isinstance(cause, BaseException) else error
