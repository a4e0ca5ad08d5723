"""TLS between the collectors: the cert-manager objects and the files each collector reads (SEC-3).

Pure logic: no Pulumi runtime; :mod:`infra_kit.k8s.collector` creates the resources.

cert-manager (installed by :class:`~infra_kit.aws.ClusterServices`) issues a chain that lives in the
cluster only:

1. ``ClusterIssuer`` ``observability-selfsigned`` signs one thing, the CA below;
2. ``Certificate`` ``otel-ca`` (a CA, Secret ``otel-ca``, in ``observability``): five years,
   renewed one year before expiry with the same key (``rotationPolicy: Never``), so a gateway
   certificate stays verifiable under the renewed CA, whose subject and key do not change;
3. ``Issuer`` ``otel-ca`` in ``observability`` signs with that CA;
4. ``Certificate`` ``otel-gateway-tls`` for every DNS name of the gateway Service, 90 days,
   renewed 30 days before expiry with a new key. Its Secret holds ``tls.crt``, ``tls.key`` and
   ``ca.crt``.

The gateway mounts ``tls.crt`` and ``tls.key`` and reloads them hourly, so a renewal needs no
restart. The agent mounts ``ca.crt`` only and verifies the gateway's name against it. Both mount
the Secret read-only, with files readable by the pod's group only.

Issuers and certificates carry ``pulumi.com/waitFor: condition=Ready``, so that a deployment
waits for cert-manager to have issued them before it creates the pods that mount their Secret.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from infra_kit.k8s._collector_config import (
    CA_FILE,
    CERT_FILE,
    COLLECTOR_NAMESPACE,
    GATEWAY_NAME,
    GATEWAY_TLS_SECRET,
    KEY_FILE,
    TLS_DIR,
)

__all__ = [
    "CA_NAME",
    "CERT_MANAGER_API",
    "SELF_SIGNED_ISSUER",
    "WAIT_FOR_READY",
    "CertManagerObject",
    "certificate_chain",
    "gateway_dns_names",
    "tls_files",
]

CERT_MANAGER_API = "cert-manager.io/v1"
SELF_SIGNED_ISSUER = f"{COLLECTOR_NAMESPACE}-selfsigned"
CA_NAME = "otel-ca"
#: Makes the Kubernetes provider wait until cert-manager reports the object Ready.
WAIT_FOR_READY = {"pulumi.com/waitFor": "condition=Ready"}
_KEY = {"algorithm": "ECDSA", "size": 256}
_CA_DURATION, _CA_RENEW_BEFORE = "43800h", "8760h"  # five years; renewed a year before
_LEAF_DURATION, _LEAF_RENEW_BEFORE = "2160h", "720h"  # 90 days; renewed 30 days before


@dataclass(frozen=True)
class CertManagerObject:
    """One cert-manager object: the child-name suffix, its kind, name, namespace and spec."""

    suffix: str
    kind: str
    name: str
    namespace: str | None
    spec: dict[str, Any]


def gateway_dns_names(
    service: str = GATEWAY_NAME, namespace: str = COLLECTOR_NAMESPACE
) -> list[str]:
    """Every name a client in the cluster may use for ``service``: short, namespaced, ``svc`` and
    fully qualified."""
    return [
        service,
        f"{service}.{namespace}",
        f"{service}.{namespace}.svc",
        f"{service}.{namespace}.svc.cluster.local",
    ]


def _issuer_ref(name: str, kind: str) -> dict[str, str]:
    return {"name": name, "kind": kind, "group": "cert-manager.io"}


def certificate_chain() -> list[CertManagerObject]:
    """The self-signed issuer, the CA, the CA issuer and the gateway's certificate, in the order
    they must exist."""
    ns = COLLECTOR_NAMESPACE
    return [
        CertManagerObject(
            "selfsigned-issuer", "ClusterIssuer", SELF_SIGNED_ISSUER, None, {"selfSigned": {}}
        ),
        CertManagerObject(
            "ca",
            "Certificate",
            CA_NAME,
            ns,
            {
                "isCA": True,
                "commonName": f"{ns} collectors CA",
                "secretName": CA_NAME,
                "duration": _CA_DURATION,
                "renewBefore": _CA_RENEW_BEFORE,
                "privateKey": {**_KEY, "rotationPolicy": "Never"},
                "issuerRef": _issuer_ref(SELF_SIGNED_ISSUER, "ClusterIssuer"),
            },
        ),
        CertManagerObject("ca-issuer", "Issuer", CA_NAME, ns, {"ca": {"secretName": CA_NAME}}),
        CertManagerObject(
            "gateway-certificate",
            "Certificate",
            GATEWAY_TLS_SECRET,
            ns,
            {
                "secretName": GATEWAY_TLS_SECRET,
                "dnsNames": gateway_dns_names(),
                "duration": _LEAF_DURATION,
                "renewBefore": _LEAF_RENEW_BEFORE,
                "privateKey": {**_KEY, "rotationPolicy": "Always"},
                "usages": ["server auth", "digital signature"],
                "issuerRef": _issuer_ref(CA_NAME, "Issuer"),
            },
        ),
    ]


def tls_files(*, server: bool) -> Sequence[str]:
    """The keys of the gateway's Secret a collector mounts under ``TLS_DIR``: the gateway its
    certificate and key, the agent the CA only."""
    names = (CERT_FILE, KEY_FILE) if server else (CA_FILE,)
    return tuple(path.removeprefix(f"{TLS_DIR}/") for path in names)
