"""The built-in environments, as data: every concern's rows of values side by side.

Each row of each concern module (``NETWORK_ROWS``, ``CLUSTER_ROWS``, …) is one setting with its
value in dev, preview, stage and prod, so a reader compares environments across a line (ENV-2:
they differ only in sizes, counts, retention and protections). A setting is declared in exactly
one row; :data:`BUILTIN_PROFILES` is built from them.
"""

from __future__ import annotations

from typing import Any

from infra_kit.core.profile._base import UNSET, profiles_from, table
from infra_kit.core.profile.backup import BACKUP_ROWS
from infra_kit.core.profile.cache import CACHE_ROWS
from infra_kit.core.profile.cluster import CLUSTER_ROWS
from infra_kit.core.profile.cost import COST_ROWS
from infra_kit.core.profile.data import DATA_ROWS
from infra_kit.core.profile.edge import EDGE_ROWS
from infra_kit.core.profile.jobs import JOB_ROWS
from infra_kit.core.profile.network import NETWORK_ROWS
from infra_kit.core.profile.observability import OBSERVABILITY_ROWS
from infra_kit.core.profile.rollouts import ROLLOUT_ROWS
from infra_kit.core.profile.usage import USAGE_ROWS
from infra_kit.core.profile.workloads import WORKLOAD_ROWS

__all__ = ["BUILTIN_PROFILES", "ENVIRONMENT_ROWS"]

# fmt: off
ENVIRONMENT_ROWS = table(
    # key                 dev     preview    stage    prod
    ("name",              "dev",  "preview", "stage", "prod"),
    # DR-1: protect, retain on delete, deletion protection and final snapshots, all at once.
    ("protect_stateful",  False,  False,     True,    True),
    # ENV-1: a preview environment is destroyed this many hours after it was last deployed.
    ("preview_ttl_hours", UNSET,  72,        UNSET,   UNSET),
)
# fmt: on

# prescription: ENV-2 -- one profile per environment, same topology, different sizes.
#: The built-in defaults of every environment, as raw mappings. The single place they are declared.
BUILTIN_PROFILES: dict[str, dict[str, Any]] = profiles_from(
    [
        *ENVIRONMENT_ROWS,
        *NETWORK_ROWS,
        *CLUSTER_ROWS,
        *WORKLOAD_ROWS,
        *DATA_ROWS,
        *CACHE_ROWS,
        *OBSERVABILITY_ROWS,
        *ROLLOUT_ROWS,
        *JOB_ROWS,
        *COST_ROWS,
        *EDGE_ROWS,
        *BACKUP_ROWS,
        *USAGE_ROWS,
    ]
)
