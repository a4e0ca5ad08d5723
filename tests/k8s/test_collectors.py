"""The OpenTelemetry collectors: agent, gateway, their permissions and their configuration (OBS-1)."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import pytest
import yaml

from infra_kit.core.engine import Graph
from infra_kit.k8s import Collectors, CollectorsArgs
from infra_kit.k8s._collector_config import pipeline_problems
from infra_kit.k8s._collector_pod import HOST_LOGS_REASON
from infra_kit.k8s._network import AWS_API_REASON
from infra_kit.k8s.collector import COLLECTOR_IMAGE_DIGEST
from tests.k8s.helpers import OIDC, env_of, matches, obj, synth

NS = "observability"
AGENT_HOST_MOUNTS = [
    {"name": "pod-logs", "mountPath": "/var/log/pods", "readOnly": True},
    {"name": "checkpoints", "mountPath": "/var/lib/otel-agent", "readOnly": False},
]
AGENT_HOST_VOLUMES = [
    {"name": "pod-logs", "hostPath": {"path": "/var/log/pods", "type": "Directory"}},
    {
        "name": "checkpoints",
        "hostPath": {"path": "/var/lib/otel-agent", "type": "DirectoryOrCreate"},
    },
]
KEY = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
RETENTION = {"dev": 14, "prod": 90}
BOUNDS = {"dev": (1, 10), "prod": (3, 30)}
#: The isolated subnets of 10.0.0.0/16 (2 AZs in dev, 3 in prod), which no pod reaches on 443.
ISOLATED = {
    "dev": ["10.0.192.0/22", "10.0.196.0/22"],
    "prod": ["10.0.192.0/22", "10.0.196.0/22", "10.0.200.0/22"],
}
#: The private subnets of 10.0.0.0/16, where the nodes and their kubelets are.
PRIVATE = {
    "dev": ["10.0.0.0/20", "10.0.16.0/20"],
    "prod": ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"],
}
SELECTORS = {
    app: {"app.kubernetes.io/instance": app, "app.kubernetes.io/name": app}
    for app in ("otel-agent", "otel-gateway")
}


def _build(env: Any, p: Any) -> None:
    Collectors(
        "otel", CollectorsArgs(cluster_name="main", log_kms_key_arn=KEY), env, provider=p, oidc=OIDC
    )


@pytest.fixture(scope="module", params=["dev", "prod"])
def graph(request: pytest.FixtureRequest) -> Graph:
    return synth(_build, request.param)


def test_children(graph: Graph) -> None:
    component = graph.named("otel", "infra-kit:k8s:Collectors")
    assert sorted(
        (r["type"].split(":")[-1], r["name"]) for r in graph.children(component["urn"])
    ) == [
        ("Certificate", "otel-ca"),
        ("Certificate", "otel-gateway-certificate"),
        ("ClusterIssuer", "otel-selfsigned-issuer"),
        ("ClusterRole", "otel-agent-role"),
        ("ClusterRoleBinding", "otel-agent-binding"),
        ("ConfigMap", "otel-agent-config"),
        ("ConfigMap", "otel-gateway-config"),
        ("DaemonSet", "otel-agent"),
        ("Deployment", "otel-gateway"),
        ("HorizontalPodAutoscaler", "otel-gateway-hpa"),
        ("IrsaRole", "otel-gateway-irsa"),
        ("Issuer", "otel-ca-issuer"),
        ("LogGroup", "otel-containers"),
        ("LogGroup", "otel-logs"),
        ("LogGroup", "otel-metrics"),
        ("Namespace", "otel-namespace"),
        ("NetworkPolicy", "otel-agent-netpol"),
        ("NetworkPolicy", "otel-gateway-netpol"),
        ("PodDisruptionBudget", "otel-gateway-pdb"),
        ("Service", "otel-agent-service"),
        ("Service", "otel-gateway-service"),
        ("ServiceAccount", "otel-agent-sa"),
        ("ServiceAccount", "otel-gateway-sa"),
    ]


def test_the_namespace_is_restricted_with_default_deny(graph: Graph) -> None:
    namespace = obj(graph, "Namespace", NS)["metadata"]
    labels = namespace["labels"]
    # Enforced privileged for the agent's host mounts alone; audited and warned restricted.
    assert labels["pod-security.kubernetes.io/enforce"] == "privileged"
    assert labels["pod-security.kubernetes.io/audit"] == "restricted"
    assert labels["pod-security.kubernetes.io/warn"] == "restricted"
    assert labels["pod-security.kubernetes.io/enforce-version"] == "v1.34"
    assert namespace["annotations"] == {"infra-kit.io/pod-security-exception": HOST_LOGS_REASON}
    assert obj(graph, "NetworkPolicy", "default-deny", NS)["spec"] == {
        "podSelector": {},
        "policyTypes": ["Ingress", "Egress"],
    }


def test_log_groups_have_the_profile_retention_a_key_and_stage_prod_protection(
    graph: Graph,
) -> None:
    for name, group in (
        ("otel-logs", "logs"),
        ("otel-metrics", "metrics"),
        ("otel-containers", "containers"),
    ):
        record = graph.named(name, "aws:cloudwatch/logGroup:LogGroup")
        assert record["inputs"] == {
            "name": f"/test/{graph.stack}/otel/{group}",
            "retentionInDays": RETENTION[graph.stack],
            "kmsKeyId": KEY,
            "deletionProtectionEnabled": graph.stack == "prod",
        }
        assert record["protect"] is (graph.stack == "prod")


def test_the_gateway_role_can_call_exactly_what_its_exporters_call(graph: Graph) -> None:
    policy = graph.named("otel-gateway-irsa-exporters", "aws:iam/rolePolicy:RolePolicy")
    groups = [
        f"arn:aws:logs:us-east-1:123456789012:log-group:/test/{graph.stack}/otel/{g}"
        for g in ("logs", "metrics", "containers")
    ]
    assert json.loads(policy["inputs"]["policy"])["Statement"] == [
        {
            "Effect": "Allow",
            "Sid": "JustifiedXRayTraceIngestionAPIsSupportNoResourceLevelPermissions",
            "Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
            "Resource": ["*"],
        },
        {
            "Effect": "Allow",
            "Sid": "WriteTelemetryLogs",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [g for group in groups for g in (group, f"{group}:*")],
        },
    ]


def test_only_the_gateway_service_account_can_assume_the_role(graph: Graph) -> None:
    role = graph.named("otel-gateway-irsa", "aws:iam/role:Role")
    (statement,) = json.loads(role["inputs"]["assumeRolePolicy"])["Statement"]
    host = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE"
    assert statement["Condition"] == {
        "StringEquals": {
            f"{host}:sub": "system:serviceaccount:observability:otel-gateway",
            f"{host}:aud": "sts.amazonaws.com",
        }
    }
    annotations = obj(graph, "ServiceAccount", "otel-gateway", NS)["metadata"]["annotations"]
    assert list(annotations) == ["eks.amazonaws.com/role-arn"]
    assert re.fullmatch(
        r"arn:aws:iam::123456789012:role/otel-gateway-irsa-[0-9a-f]{7}",
        annotations["eks.amazonaws.com/role-arn"],
    )


def test_the_agent_may_only_read_what_k8s_attributes_needs(graph: Graph) -> None:
    role = obj(graph, "ClusterRole", "observability-otel-agent")
    assert role["rules"] == [
        {
            "apiGroups": [""],
            "resources": ["namespaces", "nodes", "pods"],
            "verbs": ["get", "list", "watch"],
        },
        {"apiGroups": ["apps"], "resources": ["replicasets"], "verbs": ["get", "list", "watch"]},
        # kubelet_stats: the node's /stats/summary and /pods, never nodes/proxy.
        {"apiGroups": [""], "resources": ["nodes/pods", "nodes/stats"], "verbs": ["get"]},
    ]
    binding = obj(graph, "ClusterRoleBinding", "observability-otel-agent")
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": "observability-otel-agent",
    }
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "otel-agent", "namespace": NS}
    ]


def test_only_the_agent_mounts_an_api_token(graph: Graph) -> None:
    agent = obj(graph, "DaemonSet", "otel-agent", NS)["spec"]["template"]["spec"]
    gateway = obj(graph, "Deployment", "otel-gateway", NS)["spec"]["template"]["spec"]
    assert (agent["automountServiceAccountToken"], gateway["automountServiceAccountToken"]) == (
        True,
        False,
    )
    for account in ("otel-agent", "otel-gateway"):
        assert obj(graph, "ServiceAccount", account, NS)["automountServiceAccountToken"] is False


@pytest.mark.parametrize(
    ("kind", "name", "tls_files"),
    [
        ("DaemonSet", "otel-agent", ["ca.crt"]),
        ("Deployment", "otel-gateway", ["tls.crt", "tls.key"]),
    ],
)
def test_each_collector_runs_its_validated_configuration(
    graph: Graph, kind: str, name: str, tls_files: list[str]
) -> None:
    template = obj(graph, kind, name, NS)["spec"]["template"]
    config_yaml = obj(graph, "ConfigMap", f"{name}-config", NS)["data"]["collector.yaml"]
    config = yaml.safe_load(config_yaml)
    assert pipeline_problems(config) == []
    assert template["metadata"]["annotations"] == {
        "infra-kit.io/config-sha256": hashlib.sha256(config_yaml.encode()).hexdigest()
    }
    (container,) = template["spec"]["containers"]
    assert container["args"] == ["--config=/conf/collector.yaml"]
    assert container["image"] == COLLECTOR_IMAGE_DIGEST
    agent = kind == "DaemonSet"
    assert container["volumeMounts"] == [
        {"name": "config", "mountPath": "/conf", "readOnly": True},
        {"name": "tls", "mountPath": "/tls", "readOnly": True},
        {"name": "tmp", "mountPath": "/tmp"},
        *(AGENT_HOST_MOUNTS if agent else []),
    ]
    assert template["spec"]["volumes"] == [
        {
            "name": "config",
            "configMap": {
                "name": f"{name}-config",
                "items": [{"key": "collector.yaml", "path": "collector.yaml"}],
            },
        },
        {
            "name": "tls",
            "secret": {
                "secretName": "otel-gateway-tls",
                "items": [{"key": f, "path": f} for f in tls_files],
                "defaultMode": 0o440,
            },
        },
        {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}},
        *(AGENT_HOST_VOLUMES if agent else []),
    ]


def test_only_the_agent_runs_as_root_and_keeps_every_other_restricted_setting(
    graph: Graph,
) -> None:
    agent = obj(graph, "DaemonSet", "otel-agent", NS)["spec"]["template"]["spec"]
    assert agent["securityContext"] == {
        "runAsNonRoot": False,
        "runAsUser": 0,
        "runAsGroup": 0,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    (container,) = agent["containers"]
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": False,
        "runAsUser": 0,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    gateway = obj(graph, "Deployment", "otel-gateway", NS)["spec"]["template"]["spec"]
    assert gateway["securityContext"]["runAsUser"] == 10001
    # The exception is written down where infra-kit check reports it.
    daemonset = graph.named("otel-agent", "kubernetes:apps/v1:DaemonSet")
    (suppression,) = [
        r
        for r in graph.children(daemonset["urn"])
        if r["outputs"].get("rule") == "IK-SEC-4-RESTRICTED"
    ]
    assert suppression["outputs"]["reason"] == HOST_LOGS_REASON


@pytest.mark.parametrize(
    ("kind", "name", "gomemlimit"),
    [("DaemonSet", "otel-agent", "204MiB"), ("Deployment", "otel-gateway", "409MiB")],
)
def test_collector_environment_ties_memory_and_resource_attributes(
    graph: Graph, kind: str, name: str, gomemlimit: str
) -> None:
    (container,) = obj(graph, kind, name, NS)["spec"]["template"]["spec"]["containers"]
    env = env_of(container)
    assert env["GOMEMLIMIT"] == gomemlimit
    assert env["MY_POD_IP"] == {"fieldRef": {"fieldPath": "status.podIP"}}
    assert env["MY_POD_NAME"] == {"fieldRef": {"fieldPath": "metadata.name"}}
    assert env["K8S_NODE_NAME"] == {"fieldRef": {"fieldPath": "spec.nodeName"}}
    attributes = dict(kv.split("=", 1) for kv in env["OTEL_RESOURCE_ATTRIBUTES"].split(","))
    assert attributes == {
        "cloud.provider": "aws",
        "cloud.platform": "aws_eks",
        "cloud.region": "us-east-1",
        "k8s.cluster.name": "main",
        "deployment.environment": graph.stack,
        "deployment.environment.name": graph.stack,
    }


def test_the_gateway_autoscales_and_keeps_a_drain_safe_budget(graph: Graph) -> None:
    low, high = BOUNDS[graph.stack]
    deployment = obj(graph, "Deployment", "otel-gateway", NS)
    assert "replicas" not in deployment["spec"]
    hpa = obj(graph, "HorizontalPodAutoscaler", "otel-gateway", NS)["spec"]
    assert hpa["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "otel-gateway",
    }
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (low, high)
    assert hpa["metrics"] == [
        {
            "type": "Resource",
            "resource": {
                "name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": 70},
            },
        }
    ]
    pdb = obj(graph, "PodDisruptionBudget", "otel-gateway", NS)["spec"]
    assert pdb == {
        "maxUnavailable": 1,
        "selector": {"matchLabels": SELECTORS["otel-gateway"]},
        "unhealthyPodEvictionPolicy": "AlwaysAllow",
    }
    assert matches(pdb["selector"], deployment["spec"]["template"]["metadata"]["labels"])


def test_workloads_reach_the_agent_on_their_own_node_and_agents_balance_over_gateways(
    graph: Graph,
) -> None:
    agent = obj(graph, "Service", "otel-agent", NS)["spec"]
    assert agent["internalTrafficPolicy"] == "Local"
    assert [(p["name"], p["port"]) for p in agent["ports"]] == [
        ("otlp-grpc", 4317),
        ("otlp-http", 4318),
    ]
    gateway = obj(graph, "Service", "otel-gateway", NS)["spec"]
    assert gateway["clusterIP"] == "None"
    assert [(p["name"], p["port"]) for p in gateway["ports"]] == [("otlp-grpc", 4317)]


def test_the_agent_accepts_otlp_from_every_namespace_and_talks_to_gateway_and_api(
    graph: Graph,
) -> None:
    spec = obj(graph, "NetworkPolicy", "otel-agent", NS)["spec"]
    assert spec["ingress"] == [
        {
            "from": [{"namespaceSelector": {}}],
            "ports": [{"port": 4317, "protocol": "TCP"}, {"port": 4318, "protocol": "TCP"}],
        }
    ]
    _, gateway, api, kubelet = spec["egress"]
    assert gateway == {
        "to": [
            {
                "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": NS}},
                "podSelector": {"matchLabels": {"app.kubernetes.io/name": "otel-gateway"}},
            }
        ],
        "ports": [{"port": 4317, "protocol": "TCP"}],
    }
    assert api == {
        "to": [{"ipBlock": {"cidr": "10.0.0.0/16"}}],
        "ports": [{"port": 443, "protocol": "TCP"}],
    }
    # Each node's kubelet, in the private subnets where the nodes are.
    assert kubelet == {
        "to": [{"ipBlock": {"cidr": cidr}} for cidr in PRIVATE[graph.stack]],
        "ports": [{"port": 10250, "protocol": "TCP"}],
    }


def test_the_gateway_accepts_only_agents_and_reaches_only_aws_apis(graph: Graph) -> None:
    policy = obj(graph, "NetworkPolicy", "otel-gateway", NS)
    assert policy["spec"]["podSelector"] == {"matchLabels": SELECTORS["otel-gateway"]}
    assert policy["spec"]["ingress"] == [
        {
            "from": [
                {
                    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": NS}},
                    "podSelector": {"matchLabels": {"app.kubernetes.io/name": "otel-agent"}},
                }
            ],
            "ports": [{"port": 4317, "protocol": "TCP"}],
        }
    ]
    _, aws_apis = policy["spec"]["egress"]
    assert aws_apis == {
        "to": [
            {
                "ipBlock": {
                    "cidr": "0.0.0.0/0",
                    "except": ["169.254.0.0/16", *ISOLATED[graph.stack]],
                }
            }
        ],
        "ports": [{"port": 443, "protocol": "TCP"}],
    }
    assert policy["metadata"]["annotations"] == {"infra-kit.io/egress-reasons": AWS_API_REASON}


def test_without_oidc_the_gateway_has_no_role() -> None:
    graph = synth(
        lambda env, p: Collectors("otel", CollectorsArgs(cluster_name="main"), env, provider=p)
    )
    assert graph.of_type("aws:iam/role:Role") == []
    assert "annotations" not in obj(graph, "ServiceAccount", "otel-gateway", NS)["metadata"]
