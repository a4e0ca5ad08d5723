"""Every rule module, one per prescription family. Importing this package registers them all."""

from infra_kit.policy.rules import (  # noqa: F401 -- imported to register their rules
    availability,
    cost,
    dashboards,
    encryption,
    engine,
    environment,
    iam,
    logs,
    manifests,
    meta,
    netpol,
    network,
    pods,
    resources,
    secrets,
    state,
    tags,
    transit,
)
