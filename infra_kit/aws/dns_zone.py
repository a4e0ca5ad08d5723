"""The public Route 53 hosted zone of one environment's domain (EDGE-1).

The platform creates one zone per environment, named by the stack file's
``<project>:dns_zone``; services put their public names (:class:`~infra_kit.aws.public_name.
PublicName`) and their certificates' DNS validation records in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra_kit.aws._dns import dns_name_problem, normalize_dns_name
from infra_kit.core.component import Component
from infra_kit.core.environment import Environment
from infra_kit.errors import ConfigError, ValidationError
from infra_kit.policy.suppress import suppress

__all__ = [
    "DELEGATION_TTL_SECONDS",
    "DNS_ZONE_DELEGATION_KEY",
    "DNS_ZONE_KEY",
    "DnsZone",
    "DnsZoneArgs",
    "dns_zone_from_config",
]

#: The key of the platform's stack files that names the environment's domain.
DNS_ZONE_KEY = "dns_zone"
#: The key of the platform's stack files that says how the zone is delegated by hand.
DNS_ZONE_DELEGATION_KEY = "dns_zone_delegation"
#: The TTL of the NS records that delegate the zone from its parent: two days, what Route 53
#: gives the NS record of a new zone, since name servers seldom change.
DELEGATION_TTL_SECONDS = 172800


def dns_zone_from_config(env: Environment, config: pulumi.Config | None = None) -> str:
    """The environment's domain from ``<project>:dns_zone``, normalized (lower case, no trailing
    dot); :class:`ConfigError` naming the key when it is missing or not a DNS name (ENV-3)."""
    config = config or pulumi.Config()
    key = f"{env.project}:{DNS_ZONE_KEY}"
    value = config.get(DNS_ZONE_KEY)
    problem = "it is not set" if value is None else dns_name_problem(value)
    if problem is None and value is not None:
        return normalize_dns_name(value)
    raise ConfigError(
        f"Pulumi.{env.stack}.yaml",
        [
            f"{key}={value!r}: {problem}; the environment's public hosted zone and every "
            "certificate's DNS validation need a domain (EDGE-1). Fix: set it to the domain "
            "this environment's services are named under, e.g. dev.example.com, and delegate "
            "it from its parent zone after the first deployment (README, Deploying for real)"
        ],
    )


@dataclass(frozen=True)
class DnsZoneArgs:
    """Arguments of :class:`DnsZone`.

    Args:
        domain: the zone's name, e.g. ``dev.example.com`` (a trailing dot and upper case are
            accepted and normalized). Required.
        parent_zone_id: a Route 53 zone of the same account that holds ``domain``'s parent
            (``example.com``), in which the zone's NS records are written, so the zone answers
            as soon as it exists. Default: none; the parent is then delegated by hand once, from
            the ``name_servers`` output, before any certificate in the zone can validate (README,
            Deploying for real).
        delegated_by_hand_reason: without ``parent_zone_id``, how the parent delegates the zone
            (who wrote its NS records, where), in a sentence; it is kept in the graph as the
            suppression of ``IK-EDGE-1-ZONE-DELEGATION``, which otherwise warns that the
            delegation is not in the graph. Refused together with ``parent_zone_id``.
            Default: none.
    """

    domain: str
    parent_zone_id: pulumi.Input[str] | None = None
    delegated_by_hand_reason: str | None = None


class DnsZone(Component):
    """A public Route 53 hosted zone for an environment's domain (EDGE-1).

    Children: ``aws.route53.Zone`` ``<name>`` (``force_destroy`` off, so a zone that still
    holds records is never deleted with them; protected and retained where the profile's
    ``protect_stateful`` says, since its name servers are what the parent delegates to and a
    new zone gets new ones), and, with ``parent_zone_id``, ``aws.route53.Record``
    ``<name>-delegation``: the NS records in the parent zone. Without it
    ``IK-EDGE-1-ZONE-DELEGATION`` warns, unless ``delegated_by_hand_reason`` says how the zone
    is delegated.

    Outputs: ``zone_id``, ``zone_name`` (registered as ``name``; without a trailing dot) and ``name_servers``.

    ACM validates a certificate only once public resolvers find the validation record, that is
    once the parent zone delegates to this zone's name servers. Without ``parent_zone_id`` that
    is a step of the first deployment (ADR 0024), and until it is done every
    ``aws.acm.CertificateValidation`` in the zone waits.

    Prescriptions: EDGE-1 (public names with managed certificates), DR-1 (protected state).

    Args:
        name: the component's name; every child's logical name starts with it.
        args: its settings, [DnsZoneArgs][infra_kit.aws.DnsZoneArgs].
        env: the stack's [Environment][infra_kit.core.environment.Environment]: profile, tags and
            AWS provider.
        opts: Pulumi options for the component; every child is parented to it.

    Attributes:
        zone: the ``aws.route53.Zone``.
        zone_id: the hosted zone's id.
        zone_name: the zone's domain name.
        name_servers: the zone's name servers, for the parent zone's NS record.
        delegation: the NS ``aws.route53.Record`` in the parent zone; None when the zone is
            delegated by hand.
    """

    TYPE = "infra-kit:aws:DnsZone"

    def __init__(
        self,
        name: str,
        args: DnsZoneArgs,
        env: Environment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        problem = dns_name_problem(args.domain)
        if problem is not None:
            raise ValidationError(
                "domain",
                args.domain,
                problem,
                "pass the environment's domain, e.g. 'dev.example.com'",
            )
        if args.delegated_by_hand_reason is not None and args.parent_zone_id is not None:
            raise ValidationError(
                "delegated_by_hand_reason",
                args.delegated_by_hand_reason,
                "parent_zone_id is given too, so the stack delegates the zone itself",
                "drop one of the two",
            )
        super().__init__(name, env, opts)
        domain = normalize_dns_name(args.domain)
        self.zone = aws.route53.Zone(
            name,
            aws.route53.ZoneArgs(
                name=domain,
                comment=f"Public names of {env.project}/{env.stack} (infra-kit)",
                force_destroy=False,
            ),
            opts=self.stateful_opts(),
        )
        if args.delegated_by_hand_reason is not None:
            suppress(self.zone, "IK-EDGE-1-ZONE-DELEGATION", args.delegated_by_hand_reason)
        self.delegation: aws.route53.Record | None = None
        if args.parent_zone_id is not None:
            self.delegation = aws.route53.Record(
                self.child("delegation"),
                aws.route53.RecordArgs(
                    zone_id=args.parent_zone_id,
                    name=domain,
                    type="NS",
                    ttl=DELEGATION_TTL_SECONDS,
                    records=self.zone.name_servers,
                ),
                opts=self.child_opts(),
            )
        self.zone_id: pulumi.Output[str] = self.zone.zone_id
        self.zone_name = domain
        self.name_servers: pulumi.Output[Sequence[str]] = self.zone.name_servers
        self.register_outputs(
            {"zone_id": self.zone_id, "name": domain, "name_servers": self.name_servers}
        )
