"""Describing a failure of the user's program in one line that names the user's own line.

The runtime re-raises an error from a registration chained to itself, so the chain of causes is
walked with a guard against repeats. The runtime's own frames tell which resource and which
input were being prepared; the program's frames tell where the user's code was.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

from infra_kit.core.engine._hooks import ConstructionTracker, is_user_file, where_created
from infra_kit.errors import InfraKitError

__all__ = ["describe_program_error", "exception_chain", "program_site"]


def exception_chain(exc: BaseException) -> list[BaseException]:
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


def program_site(exc: BaseException, directory: Path) -> str | None:
    """``path:line`` of the program's own line the error came from: the innermost frame in
    the project's directory, else the innermost frame of any program code."""
    frames: list[tuple[str, int, str, dict[str, Any]]] = []
    for item in exception_chain(exc):
        frames.extend(_frames(item.__traceback__))
    user = [f for f in frames if f[0].startswith(str(directory)) and _user(f[0])]
    anywhere = [f for f in frames if _user(f[0])]
    site = user[-1] if user else (anywhere[-1] if anywhere else None)
    return f"{site[0]}:{site[1]}" if site else None


def describe_program_error(
    exc: BaseException, directory: Path, tracker: ConstructionTracker | None
) -> str:
    """One line for a person: the exception, the program's line, and the resource input the
    runtime was computing when it was raised."""
    chain = exception_chain(exc)
    root_cause = chain[-1]
    frames: list[tuple[str, int, str, dict[str, Any]]] = []
    for item in chain:
        frames.extend(_frames(item.__traceback__))
    resource = _resource_context(frames)
    site = program_site(exc, directory)
    where = f" at {site}" if site else ""
    context = ""
    if resource is not None:
        type_, name, prop = resource
        created = ""
        if tracker is not None:
            for c in tracker.by_urn.values():
                if c.type == type_ and c.name == name and c.sites:
                    created = f", created at {where_created(c.sites)}"
                    break
        what = f"input {prop!r} of " if prop else "the inputs of "
        context = f" while computing {what}{type_} {name!r}{created}"
    if isinstance(root_cause, InfraKitError):
        # A refusal raised inside an apply: its message names the key and the fix; the resource
        # and the program line that created it say which call of the program it came from.
        text = f"{root_cause}"
        return f"{text} (raised{where}{context})" if where or context else text
    detail = f"{type(root_cause).__name__}: {root_cause}"
    return (
        f"the program in {directory} failed{where}: {detail}{context}. "
        "Run with --traceback to see the full traceback"
    )
