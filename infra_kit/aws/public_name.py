"""A service's public name: an ACM certificate validated through the platform's DNS zone (EDGE-1)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra_kit.aws._dns import dns_name_problem, host_in_zone, normalize_dns_name
from infra_kit.aws.alarms import AlarmTopics
from infra_kit.aws.certificate import CertificateAlarms, CertificateAlarmsArgs
from infra_kit.core.component import Component
from infra_kit.core.environment import Environment
from infra_kit.errors import ValidationError

__all__ = ["VALIDATION_RECORD_TTL_SECONDS", "PublicName", "PublicNameArgs", "check_host_in_zone"]

#: The TTL of the DNS validation record: ACM looks it up at issue and at every renewal.
VALIDATION_RECORD_TTL_SECONDS = 300


def check_host_in_zone(host: str, zone_name: str) -> str:
    """``host`` normalized, or :class:`ValidationError` naming ``host`` when it is not a DNS
    name or not ``zone_name`` or a name under it (ACM validates it in that zone only)."""
    problem = dns_name_problem(host)
    if problem is not None:
        raise ValidationError("host", host, problem, "pass the service's public host name")
    if not host_in_zone(host, zone_name):
        raise ValidationError(
            "host",
            host,
            f"not in the platform's DNS zone {zone_name!r}, so its certificate could never be "
            "validated there and no record could point it at the load balancer",
            f"use a name under {zone_name}, e.g. 'api.{zone_name}'",
        )
    return normalize_dns_name(host)


@dataclass(frozen=True)
class PublicNameArgs:
    """Arguments of :class:`PublicName`.

    Args:
        host: the public host name, e.g. ``orders.dev.example.com``; it must be the zone's name
            or a name under it. Required.
        zone_id: the Route 53 hosted zone that holds ``host``: the platform's ``dns_zone_id``.
            Required.
        zone_name: that zone's name: the platform's ``dns_zone_name``. Required. When it is an
            Output, ``host`` is checked once it resolves, and the certificate waits for that.
        alarm_topics: where the certificate's expiry alarms notify, usually
            ``AlarmTopics.from_stack(platform)``. Required.
    """

    host: str
    zone_id: pulumi.Input[str]
    zone_name: pulumi.Input[str]
    alarm_topics: AlarmTopics


class PublicName(Component):
    """An ACM certificate for one public host, validated by DNS in the platform's zone (EDGE-1).

    Children:

    - ``aws.acm.Certificate`` ``<name>``: ``host``, DNS validation, tagged ``Name=<host>``;
    - ``aws.route53.Record`` ``<name>-validation``: the CNAME ACM asks for, in the zone
      (``allow_overwrite``, since ACM asks every certificate for the same host for the same
      record);
    - ``aws.acm.CertificateValidation`` ``<name>-validation``: completes when ACM has issued
      the certificate;
    - :class:`~infra_kit.aws.certificate.CertificateAlarms` ``<name>``: warning and critical
      ``DaysToExpiry`` alarms on the certificate, in the dashboard's certificate section (OBS-3).

    Outputs: ``certificate_arn``, the certificate's ARN read from the validation, so an
    Ingress that uses it is created only once the certificate is issued, and ``host``.

    The certificate is issued only once public resolvers find the validation record, i.e. once
    the zone is delegated from its parent (README, Deploying for real); until then the
    validation, and everything that uses the certificate, waits.

    The host's own record (an alias to the load balancer) is written by the cluster's DNS
    controller from the Ingress's host, not here: the load balancer is the controller's, and
    its address is unknown to the stack.

    Prescriptions: EDGE-1 (managed certificates, expiry monitored), OBS-3.

    Args:
        name: the component's name; every child's logical name starts with it.
        args: its settings, [PublicNameArgs][infra_kit.aws.public_name.PublicNameArgs].
        env: the stack's [Environment][infra_kit.core.environment.Environment]: profile, tags and
            AWS provider.
        opts: Pulumi options for the component; every child is parented to it.

    Attributes:
        host: the host name the certificate is for.
        certificate: the ``aws.acm.Certificate``.
        validation_record: the DNS validation ``aws.route53.Record``.
        validation: the ``aws.acm.CertificateValidation``.
        certificate_arn: the validated certificate's ARN, for an
            [AlbIngress][infra_kit.k8s.AlbIngress].
        alarms: the certificate's expiry [CertificateAlarms][infra_kit.aws.CertificateAlarms].
    """

    TYPE = "infra-kit:aws:PublicName"

    def __init__(
        self,
        name: str,
        args: PublicNameArgs,
        env: Environment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        problem = dns_name_problem(args.host)
        if problem is not None:
            raise ValidationError(
                "host",
                args.host,
                problem,
                "pass the service's public host name, e.g. 'api.example.com'",
            )
        if isinstance(args.zone_name, str):
            check_host_in_zone(args.host, args.zone_name)
        super().__init__(name, env, opts)
        host = normalize_dns_name(args.host)
        # Outputs are checked when they resolve: the certificate's name waits for the check.
        domain = pulumi.Output.from_input(args.zone_name).apply(
            lambda zone: check_host_in_zone(host, zone)
        )
        # prescription: EDGE-1 -- a managed certificate, renewed by ACM through DNS validation.
        self.certificate = aws.acm.Certificate(
            name,
            aws.acm.CertificateArgs(
                domain_name=domain, validation_method="DNS", tags={"Name": host}
            ),
            opts=self.child_opts(),
        )
        option = self.certificate.domain_validation_options[0]
        self.validation_record = aws.route53.Record(
            self.child("validation"),
            aws.route53.RecordArgs(
                zone_id=args.zone_id,
                name=option.resource_record_name,
                type=option.resource_record_type,
                records=[option.resource_record_value],
                ttl=VALIDATION_RECORD_TTL_SECONDS,
                allow_overwrite=True,
            ),
            opts=self.child_opts(),
        )
        self.validation = aws.acm.CertificateValidation(
            self.child("validation"),
            aws.acm.CertificateValidationArgs(
                certificate_arn=self.certificate.arn,
                validation_record_fqdns=[self.validation_record.fqdn],
            ),
            opts=self.child_opts(),
        )
        self.certificate_arn: pulumi.Output[str] = self.validation.certificate_arn
        self.host = host
        # prescription: EDGE-1 -- expiry is monitored (OBS-3 thresholds from the profile).
        self.alarms = CertificateAlarms(
            name,
            CertificateAlarmsArgs(
                certificate_arn=self.certificate_arn, alarm_topics=args.alarm_topics
            ),
            env,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"certificate_arn": self.certificate_arn, "host": host})
