"""Small hand-written graph documents for the readiness review's tests.

``app()``, ``platform()`` and ``cluster()`` are the least a stack needs for every answer to
stand: an app with one canary web service and a Multi-AZ database, a platform with one node
group, a public and a private subnet and a NAT gateway in each of three AZs, and cluster
services with a log agent and a container log group. Each test removes or changes one piece of
evidence and expects exactly the answers that cite it to fail.
"""

from __future__ import annotations

import copy
from typing import Any

ZONES = ("us-east-1a", "us-east-1b", "us-east-1c")
LABELS = {"app.kubernetes.io/name": "api", "app.kubernetes.io/instance": "api"}


def record(
    project: str,
    type_: str,
    name: str,
    inputs: dict[str, Any],
    *,
    dependencies: list[str] | None = None,
    stack: str = "prod",
) -> dict[str, Any]:
    return {
        "urn": f"urn:pulumi:{stack}::{project}::{type_}::{name}",
        "type": type_,
        "name": name,
        "custom": True,
        "inputs": inputs,
        "outputs": {},
        "dependencies": dependencies or [],
    }


def doc(project: str, resources: list[dict[str, Any]], stack: str = "prod") -> dict[str, Any]:
    return {"project": project, "stack": stack, "resources": resources, "outputs": {}}


def _k8s(kind: str, api: str, name: str, spec: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "apiVersion": api,
        "kind": kind,
        "metadata": {"name": name, "namespace": "apps"},
        "spec": spec,
        **extra,
    }


def container() -> dict[str, Any]:
    return {
        "name": "app",
        "image": "example/api:1@sha256:" + "a" * 64,
        "env": [
            {"name": "DB_HOST", "value": "db.abc.us-east-1.rds.amazonaws.com"},
            {"name": "TOKEN_SECRET_ARN", "value": "arn:aws:secretsmanager:us-east-1:1:secret:t"},
        ],
        "envFrom": [{"configMapRef": {"name": "api-config"}}],
        "ports": [{"containerPort": 8080, "name": "http"}],
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
        "readinessProbe": {"httpGet": {"path": "/readyz", "port": 8080}},
        "livenessProbe": {"httpGet": {"path": "/livez", "port": 8080}},
        "lifecycle": {"preStop": {"sleep": {"seconds": 10}}},
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }


def rollout_spec() -> dict[str, Any]:
    return {
        "progressDeadlineSeconds": 600,
        "progressDeadlineAbort": True,
        "revisionHistoryLimit": 5,
        "selector": {"matchLabels": LABELS},
        "strategy": {
            "canary": {
                "maxSurge": "25%",
                "maxUnavailable": 0,
                "steps": [{"setWeight": 25}, {"pause": {"duration": "300s"}}],
                "analysis": {"templates": [{"templateName": "api-canary"}]},
            }
        },
        "template": {
            "metadata": {"labels": LABELS},
            "spec": {
                "terminationGracePeriodSeconds": 30,
                "containers": [container()],
                "volumes": [{"name": "tmp", "emptyDir": {}}],
                "topologySpreadConstraints": [
                    {
                        "topologyKey": "topology.kubernetes.io/zone",
                        "whenUnsatisfiable": "DoNotSchedule",
                        "maxSkew": 1,
                        "nodeTaintsPolicy": "Honor",
                        "labelSelector": {"matchLabels": LABELS},
                    }
                ],
            },
        },
    }


def app() -> dict[str, Any]:
    p = "orders"
    db = record(p, "aws:rds/instance:Instance", "db", {"identifier": "orders-db", "multiAz": True})
    secret = record(p, "aws:secretsmanager/secret:Secret", "token", {"name": "token"})
    k = "kubernetes:"
    return doc(
        p,
        [
            db,
            secret,
            record(p, "aws:cloudwatch/dashboard:Dashboard", "board", {"dashboardName": "orders"}),
            record(p, "aws:cloudwatch/logGroup:LogGroup", "db-log", {"name": "/aws/rds/db"}),
            record(p, f"{k}argoproj.io/v1alpha1:Rollout", "api",
                   _k8s("Rollout", "argoproj.io/v1alpha1", "api", rollout_spec()),
                   dependencies=[db["urn"], secret["urn"]]),
            record(p, f"{k}argoproj.io/v1alpha1:AnalysisTemplate", "api-analysis",
                   _k8s("AnalysisTemplate", "argoproj.io/v1alpha1", "api-canary", {"metrics": [
                       {"name": "error-rate", "failureLimit": 2, "interval": "60s"}]})),
            record(p, f"{k}autoscaling/v2:HorizontalPodAutoscaler", "api-hpa",
                   _k8s("HorizontalPodAutoscaler", "autoscaling/v2", "api", {
                       "minReplicas": 3, "maxReplicas": 30,
                       "scaleTargetRef": {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
                                          "name": "api"},
                       "behavior": {"scaleUp": {"policies": [
                           {"type": "Percent", "value": 100, "periodSeconds": 15}]}}})),
            record(p, f"{k}policy/v1:PodDisruptionBudget", "api-pdb",
                   _k8s("PodDisruptionBudget", "policy/v1", "api", {
                       "maxUnavailable": 1, "selector": {"matchLabels": LABELS}})),
            record(p, f"{k}core/v1:Service", "api-svc", _k8s("Service", "v1", "api", {
                "selector": LABELS, "ports": [{"port": 80, "targetPort": "http"}]})),
            record(p, f"{k}networking.k8s.io/v1:Ingress", "api-ing",
                   _k8s("Ingress", "networking.k8s.io/v1", "api", {"rules": [{"http": {"paths": [
                       {"path": "/", "backend": {"service": {"name": "api"}}}]}}]})),
            record(p, "pulumi:pulumi:StackReference", "organization/platform/prod",
                   {"name": "organization/platform/prod"}),
        ],
    )  # fmt: skip


def platform(stack: str = "prod") -> dict[str, Any]:
    p = "platform"
    resources: list[dict[str, Any]] = [
        record(p, "aws:eks/cluster:Cluster", "eks", {"name": "eks"}, stack=stack),
        record(p, "aws:cloudwatch/dashboard:Dashboard", "env", {"dashboardName": "env"},
               stack=stack),
        record(p, "aws:cloudwatch/logGroup:LogGroup", "eks-log", {"name": "/aws/eks/x/cluster"},
               stack=stack),
    ]  # fmt: skip
    for i, zone in enumerate(ZONES):
        private = record(
            p,
            "aws:ec2/subnet:Subnet",
            f"private-{i}",
            {"availabilityZone": zone, "tags": {"tier": "private"}},
            stack=stack,
        )
        public = record(
            p,
            "aws:ec2/subnet:Subnet",
            f"public-{i}",
            {"availabilityZone": zone, "tags": {"tier": "public"}},
            stack=stack,
        )
        resources += [private, public]
        resources.append(
            record(
                p,
                "aws:ec2/natGateway:NatGateway",
                f"nat-{i}",
                {},
                dependencies=[public["urn"]],
                stack=stack,
            )
        )
        resources.append(record(p, "aws:eks/nodeGroup:NodeGroup", f"nodes-{i}", {
            "instanceTypes": ["m6i.large"], "capacityType": "ON_DEMAND",
            "scalingConfig": {"minSize": 1, "desiredSize": 2, "maxSize": 20},
            "tags": {"k8s.io/cluster-autoscaler/enabled": "true"},
        }, dependencies=[private["urn"]], stack=stack))  # fmt: skip
    return doc(p, resources, stack)


def cluster(stack: str = "prod") -> dict[str, Any]:
    p = "cluster-services"
    agent_spec = {
        "selector": {"matchLabels": {"app": "agent"}},
        "updateStrategy": {"rollingUpdate": {"maxUnavailable": 1}},
        "template": {
            "metadata": {"labels": {"app": "agent"}},
            "spec": {
                "terminationGracePeriodSeconds": 30,
                "containers": [{"name": "collector", "image": "otel"}],
                "volumes": [{"name": "pod-logs", "hostPath": {"path": "/var/log/pods"}}],
            },
        },
    }
    return doc(
        p,
        [
            record(p, "infra-kit:k8s:Collectors", "otel", {}, stack=stack),
            record(p, "aws:cloudwatch/logGroup:LogGroup", "containers",
                   {"name": "/cluster-services/prod/otel/containers"}, stack=stack),
            record(p, "kubernetes:apps/v1:DaemonSet", "agent",
                   _k8s("DaemonSet", "apps/v1", "otel-agent", agent_spec), stack=stack),
        ],
        stack,
    )  # fmt: skip


def without(graph: dict[str, Any], *types: str) -> dict[str, Any]:
    """A copy of ``graph`` without its resources of ``types``."""
    out = copy.deepcopy(graph)
    out["resources"] = [r for r in out["resources"] if r["type"] not in types]
    return out


def edited(graph: dict[str, Any], type_: str, change: Any) -> dict[str, Any]:
    """A copy of ``graph`` in which ``change(inputs)`` edited every resource of ``type_``."""
    out = copy.deepcopy(graph)
    for r in out["resources"]:
        if r["type"] == type_:
            change(r["inputs"])
    return out
