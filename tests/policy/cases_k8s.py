"""Bad and good graphs for each Kubernetes rule (SEC-4, K8S-1, K8S-3, SCALE-1/2, HA-1, NET-5,
ENV-3 manifests); see tests/policy/cases.py.

:func:`app` builds a namespace that passes every rule: a restricted, sized, probed, zone-spread
Deployment owned by an HPA with 10x headroom, one PDB, a Service and a default-deny policy. Each
bad graph changes one thing in it.
"""

from __future__ import annotations

import copy
from typing import Any

import yaml

from infra_kit.policy import GraphDoc
from tests.policy.cases import Case
from tests.policy.graphs import doc, k8s, resource

NAMESPACE = "apps"
LABELS = {"app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "web"}
DIGEST = "@sha256:" + "ab" * 32
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"


def container(name: str = "app", **fields: Any) -> dict[str, Any]:
    """A container that passes every rule; ``fields`` replace its top-level fields."""
    spec: dict[str, Any] = {
        "name": name,
        "image": f"registry.example/{name}:1.0{DIGEST}",
        "ports": [{"name": "http", "containerPort": 8080}],
        "resources": {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"cpu": "500m", "memory": "256Mi"},
        },
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "startupProbe": {"httpGet": {"path": "/livez", "port": 8080}, "failureThreshold": 30},
        "readinessProbe": {"httpGet": {"path": "/readyz", "port": 8080}, "periodSeconds": 5},
        "livenessProbe": {"httpGet": {"path": "/livez", "port": 8080}, "failureThreshold": 6},
    }
    spec.update(fields)
    return spec


ZONE_SPREAD = {
    "maxSkew": 1,
    "topologyKey": "topology.kubernetes.io/zone",
    "whenUnsatisfiable": "DoNotSchedule",
    "labelSelector": {"matchLabels": dict(LABELS)},
}


def pod_spec(**fields: Any) -> dict[str, Any]:
    """A restricted pod spec with one :func:`container`; ``fields`` replace its fields."""
    spec: dict[str, Any] = {
        "automountServiceAccountToken": False,
        "serviceAccountName": "web",
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [container()],
        "topologySpreadConstraints": [copy.deepcopy(ZONE_SPREAD)],
        "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}],
    }
    spec.update(fields)
    return spec


def deployment(
    name: str = "web",
    *,
    replicas: int | None = None,
    pod: dict[str, Any] | None = None,
    **meta: Any,
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "selector": {"matchLabels": dict(LABELS)},
        "template": {"metadata": {"labels": dict(LABELS)}, "spec": pod or pod_spec()},
    }
    if replicas is not None:
        spec["replicas"] = replicas
    return k8s("Deployment", name, spec, namespace=NAMESPACE, metadata=meta or None)


def hpa(
    name: str = "web", *, low: int = 3, high: int = 30, annotations: dict[str, str] | None = None
) -> dict[str, Any]:
    spec = {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
        "minReplicas": low,
        "maxReplicas": high,
        "metrics": [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": 70},
                },
            }
        ],
    }
    meta = {"annotations": annotations} if annotations else None
    return k8s("HorizontalPodAutoscaler", name, spec, namespace=NAMESPACE, metadata=meta)


def pdb(name: str = "web", **budget: Any) -> dict[str, Any]:
    spec = {"selector": {"matchLabels": dict(LABELS)}, **(budget or {"maxUnavailable": 1})}
    return k8s("PodDisruptionBudget", name, spec, namespace=NAMESPACE)


def service(name: str = "web") -> dict[str, Any]:
    spec = {"selector": dict(LABELS), "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}
    return k8s("Service", name, spec, namespace=NAMESPACE)


def namespace(name: str = NAMESPACE) -> dict[str, Any]:
    return k8s("Namespace", name, namespace=None)


def default_deny(ns: str = NAMESPACE, types: tuple[str, ...] = ("Ingress", "Egress")) -> dict:
    spec = {"podSelector": {}, "policyTypes": list(types)}
    policy = k8s("NetworkPolicy", f"{ns}-default-deny", spec, namespace=ns)
    policy["inputs"]["metadata"]["name"] = "default-deny"
    return policy


def helm_release(name: str, values: Any) -> dict[str, Any]:
    inputs = {"chart": name, "namespace": "kube-system", "values": values, "version": "1.0.0"}
    return resource(HELM_RELEASE, name, inputs, provider=None)


def app(**replace: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The passing namespace; ``replace`` swaps (or, with ``None``, drops) one of its parts:
    namespace, deny, deployment, hpa, pdb, service."""
    parts: dict[str, dict[str, Any] | None] = {
        "namespace": namespace(),
        "deny": default_deny(),
        "deployment": deployment(),
        "hpa": hpa(),
        "pdb": pdb(),
        "service": service(),
    }
    parts.update(replace)
    return [p for p in parts.values() if p is not None]


def graph(*records: dict[str, Any], stack: str = "prod") -> GraphDoc:
    return doc(*records, stack=stack)


# -- the bad parts -----------------------------------------------------------------------------
PRIVILEGED = deployment(
    pod=pod_spec(
        hostNetwork=True,
        containers=[container(securityContext={"privileged": True, "runAsNonRoot": True})],
    )
)
TAGGED = deployment(pod=pod_spec(containers=[container(image="registry.example/app:1.0")]))
TOKEN_UNSET = deployment(
    pod={k: v for k, v in pod_spec().items() if k != "automountServiceAccountToken"}
)
NO_CPU_LIMIT = deployment(
    pod=pod_spec(
        containers=[container(resources={"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {}})]
    )
)
NO_STARTUP = deployment(
    pod=pod_spec(
        containers=[{k: v for k, v in container().items() if k != "startupProbe"}],
    )
)
FIXED_THREE = deployment(replicas=3)
OWNED_WITH_REPLICAS = deployment(replicas=3)
NO_SPREAD = deployment(pod=pod_spec(topologySpreadConstraints=None))
TIGHT_HPA = hpa(low=3, high=10)
REASONED_HPA = hpa(
    low=3, high=10, annotations={"infra-kit.io/scale-limit-reason": "licence caps us at ten"}
)
BARE_NAMESPACE = namespace("batch")
MISSPELT = k8s(
    "Service", "web", {"selectr": dict(LABELS), "ports": [{"port": 80}]}, namespace=NAMESPACE
)
CERTIFICATE_SPEC = {
    "secretName": "web-tls",
    "dnsNames": ["web", "web.apps", "web.apps.svc", "web.apps.svc.cluster.local"],
    "issuerRef": {"name": "apps-ca", "kind": "Issuer", "group": "cert-manager.io"},
    "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
}
CERTIFICATE = k8s("Certificate", "web-tls", CERTIFICATE_SPEC, api_version="cert-manager.io/v1")
#: ``dnsName`` for ``dnsNames``: the API server would prune it and issue a certificate for no name.
MISSPELT_CERTIFICATE = k8s(
    "Certificate",
    "web-tls",
    {**{k: v for k, v in CERTIFICATE_SPEC.items() if k != "dnsNames"}, "dnsName": ["web"]},
    api_version="cert-manager.io/v1",
)


def collector_config(exporter_tls: dict[str, Any]) -> dict[str, Any]:
    """A ConfigMap holding a collector configuration whose OTLP exporter has ``exporter_tls``."""
    config = {
        "receivers": {"otlp": {"protocols": {"grpc": {"endpoint": "${env:MY_POD_IP}:4317"}}}},
        "exporters": {
            "otlp_grpc": {"endpoint": "otel-gateway.observability:4317", "tls": exporter_tls}
        },
        "service": {"pipelines": {"traces": {"receivers": ["otlp"], "exporters": ["otlp_grpc"]}}},
    }
    data = {"collector.yaml": yaml.safe_dump(config)}
    return k8s("ConfigMap", "otel-agent-config", namespace="observability", data=data)


PLAINTEXT_COLLECTOR = collector_config({"insecure": True})
TLS_COLLECTOR = collector_config({"ca_file": "/tls/ca.crt", "min_version": "1.3"})
AUTOSCALER = helm_release("cluster-autoscaler", {"image": {"tag": "v1.34.2"}, "replicaCount": 2})

CASES: list[Case] = [
    Case(
        "IK-SEC-4-RESTRICTED",
        bad=lambda: graph(*app(deployment=PRIVILEGED)),
        offending=(PRIVILEGED["urn"],),
        good=lambda: graph(*app()),
        label="privileged-host-network",
    ),
    Case(
        "IK-SEC-4-IMAGE-DIGEST",
        bad=lambda: graph(*app(deployment=TAGGED)),
        offending=(TAGGED["urn"],),
        good=lambda: graph(*app()),
        label="tag-only-in-prod",
    ),
    Case(
        "IK-SEC-4-IMAGE-DIGEST",
        bad=lambda: graph(AUTOSCALER),
        offending=(AUTOSCALER["urn"],),
        good=lambda: graph(
            helm_release("cluster-autoscaler", {"image": {"tag": "v1.34.2", "digest": DIGEST[1:]}})
        ),
        label="helm-image-tag-only",
    ),
    Case(
        "IK-SEC-4-SERVICE-ACCOUNT-TOKEN",
        bad=lambda: graph(*app(deployment=TOKEN_UNSET)),
        offending=(TOKEN_UNSET["urn"],),
        good=lambda: graph(*app()),
    ),
    Case(
        "IK-K8S-1-RESOURCES",
        bad=lambda: graph(*app(deployment=NO_CPU_LIMIT)),
        offending=(NO_CPU_LIMIT["urn"],),
        good=lambda: graph(*app()),
        label="no-cpu-limit",
    ),
    Case(
        "IK-K8S-1-RESOURCES",
        bad=lambda: graph(AUTOSCALER),
        offending=(AUTOSCALER["urn"],),
        good=lambda: graph(
            helm_release(
                "cluster-autoscaler",
                {
                    "resources": {
                        "requests": {"cpu": "100m", "memory": "300Mi"},
                        "limits": {"cpu": "1", "memory": "600Mi"},
                    }
                },
            )
        ),
        label="helm-release-without-resources",
    ),
    Case(
        "IK-K8S-1-PROBES",
        bad=lambda: graph(*app(deployment=NO_STARTUP)),
        offending=(NO_STARTUP["urn"],),
        good=lambda: graph(*app()),
    ),
    Case(
        "IK-K8S-3-PDB",
        bad=lambda: graph(*app(deployment=FIXED_THREE, hpa=None, pdb=None)),
        offending=(FIXED_THREE["urn"],),
        good=lambda: graph(*app(deployment=FIXED_THREE, hpa=None)),
    ),
    Case(
        "IK-K8S-3-HPA",
        bad=lambda: graph(*app(deployment=FIXED_THREE, hpa=None)),
        offending=(FIXED_THREE["urn"],),
        good=lambda: graph(*app()),
    ),
    Case(
        "IK-SCALE-1-HPA-OWNS-REPLICAS",
        bad=lambda: graph(*app(deployment=OWNED_WITH_REPLICAS)),
        offending=(OWNED_WITH_REPLICAS["urn"],),
        good=lambda: graph(*app()),
    ),
    Case(
        "IK-SCALE-2-HEADROOM",
        bad=lambda: graph(*app(hpa=TIGHT_HPA)),
        offending=(TIGHT_HPA["urn"],),
        good=lambda: graph(*app(hpa=REASONED_HPA)),
    ),
    Case(
        "IK-HA-1-ZONE-SPREAD",
        bad=lambda: graph(*app(deployment=NO_SPREAD)),
        offending=(NO_SPREAD["urn"],),
        good=lambda: graph(*app()),
    ),
    Case(
        "IK-NET-5-DEFAULT-DENY",
        bad=lambda: graph(*app(), BARE_NAMESPACE),
        offending=(BARE_NAMESPACE["urn"],),
        good=lambda: graph(*app(), BARE_NAMESPACE, default_deny("batch")),
    ),
    Case(
        "IK-ENV-3-MANIFEST-SCHEMA",
        bad=lambda: graph(*app(service=MISSPELT)),
        offending=(MISSPELT["urn"],),
        good=lambda: graph(*app()),
        label="misspelt-field",
    ),
    Case(
        "IK-ENV-3-MANIFEST-SCHEMA",
        bad=lambda: graph(*app(), MISSPELT_CERTIFICATE),
        offending=(MISSPELT_CERTIFICATE["urn"],),
        good=lambda: graph(*app(), CERTIFICATE),
        label="misspelt-custom-resource-field",
    ),
    Case(
        "IK-SEC-3-COLLECTOR-PLAINTEXT",
        bad=lambda: graph(*app(), PLAINTEXT_COLLECTOR),
        offending=(PLAINTEXT_COLLECTOR["urn"],),
        good=lambda: graph(*app(), TLS_COLLECTOR),
    ),
]
