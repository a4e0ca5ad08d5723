"""Stand-ins: what answers a StackReference to a project that is not in the repository.

An app team's repository has no ``platform`` project, yet its program reads the platform's
outputs. Offline, such a reference is answered by a stand-in: an object with
``outputs(stack, region)`` and ``secret_output_names``. Tests pass their own
(``run_project(..., stand_ins=...)``); otherwise the only default is the platform's
(:class:`infra_kit.testing.PlatformStandIn`), for the project this library's stacks define.
A reference to any other missing project stays an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

__all__ = ["StandIn", "default_stand_in"]


class StandIn(Protocol):
    """What answers a StackReference in place of synthesizing a project."""

    @property
    def secret_output_names(self) -> Sequence[str]: ...

    def outputs(self, stack: str, region: str) -> dict[str, Any]: ...


def default_stand_in(project: str) -> StandIn | None:
    """The stand-in for ``project`` when the repository has no project of that name, if any."""
    from infra_kit.testing._platform import PLATFORM_PROJECT, PlatformStandIn

    return PlatformStandIn() if project == PLATFORM_PROJECT else None
