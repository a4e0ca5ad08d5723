"""What one program watches: the alarms and graphs its components registered (OBS-3, OBS-4).

Components append to the :class:`Monitoring` of their :class:`~infra_kit.core.environment.Environment`
as they create alarms (:func:`infra_kit.aws.alarms.alarm_pair`) or declare a metric worth a graph;
the dashboard (:class:`infra_kit.aws.dashboard.Dashboard`) is generated from it at the end of the
program, so it shows exactly what the graph has. Never touches the Pulumi runtime.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Monitoring"]


@dataclass
class Monitoring:
    """The program's registered alarms and graphs, in creation order."""

    #: :class:`infra_kit.aws.alarms.WatchedAlarm` records.
    alarms: list[Any] = field(default_factory=list)
    #: :class:`infra_kit.aws.alarms.Graph` records: metrics shown without an alarm.
    graphs: list[Any] = field(default_factory=list)
    #: :class:`infra_kit.aws.burn_rate.WatchedComposite` records: composite alarms, which
    #: notify when the alarms they combine are all in ALARM.
    composites: list[Any] = field(default_factory=list)
