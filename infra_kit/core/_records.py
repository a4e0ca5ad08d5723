"""Type tokens of the bookkeeping components infra-kit registers for its checks.

They create nothing in any cloud: their outputs carry what ``infra-kit check`` and the policy
pack need to know about a stack (its validated profile) and what the program accepted (each
suppression with its reason).
"""

__all__ = ["ENVIRONMENT_TYPE", "SUPPRESSION_TYPE"]

#: Registered by :class:`infra_kit.core.environment.Environment`; outputs ``{"profile": ...}``.
ENVIRONMENT_TYPE = "infra-kit:core:Environment"
#: Registered by :func:`infra_kit.policy.suppress` under the accepted resource; outputs
#: ``{"rule", "reason", "resources"}``.
SUPPRESSION_TYPE = "infra-kit:policy:Suppression"
