"""When a preview environment expires, and how that instant is written on what it creates (ENV-1).

A preview environment expires ``preview_ttl_hours`` after it was deployed. The deploy time is
the ``SOURCE_DATE_EPOCH`` environment variable (the reproducible-builds convention: whole seconds
since 1970-01-01 UTC; the workflows set it to the head commit's time, ``git log -1
--format=%ct``), so the same commit always synthesizes the same graph. Only when the variable is
unset is the current time used.

The instant is written twice, in the form each place accepts:

- the AWS tag :data:`EXPIRES_AT_TAG`, ISO-8601 UTC to the second: ``2026-12-04T20:00:00Z``;
- the Kubernetes label :data:`EXPIRES_AT_LABEL`, the ISO-8601 *basic* form
  ``20261204T200000Z``, because a label value may not hold ``:`` (letters, digits, ``-_.``,
  at most 63 characters).

:func:`parse_expiry` reads either form back. This module never touches the Pulumi runtime.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from infra_kit.errors import ValidationError

__all__ = [
    "EXPIRES_AT_LABEL",
    "EXPIRES_AT_TAG",
    "SOURCE_DATE_EPOCH",
    "Expiry",
    "deploy_time",
    "parse_expiry",
]

#: The AWS tag holding the expiry, ISO-8601 UTC (``2026-12-04T20:00:00Z``).
EXPIRES_AT_TAG = "infra-kit:expires-at"
#: The Kubernetes label holding the expiry, ISO-8601 basic form (``20261204T200000Z``).
EXPIRES_AT_LABEL = "infra-kit/expires-at"
#: The environment variable holding the deploy time, in seconds since the Unix epoch.
SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH"

_TAG_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_LABEL_FORMAT = "%Y%m%dT%H%M%SZ"
_DIGITS = re.compile(r"^[0-9]{1,12}$")
_FIX = (
    f"set {SOURCE_DATE_EPOCH} to whole seconds since 1970-01-01 UTC, e.g. "
    f"{SOURCE_DATE_EPOCH}=$(git log -1 --format=%ct), or unset it to use the current time"
)


def deploy_time(environ: Mapping[str, str] | None = None) -> datetime:
    """The deploy time: ``SOURCE_DATE_EPOCH`` when set, else now (UTC, whole seconds).

    Raises :class:`ValidationError` naming the variable when it is set but not a non-negative
    whole number of seconds (an empty value is set, and refused: it usually means the command
    that was to compute it failed).
    """
    raw = (os.environ if environ is None else environ).get(SOURCE_DATE_EPOCH)
    if raw is None:
        return datetime.now(UTC).replace(microsecond=0)
    if not _DIGITS.match(raw):
        raise ValidationError(
            SOURCE_DATE_EPOCH, raw, "not a whole, non-negative number of seconds", _FIX
        )
    try:
        return datetime.fromtimestamp(int(raw), UTC)
    except (OverflowError, OSError, ValueError):
        raise ValidationError(SOURCE_DATE_EPOCH, raw, "too large to be a date", _FIX) from None


@dataclass(frozen=True)
class Expiry:
    """The instant a preview environment expires (UTC, whole seconds)."""

    at: datetime

    @classmethod
    def after(cls, ttl_hours: int, environ: Mapping[str, str] | None = None) -> Expiry:
        """``ttl_hours`` after :func:`deploy_time`."""
        start = deploy_time(environ)
        try:
            return cls(start + timedelta(hours=ttl_hours))
        except OverflowError:
            raise ValidationError(
                SOURCE_DATE_EPOCH, str(int(start.timestamp())), "too large to be a date", _FIX
            ) from None

    @property
    def tag_value(self) -> str:
        """``2026-12-04T20:00:00Z``: the value of :data:`EXPIRES_AT_TAG` and of the stack's
        ``expires_at`` output."""
        return self.at.astimezone(UTC).strftime(_TAG_FORMAT)

    @property
    def label_value(self) -> str:
        """``20261204T200000Z``: the value of :data:`EXPIRES_AT_LABEL` (no ``:`` in labels)."""
        return self.at.astimezone(UTC).strftime(_LABEL_FORMAT)


def parse_expiry(text: object) -> datetime | None:
    """The instant a tag or label value written by :class:`Expiry` names, or ``None`` when
    ``text`` is not one (the caller decides what an unreadable expiry means)."""
    if not isinstance(text, str):
        return None
    for form in (_TAG_FORMAT, _LABEL_FORMAT):
        try:
            return datetime.strptime(text, form).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None
