"""The subject of a review: the stack's graph and the graphs around it that hold its evidence.

- **The platform graph** holds the node groups and the network. A platform stack is its own; an
  app stack reaches it through its StackReference.
- **The cluster-services graph** of the platform's environment holds what runs on the cluster
  for everyone: the controllers (Helm releases), the telemetry collectors and the container log
  group. A platform stack's graph holds none of it, so the platform's review reads it there.

Which workloads are "the service": the stack's own when it has any (an app), else, for a
platform, the cluster-services graph's workloads and controllers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from infra_kit.policy._graph import GraphDoc
from infra_kit.review._aws_facts import NodeGroup, node_groups
from infra_kit.review._facts import Controller, Workload, controllers
from infra_kit.review._facts import workloads as workloads_of

__all__ = ["Subject", "holds_cluster", "holds_cluster_services"]

CLUSTER_SERVICES_TYPES = ("infra-kit:aws:ClusterServices", "infra-kit:k8s:Collectors")


def holds_cluster(graph: GraphDoc) -> bool:
    return bool(graph.of_type("aws:eks/nodeGroup:NodeGroup", "aws:eks/cluster:Cluster"))


def holds_cluster_services(graph: GraphDoc) -> bool:
    return bool(graph.of_type(*CLUSTER_SERVICES_TYPES))


@dataclass(frozen=True)
class Subject:
    """A stack's graph with its platform and cluster-services graphs, when known.

    ``unresolved`` names the StackReferences no graph was given for; ``cluster_hint`` says how
    to supply the cluster-services graph when it is absent.
    """

    graph: GraphDoc
    platform: GraphDoc | None = None
    cluster: GraphDoc | None = None
    unresolved: tuple[str, ...] = ()
    cluster_hint: str = field(default="")

    @property
    def name(self) -> str:
        return f"{self.graph.project}/{self.graph.stack}"

    @property
    def is_platform(self) -> bool:
        return self.platform is self.graph

    def graphs(self) -> list[GraphDoc]:
        out = [self.graph]
        for g in (self.platform, self.cluster):
            if g is not None and all(g is not o for o in out):
                out.append(g)
        return out

    @cached_property
    def own_workloads(self) -> list[Workload]:
        return workloads_of(self.graph)

    @cached_property
    def workloads(self) -> list[Workload]:
        """The service's workloads: the stack's own, or for a platform the cluster-services
        graph's."""
        if self.own_workloads or self.cluster is None or self.cluster is self.graph:
            return self.own_workloads
        return workloads_of(self.cluster) if self.is_platform else []

    @cached_property
    def controllers(self) -> list[Controller]:
        """Helm-installed controllers: the stack's own, or for a platform its cluster services'."""
        own = controllers(self.graph)
        if own or self.cluster is None or not self.is_platform:
            return own
        return controllers(self.cluster)

    @property
    def serving(self) -> list[Workload]:
        """Workloads that run replicas (every kind but DaemonSets, which run one per node)."""
        return [w for w in self.workloads if w.kind != "DaemonSet"]

    @cached_property
    def node_groups(self) -> list[NodeGroup]:
        return node_groups(self.platform) if self.platform is not None else []

    @property
    def scope(self) -> str:
        if self.is_platform:
            where = (
                f"workloads and controllers of {self.cluster.project}/{self.cluster.stack}"
                if self.cluster is not None
                else "no cluster-services graph"
            )
            return f"platform {self.name}: node groups and network, and the {where}"
        return f"{self.name}: its own workloads, on the platform's node groups"

    def platform_missing(self) -> str:
        """What to supply when the platform graph is absent."""
        if self.unresolved:
            return (
                f"the platform graph: this stack references {', '.join(self.unresolved)}; "
                "pass --with-graph <platform graph>"
            )
        return (
            "node groups: the graph holds no aws:eks/nodeGroup and references no platform "
            "stack; add a Cluster (infra_kit.aws.Cluster) or read the platform through a "
            "pulumi.StackReference"
        )

    def cluster_missing(self) -> str:
        return self.cluster_hint or (
            "the cluster-services graph of this environment (the collectors and controllers): "
            "pass --with-graph <cluster-services graph>"
        )
