"""Watching how the program reads ``secure:`` config values.

The SDK reads config through ``Config._get(key, use, instead_of)``; ``use`` is set exactly when a
plain getter (``get``, ``require``, ``get_object``...) reads the key, and names the secret getter
that should have been used. The engine's config store notices a secret key read that way and
reports the key, the program line and the fix.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from infra_kit.core.engine._hooks import relative, user_frames

__all__ = ["WatchedConfig"]


class WatchedConfig(dict[str, Any]):
    """A config store that calls ``on_clear_read(key, getter, site)`` on a plain read of a secret."""

    def __init__(
        self,
        values: dict[str, Any],
        secret_keys: Iterable[str],
        roots: tuple[Path, ...],
        on_clear_read: Callable[[str, str, str], None],
    ) -> None:
        super().__init__(values)
        self.secret_keys = frozenset(secret_keys)
        self.roots = roots
        self.on_clear_read = on_clear_read

    def __getitem__(self, key: str) -> Any:
        value = super().__getitem__(key)
        if key in self.secret_keys:
            frame = sys._getframe(1)
            while frame is not None and not (
                frame.f_code.co_name == "_get"
                and frame.f_code.co_filename.replace("\\", "/").endswith("pulumi/config.py")
            ):
                frame = frame.f_back
            use = frame.f_locals.get("use") if frame is not None else None
            if frame is not None and use is not None:
                frames = user_frames(frame)
                site = f"{relative(frames[-1][0], self.roots)}:{frames[-1][1]}" if frames else "?"
                self.on_clear_read(key, getattr(use, "__name__", "get_secret"), site)
        return value
