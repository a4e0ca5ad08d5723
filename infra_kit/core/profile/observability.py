"""Logs and alarms (OBS-2, OBS-3)."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from infra_kit.core.profile._base import Frozen, check_retention, same, table

__all__ = ["OBSERVABILITY_ROWS", "AlarmProfile", "LogProfile"]


class LogProfile(Frozen):
    """Log groups (OBS-2).

    ``retention_days`` applies to application and telemetry logs; ``audit_retention_days`` to
    audit-class logs (the EKS control plane, database logs), which prod keeps at least a year.
    VPC flow logs, also audit-class, follow ``network.flow_log_retention_days``.
    """

    retention_days: int
    audit_retention_days: int

    _retention = field_validator("retention_days", "audit_retention_days")(check_retention)


class AlarmProfile(Frozen):
    """Alarm thresholds (OBS-3)."""

    utilization_warning_percent: int = Field(ge=1, le=100)
    utilization_critical_percent: int = Field(ge=1, le=100)
    notification_emails: tuple[str, ...]

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
    ("alarms.notification_emails",           *same(())),
)
# fmt: on
