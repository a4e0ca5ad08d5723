"""Certificate expiry alarms for an ACM certificate a stack uses (EDGE-1, OBS-3)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from infra_kit.aws.alarms import AlarmTopics, Metric, alarm_pair
from infra_kit.core.component import Component
from infra_kit.core.environment import Environment

__all__ = [
    "DAYS_TO_EXPIRY",
    "EXPIRY_PERIOD_SECONDS",
    "CertificateAlarms",
    "CertificateAlarmsArgs",
    "days_to_expiry",
]

#: ACM's metric: whole days until the certificate expires, published once a day per certificate.
DAYS_TO_EXPIRY = "DaysToExpiry"
#: ACM publishes ``DaysToExpiry`` once a day, so the alarm reads one day per period: a shorter
#: period would see most periods empty.
EXPIRY_PERIOD_SECONDS = 86400
#: The dashboard section of expiry alarms (OBS-4).
ALARM_SECTION = "Certificate expiry"


def days_to_expiry(certificate_arn: pulumi.Input[str]) -> Metric:
    """ACM's ``DaysToExpiry`` of one certificate: the day's minimum."""
    return Metric(
        "AWS/CertificateManager",
        DAYS_TO_EXPIRY,
        {"CertificateArn": certificate_arn},
        "Minimum",
        EXPIRY_PERIOD_SECONDS,
    )


@dataclass(frozen=True)
class CertificateAlarmsArgs:
    """Arguments of :class:`CertificateAlarms`.

    Args:
        certificate_arn: the ACM certificate, in the stack's region (where ACM publishes its
            metric). Required.
        alarm_topics: where the alarms notify, usually ``AlarmTopics.from_stack(platform)``.
            Required.
    """

    certificate_arn: pulumi.Input[str]
    alarm_topics: AlarmTopics


class CertificateAlarms(Component):
    """Warning and critical alarms before an ACM certificate expires (EDGE-1, OBS-3).

    ACM renews the certificates it issues, but a renewal can stall (a validation record removed,
    a domain no longer pointing at AWS), and an imported certificate is never renewed.

    Children: ``aws.cloudwatch.MetricAlarm`` ``<name>-expiry-warning`` and
    ``<name>-expiry-critical`` on ``AWS/CertificateManager`` ``DaysToExpiry`` (dimension
    ``CertificateArn``, statistic ``Minimum``, one-day period), at or below the profile's
    ``alarms.certificate_expiry_warning_days`` and ``certificate_expiry_critical_days``.

    Missing data is breaching: ACM stops publishing once a certificate has expired, and publishes
    nothing for an ARN that names no certificate of the region, so silence is the worst case, not
    a quiet one. A newly issued certificate may alarm until ACM's first daily datapoint.

    Prescriptions: EDGE-1 (certificate expiry is monitored), OBS-3 (two severities, two topics,
    thresholds from the profile).

    Args:
        name: the component's name; every child's logical name starts with it.
        args: its settings, [CertificateAlarmsArgs][infra_kit.aws.CertificateAlarmsArgs].
        env: the stack's [Environment][infra_kit.core.environment.Environment]: profile, tags and
            AWS provider.
        opts: Pulumi options for the component; every child is parented to it.

    Attributes:
        certificate_arn: the ARN of the certificate watched.
        warning_alarm: the ``aws.cloudwatch.MetricAlarm`` at the warning threshold.
        critical_alarm: the ``aws.cloudwatch.MetricAlarm`` at the critical threshold.
    """

    TYPE = "infra-kit:aws:CertificateAlarms"

    def __init__(
        self,
        name: str,
        args: CertificateAlarmsArgs,
        env: Environment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(name, env, opts)
        limits = env.profile.alarms
        self.certificate_arn = args.certificate_arn
        alarms = alarm_pair(
            self, "expiry", signal=days_to_expiry(args.certificate_arn), comparison="at-or-below",
            warning=limits.certificate_expiry_warning_days,
            critical=limits.certificate_expiry_critical_days,
            topics=args.alarm_topics, section=ALARM_SECTION,
            description="Days until the ACM certificate expires; check its renewal status "
            "(aws acm describe-certificate) and its DNS validation record, or re-import it",
            treat_missing_data="breaching",
        )  # fmt: skip
        self.warning_alarm = alarms["warning"]
        self.critical_alarm = alarms["critical"]
        self.register_outputs({"certificate_arn": args.certificate_arn})
