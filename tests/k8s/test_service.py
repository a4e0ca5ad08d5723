"""WebService and Worker: the production defaults they render, in dev and prod."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from infra_kit.aws._policy import PolicyDocument, Statement
from infra_kit.aws.grants import attach_policy
from infra_kit.core.engine import Graph
from infra_kit.k8s import (
    AlbIngress,
    Caller,
    Egress,
    Exposure,
    Namespace,
    NamespaceArgs,
    WebService,
    WebServiceArgs,
    Worker,
    WorkerArgs,
)
from infra_kit.k8s._network import AWS_API_REASON
from tests.k8s.helpers import (
    AGENT_EGRESS,
    CERTIFICATE,
    DNS_EGRESS,
    IMAGE,
    OIDC,
    SECRET_ARN,
    env_of,
    matches,
    obj,
    objects,
    synth,
)

BOUNDS = {"dev": (1, 10), "prod": (3, 30)}
#: The private subnets (10.0.0.0/16, 2 AZs in dev, 3 in prod): where an internal ALB lives.
PRIVATE = {
    "dev": ["10.0.0.0/20", "10.0.16.0/20"],
    "prod": ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"],
}
#: The isolated subnets, which the egress to AWS APIs excludes.
ISOLATED = {
    "dev": ["10.0.192.0/22", "10.0.196.0/22"],
    "prod": ["10.0.192.0/22", "10.0.196.0/22", "10.0.200.0/22"],
}
SELECTOR = {"app.kubernetes.io/instance": "orders-api", "app.kubernetes.io/name": "orders-api"}


def _build(env: Any, p: Any) -> None:
    shop = Namespace("shop", NamespaceArgs(), env, provider=p)
    web = WebService(
        "orders-api",
        WebServiceArgs(
            namespace=shop,
            image=IMAGE,
            config={"LOG_LEVEL": "info", "FEATURE_X": "on"},
            secret_arns={"DB_SECRET_ARN": SECRET_ARN},
            allow_from=[Caller("shop", "storefront")],
            egress_to=[Egress.to_cidrs(["10.0.64.0/20", "10.0.80.0/20"], [5432])],
            ingress=AlbIngress(
                certificate_arn=CERTIFICATE,
                exposure=Exposure.INTERNAL,
                hosts=["orders.example.com"],
            ),
        ),
        env,
        provider=p,
        oidc=OIDC,
    )
    document = PolicyDocument([Statement(actions=["s3:GetObject"], resources=["arn:aws:s3:::b/*"])])
    attach_policy(web, "read-assets", document, parent=web)
    Worker("orders-worker", WorkerArgs(namespace="shop", image=IMAGE), env, provider=p)


@pytest.fixture(scope="module", params=["dev", "prod"])
def graph(request: pytest.FixtureRequest) -> Graph:
    return synth(_build, request.param)


def _children(graph: Graph, name: str, type_: str) -> list[tuple[str, str]]:
    component = graph.named(name, type_)
    return sorted((r["type"].split(":")[-1], r["name"]) for r in graph.children(component["urn"]))


def test_web_service_children(graph: Graph) -> None:
    assert _children(graph, "orders-api", "infra-kit:k8s:WebService") == [
        ("ConfigMap", "orders-api-config"),
        ("Deployment", "orders-api-deployment"),
        ("HorizontalPodAutoscaler", "orders-api-hpa"),
        ("Ingress", "orders-api-ingress"),
        ("IrsaRole", "orders-api-irsa"),
        ("NetworkPolicy", "orders-api-netpol"),
        ("PodDisruptionBudget", "orders-api-pdb"),
        ("RolePolicy", "orders-api-irsa-read-assets"),
        ("Service", "orders-api-service"),
        ("ServiceAccount", "orders-api-sa"),
    ]


def test_worker_children_have_no_service_ingress_or_role(graph: Graph) -> None:
    assert _children(graph, "orders-worker", "infra-kit:k8s:Worker") == [
        ("ConfigMap", "orders-worker-config"),
        ("Deployment", "orders-worker-deployment"),
        ("HorizontalPodAutoscaler", "orders-worker-hpa"),
        ("NetworkPolicy", "orders-worker-netpol"),
        ("PodDisruptionBudget", "orders-worker-pdb"),
        ("ServiceAccount", "orders-worker-sa"),
    ]


def test_the_deployment_leaves_replicas_to_the_hpa_and_never_drops_capacity(graph: Graph) -> None:
    # K8S-4: surge only, and a rollout that stops progressing fails.
    spec = obj(graph, "Deployment", "orders-api", "shop")["spec"]
    assert "replicas" not in spec
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "25%"},
    }
    assert (spec["progressDeadlineSeconds"], spec["revisionHistoryLimit"]) == (600, 5)


def test_the_selector_uses_only_stable_labels_and_selects_the_pods(graph: Graph) -> None:
    spec = obj(graph, "Deployment", "orders-api", "shop")["spec"]
    assert spec["selector"] == {"matchLabels": SELECTOR}
    labels = spec["template"]["metadata"]["labels"]
    assert matches(spec["selector"], labels)
    assert labels == {
        **SELECTOR,
        "app.kubernetes.io/component": "web-service",
        "app.kubernetes.io/managed-by": "pulumi",
        "app.kubernetes.io/part-of": "test",
        "app.kubernetes.io/version": "1.4.2",
        "environment": graph.stack,
        "team": "platform",
    }


def test_pods_spread_across_zones_strictly_and_nodes_softly(graph: Graph) -> None:
    pod = obj(graph, "Deployment", "orders-api", "shop")["spec"]["template"]["spec"]
    spread = {c["topologyKey"]: c for c in pod["topologySpreadConstraints"]}
    assert set(spread) == {"topology.kubernetes.io/zone", "kubernetes.io/hostname"}
    assert spread["topology.kubernetes.io/zone"]["whenUnsatisfiable"] == "DoNotSchedule"
    assert spread["kubernetes.io/hostname"]["whenUnsatisfiable"] == "ScheduleAnyway"
    for constraint in spread.values():
        assert constraint["maxSkew"] == 1
        assert constraint["labelSelector"] == {"matchLabels": SELECTOR}
        assert constraint["nodeTaintsPolicy"] == "Honor"
        assert constraint["matchLabelKeys"] == ["pod-template-hash"]


def test_the_pod_runs_under_its_own_account_without_an_api_token(graph: Graph) -> None:
    pod = obj(graph, "Deployment", "orders-api", "shop")["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "orders-api"
    assert pod["automountServiceAccountToken"] is False
    assert pod["enableServiceLinks"] is False
    account = obj(graph, "ServiceAccount", "orders-api", "shop")
    assert account["automountServiceAccountToken"] is False


def test_the_container_has_cpu_and_memory_requests_and_limits_from_the_profile(
    graph: Graph,
) -> None:
    (container,) = obj(graph, "Deployment", "orders-api", "shop")["spec"]["template"]["spec"][
        "containers"
    ]
    # workloads.cpu_request/cpu_limit and memory_request/memory_limit, the same everywhere.
    assert container["resources"] == {
        "requests": {"cpu": "100m", "memory": "128Mi"},
        "limits": {"cpu": "500m", "memory": "256Mi"},
    }
    assert container["image"] == IMAGE
    assert container["lifecycle"] == {"preStop": {"sleep": {"seconds": 10}}}


def test_the_three_probes_are_not_identical(graph: Graph) -> None:
    (container,) = obj(graph, "Deployment", "orders-api", "shop")["spec"]["template"]["spec"][
        "containers"
    ]
    probes = [container[f"{k}Probe"] for k in ("startup", "readiness", "liveness")]
    assert len({json.dumps(p, sort_keys=True) for p in probes}) == 3
    assert [p["httpGet"]["path"] for p in probes] == ["/livez", "/readyz", "/livez"]
    assert {p["httpGet"]["port"] for p in probes} == {8080}


def test_opentelemetry_settings_are_injected_without_asking(graph: Graph) -> None:
    for name in ("orders-api", "orders-worker"):
        (container,) = obj(graph, "Deployment", name, "shop")["spec"]["template"]["spec"][
            "containers"
        ]
        env = env_of(container)
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == (
            "http://otel-agent.observability.svc.cluster.local:4317"
        )
        assert env["OTEL_EXPORTER_OTLP_PROTOCOL"] == "grpc"
        assert env["OTEL_SERVICE_NAME"] == name
        attributes = dict(kv.split("=", 1) for kv in env["OTEL_RESOURCE_ATTRIBUTES"].split(","))
        assert attributes == {
            "service.name": name,
            "service.version": "1.4.2",
            "deployment.environment": graph.stack,
            "deployment.environment.name": graph.stack,
            "k8s.namespace.name": "$(K8S_NAMESPACE_NAME)",
            "k8s.pod.name": "$(K8S_POD_NAME)",
            "k8s.pod.uid": "$(K8S_POD_UID)",
            "k8s.node.name": "$(K8S_NODE_NAME)",
        }
        assert env["K8S_NAMESPACE_NAME"] == {"fieldRef": {"fieldPath": "metadata.namespace"}}
        names = [e["name"] for e in container["env"]]
        assert names.index("K8S_NODE_NAME") < names.index("OTEL_RESOURCE_ATTRIBUTES")


def test_configuration_comes_from_an_immutable_content_named_config_map(graph: Graph) -> None:
    # K8S-2 (config from a ConfigMap) and DEP-1 (a change makes a new one and rolls the pods).
    (container,) = obj(graph, "Deployment", "orders-api", "shop")["spec"]["template"]["spec"][
        "containers"
    ]
    (source,) = container["envFrom"]
    config = obj(graph, "ConfigMap", source["configMapRef"]["name"], "shop")
    assert config["metadata"]["name"].startswith("orders-api-config-")
    assert config["immutable"] is True
    assert config["data"] == {"LOG_LEVEL": "info", "FEATURE_X": "on"}


def test_secrets_are_referenced_by_arn_and_never_copied_into_kubernetes(graph: Graph) -> None:
    (container,) = obj(graph, "Deployment", "orders-api", "shop")["spec"]["template"]["spec"][
        "containers"
    ]
    assert env_of(container)["DB_SECRET_ARN"] == SECRET_ARN
    assert objects(graph, "Secret") == []


def test_the_hpa_targets_the_deployment_within_the_profile_bounds(graph: Graph) -> None:
    low, high = BOUNDS[graph.stack]
    spec = obj(graph, "HorizontalPodAutoscaler", "orders-api", "shop")["spec"]
    assert spec["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "orders-api",
    }
    assert (spec["minReplicas"], spec["maxReplicas"]) == (low, high)
    assert spec["metrics"] == [
        {
            "type": "Resource",
            "resource": {
                "name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": 70},
            },
        }
    ]
    assert spec["behavior"] == {
        "scaleUp": {
            "stabilizationWindowSeconds": 0,
            "selectPolicy": "Max",
            "policies": [
                {"type": "Percent", "value": 100, "periodSeconds": 15},
                {"type": "Pods", "value": 4, "periodSeconds": 15},
            ],
        },
        "scaleDown": {
            "stabilizationWindowSeconds": 300,
            "selectPolicy": "Max",
            "policies": [{"type": "Percent", "value": 20, "periodSeconds": 60}],
        },
    }


def test_the_disruption_budget_never_blocks_a_drain(graph: Graph) -> None:
    pdb = obj(graph, "PodDisruptionBudget", "orders-api", "shop")["spec"]
    assert pdb == {
        "maxUnavailable": 1,
        "selector": {"matchLabels": SELECTOR},
        "unhealthyPodEvictionPolicy": "AlwaysAllow",
    }


def test_the_service_selects_the_pods_on_the_http_port(graph: Graph) -> None:
    spec = obj(graph, "Service", "orders-api", "shop")["spec"]
    assert spec == {
        "type": "ClusterIP",
        "selector": SELECTOR,
        "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
    }


def test_the_network_policy_admits_declared_callers_and_the_internal_alb_on_the_port_only(
    graph: Graph,
) -> None:
    spec = obj(graph, "NetworkPolicy", "orders-api", "shop")["spec"]
    assert spec["podSelector"] == {"matchLabels": SELECTOR}
    assert spec["policyTypes"] == ["Ingress", "Egress"]
    port = [{"port": 8080, "protocol": "TCP"}]
    assert spec["ingress"] == [
        {
            "from": [
                {
                    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "shop"}},
                    "podSelector": {"matchLabels": {"app.kubernetes.io/name": "storefront"}},
                }
            ],
            "ports": port,
        },
        {"from": [{"ipBlock": {"cidr": c}} for c in PRIVATE[graph.stack]], "ports": port},
    ]


def test_egress_is_dns_the_agent_the_database_and_aws_apis_only(graph: Graph) -> None:
    policy = obj(graph, "NetworkPolicy", "orders-api", "shop")
    dns, agent, database, aws_apis = policy["spec"]["egress"]
    assert dns == DNS_EGRESS
    assert agent == AGENT_EGRESS
    assert database == {
        "to": [{"ipBlock": {"cidr": "10.0.64.0/20"}}, {"ipBlock": {"cidr": "10.0.80.0/20"}}],
        "ports": [{"port": 5432, "protocol": "TCP"}],
    }
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


def test_a_worker_admits_no_ingress_and_without_a_role_reaches_no_aws_api(graph: Graph) -> None:
    policy = obj(graph, "NetworkPolicy", "orders-worker", "shop")
    assert policy["spec"]["ingress"] == []
    assert policy["spec"]["egress"] == [DNS_EGRESS, AGENT_EGRESS]
    assert "annotations" not in policy["metadata"]
    (container,) = obj(graph, "Deployment", "orders-worker", "shop")["spec"]["template"]["spec"][
        "containers"
    ]
    assert "lifecycle" not in container


def test_the_ingress_is_an_internal_https_alb_routing_to_the_service(graph: Graph) -> None:
    ingress = obj(graph, "Ingress", "orders-api", "shop")
    annotations = ingress["metadata"]["annotations"]
    tags = (
        f"cost-center=cc-0000,environment={graph.stack},managed-by=pulumi,repository=infra-kit,"
        f"service=test,stack=test/{graph.stack},team=platform"
    )
    assert annotations == {
        f"alb.ingress.kubernetes.io/{key}": value
        for key, value in {
            "scheme": "internal",
            "target-type": "ip",
            "listen-ports": '[{"HTTP": 80}, {"HTTPS": 443}]',
            "ssl-redirect": "443",
            "certificate-arn": CERTIFICATE,
            "ssl-policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
            "backend-protocol": "HTTP",
            "healthcheck-protocol": "HTTP",
            "healthcheck-path": "/readyz",
            "load-balancer-attributes": "routing.http.drop_invalid_header_fields.enabled=true",
            "tags": tags,
            # Named, so that the service's alarms find its metrics (ADR 0023).
            "load-balancer-name": {"dev": "orders-api-dev-de6aae98"}.get(
                graph.stack, "orders-api-prod-427ad1c1"
            ),
        }.items()
    }
    assert ingress["spec"] == {
        "ingressClassName": "alb",
        "rules": [
            {
                "host": "orders.example.com",
                "http": {
                    "paths": [
                        {
                            "path": "/",
                            "pathType": "Prefix",
                            "backend": {
                                "service": {"name": "orders-api", "port": {"name": "http"}}
                            },
                        }
                    ]
                },
            }
        ],
    }


def test_the_irsa_role_trusts_exactly_the_workloads_service_account(graph: Graph) -> None:
    role = graph.named("orders-api-irsa", "aws:iam/role:Role")
    (statement,) = json.loads(role["inputs"]["assumeRolePolicy"])["Statement"]
    host = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE"
    assert statement["Condition"] == {
        "StringEquals": {
            f"{host}:sub": "system:serviceaccount:shop:orders-api",
            f"{host}:aud": "sts.amazonaws.com",
        }
    }
    annotation = obj(graph, "ServiceAccount", "orders-api", "shop")["metadata"]["annotations"]
    assert list(annotation) == ["eks.amazonaws.com/role-arn"]
    # The role's physical name is its logical name plus an auto-naming suffix of 7 hex digits.
    assert re.fullmatch(
        r"arn:aws:iam::123456789012:role/orders-api-irsa-[0-9a-f]{7}",
        annotation["eks.amazonaws.com/role-arn"],
    )


def test_grants_attach_to_the_workloads_role(graph: Graph) -> None:
    grant = graph.named("orders-api-irsa-read-assets", "aws:iam/rolePolicy:RolePolicy")
    assert json.loads(grant["inputs"]["policy"])["Statement"] == [
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::b/*"]}
    ]


def test_namespaced_objects_wait_for_a_namespace_component(graph: Graph) -> None:
    namespace = graph.named("shop-namespace", "kubernetes:core/v1:Namespace")["urn"]
    for name in ("orders-api-deployment", "orders-api-sa", "orders-api-netpol"):
        assert namespace in graph.named(name)["dependencies"], name
    assert namespace not in graph.named("orders-worker-deployment")["dependencies"]
