"""Reading values of a graph document the way every rule must: tolerantly.

A value in a graph may be missing, redacted (``"[secret]"``), unknown until deploy
(``"[unknown]"``), a string where a boolean was meant, or of an unexpected shape; a rule that
cannot read a value skips it rather than fail.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "DIGEST_SUFFIX",
    "DIGEST_VALUE",
    "as_dict",
    "as_int",
    "as_list",
    "is_false",
    "is_redacted",
    "is_set",
    "is_true",
    "one_or_many",
]

#: An image reference pinned by digest ends with this (``repo:tag@sha256:<64 hex>``).
DIGEST_SUFFIX = re.compile(r"@sha256:[0-9a-f]{64}$")
#: A digest on its own, as Helm charts take it in ``image.digest``.
DIGEST_VALUE = re.compile(r"^sha256:[0-9a-f]{64}$")

_REDACTED = frozenset({"[secret]", "[unknown]"})


def is_redacted(value: object) -> bool:
    """Whether ``value`` is a placeholder for something the graph cannot show."""
    return isinstance(value, str) and value in _REDACTED


def as_dict(value: object) -> dict[str, Any]:
    """``value`` if it is a mapping, else an empty one."""
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    """``value`` if it is a list, else an empty one."""
    return value if isinstance(value, list) else []


def as_int(value: object) -> int | None:
    """``value`` if it is a whole number (not a bool), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def one_or_many(value: object) -> list[Any]:
    """A list for fields that take one value or a list of them (IAM's ``Action``, say)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def is_true(value: object) -> bool:
    """True for ``True`` and ``"true"`` (the engine sends some booleans as strings)."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def is_false(value: object) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() == "false")


def is_set(value: object) -> bool:
    """A value is there: not missing, not empty. Unknown and secret values count as set."""
    return value not in (None, "", [], {})
