"""What the app stacks add to an architecture: their databases and caches (with the workloads
granted a login), buckets, Kubernetes workloads, and the ALBs the load balancer controller
makes for their Ingresses. Pure Python over plain JSON values."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from infra_kit.architecture._facts import Cache, Database, LoadBalancer, Workload, _ints, _zones_of
from infra_kit.policy._graph import GraphDoc

__all__ = ["WORKLOAD_KINDS", "data_stores", "load_balancers", "workloads"]

WORKLOAD_KINDS = ("Deployment", "Rollout", "StatefulSet", "DaemonSet")
_WEB_ACL_NAME = re.compile(r":regional/webacl/([^/]+)/")


def _policy_resources(record: Mapping[str, Any], action: str) -> list[str]:
    policy = GraphDoc.inputs(record).get("policy")
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError:
            return []
    found: list[str] = []
    for statement in (policy or {}).get("Statement") or [] if isinstance(policy, dict) else []:
        actions = statement.get("Action")
        actions = [actions] if isinstance(actions, str) else actions or []
        if action in actions:
            resources = statement.get("Resource")
            found += [resources] if isinstance(resources, str) else list(resources or [])
    return found


def _role_record(graph: GraphDoc, role: Any) -> dict[str, Any] | None:
    """The IAM role a policy attaches to, by its physical name (the logical name plus Pulumi's
    random suffix, unless the program named it)."""
    if not isinstance(role, str):
        return None
    for record in graph.of_type("aws:iam/role:Role"):
        named = GraphDoc.inputs(record).get("name")
        if role == named or (
            named is None and re.fullmatch(re.escape(record["name"]) + r"-[0-9a-f]{7}", role)
        ):
            return record
    return None


def _workload_of(graph: GraphDoc, urn: str) -> str | None:
    """The Kubernetes workload (``namespace/name``) of the component that owns ``urn``."""
    for ancestor in graph.ancestors(urn):
        record = graph.get(ancestor)
        if record is None or not record["type"].startswith("infra-kit:k8s:"):
            continue
        for child in graph.descendants(ancestor):
            obj = GraphDoc.inputs(child)
            if obj.get("kind") in WORKLOAD_KINDS:
                meta = obj.get("metadata") or {}
                return f"{meta.get('namespace', 'default')}/{meta.get('name', child['name'])}"
    return None


def data_stores(graphs: Sequence[GraphDoc], known: Mapping[str, tuple[str, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {"databases": [], "caches": [], "buckets": []}
    for graph in graphs:
        groups = {
            str(GraphDoc.inputs(r).get("name") or r["name"]): GraphDoc.inputs(r).get("subnetIds")
            for r in graph.of_type("aws:rds/subnetGroup:SubnetGroup")
        }
        by_group_urn = {
            r["urn"]: GraphDoc.inputs(r).get("subnetIds")
            for r in graph.of_type("aws:rds/subnetGroup:SubnetGroup")
        }
        connects: dict[str, list[str]] = {}
        for policy in graph.of_type("aws:iam/rolePolicy:RolePolicy"):
            workload = None
            for resource in _policy_resources(policy, "rds-db:connect"):
                match = re.search(r":dbuser:([^/]+)/", resource)
                if match:
                    role = _role_record(graph, GraphDoc.inputs(policy).get("role"))
                    workload = workload or _workload_of(
                        graph, role["urn"] if role else policy["urn"]
                    )
                    if workload:
                        connects.setdefault(match.group(1), []).append(workload)
        for record in graph.of_type("aws:rds/instance:Instance"):
            inputs = GraphDoc.inputs(record)
            ids = groups.get(str(inputs.get("dbSubnetGroupName"))) or next(
                (by_group_urn[u] for u in record.get("dependencies") or [] if u in by_group_urn),
                [],
            )
            parent = graph.get(record.get("parent"))
            resource_id = str(((parent or {}).get("outputs") or {}).get("resource_id") or "")
            out["databases"].append(
                Database(
                    name=record["name"],
                    identifier=str(inputs.get("identifier") or record["name"]),
                    engine=str(inputs.get("engine") or ""),
                    engine_version=str(inputs.get("engineVersion") or ""),
                    instance_class=str(inputs.get("instanceClass") or ""),
                    multi_az=bool(inputs.get("multiAz", False)),
                    zones=_zones_of(ids or [], known),
                    storage_gb=_ints(inputs.get("allocatedStorage")),
                    max_storage_gb=_ints(inputs.get("maxAllocatedStorage")),
                    backup_retention_days=_ints(inputs.get("backupRetentionPeriod")),
                    deletion_protection=bool(inputs.get("deletionProtection", False)),
                    encrypted=bool(inputs.get("storageEncrypted", False)),
                    stack=f"{graph.project}/{graph.stack}",
                    resource_id=resource_id,
                    clients=tuple(dict.fromkeys(connects.get(resource_id, []))),
                )
            )
        for record in graph.of_type(
            "aws:elasticache/replicationGroup:ReplicationGroup", "aws:elasticache/cluster:Cluster"
        ):
            inputs = GraphDoc.inputs(record)
            out["caches"].append(
                Cache(
                    name=record["name"],
                    engine=str(inputs.get("engine") or "redis"),
                    node_type=str(inputs.get("nodeType") or ""),
                    multi_az=bool(inputs.get("multiAzEnabled", False)),
                    stack=f"{graph.project}/{graph.stack}",
                )
            )
        for record in graph.of_type("aws:s3/bucket:Bucket"):
            out["buckets"].append(record["name"])
    return out


def workloads(graph: GraphDoc) -> list[Workload]:
    found = []
    for _record, obj in graph.kubernetes_of_kind(*WORKLOAD_KINDS):
        meta = obj.get("metadata") or {}
        spec = obj.get("spec") or {}
        found.append(
            Workload(
                namespace=str(meta.get("namespace") or "default"),
                name=str(meta.get("name") or ""),
                kind=str(obj.get("kind")),
                replicas=spec.get("replicas") if isinstance(spec.get("replicas"), int) else None,
                stack=f"{graph.project}/{graph.stack}",
                strategy=spec.get("strategy") or spec.get("updateStrategy") or {},
                progress_deadline_seconds=spec.get("progressDeadlineSeconds"),
            )
        )
    return found


def _selected(graph: GraphDoc, namespace: str, service: str) -> list[str]:
    """Workloads (``namespace/name``) whose pods the Service ``service`` selects."""
    selector: Mapping[str, Any] = {}
    for _record, obj in graph.kubernetes_of_kind("Service"):
        meta = obj.get("metadata") or {}
        if meta.get("name") == service and meta.get("namespace", "default") == namespace:
            selector = (obj.get("spec") or {}).get("selector") or {}
    if not selector:
        return []
    found = []
    for _record, obj in graph.kubernetes_of_kind(*WORKLOAD_KINDS):
        meta = obj.get("metadata") or {}
        template = ((obj.get("spec") or {}).get("template") or {}).get("metadata") or {}
        labels = template.get("labels") or {}
        if meta.get("namespace", "default") == namespace and all(
            labels.get(k) == v for k, v in selector.items()
        ):
            found.append(f"{namespace}/{meta.get('name')}")
    return found


def load_balancers(graph: GraphDoc) -> list[LoadBalancer]:
    found = []
    for _record, obj in graph.kubernetes_of_kind("Ingress"):
        meta = obj.get("metadata") or {}
        spec = obj.get("spec") or {}
        notes = meta.get("annotations") or {}
        if (
            spec.get("ingressClassName") != "alb"
            and notes.get("kubernetes.io/ingress.class") != "alb"
        ):
            continue
        namespace = str(meta.get("namespace") or "default")
        backends: list[str] = []
        for rule in spec.get("rules") or []:
            for path in (rule.get("http") or {}).get("paths") or []:
                service = ((path.get("backend") or {}).get("service") or {}).get("name")
                if service:
                    backends += [
                        b for b in _selected(graph, namespace, service) if b not in backends
                    ]
        acl = _WEB_ACL_NAME.search(str(notes.get("alb.ingress.kubernetes.io/wafv2-acl-arn") or ""))
        found.append(
            LoadBalancer(
                name=str(
                    notes.get("alb.ingress.kubernetes.io/load-balancer-name")
                    or notes.get("alb.ingress.kubernetes.io/group.name")
                    or f"{namespace}-{meta.get('name')}"
                ),
                scheme=str(notes.get("alb.ingress.kubernetes.io/scheme") or "internal"),
                ingress=f"{namespace}/{meta.get('name')}",
                hosts=tuple(str(r["host"]) for r in spec.get("rules") or [] if r.get("host")),
                web_acl=acl.group(1) if acl else None,
                ssl_policy=notes.get("alb.ingress.kubernetes.io/ssl-policy"),
                backends=tuple(backends),
                stack=f"{graph.project}/{graph.stack}",
            )
        )
    for record in graph.of_type(
        "aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"
    ):
        inputs = GraphDoc.inputs(record)
        found.append(
            LoadBalancer(
                name=str(inputs.get("name") or record["name"]),
                scheme="internal" if inputs.get("internal") else "internet-facing",
                ingress="",
                hosts=(),
                web_acl=None,
                ssl_policy=None,
                backends=(),
                stack=f"{graph.project}/{graph.stack}",
            )
        )
    return found
