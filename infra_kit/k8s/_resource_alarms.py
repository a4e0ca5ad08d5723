"""Resource alarms of a workload: CPU and memory of its hottest pod against its sizing (OBS-3).

Called by :class:`~infra_kit.k8s.WebService` and :class:`~infra_kit.k8s.Worker` when they are
given :class:`WorkloadAlarms`; the metrics are the collectors'
(:mod:`infra_kit.k8s.cluster_metrics`), the thresholds the profile's
``alarms.utilization_warning_percent`` and ``alarms.utilization_critical_percent`` (75 and 90
in every environment), sustained for ``alarms.evaluation_periods`` periods of
``alarms.period_seconds`` (3 x 300 s).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra_kit.aws.alarms import AlarmTopics, Severity, alarm_pair
from infra_kit.core.component import Component
from infra_kit.k8s import cluster_signals

__all__ = ["RESOURCE_SECTION", "WorkloadAlarms", "workload_resource_alarms"]

#: The dashboard section of every CPU and memory alarm.
RESOURCE_SECTION = "Resource use"


@dataclass(frozen=True)
class WorkloadAlarms:
    """Where a workload's resource alarms notify, and the cluster whose metrics they read.

    An app team's program reads both from the platform stack of its environment::

        WorkloadAlarms(AlarmTopics.from_stack(platform), platform.get_output("cluster_name"))

    Attributes:
        topics: the environment's [AlarmTopics][infra_kit.aws.alarms.AlarmTopics].
        cluster_name: the EKS cluster's name, a dimension of the metrics the alarms read.
    """

    topics: AlarmTopics
    cluster_name: pulumi.Input[str]


def workload_resource_alarms(
    owner: Component,
    alarms: WorkloadAlarms,
    *,
    namespace: pulumi.Input[str],
    deployment: pulumi.Input[str],
) -> dict[str, dict[Severity, aws.cloudwatch.MetricAlarm]]:
    """A CPU and a memory alarm pair on the Deployment ``deployment`` of ``namespace``.

    Every workload has a CPU limit (K8S-1), so CPU is measured against it: the HPA scales on
    the request, and a pod near its limit is one the HPA could not relieve."""
    profile = owner.env.profile.alarms
    name = owner.component_name
    descriptions = {
        "cpu": (
            f"{name}: a pod uses this % of its CPU limit, above which it is throttled. The HPA "
            "adds pods at its target share of the CPU request; sustained here, it is at "
            "max_replicas or pods are pending: raise max_replicas, the request or the limit."
        ),
        "memory": (
            f"{name}: a pod uses this % of its memory limit; at 100% the kernel kills it. "
            "Raise memory_limit, or find what grows."
        ),
    }
    created: dict[str, dict[Severity, aws.cloudwatch.MetricAlarm]] = {}
    for resource in ("cpu", "memory"):
        created[resource] = alarm_pair(
            owner,
            resource,
            signal=cluster_signals.workload_signal(
                resource,
                cluster_name=alarms.cluster_name,
                namespace=namespace,
                deployment=deployment,
                period_seconds=profile.period_seconds,
                has_cpu_limit=True,
            ),
            comparison="above",
            warning=profile.utilization_warning_percent,
            critical=profile.utilization_critical_percent,
            topics=alarms.topics,
            section=RESOURCE_SECTION,
            description=descriptions[resource],
            evaluation_periods=profile.evaluation_periods,
        )
    return created
