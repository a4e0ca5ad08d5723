"""The EKS control plane and its managed node groups (NET-1, HA-1, SCALE-1, SCALE-2, COST-3)."""

from __future__ import annotations

import ipaddress
import re
from enum import StrEnum

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from infra_kit.core.profile._base import UNSET, Frozen, check_headroom, same, table

__all__ = [
    "CLUSTER_ROWS",
    "PREVIEW_SCALE_REASON",
    "SUPPORTED_KUBERNETES_VERSIONS",
    "CapacityType",
    "ClusterProfile",
    "SupportType",
    "TenantProfile",
]

#: EKS Kubernetes versions infra-kit supports; the default is the row below.
SUPPORTED_KUBERNETES_VERSIONS: tuple[str, ...] = ("1.32", "1.33", "1.34")

#: Why the preview environment caps scaling below 10x (SCALE-2).
PREVIEW_SCALE_REASON = (
    "A preview environment serves the test traffic of one pull request and is destroyed "
    "when it expires"
)


class CapacityType(StrEnum):
    """Capacity type of managed node groups."""

    ON_DEMAND = "ON_DEMAND"
    SPOT = "SPOT"


class SupportType(StrEnum):
    """What EKS does with a cluster whose Kubernetes version leaves standard support (COST-2)."""

    STANDARD = "STANDARD"
    """Upgrade the control plane to the next version automatically; no extended-support charge."""
    EXTENDED = "EXTENDED"
    """Stay on the version for up to 12 more months, billed at the extended-support rate."""


_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_TEAM = re.compile(r"^[a-z0-9]([-a-z0-9]{0,28}[a-z0-9])?$")


def _check_role_arns(value: tuple[str, ...]) -> tuple[str, ...]:
    for arn in value:
        parts = arn.split(":")
        if (
            len(parts) != 6
            or parts[0] != "arn"
            or parts[2] != "iam"
            or not parts[5].startswith("role/")
        ):
            raise PydanticCustomError(
                "role_arn",
                "{arn!r} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
                {"arn": arn},
            )
    return value


class TenantProfile(Frozen):
    """An app team's namespace: its deploy roles get admin inside it and nowhere else."""

    #: The team that owns the namespace; its roles come from the CI identities stack's
    #: ``app_deploy_role_arns[<team>][<environment>]`` unless ``deploy_role_arns`` lists them.
    team: str
    deploy_role_arns: tuple[str, ...] = ()

    @field_validator("team")
    @classmethod
    def _valid_team(cls, value: str) -> str:
        if not _TEAM.match(value):
            raise PydanticCustomError(
                "team",
                "{team!r} is not a team name (lower-case letters, digits and inner '-', at most "
                "30), as CiIdentities' app_teams names it",
                {"team": value},
            )
        return value

    @field_validator("deploy_role_arns")
    @classmethod
    def _valid_deploy_role_arns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _check_role_arns(value)


class ClusterProfile(Frozen):
    """EKS control plane and managed node groups (NET-1, HA-1, SCALE-1)."""

    kubernetes_version: str
    support_type: SupportType

    @field_validator("kubernetes_version")
    @classmethod
    def _supported_version(cls, value: str) -> str:
        if value not in SUPPORTED_KUBERNETES_VERSIONS:
            raise PydanticCustomError(
                "kubernetes_version",
                "not a Kubernetes version infra-kit supports; use one of {allowed}",
                {"allowed": ", ".join(SUPPORTED_KUBERNETES_VERSIONS)},
            )
        return value

    public_access_cidrs: tuple[str, ...]
    admin_role_arns: tuple[str, ...]
    node_instance_types: tuple[str, ...] = Field(min_length=1)
    capacity_type: CapacityType
    nodes_min_per_az: int = Field(ge=0)
    nodes_desired_per_az: int = Field(ge=0)
    nodes_max_per_az: int = Field(ge=1)
    scale_limit_reason: str | None = None

    @field_validator("public_access_cidrs")
    @classmethod
    def _valid_cidrs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        out = []
        for cidr in value:
            try:
                net = ipaddress.ip_network(cidr, strict=True)
            except ValueError as exc:
                raise PydanticCustomError(
                    "cidr",
                    "{cidr!r} is not a network in CIDR notation ({error})",
                    {"cidr": cidr, "error": str(exc)},
                ) from exc
            if net.prefixlen == 0:
                raise PydanticCustomError(
                    "open_cidr",
                    "{cidr} opens the API endpoint to the whole internet; list the office or "
                    "VPN ranges that need it instead",
                    {"cidr": cidr},
                )
            out.append(str(net))
        return tuple(out)

    @field_validator("admin_role_arns")
    @classmethod
    def _valid_admin_role_arns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _check_role_arns(value)

    #: Whether pull-request preview environments (``pr-<n>`` namespaces) run on this cluster,
    #: so the CI identities' preview deployer gets access to ``pr-*`` namespaces.
    hosts_previews: bool
    #: App teams' namespaces by name (RFC 1123 labels).
    tenants: dict[str, TenantProfile]

    @field_validator("tenants")
    @classmethod
    def _valid_tenants(cls, value: dict[str, TenantProfile]) -> dict[str, TenantProfile]:
        for namespace in value:
            if not _NAMESPACE.match(namespace) or namespace.startswith(("kube-", "pr-")):
                raise PydanticCustomError(
                    "tenant_namespace",
                    "{namespace!r} is not a namespace a tenant may own: an RFC 1123 label (at "
                    "most 63 lower-case letters, digits and '-'), not kube-* (the system's) nor "
                    "pr-* (preview environments')",
                    {"namespace": namespace},
                )
        teams: dict[str, str] = {}
        for namespace, tenant in value.items():
            if tenant.team in teams and not tenant.deploy_role_arns:
                raise PydanticCustomError(
                    "tenant_team",
                    "the team {team!r} owns both {first!r} and {namespace!r}; EKS gives its "
                    "role one access entry, so give the team one namespace",
                    {"team": tenant.team, "first": teams[tenant.team], "namespace": namespace},
                )
            teams.setdefault(tenant.team, namespace)
        return value

    @model_validator(mode="after")
    def _node_bounds(self) -> ClusterProfile:
        if not self.nodes_min_per_az <= self.nodes_desired_per_az <= self.nodes_max_per_az:
            raise PydanticCustomError(
                "min_gt_max",
                "cluster.nodes_min_per_az={min} <= nodes_desired_per_az={desired} <= "
                "nodes_max_per_az={max} does not hold; order them",
                {
                    "min": self.nodes_min_per_az,
                    "desired": self.nodes_desired_per_az,
                    "max": self.nodes_max_per_az,
                },
            )
        check_headroom(
            max_key="cluster.nodes_max_per_az", maximum=self.nodes_max_per_az,
            base_key="cluster.nodes_desired_per_az", baseline=max(1, self.nodes_desired_per_az),
            reason_key="cluster.scale_limit_reason", reason=self.scale_limit_reason,
        )  # fmt: skip
        return self


_SMALL_NODES = ("t3.large", "t3a.large", "m5.large")
_LARGE_NODES = ("m6i.large", "m5.large")

# A preview builds no cluster: it runs on dev's (ADR 0018), so its version and support policy are
# dev's (its namespace pins the Pod Security version to it) and its node rows describe nothing
# the preview creates; they stay the smallest coherent values.
# fmt: off
CLUSTER_ROWS = table(
    # key                              dev           preview               stage         prod
    ("cluster.kubernetes_version",     *same("1.34")),
    # Without an explicit policy EKS enters extended support, billed at six times the standard
    # control-plane rate; STANDARD upgrades the version instead (ADR 0006).
    ("cluster.support_type",           *same("STANDARD")),
    ("cluster.public_access_cidrs",    *same(())),
    # Break-glass roles only; CI's roles come from the identities stack (ADR 0019).
    ("cluster.admin_role_arns",        *same(())),
    # Pull-request previews run as pr-<n> namespaces on the shared dev cluster.
    ("cluster.hosts_previews",         True,         False,                False,        False),
    ("cluster.tenants",                *same({})),
    ("cluster.node_instance_types",    _SMALL_NODES, _SMALL_NODES,         _LARGE_NODES, _LARGE_NODES),
    ("cluster.capacity_type",          "SPOT",       "SPOT",               "SPOT",       "ON_DEMAND"),
    ("cluster.nodes_min_per_az",       *same(1)),
    ("cluster.nodes_desired_per_az",   1,            1,                    1,            2),
    ("cluster.nodes_max_per_az",       10,           2,                    10,           20),
    ("cluster.scale_limit_reason",     UNSET,        PREVIEW_SCALE_REASON, UNSET,        UNSET),
)
# fmt: on
