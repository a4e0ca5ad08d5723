"""The devops brief's 12-factor checklist, wherever the graph can show it.

An item fails where the graph shows the opposite (a literal secret, a volume that keeps state, a
log file sink); it is "not shown" where the graph has nothing to judge by (no Job in a stack
that needs none yet), with what to add.
"""

from __future__ import annotations

import re
from typing import Any

from infra_kit.policy.rules._values import as_dict
from infra_kit.review._aws_facts import log_groups
from infra_kit.review._facts import Workload, workloads
from infra_kit.review._model import Answer, Section
from infra_kit.review._subject import Subject

__all__ = ["twelve_factor"]

_T = Section.TWELVE_FACTOR
_SECRET_NAME = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|PRIVATE_KEY|CREDENTIAL)", re.I)
_REFERENCE = re.compile(r"^(arn:aws[\w-]*:|\$\()")
_ENDPOINT = re.compile(r"(\.amazonaws\.com|^arn:aws[\w-]*:)")
_BACKING_TYPES = (
    "aws:rds/", "aws:s3/", "aws:secretsmanager/", "aws:sqs/", "aws:sns/", "aws:dynamodb/",
    "aws:elasticache/", "aws:kinesis/", "aws:opensearch/",
)  # fmt: skip
_LOG_PATH = re.compile(r"(^|/)(var/)?logs?(/|$)")


def _env(w: Workload) -> list[tuple[str, dict[str, Any]]]:
    return [
        (c.get("name", ""), as_dict(e))
        for c in w.containers
        for e in c.get("env") or []
        if isinstance(e, dict)
    ]


def _app_workloads(subject: Subject) -> list[Workload]:
    """Workloads that are not node agents (DaemonSets read the node by design)."""
    return [w for w in subject.workloads if w.kind != "DaemonSet"]


def config(subject: Subject) -> Answer:
    evidence: list[str] = []
    missing: list[str] = []
    for w in subject.workloads:
        env = _env(w)
        literal_secrets = [
            e["name"]
            for _, e in env
            if _SECRET_NAME.search(str(e.get("name", "")))
            and "value" in e
            and not _REFERENCE.match(str(e.get("value", "")))
        ]
        from_maps = [
            ref for c in w.containers for ref in c.get("envFrom") or [] if isinstance(ref, dict)
        ]
        evidence.append(
            f"{w.label}: {len(env)} environment variable(s), {len(from_maps)} envFrom source(s)"
        )
        if literal_secrets:
            missing.append(
                f"{w.label}: secret value(s) written into the manifest: "
                f"{', '.join(literal_secrets)}; keep them in Secrets Manager and pass the ARN "
                "(WebServiceArgs.secret_arns)"
            )
    return Answer(_T, "12F-3", "Config in the environment",
                  "Configuration reaches the processes through environment variables and "
                  "ConfigMaps; secrets through their ARNs, never their values.",
                  tuple(evidence), tuple(missing))  # fmt: skip


def backing_services(subject: Subject) -> Answer:
    evidence: list[str] = []
    missing: list[str] = []
    for w in subject.workloads:
        endpoints = [
            str(e["name"]) for _, e in _env(w) if _ENDPOINT.search(str(e.get("value", "")))
        ]
        if not endpoints:
            continue
        attached = [
            d.rsplit("::", 1)[-1]
            for d in w.dependencies
            if any(f"::{t}" in d or f"${t}" in d for t in _BACKING_TYPES)
        ]
        if attached:
            evidence.append(
                f"{w.label}: {', '.join(endpoints)} come from the resources it is attached to: "
                f"{', '.join(attached)}"
            )
        else:
            missing.append(
                f"{w.label}: {', '.join(endpoints)} name AWS endpoints that no resource of the "
                "graph provides (hard-coded); pass the resource's output "
                "(WebServiceArgs.resource_refs) or a StackReference output"
            )
    return Answer(_T, "12F-4", "Backing services as attached resources",
                  "Endpoints come from the resources' outputs, so a replaced resource is "
                  "re-attached by a deploy, not an edit.",
                  tuple(evidence), tuple(missing))  # fmt: skip


def stateless(subject: Subject) -> Answer:
    evidence: list[str] = []
    missing: list[str] = []
    for w in _app_workloads(subject):
        volumes = [as_dict(v) for v in w.pod.get("volumes") or []]
        kept = [
            str(v.get("name")) for v in volumes if "persistentVolumeClaim" in v or "hostPath" in v
        ]
        if w.kind == "StatefulSet" or w.spec.get("volumeClaimTemplates"):
            kept.append("volumeClaimTemplates")
        if kept:
            missing.append(
                f"{w.label} keeps state on volumes ({', '.join(kept)}): move it to a backing "
                "service (Database, Bucket) so a pod can be replaced anywhere"
            )
        else:
            kinds = sorted({k for v in volumes for k in v if k != "name"}) or ["none"]
            evidence.append(f"{w.label}: no PVC or hostPath; volumes: {', '.join(kinds)}")
    return Answer(_T, "12F-6", "Stateless processes",
                  "Pods keep nothing that outlives them; state lives in backing services.",
                  tuple(evidence), tuple(missing))  # fmt: skip


def port_binding(subject: Subject) -> Answer:
    evidence: list[str] = []
    missing: list[str] = []
    for w in subject.workloads:
        ports = {
            str(p.get(key))
            for c in w.containers
            for p in c.get("ports") or []
            if isinstance(p, dict)
            for key in ("name", "containerPort")
            if p.get(key) is not None
        }
        if not ports:
            continue
        if not w.services:
            missing.append(
                f"{w.label} listens on {sorted(ports)} but no Service selects it: add one "
                "(WebService creates it)"
            )
            continue
        for service in w.services:
            targets = [
                str(as_dict(p).get("targetPort", as_dict(p).get("port")))
                for p in as_dict(service.get("spec")).get("ports") or []
            ]
            unknown = [t for t in targets if t not in ports]
            name = as_dict(service.get("metadata")).get("name")
            if unknown:
                missing.append(
                    f"Service {name} targets {unknown}, which {w.label} does not declare as "
                    "containerPort"
                )
            else:
                evidence.append(f"{w.label}: Service {name} -> {', '.join(targets)}")
    return Answer(_T, "12F-7", "Port binding",
                  "Each process exports its service by a declared containerPort, reached "
                  "through a Service.",
                  tuple(evidence), tuple(missing))  # fmt: skip


def disposability(subject: Subject) -> Answer:
    evidence: list[str] = []
    missing: list[str] = []
    for w in subject.workloads:
        grace = w.pod.get("terminationGracePeriodSeconds")
        stops = [
            as_dict(as_dict(as_dict(c.get("lifecycle")).get("preStop")).get("sleep")).get("seconds")
            for c in w.containers
            if as_dict(c.get("lifecycle")).get("preStop")
        ]
        if not isinstance(grace, int):
            missing.append(
                f"{w.label}: no terminationGracePeriodSeconds: how long it has to stop is "
                "left to the default; set it"
            )
            continue
        line = f"{w.label}: terminationGracePeriodSeconds {grace}"
        if w.ingress_backend:
            if not stops:
                missing.append(
                    f"{w.label} is a load balancer's target with no preStop hook: it stops "
                    "while the load balancer still sends it requests; add a preStop sleep "
                    "(WebService adds one)"
                )
                continue
            longest = max((s for s in stops if isinstance(s, int)), default=0)
            if longest >= grace:
                missing.append(
                    f"{w.label}: its preStop ({longest}s) uses the whole grace period ({grace}s)"
                )
                continue
            line += f", preStop sleep {longest}s while the load balancer deregisters it"
        evidence.append(line)
    return Answer(_T, "12F-9", "Disposability",
                  "Processes stop gracefully: a bounded grace period, and a preStop pause "
                  "where a load balancer must first stop sending requests.",
                  tuple(evidence), tuple(missing))  # fmt: skip


def logs(subject: Subject) -> Answer:
    evidence: list[str] = []
    missing: list[str] = []
    for w in _app_workloads(subject):
        sinks = [
            str(m.get("mountPath"))
            for c in w.containers
            for m in c.get("volumeMounts") or []
            if isinstance(m, dict) and _LOG_PATH.search(str(m.get("mountPath", "")).lstrip("/"))
        ]
        if sinks:
            missing.append(
                f"{w.label} writes logs to files ({', '.join(sinks)}): write them to stdout, "
                "which the node agent collects"
            )
    cluster = subject.cluster
    if cluster is None:
        if subject.workloads:
            missing.append(f"the log collection: {subject.cluster_missing()}")
    else:
        agents = [
            w
            for w in workloads(cluster)
            if w.kind == "DaemonSet"
            and any(
                "/var/log/pods" in str(as_dict(as_dict(v).get("hostPath")).get("path", ""))
                for v in w.pod.get("volumes") or []
            )
        ]
        containers = [g for g in log_groups(cluster) if "container" in g]
        if agents and containers:
            evidence.append(
                f"stdout and stderr of every container are read from /var/log/pods by "
                f"{agents[0].label} and sent to {', '.join(containers)}"
            )
        else:
            missing.append(
                "no node agent reading /var/log/pods into a container log group: deploy "
                "infra_kit.k8s.Collectors (cluster-services)"
            )
    if _app_workloads(subject) and not missing:
        evidence.append(
            "no workload mounts a log directory: "
            + ", ".join(w.label for w in _app_workloads(subject))
        )
    return Answer(_T, "12F-11", "Logs as event streams",
                  "Processes write to stdout; the node agent collects every container's "
                  "stream into CloudWatch Logs.",
                  tuple(evidence), tuple(missing))  # fmt: skip


def admin_processes(subject: Subject) -> Answer:
    jobs = [
        f"{o.get('kind')} {as_dict(o.get('metadata')).get('name')}"
        for g in [subject.graph]
        for _, o in g.kubernetes_of_kind("Job", "CronJob")
    ]
    if jobs:
        return Answer(_T, "12F-12", "Admin processes as Jobs",
                      "One-off and scheduled tasks run as Jobs beside the service.",
                      (f"Jobs: {', '.join(jobs)}",))  # fmt: skip
    databases = [
        r for g in subject.graphs() for r in g.of_type("aws:rds/instance:Instance")
        if g is subject.graph
    ]  # fmt: skip
    hint = (
        "the stack has a database but no Job: schema migrations run outside the graph; run "
        "them as a kubernetes Job in the service's namespace, with the service's image and role"
        if databases
        else "no Job or CronJob: the graph shows no admin process (none may be needed)"
    )
    return Answer(_T, "12F-12", "Admin processes as Jobs", hint)


def twelve_factor(subject: Subject) -> list[Answer]:
    return [
        config(subject),
        backing_services(subject),
        stateless(subject),
        port_binding(subject),
        disposability(subject),
        logs(subject),
        admin_processes(subject),
    ]
