"""The schedule and time zone of a CronJob, checked as Kubernetes reads them (ENV-3).

Pure logic: no Pulumi runtime. What Kubernetes accepts, from the CronJob documentation
(https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/, read 2026-12-02):

- five fields: minute (0-59), hour (0-23), day of month (1-31), month (1-12, or ``jan`` to
  ``dec``) and day of week (0-6 from Sunday, or ``sun`` to ``sat``); each field is ``*``, a
  value, a range ``a-b``, a step ``*/n`` or ``a-b/n``, or a comma-separated list of those; ``?``
  means the same as ``*``;
- instead of the fields, one of the macros ``@yearly`` (or ``@annually``), ``@monthly``,
  ``@weekly``, ``@daily`` (or ``@midnight``) and ``@hourly``;
- no ``TZ=`` or ``CRON_TZ=`` prefix: the time zone is the CronJob's ``timeZone`` field, a name
  of the tz database (``Etc/UTC``, ``Europe/Paris``).

Anything else is refused here with the argument's name, rather than by the API server at
deploy time.
"""

from __future__ import annotations

import re
import zoneinfo

from infra_kit.errors import ValidationError

__all__ = ["MACROS", "check_schedule", "check_time_zone"]

#: The macros Kubernetes accepts in place of the five fields.
MACROS = frozenset(
    {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}
)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
#: ``(field, lowest, highest, names)`` in the order of the five fields.
_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, {n: i + 1 for i, n in enumerate(_MONTHS)}),
    ("day of week", 0, 6, {n: i for i, n in enumerate(_DAYS)}),
)
_FIX = "write five fields, e.g. '30 2 * * *' for 02:30 every day, or a macro such as '@daily'"
_ZONE = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$")


def _value(text: str, low: int, high: int, names: dict[str, int]) -> int | None:
    if text.lower() in names:
        return names[text.lower()]
    if text.isdigit() and low <= int(text) <= high:
        return int(text)
    return None


def _field_problem(text: str, name: str, low: int, high: int, names: dict[str, int]) -> str | None:
    """Why ``text`` is not a valid ``name`` field, or ``None``."""
    bounds = f"{low}-{high}"
    if names:
        ordered = sorted(names, key=names.__getitem__)
        bounds += f" or {ordered[0]}-{ordered[-1]}"
    for part in text.split(","):
        span, slash, step = part.partition("/")
        if slash and not (step.isdigit() and int(step) >= 1):
            return f"the {name} field's step {step!r} is not a whole number of at least 1"
        if span in ("*", "?"):
            continue
        first, dash, last = span.partition("-")
        start = _value(first, low, high, names)
        end = _value(last, low, high, names) if dash else start
        if start is None or end is None:
            return f"the {name} field's {part!r} is not within {bounds}"
        if end < start:
            return f"the {name} field's range {span!r} runs backwards"
    return None


def check_schedule(schedule: object, *, key: str = "schedule") -> str:
    """``schedule`` as given, when Kubernetes accepts it; otherwise a :class:`ValidationError`
    naming ``key``."""
    if not isinstance(schedule, str) or not schedule.strip():
        raise ValidationError(key, schedule, "not a cron schedule", _FIX)
    text = schedule.strip()
    if text != schedule:
        raise ValidationError(key, schedule, "it has spaces around it", "remove them")
    if re.match(r"^(CRON_)?TZ=", text):
        raise ValidationError(
            key,
            schedule,
            "Kubernetes refuses a time zone inside the schedule",
            "drop the TZ= prefix and pass time_zone='<zone>' instead",
        )
    if text.startswith("@"):
        if text not in MACROS:
            raise ValidationError(
                key,
                schedule,
                "not a macro Kubernetes accepts",
                f"use one of {', '.join(sorted(MACROS))}, or five fields",
            )
        return text
    fields = text.split()
    if len(fields) != len(_FIELDS):
        raise ValidationError(
            key,
            schedule,
            f"it has {len(fields)} fields; a Kubernetes schedule has 5 (minute, hour, day of "
            "month, month, day of week) and no seconds or year",
            _FIX,
        )
    for value, (name, low, high, names) in zip(fields, _FIELDS, strict=True):
        problem = _field_problem(value, name, low, high, names)
        if problem:
            raise ValidationError(key, schedule, problem, _FIX)
    return text


def check_time_zone(time_zone: object, *, key: str = "time_zone") -> str:
    """A tz database name (``Etc/UTC``); checked against the local copy of the database where
    there is one."""
    if not isinstance(time_zone, str) or not _ZONE.match(time_zone) or time_zone == "Local":
        raise ValidationError(
            key, time_zone, "not a time zone name", "use a tz database name such as 'Etc/UTC'"
        )
    known = zoneinfo.available_timezones()
    if known and time_zone not in known:
        raise ValidationError(
            key,
            time_zone,
            "not a zone of the tz database",
            "use a name such as 'Etc/UTC' or 'Europe/Paris' (see the tz database's zone list)",
        )
    return time_zone
