"""What the readiness review reads from a graph's Kubernetes side: workloads with their
autoscalers, budgets, Services and analysis templates, and the controllers of Helm releases.

Pure Python over graph documents (:class:`~infra_kit.policy._graph.GraphDoc`); nothing here
judges, it only gathers the settings each answer cites.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from infra_kit.policy._graph import GraphDoc
from infra_kit.policy.rules._values import as_dict, as_int, as_list

__all__ = [
    "Controller",
    "Workload",
    "controllers",
    "cpu_millicores",
    "memory_mib",
    "workloads",
]

WORKLOAD_KINDS = ("Deployment", "Rollout", "StatefulSet", "DaemonSet")
ZONE_KEY = "topology.kubernetes.io/zone"
INSTANCE = "app.kubernetes.io/instance"


@dataclass(frozen=True)
class Workload:
    """A Kubernetes workload object with what governs its availability."""

    kind: str
    namespace: str
    name: str
    urn: str
    graph: str
    obj: dict[str, Any]
    dependencies: tuple[str, ...] = ()
    hpa: dict[str, Any] | None = None
    pdb: dict[str, Any] | None = None
    services: tuple[dict[str, Any], ...] = ()
    ingress_backend: bool = False
    analysis_templates: tuple[dict[str, Any], ...] = ()

    @property
    def label(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"

    @property
    def spec(self) -> dict[str, Any]:
        return as_dict(self.obj.get("spec"))

    @property
    def pod(self) -> dict[str, Any]:
        return as_dict(as_dict(self.spec.get("template")).get("spec"))

    @property
    def pod_labels(self) -> dict[str, Any]:
        return as_dict(as_dict(as_dict(self.spec.get("template")).get("metadata")).get("labels"))

    @property
    def containers(self) -> list[dict[str, Any]]:
        return [c for c in as_list(self.pod.get("containers")) if isinstance(c, dict)]

    @property
    def replicas(self) -> int | None:
        """The replica floor: the HPA's minimum when one owns it, else ``spec.replicas``."""
        if self.hpa is not None:
            return as_int(as_dict(self.hpa.get("spec")).get("minReplicas"))
        return as_int(self.spec.get("replicas"))

    @property
    def max_replicas(self) -> int | None:
        if self.hpa is None:
            return None
        return as_int(as_dict(self.hpa.get("spec")).get("maxReplicas"))

    @property
    def zone_spread_required(self) -> bool:
        return any(
            as_dict(c).get("topologyKey") == ZONE_KEY
            and as_dict(c).get("whenUnsatisfiable") == "DoNotSchedule"
            for c in as_list(self.pod.get("topologySpreadConstraints"))
        )

    @property
    def zone_spread_honours_taints(self) -> bool:
        """The required zone spread leaves out nodes the pod cannot land on (tainted
        unreachable or not ready), so a dark AZ does not hold its skew against the others."""
        return any(
            as_dict(c).get("topologyKey") == ZONE_KEY
            and as_dict(c).get("whenUnsatisfiable") == "DoNotSchedule"
            and as_dict(c).get("nodeTaintsPolicy") == "Honor"
            for c in as_list(self.pod.get("topologySpreadConstraints"))
        )

    def requests(self) -> tuple[int, int]:
        """CPU millicores and memory MiB the pod requests (its containers summed)."""
        cpu = mem = 0
        for container in self.containers:
            req = as_dict(as_dict(container.get("resources")).get("requests"))
            cpu += cpu_millicores(req.get("cpu"))
            mem += memory_mib(req.get("memory"))
        return cpu, mem


@dataclass(frozen=True)
class Controller:
    """A workload a Helm release runs, read from the release's values."""

    release: str
    chart: str
    path: str
    replicas: int | None
    zone_spread_required: bool
    pdb: bool
    atomic: bool
    urn: str

    @property
    def label(self) -> str:
        where = f" ({self.path})" if self.path else ""
        return f"{self.chart}{where}"


def cpu_millicores(value: Any) -> int:
    text = str(value or "0")
    if text.endswith("m"):
        return int(float(text[:-1]))
    return int(float(text) * 1000)


_MEMORY_UNITS = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024, "Ti": 1024 * 1024, "k": 1000 / 1024**2}
_MEMORY_UNITS |= {"M": 1000**2 / 1024**2, "G": 1000**3 / 1024**2}


def memory_mib(value: Any) -> int:
    text = str(value or "0")
    for unit in sorted(_MEMORY_UNITS, key=len, reverse=True):
        if text.endswith(unit):
            return int(float(text[: -len(unit)]) * _MEMORY_UNITS[unit])
    return int(float(text) / 1024**2)


def _selects(selector: Mapping[str, Any], labels: Mapping[str, Any]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def workloads(graph: GraphDoc) -> list[Workload]:
    """Every workload the graph sends to a cluster, joined to its HPA, PDB, Services, Ingress and
    analysis templates."""
    objects = graph.kubernetes

    def of(kind: str) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        return ((r, o) for r, o in objects if o.get("kind") == kind)

    def ns(obj: Mapping[str, Any]) -> str:
        return str(as_dict(obj.get("metadata")).get("namespace") or "default")

    def name(obj: Mapping[str, Any]) -> str:
        return str(as_dict(obj.get("metadata")).get("name") or "")

    hpas = {
        (ns(o), as_dict(as_dict(o.get("spec")).get("scaleTargetRef")).get("kind"),
         as_dict(as_dict(o.get("spec")).get("scaleTargetRef")).get("name")): o
        for _, o in of("HorizontalPodAutoscaler")
    }  # fmt: skip
    pdbs = [o for _, o in of("PodDisruptionBudget")]
    services = [o for _, o in of("Service")]
    backends = {
        (ns(o), name_)
        for _, o in of("Ingress")
        for name_ in _ingress_services(as_dict(o.get("spec")))
    }
    templates = {(ns(o), name(o)): o for _, o in of("AnalysisTemplate")}
    found = []
    for record, obj in objects:
        if obj.get("kind") not in WORKLOAD_KINDS:
            continue
        base = Workload(
            kind=str(obj["kind"]),
            namespace=ns(obj),
            name=name(obj),
            urn=str(record["urn"]),
            graph=f"{graph.project}/{graph.stack}",
            obj=obj,
            dependencies=tuple(str(d) for d in as_list(record.get("dependencies"))),
        )
        labels = base.pod_labels
        own_services = tuple(
            s
            for s in services
            if ns(s) == base.namespace
            and _selects(as_dict(as_dict(s.get("spec")).get("selector")), labels)
        )
        pdb = next(
            (
                p
                for p in pdbs
                if ns(p) == base.namespace
                and _selects(
                    as_dict(as_dict(as_dict(p.get("spec")).get("selector")).get("matchLabels")),
                    labels,
                )
            ),
            None,
        )
        analysis = as_dict(
            as_dict(as_dict(base.spec.get("strategy")).get("canary")).get("analysis")
        )
        used = tuple(
            templates[(base.namespace, str(as_dict(t).get("templateName")))]
            for t in as_list(analysis.get("templates"))
            if (base.namespace, str(as_dict(t).get("templateName"))) in templates
        )
        found.append(
            replace(
                base,
                hpa=hpas.get((base.namespace, base.kind, base.name)),
                pdb=pdb,
                services=own_services,
                ingress_backend=any((base.namespace, name(s)) in backends for s in own_services),
                analysis_templates=used,
            )
        )
    return found


def _ingress_services(spec: Mapping[str, Any]) -> Iterator[str]:
    default = as_dict(as_dict(spec.get("defaultBackend")).get("service")).get("name")
    if default:
        yield str(default)
    for rule in as_list(spec.get("rules")):
        for path in as_list(as_dict(as_dict(rule).get("http")).get("paths")):
            service = as_dict(as_dict(as_dict(path).get("backend")).get("service")).get("name")
            if service:
                yield str(service)


def controllers(graph: GraphDoc) -> list[Controller]:
    """The workloads of every Helm release: each values block that sets a replica count (the
    release's top level, or a component such as ``controller`` or ``webhook``), or the release
    itself when none does (the chart's default count, unknown to the graph)."""
    budgets = {
        str(
            as_dict(as_dict(as_dict(o.get("spec")).get("selector")).get("matchLabels")).get(
                INSTANCE
            )
        )
        for _, o in graph.kubernetes_of_kind("PodDisruptionBudget")
    }
    found = []
    for record in graph.of_type("kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"):
        inputs = GraphDoc.inputs(record)
        chart, values = str(inputs.get("chart") or record["name"]), as_dict(inputs.get("values"))
        atomic = bool(inputs.get("atomic"))
        blocks = [(path, block) for path, block in _blocks(values) if _replica_value(block)]
        if not blocks:
            blocks = [("", values)]
        for path, block in blocks:
            pdb = as_dict(block.get("podDisruptionBudget") or block.get("pdb"))
            found.append(
                Controller(
                    release=str(inputs.get("name") or record["name"]),
                    chart=chart,
                    path=path,
                    replicas=_replica_value(block),
                    zone_spread_required=any(
                        as_dict(c).get("topologyKey") == ZONE_KEY
                        and as_dict(c).get("whenUnsatisfiable") == "DoNotSchedule"
                        for c in as_list(block.get("topologySpreadConstraints"))
                    ),
                    pdb=(bool(pdb) and pdb.get("enabled", True) is not False)
                    or str(inputs.get("name") or record["name"]) in budgets,
                    atomic=atomic,
                    urn=str(record["urn"]),
                )
            )
    return found


def _replica_value(block: Mapping[str, Any]) -> int | None:
    return as_int(block.get("replicaCount")) or as_int(block.get("replicas"))


def _blocks(values: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    yield path, values
    if path.count(".") >= 1:
        return
    for key, value in values.items():
        if isinstance(value, dict):
            yield from _blocks(value, f"{path}.{key}" if path else key)
