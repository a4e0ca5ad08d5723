"""The five Definition-of-Done questions (PRESCRIPTIONS.md, "Readiness"), answered from a graph.

Each function returns an :class:`Answer` whose ``evidence`` names the resources and numbers it
read, or whose ``missing`` says what the graph lacks and which component or argument adds it.
"""

from __future__ import annotations

from typing import Any

from infra_kit.policy.rules._values import as_dict
from infra_kit.review._aws_facts import NodeGroup, dashboards, instance_size, log_groups
from infra_kit.review._facts import Workload
from infra_kit.review._model import Answer, Section
from infra_kit.review._subject import Subject

__all__ = [
    "TARGET_MULTIPLE",
    "capacity",
    "q1_node_dies",
    "q2_ten_x",
    "q3_failed_deploy",
    "q4_diagnose",
]

#: The traffic multiple a stack must absorb without manual intervention (Readiness, question 2).
TARGET_MULTIPLE = 10
_DONE = Section.DONE


def _groups_line(groups: list[NodeGroup]) -> str:
    return "; ".join(
        f"{g.name} in {g.zone} (min {g.minimum}, desired {g.desired}, max {g.maximum}, "
        f"{'/'.join(g.instance_types)} {g.capacity_type.lower().replace('_', '-')})"
        for g in groups
    )


def _no_workloads(subject: Subject) -> str:
    if subject.is_platform and subject.cluster is None:
        return subject.cluster_missing()
    return (
        "workloads: the graph holds no Deployment, Rollout or StatefulSet; deploy the service "
        "with infra_kit.k8s.WebService or Worker"
    )


def q1_node_dies(subject: Subject) -> Answer:
    evidence: list[str] = []
    missing: list[str] = []
    groups = subject.node_groups
    if subject.platform is None:
        missing.append(subject.platform_missing())
    elif not groups:
        missing.append("node groups: the platform graph holds no aws:eks/nodeGroup; add a Cluster")
    else:
        zones = sorted({g.zone for g in groups})
        evidence.append(
            f"{len(groups)} node group(s) in {len(zones)} AZ(s): {_groups_line(groups)}"
        )
        if len(zones) < 2:
            missing.append(
                f"node groups in one AZ only ({zones[0]}): a Cluster makes one per AZ of the "
                "profile's network.availability_zones; give it at least 2"
            )
    if not subject.workloads:
        missing.append(_no_workloads(subject))
    for w in subject.serving:
        floor = w.replicas
        parts = [f"{w.label}: floor {floor if floor is not None else 'unset'} replica(s)"]
        parts.append("zone spread required (DoNotSchedule)" if w.zone_spread_required else "")
        if w.pdb is not None:
            spec = as_dict(w.pdb.get("spec"))
            budget = {k: spec[k] for k in ("maxUnavailable", "minAvailable") if k in spec}
            parts.append(f"PDB {budget}")
        evidence.append(", ".join(p for p in parts if p))
        if floor is None or floor < 2:
            missing.append(
                f"{w.label} runs {floor or 1} replica: one node's loss stops it; give it an HPA "
                "with minReplicas >= 2 (profile workloads.min_replicas)"
            )
        if not w.zone_spread_required:
            missing.append(
                f"{w.label} has no required zone spread: add a topologySpreadConstraint on "
                f"topology.kubernetes.io/zone with whenUnsatisfiable DoNotSchedule "
                "(WebService and Worker set it)"
            )
        if w.pdb is None:
            missing.append(
                f"{w.label} has no PodDisruptionBudget: a node drain may evict every replica; "
                "add one (WebService and Worker create it)"
            )
    for w in subject.workloads:
        if w.kind == "DaemonSet":
            evidence.append(f"{w.label}: one pod per node, recreated with the node")
    for c in subject.controllers:
        count = f"{c.replicas} replicas" if c.replicas else "1 replica (the chart's default)"
        extras = [count]
        if c.zone_spread_required:
            extras.append("zone spread required")
        if c.pdb:
            extras.append("PDB")
        evidence.append(f"controller {c.label}: {', '.join(extras)}")
    answer = (
        "Replicas spread across zones behind disruption budgets keep serving while the node "
        "group of the lost node's AZ replaces it."
    )
    return Answer(_DONE, "DOD-1", "If a node dies, how does the service stay available?",
                  answer, tuple(evidence), tuple(missing))  # fmt: skip


def capacity(groups: list[NodeGroup], *, at: str) -> tuple[float, float, list[str]]:
    """vCPUs and GiB of the node groups at their ``desired`` or ``maximum`` size, each node
    counted as its smallest listed instance type; and the types whose size is unknown."""
    cpu = mem = 0.0
    unknown: list[str] = []
    for g in groups:
        sizes = [s for t in g.instance_types if (s := instance_size(t)) is not None]
        unknown += [t for t in g.instance_types if instance_size(t) is None]
        if not sizes:
            continue
        vcpu, gib = min(sizes)
        nodes = g.maximum if at == "max" else max(g.desired, g.minimum)
        cpu += nodes * vcpu
        mem += nodes * gib
    return cpu, mem, unknown


def q2_ten_x(subject: Subject) -> Answer:
    evidence: list[str] = []
    missing: list[str] = []
    if not subject.serving:
        missing.append(_no_workloads(subject))
    need_cpu = need_mem = 0.0
    for w in subject.serving:
        low, high = w.replicas, w.max_replicas
        if w.hpa is None or not low or not high:
            missing.append(
                f"{w.label} has no HorizontalPodAutoscaler: 10x needs {TARGET_MULTIPLE}x its "
                "replicas with no one acting; give it an HPA (WebService and Worker create one "
                "from workloads.min_replicas and workloads.max_replicas)"
            )
            continue
        cpu_m, mem_mi = w.requests()
        need_cpu += high * cpu_m / 1000
        need_mem += high * mem_mi / 1024
        multiple = high / low
        evidence.append(
            f"{w.label}: HPA {low}..{high} replicas = {multiple:g}x; at {high} pods it requests "
            f"{high} x {cpu_m}m = {high * cpu_m / 1000:g} vCPU and {high} x {mem_mi}Mi = "
            f"{high * mem_mi / 1024:g} GiB"
        )
        if multiple < TARGET_MULTIPLE:
            missing.append(
                f"{w.label} scales {low}..{high} = {multiple:g}x, below {TARGET_MULTIPLE}x: "
                f"raise maxReplicas to at least {TARGET_MULTIPLE * low} "
                "(profile workloads.max_replicas)"
            )
    groups = subject.node_groups
    if subject.platform is None:
        missing.append(subject.platform_missing())
    elif not groups:
        missing.append("node groups: the platform graph holds no aws:eks/nodeGroup; add a Cluster")
    else:
        tagged = [g for g in groups if g.autoscaler_tagged]
        if len(tagged) < len(groups):
            missing.append(
                "node groups without the cluster autoscaler's discovery tag "
                "(k8s.io/cluster-autoscaler/enabled): "
                + ", ".join(g.name for g in groups if not g.autoscaler_tagged)
            )
        base_cpu, base_mem, _ = capacity(groups, at="desired")
        top_cpu, top_mem, unknown = capacity(groups, at="max")
        nodes_now = sum(max(g.desired, g.minimum) for g in groups)
        nodes_max = sum(g.maximum for g in groups)
        if unknown:
            missing.append(
                f"instance sizes unknown for {', '.join(sorted(set(unknown)))}: add them to "
                "infra_kit/review/data/ec2-instance-sizes.json from the EC2 specifications"
            )
        if base_cpu:
            node_multiple = top_cpu / base_cpu
            evidence.append(
                f"cluster autoscaler bounds: {nodes_now} node(s) desired -> {nodes_max} max = "
                f"{base_cpu:g} -> {top_cpu:g} vCPU, {base_mem:g} -> {top_mem:g} GiB "
                f"= {node_multiple:g}x"
            )
            if node_multiple < TARGET_MULTIPLE:
                missing.append(
                    f"the node groups grow {node_multiple:g}x, below {TARGET_MULTIPLE}x: raise "
                    "cluster.nodes_max_per_az"
                )
        if need_cpu:
            fits = need_cpu <= top_cpu and need_mem <= top_mem
            evidence.append(
                f"the service at its HPA maximum requests {need_cpu:g} vCPU / {need_mem:g} GiB "
                f"of the {top_cpu:g} vCPU / {top_mem:g} GiB the node groups reach"
            )
            if not fits:
                missing.append(
                    f"the service at its HPA maximum ({need_cpu:g} vCPU, {need_mem:g} GiB) does "
                    f"not fit in the node groups at their maximum ({top_cpu:g} vCPU, "
                    f"{top_mem:g} GiB): raise cluster.nodes_max_per_az"
                )
    answer = (
        f"The HPA adds pods and the cluster autoscaler adds nodes; both bounds allow "
        f"{TARGET_MULTIPLE}x the baseline without anyone acting."
    )
    return Answer(_DONE, "DOD-2", "Can the system absorb 10x traffic with no manual intervention?",
                  answer, tuple(evidence), tuple(missing))  # fmt: skip


def _seconds(value: Any) -> int | None:
    text = str(value or "")
    units = {"s": 1, "m": 60, "h": 3600}
    if text[:-1].isdigit() and text[-1:] in units:
        return int(text[:-1]) * units[text[-1]]
    return int(text) if text.isdigit() else None


def _abort_seconds(limits: list[tuple[str, Any, Any]]) -> tuple[int, str] | None:
    """The slowest metric's (failureLimit + 1) x interval: how long a failure takes to abort."""
    timed = [
        ((f + 1) * i, f"({f} + 1) x {i} s")
        for _, f, interval in limits
        if isinstance(f, int) and (i := _seconds(interval)) is not None
    ]
    return max(timed) if timed else None


def rollout_evidence(w: Workload) -> tuple[list[str], list[str]]:
    """How a failed version of ``w`` is stopped and undone: evidence and what is missing."""
    evidence: list[str] = []
    missing: list[str] = []
    spec, strategy = w.spec, as_dict(w.spec.get("strategy"))
    deadline = spec.get("progressDeadlineSeconds")
    if w.kind == "Rollout":
        canary = as_dict(strategy.get("canary"))
        limits = [
            (str(m.get("name")), m.get("failureLimit"), m.get("interval"))
            for t in w.analysis_templates
            for m in (as_dict(x) for x in as_dict(t.get("spec")).get("metrics") or [])
        ]
        if not canary or not limits:
            missing.append(
                f"{w.label}: a canary without analysis is never rolled back by itself; give the "
                "WebService canary=Canary() (an AnalysisTemplate with failure limits)"
            )
        else:
            metrics = ", ".join(f"{n} failureLimit {f} every {i}" for n, f, i in limits)
            evidence.append(
                f"{w.label}: canary steps {[as_dict(s) for s in canary.get('steps') or []]}, "
                f"maxUnavailable {canary.get('maxUnavailable')}; analysis {metrics}: a failed "
                "analysis aborts the canary and the stable version takes every replica back"
            )
            abort = _abort_seconds(limits)
            if abort is not None:
                evidence.append(
                    f"{w.label}: a failing metric aborts {abort[0]} s after its failure shows "
                    f"in its data ({abort[1]})"
                )
        if not deadline or not spec.get("progressDeadlineAbort"):
            missing.append(
                f"{w.label}: no progressDeadlineSeconds with progressDeadlineAbort: a canary "
                "whose pods never become ready is not aborted"
            )
        else:
            evidence.append(f"{w.label}: aborts after progressDeadlineSeconds {deadline}")
    elif w.kind in ("Deployment", "StatefulSet", "DaemonSet"):
        rolling = as_dict(strategy.get("rollingUpdate") or as_dict(spec.get("updateStrategy")).get(
            "rollingUpdate"))  # fmt: skip
        unavailable = rolling.get("maxUnavailable")
        if w.kind == "Deployment":
            if unavailable not in (0, "0", "0%"):
                missing.append(
                    f"{w.label}: maxUnavailable {unavailable!r} lets a bad version remove "
                    "serving pods; use a surge-only rolling update (maxUnavailable 0)"
                )
            if not deadline:
                missing.append(
                    f"{w.label}: no progressDeadlineSeconds: a version that never becomes ready "
                    "is never reported failed, so the pipeline cannot roll it back"
                )
        if not missing:
            evidence.append(
                f"{w.label}: rolling update maxUnavailable {unavailable}"
                + (f", progressDeadlineSeconds {deadline}" if deadline else "")
                + "; a failed rollout fails the deploy's verify step, which redeploys the last "
                "known-good commit"
            )
    return evidence, missing


def q3_failed_deploy(subject: Subject) -> Answer:
    evidence: list[str] = []
    missing: list[str] = []
    if not subject.workloads:
        missing.append(_no_workloads(subject))
    for w in subject.workloads:
        found, lacking = rollout_evidence(w)
        evidence += found
        missing += lacking
        probes = [c for c in w.containers if c.get("readinessProbe")]
        if w.kind != "DaemonSet" and len(probes) < len(w.containers):
            missing.append(
                f"{w.label}: a container without a readinessProbe takes traffic before it works; "
                "add one (WebService derives it from its health paths)"
            )
    releases = {c.release: c for c in subject.controllers}
    for c in releases.values():
        if c.atomic:
            evidence.append(f"Helm release {c.release}: atomic, a failed upgrade is rolled back")
        else:
            missing.append(
                f"Helm release {c.release} is not atomic: a failed upgrade stays half-applied; "
                "set atomic=True"
            )
    answer = (
        "A bad version never takes all the traffic: canaries abort on their analysis, and "
        "surge-only rollouts that do not finish fail the pipeline, which redeploys the last "
        "known-good commit."
    )
    return Answer(_DONE, "DOD-3", "If a deployment fails, how fast does the system recover, and "
                  "by what mechanism?", answer, tuple(evidence), tuple(missing),
                  runbook="docs/runbooks/rollouts.md")  # fmt: skip


def q4_diagnose(subject: Subject) -> Answer:
    evidence: list[str] = []
    missing: list[str] = []
    boards = dashboards(subject.graph)
    groups = log_groups(subject.graph)
    if boards:
        evidence.append(f"dashboard(s) of {subject.name}: {', '.join(boards)}")
    else:
        missing.append(
            f"no CloudWatch dashboard in {subject.name}: add infra_kit.aws.Dashboard last in the "
            "program, so it shows every alarm registered before it"
        )
    if groups:
        evidence.append(f"log groups of {subject.name}: {', '.join(groups)}")
    if subject.cluster is not None and subject.cluster is not subject.graph:
        extra = log_groups(subject.cluster)
        if extra:
            evidence.append(
                f"container and telemetry log groups ({subject.cluster.project}/"
                f"{subject.cluster.stack}): {', '.join(extra)}"
            )
        groups = groups + extra
        boards_c = dashboards(subject.cluster)
        if boards_c:
            evidence.append(f"cluster dashboard: {', '.join(boards_c)}")
    elif subject.workloads and subject.cluster is None:
        missing.append(f"the container log group: {subject.cluster_missing()}")
    if not groups:
        missing.append(
            "no log group: the containers' logs reach CloudWatch through the collectors "
            "(infra_kit.k8s.Collectors, in cluster-services)"
        )
    answer = "Open the dashboard for the alarms and signals, then the log groups it names."
    return Answer(_DONE, "DOD-4", "Which dashboard or log does an operator look at to diagnose "
                  "an incident?", answer, tuple(evidence), tuple(missing))  # fmt: skip
