"""Every rule module, one per prescription family. Importing this package registers them all."""

from infra_kit.policy.rules import (  # noqa: F401 -- imported to register their rules
    alarms,
    availability,
    cost,
    encryption,
    engine,
    environment,
    functions,
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
    telemetry,
    transit,
)
