"""Exception types raised by infra-kit.

Every error is written for a person: it names the argument or config key, the value that was
given, and how to fix it. The CLI prints these without a traceback and exits non-zero.
"""

from __future__ import annotations

import re

__all__ = [
    "BootstrapError",
    "ConfigError",
    "InfraKitError",
    "PreviewError",
    "SynthError",
    "ValidationError",
]


_PRESCRIPTION = re.compile(
    r"\b(IAC|ENV|STATE|TAG|COST|NET|HA|SCALE|DR|SEC|EDGE|K8S|OBS|DEP|CICD)-\d\b"
)


def _cited(text: str) -> str:
    """Where to read about the prescriptions ``text`` cites, or ``""`` if it cites none."""
    ids = list(dict.fromkeys(m.group(0) for m in _PRESCRIPTION.finditer(text)))
    if not ids:
        return ""
    links = ", ".join(f"docs/prescriptions.md#{i.lower()}" for i in ids)
    return f" (about {', '.join(ids)}: {links})"


class InfraKitError(Exception):
    """Base class of every error infra-kit raises on purpose.

    ``where`` is set by the offline engine when the error was raised while a program ran: the
    program's own line (``path:line``) that led to it.
    """

    where: str | None = None


class ValidationError(InfraKitError, ValueError):
    """An argument passed to a component is invalid or would weaken a prescription silently.

    ``key`` names the argument, ``value`` repeats what was given and ``fix`` says what to do.
    """

    def __init__(self, key: str, value: object, problem: str, fix: str) -> None:
        self.key = key
        self.value = value
        self.problem = problem
        self.fix = fix
        super().__init__(f"{key}={value!r}: {problem}. Fix: {fix}{_cited(problem + fix)}")


class ConfigError(InfraKitError):
    """Stack configuration is invalid or contradictory (ENV-3).

    Raised before any resource is registered. ``problems`` lists one line per offending key.
    """

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = list(problems)
        body = "\n".join(f"  - {p}{_cited(p)}" for p in self.problems)
        super().__init__(f"invalid configuration in {source}:\n{body}")


class SynthError(InfraKitError):
    """The offline engine could not run a program (missing project, stack file or a program error)."""


class BootstrapError(InfraKitError):
    """``infra-kit bootstrap`` refused what it found in the account, or AWS refused a change.

    ``problems`` lists one line per refusal, each with its fix. A refusal is decided before the
    first change; a fault while applying names the step, and everything done before it stays done.
    """

    def __init__(self, summary: str, problems: list[str]) -> None:
        self.summary = summary
        self.problems = list(problems)
        body = "\n".join(f"  - {p}{_cited(p)}" for p in self.problems)
        super().__init__(f"{summary}:\n{body}" if body else summary)


class PreviewError(InfraKitError):
    """A command the preview garbage collector relies on (``pulumi``, ``gh``) failed or answered
    something unreadable, so nothing was decided.

    ``command`` is the command line, ``problem`` what went wrong and ``fix`` what to do.
    """

    def __init__(self, command: str, problem: str, fix: str) -> None:
        self.command = command
        self.problem = problem
        self.fix = fix
        super().__init__(f"`{command}` {problem}. Fix: {fix}")
