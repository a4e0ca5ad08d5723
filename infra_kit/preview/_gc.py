"""Which preview environments to destroy, and why: a pure function of what is known (ENV-1).

The inputs are what ``pulumi stack ls --json`` (name, ``lastUpdate``, ``updateInProgress``),
``pulumi stack output --json`` (``expires_at``) and ``gh pr view`` (the pull request's state)
say, and the current time. :func:`collect` returns one :class:`Verdict` per stack, in name order.
A stack is destroyed when:

1. its pull request is closed, merged or gone;
2. its recorded expiry has passed (at the very second of expiry, it has);
3. it recorded no readable expiry, and its last update is older than the time to live.

It is never destroyed when its name is not ``pr-<n>`` (only preview environments are collected),
or while an update is running. Anything else, including a pull request whose state could not be
learned, keeps the stack until its expiry decides. This module never touches the Pulumi runtime.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from infra_kit.core.expiry import parse_expiry
from infra_kit.errors import ValidationError

__all__ = [
    "PREVIEW_STACK",
    "PreviewStack",
    "PullRequestState",
    "Verdict",
    "collect",
    "parse_last_update",
    "pull_request_number",
]

#: The name of a preview environment's stack: ``pr-`` and a pull request number.
PREVIEW_STACK = re.compile(r"^pr-([1-9][0-9]*)$")


class PullRequestState(StrEnum):
    """What GitHub says of a preview's pull request."""

    OPEN = "open"
    CLOSED = "closed"
    """Closed or merged."""
    GONE = "gone"
    """GitHub knows no such pull request (deleted, or the repository moved)."""
    UNKNOWN = "unknown"
    """GitHub could not be asked (network, rate limit, permissions)."""


@dataclass(frozen=True)
class PreviewStack:
    """One stack as the backend and GitHub describe it.

    ``expires_at`` is the stack's ``expires_at`` output as recorded (any value, or ``None``
    when there is none); ``last_update`` is ``lastUpdate`` parsed, or ``None``.
    """

    name: str
    expires_at: object
    last_update: datetime | None
    pull_request: PullRequestState
    update_in_progress: bool = False


@dataclass(frozen=True)
class Verdict:
    """Whether to destroy one stack, and the reason, for the log."""

    stack: str
    destroy: bool
    reason: str


def pull_request_number(stack: str) -> int | None:
    """The pull request of a ``pr-<n>`` stack (the last part of a qualified name), or ``None``."""
    match = PREVIEW_STACK.match(stack.rsplit("/", 1)[-1])
    return int(match.group(1)) if match else None


def parse_last_update(value: object) -> datetime | None:
    """``lastUpdate`` of ``pulumi stack ls --json`` (ISO-8601, e.g. ``2026-12-01T20:00:00.000Z``)
    as an aware UTC time, or ``None`` when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _shown(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _verdict(stack: PreviewStack, now: datetime, ttl: timedelta) -> Verdict:
    name = stack.name
    number = pull_request_number(name)
    if number is None:
        return Verdict(name, False, "not a preview environment (pr-<n>): never collected")
    if stack.update_in_progress:
        return Verdict(name, False, "an update is running: judged again on the next run")
    if stack.pull_request is PullRequestState.CLOSED:
        return Verdict(name, True, f"pull request #{number} is closed")
    if stack.pull_request is PullRequestState.GONE:
        return Verdict(name, True, f"pull request #{number} no longer exists")
    expiry = parse_expiry(stack.expires_at)
    if expiry is not None:
        if now >= expiry:
            return Verdict(name, True, f"expired at {_shown(expiry)}")
        return Verdict(name, False, f"expires at {_shown(expiry)}")
    recorded = (
        "no expiry recorded"
        if stack.expires_at is None
        else f"expiry {stack.expires_at!r} unreadable"
    )
    if stack.last_update is None:
        return Verdict(name, False, f"{recorded} and no last update: left for a person")
    if now - stack.last_update >= ttl:
        return Verdict(
            name,
            True,
            f"{recorded}; last updated {_shown(stack.last_update)}, more than "
            f"{ttl.total_seconds() / 3600:g}h ago",
        )
    return Verdict(
        name, False, f"{recorded}; last updated {_shown(stack.last_update)}, within the TTL"
    )


def collect(stacks: Iterable[PreviewStack], *, now: datetime, ttl_hours: int) -> list[Verdict]:
    """One verdict per stack, in name order. ``now`` must be timezone-aware; ``ttl_hours`` is
    the preview profile's ``preview_ttl_hours``, used for stacks that recorded no expiry."""
    if now.tzinfo is None:
        raise ValidationError("now", now, "a time without a timezone", "pass an aware UTC time")
    if isinstance(ttl_hours, bool) or not isinstance(ttl_hours, int) or ttl_hours < 1:
        raise ValidationError("ttl_hours", ttl_hours, "not a positive number of hours", "use 1+")
    ttl = timedelta(hours=ttl_hours)
    return [_verdict(s, now, ttl) for s in sorted(stacks, key=lambda s: s.name)]
