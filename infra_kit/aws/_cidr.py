"""Subnet CIDR planning for a VPC (NET-1). Pure logic: never touches the Pulumi runtime.

A subnet's CIDR is part of its identity: changing it replaces the subnet and everything running
in it. The plan is therefore a fixed layout in which a subnet's position depends only on the VPC
CIDR, its tier and its AZ index, never on how many AZs or tiers are in use. Adding an AZ (up to
:data:`MAX_AZS`) or a tier later never moves an existing subnet.

Layout of a VPC with prefix length ``P`` (``/16`` to ``/22``). Each tier owns one fixed block of
the VPC, cut into eight equal slots; AZ ``i`` takes slot ``i``. Slots 6 and 7 of every block stay
free, and the last eighth of the VPC is held back for a tier not defined yet::

    block      share of VPC   offset   subnet prefix   10.0.0.0/16           10.0.0.0/22
    private    1/2            0        P+4             /20, 4091 usable      /26, 59 usable
    public     1/4            1/2      P+5             /21, 2043 usable      /27, 27 usable
    isolated   1/8            3/4      P+6             /22, 1019 usable      /28, 11 usable
    reserved   1/8            7/8      -               10.0.224.0/19         10.0.3.128/25

Private subnets are the largest because workloads (and, on EKS, every pod) take their addresses
there. Public subnets hold only load balancers and NAT gateways, but an Application Load Balancer
needs a ``/27`` at least, so they come second. Data stores need few addresses, so isolated subnets
are the smallest. AWS keeps five addresses of every subnet and allows ``/28`` at the smallest,
which is why ``/22`` is the smallest VPC that fits.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from infra_kit.errors import ValidationError

__all__ = [
    "AWS_RESERVED_ADDRESSES",
    "LARGEST_VPC_PREFIX",
    "MAX_AZS",
    "SMALLEST_SUBNET_PREFIX",
    "TIERS",
    "PlannedSubnet",
    "SubnetTier",
    "parse_vpc_cidr",
    "plan_subnets",
    "reserved_cidr",
    "subnet_cidr",
    "subnet_prefix",
]


class SubnetTier(StrEnum):
    """The subnet tiers of NET-1, in the order the component creates them."""

    PUBLIC = "public"
    """Load balancers and NAT gateways; the only tier with a route to the internet gateway."""
    PRIVATE = "private"
    """Workloads; internet egress, if any, goes through NAT."""
    ISOLATED = "isolated"
    """Data stores; no route to the internet at all."""


#: Every tier, in creation order.
TIERS: tuple[SubnetTier, ...] = (SubnetTier.PUBLIC, SubnetTier.PRIVATE, SubnetTier.ISOLATED)
#: The most AZs the layout has a slot for (us-east-1, the region with the most, has six).
MAX_AZS = 6
#: AWS allows no VPC larger than ``/16``.
LARGEST_VPC_PREFIX = 16
#: AWS allows no subnet smaller than ``/28``.
SMALLEST_SUBNET_PREFIX = 28
#: Addresses AWS keeps in every subnet (network, router, DNS, future use, broadcast).
AWS_RESERVED_ADDRESSES = 5

_SLOT_BITS = 3  # eight slots per block: six AZs and two spare


@dataclass(frozen=True)
class _Block:
    """The ``index``-th of the VPC's ``2**bits`` equal parts."""

    index: int
    bits: int


_BLOCKS: dict[SubnetTier, _Block] = {
    SubnetTier.PRIVATE: _Block(index=0, bits=1),
    SubnetTier.PUBLIC: _Block(index=2, bits=2),
    SubnetTier.ISOLATED: _Block(index=6, bits=3),
}
_RESERVED = _Block(index=7, bits=3)


@dataclass(frozen=True)
class PlannedSubnet:
    """One subnet of the plan."""

    tier: SubnetTier
    az_index: int
    cidr: str

    @property
    def usable_addresses(self) -> int:
        """Addresses left for network interfaces once AWS has taken its five."""
        return ipaddress.IPv4Network(self.cidr).num_addresses - AWS_RESERVED_ADDRESSES


def _part(
    vpc: ipaddress.IPv4Network, block: _Block, extra_bits: int = 0, slot: int = 0
) -> ipaddress.IPv4Network:
    prefix = vpc.prefixlen + block.bits + extra_bits
    size = 1 << (32 - prefix)
    index = (block.index << extra_bits) + slot
    return ipaddress.IPv4Network((int(vpc.network_address) + index * size, prefix))


def parse_vpc_cidr(value: object, *, key: str = "cidr") -> ipaddress.IPv4Network:
    """Validate a VPC CIDR and return it; ``key`` names the argument in the error.

    Refused: anything but an IPv4 network in CIDR notation with its host bits clear, a network
    larger than ``/16`` (AWS's limit) or smaller than ``/22`` (no room for the smallest tier), and
    publicly routable ranges (they would hide the real internet hosts that use them).
    """
    if not isinstance(value, str):
        raise ValidationError(key, value, "a VPC CIDR is a string", "write it like '10.0.0.0/16'")
    try:
        vpc = ipaddress.IPv4Network(value, strict=True)
    except ValueError as exc:
        raise ValidationError(
            key,
            value,
            f"not an IPv4 network in CIDR notation with its host bits clear ({exc})",
            "write it like '10.0.0.0/16'",
        ) from None
    if vpc.prefixlen < LARGEST_VPC_PREFIX:
        raise ValidationError(
            key,
            value,
            f"AWS allows a VPC of /{LARGEST_VPC_PREFIX} at the largest",
            f"use a /{LARGEST_VPC_PREFIX} to /22, e.g. {vpc.network_address}/16",
        )
    smallest = vpc.prefixlen + max(b.bits for b in _BLOCKS.values()) + _SLOT_BITS
    if smallest > SMALLEST_SUBNET_PREFIX:
        raise ValidationError(
            key,
            value,
            f"its isolated subnets would be /{smallest}, and AWS allows /{SMALLEST_SUBNET_PREFIX} "
            "at the smallest",
            "use a /22 or larger VPC CIDR",
        )
    if vpc.is_global:
        raise ValidationError(
            key,
            value,
            "a publicly routable range; hosts on the internet that use it would be unreachable "
            "from the VPC",
            "use a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10)",
        )
    return vpc


def subnet_prefix(vpc_prefix: int, tier: SubnetTier) -> int:
    """The prefix length of ``tier``'s subnets in a VPC of prefix length ``vpc_prefix``."""
    return vpc_prefix + _BLOCKS[tier].bits + _SLOT_BITS


def _check_az_index(az_index: int) -> None:
    if isinstance(az_index, bool) or not isinstance(az_index, int) or not 0 <= az_index < MAX_AZS:
        raise ValidationError(
            "az_index",
            az_index,
            f"the subnet layout has slots for AZ indexes 0 to {MAX_AZS - 1}",
            f"use at most {MAX_AZS} AZs",
        )


def subnet_cidr(vpc_cidr: str, tier: SubnetTier, az_index: int, *, key: str = "cidr") -> str:
    """The CIDR of ``tier``'s subnet in AZ ``az_index``: a pure function of its three arguments."""
    _check_az_index(az_index)
    vpc = parse_vpc_cidr(vpc_cidr, key=key)
    return str(_part(vpc, _BLOCKS[SubnetTier(tier)], _SLOT_BITS, az_index))


def reserved_cidr(vpc_cidr: str, *, key: str = "cidr") -> str:
    """The part of the VPC held back for a future tier; no planned subnet ever overlaps it."""
    return str(_part(parse_vpc_cidr(vpc_cidr, key=key), _RESERVED))


def plan_subnets(
    vpc_cidr: str,
    az_count: int,
    tiers: Iterable[SubnetTier | str] = TIERS,
    *,
    key: str = "cidr",
) -> tuple[PlannedSubnet, ...]:
    """Every subnet of ``tiers`` in AZs ``0 .. az_count-1``, ordered by tier then AZ index.

    Raises :class:`ValidationError` for a VPC CIDR that cannot hold the layout (see
    :func:`parse_vpc_cidr`), an AZ count outside 1 to :data:`MAX_AZS`, or an unknown tier.
    Tiers may be given by name (``"private"``).
    """
    vpc = parse_vpc_cidr(vpc_cidr, key=key)
    if isinstance(az_count, bool) or not isinstance(az_count, int) or not 1 <= az_count <= MAX_AZS:
        raise ValidationError(
            "az_count",
            az_count,
            f"the subnet layout holds 1 to {MAX_AZS} AZs",
            f"pick an AZ count from 1 to {MAX_AZS}",
        )
    wanted = set()
    for tier in tiers:
        try:
            wanted.add(SubnetTier(tier))
        except ValueError:
            raise ValidationError(
                "tiers",
                tier,
                "not a subnet tier",
                f"use some of: {', '.join(t.value for t in TIERS)}",
            ) from None
    return tuple(
        PlannedSubnet(tier, i, str(_part(vpc, _BLOCKS[tier], _SLOT_BITS, i)))
        for tier in TIERS
        if tier in wanted
        for i in range(az_count)
    )
