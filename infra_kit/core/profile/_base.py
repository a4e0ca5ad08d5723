"""What every concern of the profile shares: the frozen model base, the side-by-side table of
built-in values, and the checks more than one concern uses. Never touches the Pulumi runtime."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic_core import PydanticCustomError

__all__ = [
    "CLOUDWATCH_RETENTION_DAYS",
    "ENVIRONMENTS",
    "HEADROOM_FACTOR",
    "MIN_REASON_WORDS",
    "PROBLEM_SEPARATOR",
    "UNSET",
    "Frozen",
    "Row",
    "check_headroom",
    "check_retention",
    "same",
    "table",
]

#: The built-in environments, in the order of every row of built-in values.
ENVIRONMENTS: tuple[str, ...] = ("dev", "preview", "stage", "prod")

#: Joins several problems inside one validation error; split again for the user.
PROBLEM_SEPARATOR = "\n"

#: A written reason is at least this many words: a reviewer must learn why from it.
MIN_REASON_WORDS = 3


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


#: In a row of built-in values: the environment leaves the optional setting unset.
UNSET: Any = _Unset()

#: ``(dotted key, dev, preview, stage, prod)``: one setting's built-in value in each environment.
Row = tuple[str, Any, Any, Any, Any]


def same(value: Any) -> tuple[Any, Any, Any, Any]:
    """The same built-in value in every environment (ENV-2: only sizes and counts differ)."""
    return (value, value, value, value)


def table(*rows: tuple[Any, ...]) -> tuple[Row, ...]:
    """Rows of built-in values, each ``(key, dev, preview, stage, prod)`` or ``(key, *same(v))``."""
    for row in rows:
        if len(row) != 1 + len(ENVIRONMENTS):
            raise ValueError(f"{row[0]}: a row has one value per environment {ENVIRONMENTS}")
    return tuple(rows)  # pyright: ignore[reportReturnType] -- lengths checked above


def profiles_from(rows: Iterable[Row]) -> dict[str, dict[str, Any]]:
    """Nested raw mappings, one per environment, from rows of dotted keys."""
    out: dict[str, dict[str, Any]] = {name: {} for name in ENVIRONMENTS}
    for key, *values in rows:
        for name, value in zip(ENVIRONMENTS, values, strict=True):
            if value is UNSET:
                continue
            node = out[name]
            *parents, leaf = key.split(".")
            for part in parents:
                node = node.setdefault(part, {})
            if leaf in node:
                raise ValueError(f"{key}: declared twice in the built-in values")
            node[leaf] = list(value) if isinstance(value, tuple) else value
    return out


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


#: Retention periods CloudWatch Logs accepts, in days.
CLOUDWATCH_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
)  # fmt: skip


def check_retention(value: int) -> int:
    if value not in CLOUDWATCH_RETENTION_DAYS:
        raise PydanticCustomError(
            "retention",
            "{value} is not a retention CloudWatch Logs accepts; use one of {allowed}",
            {"value": value, "allowed": ", ".join(map(str, CLOUDWATCH_RETENTION_DAYS))},
        )
    return value


#: SCALE-2: the maximum is at least this many times the baseline, unless a reason is written.
HEADROOM_FACTOR = 10


# prescription: SCALE-2 -- the maximum absorbs 10x the baseline, or a reason says why not.
def check_headroom(
    *, max_key: str, maximum: int, base_key: str, baseline: int, reason_key: str, reason: str | None
) -> None:
    if maximum >= HEADROOM_FACTOR * baseline:
        return
    if reason is not None and len(reason.split()) >= MIN_REASON_WORDS:
        return
    raise PydanticCustomError(
        "headroom",
        "{max_key}={maximum} is less than {factor}x {base_key}={baseline}, so a 10x spike needs "
        "a manual step (SCALE-2); raise {max_key} to {needed} or write why in {reason_key} "
        "(at least three words)",
        {
            "max_key": max_key, "maximum": maximum, "factor": HEADROOM_FACTOR,
            "base_key": base_key, "baseline": baseline, "needed": HEADROOM_FACTOR * baseline,
            "reason_key": reason_key,
        },
    )  # fmt: skip
