"""Package attributes imported from their modules on first use (PEP 562).

A package's ``__init__`` names what it exports and where each name lives; importing the package
then costs nothing, and ``from package import Name`` imports only the module that defines
``Name`` (and what that module needs). Type checkers read the same names from an
``if TYPE_CHECKING:`` block in the package.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, exports: Mapping[str, tuple[str, ...]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``.

    ``exports`` maps a submodule (relative, ``".bucket"``) to the names it provides; a name equal
    to the submodule's own (``".actions": ("actions",)``) is the submodule itself. A name is
    imported once, then stored in the package like any other attribute.
    """
    where = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name: str) -> Any:  # noqa: N807 -- the module attribute protocol
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        imported = importlib.import_module(module, package)
        value = imported if module == f".{name}" else getattr(imported, name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:  # noqa: N807 -- the module attribute protocol
        return sorted({*vars(sys.modules[package]), *where})

    return __getattr__, __dir__
