"""A kubeconfig for an EKS cluster that holds no credential (pure, no Pulumi runtime).

The user entry runs ``aws eks get-token`` (the ``client.authentication.k8s.io/v1beta1`` exec
credential plugin) every time a token is needed, so the kubeconfig carries no long-lived secret
(SEC-1): tokens are short-lived and minted from whatever AWS credentials the caller has. The
caller's IAM role must hold an EKS access entry on the cluster (see ``Cluster``).

The document is rendered as JSON (a subset of YAML that every kubeconfig reader accepts), with
sorted keys so the same cluster always renders byte-identical text.
"""

from __future__ import annotations

import json
import re
from typing import Any

from infra_kit.errors import ValidationError

__all__ = ["EXEC_API_VERSION", "kubeconfig", "render_kubeconfig"]

#: The exec credential API version ``aws eks get-token`` speaks.
EXEC_API_VERSION = "client.authentication.k8s.io/v1beta1"

_CLUSTER_NAME = re.compile(r"^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$")


def kubeconfig(
    *,
    cluster_name: str,
    endpoint: str,
    certificate_authority_data: str,
    region: str,
    role_arn: str | None = None,
) -> dict[str, Any]:
    """The kubeconfig document of one EKS cluster, as a mapping.

    Args:
        cluster_name: the EKS cluster's name; also the context, cluster and user name.
        endpoint: the API server URL (``https://...``).
        certificate_authority_data: the base64 CA bundle EKS returns.
        region: the cluster's region, passed to ``aws eks get-token --region``.
        role_arn: a role ``aws eks get-token`` assumes first (``--role-arn``). Default: none,
            the caller's own credentials.
    """
    if not _CLUSTER_NAME.match(cluster_name):
        raise ValidationError(
            "cluster_name",
            cluster_name,
            "not an EKS cluster name",
            "use 1 to 100 letters, digits, '-' and '_', starting with a letter or digit",
        )
    if not endpoint.startswith("https://"):
        raise ValidationError(
            "endpoint", endpoint, "the API server is reached over TLS only", "pass an https:// URL"
        )
    args = ["eks", "get-token", "--cluster-name", cluster_name, "--region", region]
    if role_arn:
        args += ["--role-arn", role_arn]
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": cluster_name,
                "cluster": {
                    "server": endpoint,
                    "certificate-authority-data": certificate_authority_data,
                },
            }
        ],
        "contexts": [
            {"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}
        ],
        "current-context": cluster_name,
        "preferences": {},
        "users": [
            {
                "name": cluster_name,
                "user": {
                    "exec": {
                        "apiVersion": EXEC_API_VERSION,
                        "command": "aws",
                        "args": args,
                        "interactiveMode": "Never",
                        "provideClusterInfo": False,
                    }
                },
            }
        ],
    }


def render_kubeconfig(
    *,
    cluster_name: str,
    endpoint: str,
    certificate_authority_data: str,
    region: str,
    role_arn: str | None = None,
) -> str:
    """:func:`kubeconfig` as deterministic JSON text."""
    return json.dumps(
        kubeconfig(
            cluster_name=cluster_name,
            endpoint=endpoint,
            certificate_authority_data=certificate_authority_data,
            region=region,
            role_arn=role_arn,
        ),
        indent=2,
        sort_keys=True,
    )
