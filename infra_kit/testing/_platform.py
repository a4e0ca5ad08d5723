"""A stand-in for the platform project's stack outputs, for app projects tested without it.

An app team's repository holds its service, not the platform: its program reads the platform
through ``pulumi.StackReference("<org>/platform/<stack>")``. Offline, a StackReference to a
project of the same repository is answered by synthesizing that project; where there is no
project named ``platform``, :class:`PlatformStandIn` answers instead, with a value of the right
type for every output ``docs/stack-outputs.md`` lists for ``platform``.

The values are deterministic (the same stack and region always give the same ids, so graphs
diff cleanly) and shaped like the real ones: ARNs in the stand-in's account and region, one
subnet per availability zone of the environment's built-in profile, a kubeconfig that runs
``aws eks get-token`` (kept secret, as the platform exports it), and a DNS zone named
``<environment>.<domain>``. They are placeholders: nothing in the graph that reads them is a
real id. Pure data, no Pulumi runtime.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from infra_kit.aws._kubeconfig import render_kubeconfig
from infra_kit.core.engine._cloud import ACCOUNT_ID
from infra_kit.core.profile import BUILTIN_PROFILES, first_availability_zones
from infra_kit.errors import ValidationError

__all__ = ["PLATFORM_OUTPUTS", "PLATFORM_PROJECT", "PlatformStandIn"]

#: The name of the project the stand-in stands in for.
PLATFORM_PROJECT = "platform"

#: Every output of the platform project (docs/stack-outputs.md), by name, with its Python type.
PLATFORM_OUTPUTS: dict[str, type] = {
    "environment": str,
    "kms_key_arn": str,
    "alarm_topic_arn": str,
    "critical_alarm_topic_arn": str,
    "vpc_id": str,
    "vpc_cidr": str,
    "availability_zones": list,
    "public_subnet_ids": list,
    "private_subnet_ids": list,
    "isolated_subnet_ids": list,
    "cluster_name": str,
    "cluster_endpoint": str,
    "oidc_provider_arn": str,
    "oidc_issuer_url": str,
    "kubeconfig": str,
    "cluster_security_group_id": str,
    "node_security_group_id": str,
    "autoscaler_role_arn": str,
    "load_balancer_controller_role_arn": str,
    "api_tunnel_group_name": str,
    "api_tunnel_security_group_id": str,
    "api_tunnel_tag": dict,
    "backup_vault_name": str,
    "health_url": str,
    "dashboard_name": str,
    "dns_zone_id": str,
    "dns_zone_name": str,
    "dns_zone_name_servers": list,
    "web_acl_arn": str,
    "alb_access_log_bucket": str,
}

#: The outputs the platform exports as secrets.
_SECRET_OUTPUTS = ("kubeconfig",)

#: The profile whose network an environment without a built-in profile is given.
_FALLBACK_PROFILE = "dev"


def _hex(seed: str, length: int) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:length]


@dataclass(frozen=True)
class PlatformStandIn:
    """Deterministic outputs of the ``platform`` project, for a StackReference that has no
    platform project to synthesize.

    Args:
        environment: the platform environment whose outputs to give; ``None`` (the default)
            takes the referenced stack's name (``dev`` for ``organization/platform/dev``).
        region: the AWS region of the ARNs and zones; ``None`` (the default) takes the
            ``aws:region`` of the app stack that reads the reference.
        account_id: the AWS account of every ARN; default ``"123456789012"``.
        domain: the parent domain of the environment's DNS zone: the zone is
            ``<environment>.<domain>``; default ``"example.com"``.
        zone_names: the DNS zone's name by environment, where it is not
            ``<environment>.<domain>`` (a prod zone at the domain's apex, say); default none.
        availability_zones: the AZs the network spans; ``None`` (the default) takes the region's
            first AZs, as many as the environment's built-in profile's ``network.az_count``
            (dev's for an environment without a built-in profile).
        overrides: output values that replace the stand-in's own, by output name; a name the
            platform does not export is refused.

    Attributes:
        secret_output_names: the outputs the platform exports as secrets (``kubeconfig``).
    """

    environment: str | None = None
    region: str | None = None
    account_id: str = ACCOUNT_ID
    domain: str = "example.com"
    zone_names: Mapping[str, str] = field(default_factory=dict)
    availability_zones: tuple[str, ...] | None = None
    overrides: Mapping[str, Any] = field(default_factory=dict)

    secret_output_names: tuple[str, ...] = field(default=_SECRET_OUTPUTS, init=False)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.overrides) - set(PLATFORM_OUTPUTS))
        if unknown:
            raise ValidationError(
                "PlatformStandIn.overrides",
                unknown,
                "names outputs the platform project does not export",
                f"override only outputs listed in docs/stack-outputs.md: "
                f"{', '.join(sorted(PLATFORM_OUTPUTS))}",
            )
        for name, value in self.overrides.items():
            expected = PLATFORM_OUTPUTS[name]
            if not isinstance(value, expected):
                raise ValidationError(
                    f"PlatformStandIn.overrides[{name!r}]",
                    value,
                    f"is a {type(value).__name__}, but the platform exports {name} as a "
                    f"{expected.__name__}",
                    f"give a {expected.__name__}",
                )

    def outputs(self, stack: str, region: str) -> dict[str, Any]:
        """Every platform output of stack ``stack`` (the referenced platform stack's name), in a
        stand-in that reads ``region`` unless :attr:`region` is set."""
        env = self.environment or stack
        region = self.region or region
        account = self.account_id
        profile = BUILTIN_PROFILES.get(env, BUILTIN_PROFILES[_FALLBACK_PROFILE])
        zones = list(self.availability_zones or ())
        if not zones:
            count = int(profile["network"]["az_count"])
            zones = first_availability_zones(region, count)

        def unique(name: str, length: int = 17) -> str:
            return _hex(f"{env}/{region}/{name}", length)

        cluster = f"platform-{env}"
        oidc_id = unique("oidc", 32).upper()
        issuer = f"https://oidc.eks.{region}.amazonaws.com/id/{oidc_id}"
        endpoint = f"https://{unique('endpoint', 32).upper()}.gr7.{region}.eks.amazonaws.com"
        zone_name = self.zone_names.get(env, f"{env}.{self.domain}")
        values: dict[str, Any] = {
            "environment": env,
            "kms_key_arn": f"arn:aws:kms:{region}:{account}:key/{_uuid(unique('key', 32))}",
            "alarm_topic_arn": f"arn:aws:sns:{region}:{account}:alerts-{unique('warn', 7)}",
            "critical_alarm_topic_arn": (
                f"arn:aws:sns:{region}:{account}:alerts-critical-{unique('crit', 7)}"
            ),
            "vpc_id": f"vpc-{unique('vpc')}",
            "vpc_cidr": str(profile["network"]["vpc_cidr"]),
            "availability_zones": zones,
            "public_subnet_ids": [f"subnet-{unique(f'public/{z}')}" for z in zones],
            "private_subnet_ids": [f"subnet-{unique(f'private/{z}')}" for z in zones],
            "isolated_subnet_ids": [f"subnet-{unique(f'isolated/{z}')}" for z in zones],
            "cluster_name": cluster,
            "cluster_endpoint": endpoint,
            "oidc_provider_arn": (
                f"arn:aws:iam::{account}:oidc-provider/{issuer.removeprefix('https://')}"
            ),
            "oidc_issuer_url": issuer,
            # The platform's own kubeconfig shape: `aws eks get-token`, no credential in it.
            "kubeconfig": render_kubeconfig(
                cluster_name=cluster,
                endpoint=endpoint,
                certificate_authority_data=base64.b64encode(unique("ca", 64).encode()).decode(),
                region=region,
            ),
            "cluster_security_group_id": f"sg-{unique('cluster-sg')}",
            "node_security_group_id": f"sg-{unique('node-sg')}",
            "autoscaler_role_arn": f"arn:aws:iam::{account}:role/platform-ca-{unique('ca', 7)}",
            "load_balancer_controller_role_arn": (
                f"arn:aws:iam::{account}:role/platform-lbc-{unique('lbc', 7)}"
            ),
            "api_tunnel_group_name": f"api-tunnel-asg-{unique('tunnel', 7)}",
            "api_tunnel_security_group_id": f"sg-{unique('tunnel-sg')}",
            "api_tunnel_tag": {"key": "infra-kit:role", "value": "api-tunnel"},
            "backup_vault_name": f"backups-{unique('vault', 7)}",
            "health_url": (
                f"https://{unique('health', 32)}.lambda-url.{region}.on.aws/health/infrastructure"
            ),
            "dashboard_name": f"{env}-platform-{env}",
            "dns_zone_id": f"Z{unique('zone', 13).upper()}",
            "dns_zone_name": zone_name,
            "dns_zone_name_servers": [
                f"ns-{n}.awsdns-{n:02d}.{tld}"
                for n, tld in ((1, "org"), (2, "net"), (3, "com"), (4, "co.uk"))
            ],
            "web_acl_arn": (
                f"arn:aws:wafv2:{region}:{account}:regional/webacl/platform-{env}-edge/"
                f"{_uuid(unique('acl', 32))}"
            ),
            "alb_access_log_bucket": f"alb-access-logs-{unique('alb-logs', 7)}",
        }
        values.update(self.overrides)
        return values


def _uuid(digits: str) -> str:
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:32]}"
