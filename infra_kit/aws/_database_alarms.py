"""Pure rules behind a :class:`~infra_kit.aws.database.Database`'s alarms (OBS-3).

Nothing here touches the Pulumi runtime. The thresholds are the profile's utilization
percentages turned into what RDS publishes: bytes of free storage and a count of connections.

``max_connections``. RDS for PostgreSQL's default is ``LEAST({DBInstanceClassMemory/9531392},
5000)``; the memory of each instance class comes from ``data/rds-instance-memory.json`` (its source
and date are in the file). ``DBInstanceClassMemory`` is the class's memory less what RDS keeps
for the operating system, so the value computed from the class's nominal memory is an upper
bound of the server's: on the smallest classes the alarms fire a little later than the percentage
says. A parameter group that sets ``max_connections`` itself is read instead, exactly.

Free storage. The thresholds are fractions of the storage allocated at creation, in bytes:
warning below ``100 - warning%`` free, critical below ``100 - critical%`` free. Storage
autoscaling (``max_allocated_storage_gb`` above the allocation) grows the volume when less than
10% of it is free; once it has, these floors are a smaller share of the larger volume, so they fire
only when growth falls behind or has reached the ceiling, which is when someone must act. Fractions
of the ceiling would not work: a volume far below its ceiling would look full from the start.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from infra_kit.errors import ValidationError

__all__ = [
    "DATA_FILE",
    "GIB",
    "free_storage_floor_bytes",
    "instance_memory_gib",
    "max_connections",
]

DATA_FILE = Path(__file__).with_name("data") / "rds-instance-memory.json"
GIB = 1024**3
_PARAMETER = "max_connections"


@cache
def _data() -> Mapping[str, Any]:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def instance_memory_gib(instance_class: str) -> int | None:
    """The nominal memory of ``instance_class`` in GiB, or None if the data file lacks it."""
    value = _data()["memory_gib"].get(instance_class)
    return int(value) if value is not None else None


def max_connections(instance_class: str, parameters: Mapping[str, str]) -> int:
    """The server's ``max_connections``: the parameter group's, else PostgreSQL's RDS default."""
    if _PARAMETER in parameters:
        raw = str(parameters[_PARAMETER])
        if not raw.isdigit() or int(raw) < 1:
            raise ValidationError(
                f"parameters[{_PARAMETER!r}]",
                raw,
                "not a positive whole number of connections, so the connection alarms have no "
                "ceiling to measure against",
                "write it as digits, e.g. '200', or remove it to keep RDS's default",
            )
        return int(raw)
    memory = instance_memory_gib(instance_class)
    if memory is None:
        raise ValidationError(
            "instance_class",
            instance_class,
            "its memory is not in infra_kit/aws/data/rds-instance-memory.json, so the default "
            "max_connections, and with it the connection alarms' thresholds, are unknown (OBS-3)",
            "set parameters={'max_connections': '<n>'} to the server's value, or add the class "
            "and its memory from the RDS instance class specifications to the data file",
        )
    formula = _data()["postgres_max_connections"]
    return min(memory * GIB // int(formula["bytes_per_connection"]), int(formula["ceiling"]))


def free_storage_floor_bytes(allocated_gb: int, utilization_percent: int) -> int:
    """Bytes of free storage left when ``utilization_percent`` of ``allocated_gb`` is used."""
    return allocated_gb * GIB * (100 - utilization_percent) // 100
