"""The base every infra-kit component derives from."""

from __future__ import annotations

from typing import Any, ClassVar

import pulumi

from infra_kit.core.environment import Environment
from infra_kit.core.naming import check_name, child_name

__all__ = ["Component"]


class Component(pulumi.ComponentResource):
    """A ``pulumi.ComponentResource`` bound to an :class:`Environment`.

    Subclasses set ``TYPE`` (``infra-kit:<area>:<Name>``), create children with
    :meth:`child_opts` or :meth:`stateful_opts`, and call ``register_outputs`` last.

    Attributes:
        component_name: the name the component was given, which its children's names start with.
        env: the stack's [Environment][infra_kit.core.environment.Environment].
    """

    TYPE: ClassVar[str]

    def __init__(self, name: str, env: Environment, opts: pulumi.ResourceOptions | None) -> None:
        check_name(name)
        super().__init__(self.TYPE, name, None, env.resource_options(opts))
        self.component_name = name
        self.env = env

    def child(self, *suffix: str | int) -> str:
        """The logical name of a child: the component's name plus a stable suffix."""
        return child_name(self.component_name, *suffix)

    def child_opts(self, **kwargs: Any) -> pulumi.ResourceOptions:
        """Options for an ordinary child: parented to this component (and so its provider)."""
        return pulumi.ResourceOptions(parent=self, **kwargs)

    # prescription: DR-1 -- stateful children protected and retained where the profile says.
    def stateful_opts(self, **kwargs: Any) -> pulumi.ResourceOptions:
        """Options for a stateful child: protected and retained where the profile says (DR-1)."""
        protect = self.env.profile.protect_stateful
        return pulumi.ResourceOptions(
            parent=self, protect=protect, retain_on_delete=protect, **kwargs
        )
