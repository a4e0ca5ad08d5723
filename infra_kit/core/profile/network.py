"""The network's sizes and protections (NET-1..4, HA-1, COST-3)."""

from __future__ import annotations

import ipaddress
from enum import StrEnum

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from infra_kit.core.profile._base import Frozen, check_retention, same, table

__all__ = ["NETWORK_ROWS", "NatStrategy", "NetworkProfile"]


class NatStrategy(StrEnum):
    """How private subnets reach the internet (NET-1, HA-1, COST-3)."""

    NONE = "none"
    """No NAT gateway: private subnets have no internet egress at all."""
    SINGLE = "single"
    """One NAT gateway in the first AZ shared by all: cheap, but a single point of failure."""
    ONE_PER_AZ = "one_per_az"
    """A NAT gateway in every AZ, each private subnet routed through its own AZ's gateway."""


class NetworkProfile(Frozen):
    """Network sizes (NET-1..4, HA-1)."""

    vpc_cidr: str
    az_count: int = Field(ge=1, le=6)
    nat_strategy: NatStrategy
    enable_interface_endpoints: bool
    interface_endpoint_services: tuple[str, ...]
    flow_log_retention_days: int
    availability_zones: tuple[str, ...] | None = None

    _retention = field_validator("flow_log_retention_days")(check_retention)

    @model_validator(mode="after")
    def _zones_match_count(self) -> NetworkProfile:
        zones = self.availability_zones
        if zones is not None and (len(zones) != self.az_count or len(set(zones)) != len(zones)):
            raise PydanticCustomError(
                "zones",
                "network.availability_zones={zones} must name network.az_count={count} distinct "
                "AZs; list one AZ name per AZ",
                {"zones": list(zones), "count": self.az_count},
            )
        return self

    @field_validator("vpc_cidr")
    @classmethod
    def _valid_cidr(cls, value: str) -> str:
        try:
            net = ipaddress.IPv4Network(value, strict=True)
        except ValueError as exc:
            raise PydanticCustomError(
                "cidr",
                "not an IPv4 network in CIDR notation ({error}); e.g. 10.0.0.0/16",
                {"error": str(exc)},
            ) from exc
        if not 16 <= net.prefixlen <= 22:
            raise PydanticCustomError(
                "cidr_size",
                "a VPC CIDR must be between /16 and /22 (AWS allows /16 at most; anything "
                "smaller than /22 leaves no room for three subnet tiers per AZ)",
            )
        return str(net)


#: The AWS APIs the nodes, the platform's controllers and the collectors call, reached through
#: interface endpoints where network.enable_interface_endpoints is on (NET-4, ADR 0006).
_ENDPOINT_SERVICES = (
    "autoscaling",  # cluster autoscaler
    "ec2",  # VPC CNI, EBS CSI driver, load balancer controller, autoscaler
    "ecr.api",  # image pulls
    "ecr.dkr",
    "eks",  # cluster autoscaler (DescribeNodegroup)
    "elasticloadbalancing",  # load balancer controller
    "kms",  # workloads' envelope encryption
    "logs",  # collectors' logs and EMF metrics
    "secretsmanager",  # workloads' secrets
    "sts",  # IRSA (AssumeRoleWithWebIdentity)
    "xray",  # collectors' traces
)

# prescription: COST-3 -- one NAT and no interface endpoints outside prod, same topology.
# A preview builds no network: it runs in dev's VPC (ADR 0018), so its column repeats dev's
# addressing and AZ count, from which a preview's programs derive the subnets they reach.
# fmt: off
NETWORK_ROWS = table(
    # key                                  dev            preview        stage          prod
    ("network.vpc_cidr",                   *same("10.0.0.0/16")),
    ("network.az_count",                   2,             2,             3,             3),
    ("network.nat_strategy",               "single",      "single",      "single",      "one_per_az"),
    ("network.enable_interface_endpoints", False,         False,         False,         True),
    ("network.interface_endpoint_services", *same(_ENDPOINT_SERVICES)),
    # Flow logs are audit-class (OBS-2): a year in prod.
    ("network.flow_log_retention_days",    14,            3,             30,            365),
)
# fmt: on
