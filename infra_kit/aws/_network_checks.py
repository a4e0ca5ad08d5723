"""Checks of a network's arguments against its profile (ENV-3). Pure logic: no Pulumi resources.

:class:`~infra_kit.aws.network.Network` calls :func:`check_network` before it registers
anything, so a refused argument never leaves half a VPC behind. Every refusal is a
:class:`~infra_kit.errors.ValidationError` naming the argument, the value and the fix.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from infra_kit.aws._cidr import PlannedSubnet, parse_vpc_cidr, plan_subnets
from infra_kit.aws.key import Key
from infra_kit.core.profile import NetworkProfile
from infra_kit.core.tags import validate_tag_value
from infra_kit.errors import ValidationError

if TYPE_CHECKING:
    from infra_kit.aws.network import NetworkArgs

__all__ = [
    "FLOW_LOGS_DISABLED_TAG",
    "CheckedNetwork",
    "check_flow_logs",
    "check_network",
    "check_services",
    "check_zones",
]

#: The VPC tag that carries the written reason when flow logs are turned off (NET-3).
FLOW_LOGS_DISABLED_TAG = "flow-logs-disabled-reason"

_SERVICE = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+)*")
_MIN_REASON_WORDS = 3


@dataclass(frozen=True)
class CheckedNetwork:
    """What a network is built from once its arguments passed every check."""

    cidr: str
    subnets: tuple[PlannedSubnet, ...]
    services: tuple[str, ...]
    zones: tuple[str, ...] | None
    """Pinned AZ names, index ``i`` for AZ ``i``; None to look the region's AZs up at deploy."""


def check_network(args: NetworkArgs, net: NetworkProfile, region: str) -> CheckedNetwork:
    """Check every argument of ``args`` against the profile's ``network`` section and ``region``."""
    key = "cidr" if args.cidr is not None else "network.vpc_cidr"
    cidr = str(parse_vpc_cidr(args.cidr if args.cidr is not None else net.vpc_cidr, key=key))
    subnets = plan_subnets(cidr, net.az_count, key=key)
    pinned = args.availability_zones
    if pinned is None:
        pinned = net.availability_zones
    zones = check_zones(pinned, net.az_count, region)
    check_flow_logs(args)
    chosen = args.interface_endpoint_services
    services = check_services(
        net.interface_endpoint_services if chosen is None else chosen,
        net.enable_interface_endpoints,
        key="interface_endpoint_services"
        if chosen is not None
        else "network.interface_endpoint_services",
    )
    return CheckedNetwork(cidr=cidr, subnets=subnets, services=services, zones=zones)


def check_zones(zones: Sequence[str] | None, az_count: int, region: str) -> tuple[str, ...] | None:
    """Pinned AZ names: exactly ``az_count`` distinct AZs of ``region``, or None (look them up)."""
    if zones is None:
        return None
    names = (zones,) if isinstance(zones, str) else tuple(zones)
    for name in names:
        if not isinstance(name, str) or not name.startswith(region):
            raise ValidationError(
                "availability_zones",
                name,
                f"not an AZ of {region}, the environment's region (aws:region)",
                f"list AZ names of {region}, e.g. '{region}a', or change aws:region in the "
                "stack file",
            )
        if not re.fullmatch(re.escape(region) + r"[a-z]", name):
            raise ValidationError(
                "availability_zones",
                name,
                f"not one of {region}'s own AZs; Local and Wavelength Zones need an opt-in "
                "and are never used for subnets",
                f"name an AZ like '{region}a'",
            )
    if len(names) != az_count:
        raise ValidationError(
            "availability_zones",
            list(names),
            f"{len(names)} AZ name(s) given, but network.az_count is {az_count}; AZ i of "
            "every tier takes name i",
            f"list exactly {az_count} AZ names, or change network.az_count in the stack file",
        )
    if len(set(names)) != len(names):
        raise ValidationError(
            "availability_zones",
            list(names),
            "an AZ is listed twice, which would put two subnets of a tier in one AZ (HA-1)",
            "list each AZ once",
        )
    return names


def check_flow_logs(args: NetworkArgs) -> None:
    """Flow logs on with a usable key, or off with a written reason and no key (NET-3, OBS-2)."""
    reason, key = args.disable_flow_logs_reason, args.flow_log_key
    if reason is not None:
        text = reason.strip()
        if len(text.split()) < _MIN_REASON_WORDS:
            raise ValidationError(
                "disable_flow_logs_reason",
                reason,
                "turning VPC flow logs off (NET-3) needs a written reason of three words or more",
                "say in a sentence why this VPC runs without flow logs, or drop the argument",
            )
        problem = validate_tag_value(text)
        if problem:
            raise ValidationError(
                "disable_flow_logs_reason",
                reason,
                f"the reason is kept in the VPC's {FLOW_LOGS_DISABLED_TAG} tag, and {problem}",
                "reword it",
            )
        if key is not None:
            raise ValidationError(
                "flow_log_key",
                key.component_name if isinstance(key, Key) else key,
                "flow logs are turned off by disable_flow_logs_reason, so the key is not used",
                "pass flow_log_key=None, or drop disable_flow_logs_reason to keep flow logs on",
            )
        return
    if not isinstance(key, Key):
        raise ValidationError(
            "flow_log_key",
            key,
            "VPC flow logs are on (NET-3) and go to a log group encrypted with a "
            "customer-managed key (OBS-2)",
            "pass a Key created with KeyArgs(log_group_access=True), or turn flow logs off "
            "with disable_flow_logs_reason='<why>'",
        )
    if not key.log_group_access:
        raise ValidationError(
            "flow_log_key",
            key.component_name,
            "the key's policy does not let CloudWatch Logs use it, so the encrypted flow-log "
            "group could not be created",
            "create the key with KeyArgs(..., log_group_access=True)",
        )


def check_services(
    services: Sequence[str], enabled: bool, *, key: str = "interface_endpoint_services"
) -> tuple[str, ...]:
    """Interface endpoint services as endpoint names spell them, each once, S3 excluded (NET-4).

    ``key`` names where the list came from in errors: the argument or the profile's key."""
    if isinstance(services, str):
        services = [services]
    out = tuple(services)
    for service in out:
        if (
            not isinstance(service, str)
            or not _SERVICE.fullmatch(service)
            or service.startswith(("com.amazonaws.", "cn.com.amazonaws."))
        ):
            raise ValidationError(
                key,
                service,
                "not a service name as endpoint names use it",
                "write it like 'ecr.api' or 'sts' (without com.amazonaws.<region>.)",
            )
        if service == "s3":
            raise ValidationError(
                key,
                service,
                "S3 already has a gateway endpoint, which costs nothing",
                "remove 's3' from the list",
            )
    if len(set(out)) != len(out):
        raise ValidationError(key, list(out), "a service is listed twice", "list it once")
    if enabled and not out:
        raise ValidationError(
            key,
            [],
            "the profile turns interface endpoints on (NET-4); an empty list would turn them "
            "off without saying so",
            "list the services, or set network.enable_interface_endpoints: false in the stack file",
        )
    return out
