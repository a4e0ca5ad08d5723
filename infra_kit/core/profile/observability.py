"""Logs and alarms (OBS-2, OBS-3)."""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from infra_kit.core.profile._base import Frozen, check_retention, same, table

__all__ = ["OBSERVABILITY_ROWS", "AlarmProfile", "LogProfile", "NotificationSubscription"]

# One address: no spaces, one @, a dot in the domain. SNS confirms it by mail anyway.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class LogProfile(Frozen):
    """Log groups (OBS-2).

    ``retention_days`` applies to application and telemetry logs; ``audit_retention_days`` to
    audit-class logs (the EKS control plane, database logs), which prod keeps at least a year.
    VPC flow logs, also audit-class, follow ``network.flow_log_retention_days``.
    """

    retention_days: int
    audit_retention_days: int

    _retention = field_validator("retention_days", "audit_retention_days")(check_retention)


class NotificationSubscription(Frozen):
    """Who reads an environment's notification topic (OBS-3): ``protocol`` ``email`` with an
    address, or ``https`` with an ``https://`` URL (a chat or paging webhook). SNS asks each
    endpoint to confirm before it delivers anything."""

    protocol: Literal["email", "https"]
    endpoint: str

    @model_validator(mode="after")
    def _endpoint_fits(self) -> NotificationSubscription:
        if self.protocol == "email" and not _EMAIL.match(self.endpoint):
            raise PydanticCustomError(
                "subscription_endpoint",
                "endpoint={endpoint!r} is not an email address; write one address such as "
                "platform-oncall@your-domain, or use protocol https for a webhook",
                {"endpoint": self.endpoint},
            )
        if self.protocol == "https":
            url = urlsplit(self.endpoint)
            if url.scheme != "https" or not url.hostname:
                raise PydanticCustomError(
                    "subscription_endpoint",
                    "endpoint={endpoint!r} is not an https URL; SNS delivers protocol https only "
                    "to https://host/path (plain http is refused: alerts cross the internet)",
                    {"endpoint": self.endpoint},
                )
        return self


class AlarmProfile(Frozen):
    """Alarm thresholds and who is told (OBS-3).

    ``notification_subscriptions`` subscribe to the environment's notification topic
    (:class:`~infra_kit.aws.notifications.Notifications`). No built-in environment has any: who
    reads alerts is the stack owner's to say, in the stack file. Where
    ``require_notification_subscription`` is on (stage, prod), a topic without subscriptions is
    refused, since alerts nobody reads are no alerts.
    """

    utilization_warning_percent: int = Field(ge=1, le=100)
    utilization_critical_percent: int = Field(ge=1, le=100)
    notification_subscriptions: tuple[NotificationSubscription, ...]
    require_notification_subscription: bool

    @model_validator(mode="after")
    def _ordered(self) -> AlarmProfile:
        if self.utilization_warning_percent >= self.utilization_critical_percent:
            raise PydanticCustomError(
                "threshold_order",
                "alarms.utilization_warning_percent={w} must be below "
                "alarms.utilization_critical_percent={c}",
                {"w": self.utilization_warning_percent, "c": self.utilization_critical_percent},
            )
        return self


# fmt: off
OBSERVABILITY_ROWS = table(
    # key                                    dev   preview  stage  prod
    ("logs.retention_days",                  14,   3,       30,    90),
    ("logs.audit_retention_days",            14,   3,       90,    365),
    ("alarms.utilization_warning_percent",   *same(75)),
    ("alarms.utilization_critical_percent",  *same(90)),
    ("alarms.notification_subscriptions",    *same(())),
    ("alarms.require_notification_subscription", False, False, True, True),
)
# fmt: on
