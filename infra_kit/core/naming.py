"""Child resource names derived from a component's name plus a stable suffix.

Logical names are part of a resource's URN: changing one replaces the resource. Suffixes are
therefore constants in each component, never computed from values that may change.
"""

from __future__ import annotations

import re

from infra_kit.errors import ValidationError

__all__ = ["check_name", "child_name"]

_NAME = re.compile(r"^[a-z][a-z0-9-]{0,38}[a-z0-9]$")


def check_name(name: str, *, argument: str = "name") -> str:
    """Validate a component name: lower-case letters, digits and dashes, 2 to 40 characters."""
    if not _NAME.match(name) or "--" in name:
        raise ValidationError(
            argument,
            name,
            "a component name is 2 to 40 lower-case letters, digits and single dashes, starting "
            "with a letter",
            "rename it, e.g. 'orders-api'",
        )
    return name


def child_name(component: str, *suffix: str | int) -> str:
    """``child_name("core", "private", 0)`` is ``"core-private-0"``."""
    return "-".join([component, *(str(s) for s in suffix)])
