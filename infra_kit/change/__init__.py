"""An offline change preview: what applying one graph over another would do (``infra-kit diff``).

Pure Python over two graph documents (no Pulumi runtime, no cloud): resources to create, delete,
update and replace with their property changes, and a loud flag on every change that deletes or
replaces a resource holding data. See ADR 0031.
"""

from __future__ import annotations

from infra_kit.change._diff import (
    ACTIONS,
    Change,
    ChangeSet,
    PropertyChange,
    diff_graphs,
)
from infra_kit.change._replace import forced_replacement, replace_paths

__all__ = [
    "ACTIONS",
    "Change",
    "ChangeSet",
    "PropertyChange",
    "diff_graphs",
    "forced_replacement",
    "replace_paths",
]
