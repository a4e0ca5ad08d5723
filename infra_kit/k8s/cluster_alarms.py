"""The cluster's resource alarms: its busiest node's CPU and its fullest node's memory (OBS-3)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from infra_kit.aws.alarms import AlarmTopics, alarm_pair
from infra_kit.core.component import Component
from infra_kit.core.environment import Environment
from infra_kit.k8s import cluster_signals
from infra_kit.k8s._resource_alarms import RESOURCE_SECTION

__all__ = ["ClusterAlarms", "ClusterAlarmsArgs"]


@dataclass(frozen=True)
class ClusterAlarmsArgs:
    """Arguments of :class:`ClusterAlarms`.

    Args:
        cluster_name: the EKS cluster, whose name is the ``k8s.cluster.name`` dimension of the
            metrics the collectors publish.
        topics: the environment's warning and critical topics (the platform stack's
            ``alarm_topic_arn`` and ``critical_alarm_topic_arn``).
    """

    cluster_name: pulumi.Input[str]
    topics: AlarmTopics


class ClusterAlarms(Component):
    """Node CPU and memory alarms of one cluster, each a warning and a critical alarm (OBS-3).

    Children: ``aws.cloudwatch.MetricAlarm`` ``<name>-node-cpu-warning``,
    ``<name>-node-cpu-critical``, ``<name>-node-memory-warning`` and
    ``<name>-node-memory-critical``, in the dashboard section "Resource use". They read the
    busiest node's CPU and the fullest node's memory in percent
    (:mod:`infra_kit.k8s.cluster_metrics`), which the :class:`~infra_kit.k8s.Collectors` of the
    cluster publish, against ``alarms.utilization_warning_percent`` and
    ``alarms.utilization_critical_percent`` (75 and 90 in every environment), sustained for
    ``alarms.evaluation_periods`` periods of ``alarms.period_seconds`` (3 x 300 s).

    Prescriptions: OBS-3.

    Args:
        name: the component's name; every child's logical name starts with it.
        args: its settings, [ClusterAlarmsArgs][infra_kit.k8s.ClusterAlarmsArgs].
        env: the stack's [Environment][infra_kit.core.environment.Environment]: profile, tags and
            AWS provider.
        opts: Pulumi options for the component; every child is parented to it.
    """

    TYPE = "infra-kit:k8s:ClusterAlarms"

    def __init__(
        self,
        name: str,
        args: ClusterAlarmsArgs,
        env: Environment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(name, env, opts)
        profile = env.profile.alarms
        period = profile.period_seconds
        signals = {
            "node-cpu": (
                cluster_signals.node_cpu_signal(args.cluster_name, period),
                "The busiest node's CPU is this % busy. Pods there are slowed when it is "
                "full; the cluster autoscaler adds nodes only for pods it cannot place: "
                "look for a workload without requests, or raise the node size.",
            ),
            "node-memory": (
                cluster_signals.node_memory_signal(args.cluster_name, period),
                "The fullest node's memory is this % used. Near 100% the kubelet evicts "
                "pods: look for a workload whose use outgrows its request.",
            ),
        }
        for signal_name, (signal, description) in signals.items():
            alarm_pair(
                self,
                signal_name,
                signal=signal,
                comparison="above",
                warning=profile.utilization_warning_percent,
                critical=profile.utilization_critical_percent,
                topics=args.topics,
                section=RESOURCE_SECTION,
                description=description,
                evaluation_periods=profile.evaluation_periods,
            )
        self.register_outputs({})
