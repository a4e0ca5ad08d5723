"""Builders shared by the EKS cluster tests: a key, subnets and an offline run of one Cluster."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from infra_kit.aws.cluster import Cluster, ClusterArgs
from infra_kit.aws.key import Key, KeyArgs
from infra_kit.core.engine import Graph
from infra_kit.core.environment import Environment
from infra_kit.testing import run_offline

ACCOUNT = "123456789012"
ADMIN = f"arn:aws:iam::{ACCOUNT}:role/platform-admin"
OPERATOR = f"arn:aws:iam::{ACCOUNT}:role/operators"
SUBNETS = {"dev": ("subnet-a", "subnet-b"), "prod": ("subnet-a", "subnet-b", "subnet-c")}
ENVIRONMENTS = ("dev", "prod")
CLUSTER = "core"
VPC_CIDR = "10.0.0.0/16"
CLUSTER_TYPE = "infra-kit:aws:Cluster"


def make_key(
    env: Environment, *, via: Sequence[str] = ("eks", "ec2"), log_group_access: bool = True
) -> Key:
    return Key(
        "platform",
        KeyArgs(description="platform", via_services=tuple(via), log_group_access=log_group_access),
        env,
    )


def cluster_overrides(environment: str, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Profile overrides with an admin role (required) merged with ``extra``."""
    extra = dict(extra or {})
    cluster = {"admin_role_arns": [ADMIN], **dict(extra.pop("cluster", {}))}
    return {"cluster": cluster, **extra}


def synth(
    environment: str,
    *,
    overrides: Mapping[str, Any] | None = None,
    subnets: Sequence[str] | None = None,
    via: Sequence[str] = ("eks", "ec2"),
    log_group_access: bool = True,
    name: str = CLUSTER,
    **cluster_args: Any,
) -> Graph:
    """Run one Cluster offline in ``environment`` and return the graph."""

    def build(env: Environment) -> None:
        key = make_key(env, via=via, log_group_access=log_group_access)
        Cluster(
            name,
            ClusterArgs(
                vpc_id="vpc-0123456789",
                vpc_cidr=VPC_CIDR,
                private_subnet_ids=list(subnets if subnets is not None else SUBNETS[environment]),
                key=key,
                **cluster_args,
            ),
            env,
        )

    return run_offline(
        build, environment=environment, overrides=cluster_overrides(environment, overrides)
    )


def inputs(graph: Graph, name: str, type_: str) -> dict[str, Any]:
    return graph.named(name, type_)["inputs"]


def document(raw: Any) -> dict[str, Any]:
    return json.loads(raw) if isinstance(raw, str) else raw


def role_policies(graph: Graph, role_name: str) -> list[dict[str, Any]]:
    """Every statement of the inline policies of the IRSA role ``role_name``."""
    role = graph.named(role_name, "aws:iam/role:Role")
    found = []
    for r in graph.of_type("aws:iam/rolePolicy:RolePolicy"):
        if r["parent"] == role["parent"]:
            found.extend(document(r["inputs"]["policy"])["Statement"])
    return found


def key_arn(graph: Graph) -> str:
    key = graph.named("platform", "aws:kms/key:Key")
    return next(
        r["inputs"]["encryptionConfig"]["provider"]["keyArn"]
        for r in graph.of_type("aws:eks/cluster:Cluster")
        if key["urn"] in r["dependencies"]
    )


EKS = "aws:eks/cluster:Cluster"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
ADDON = "aws:eks/addon:Addon"
ROLE = "aws:iam/role:Role"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
RELEASE = "kubernetes:helm.sh/v3:Release"
STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass"
K8S_PROVIDER = "pulumi:providers:kubernetes"
MANAGED = "arn:aws:iam::aws:policy/"


@cache
def graph(environment: str) -> Graph:
    return synth(environment)


def eks(environment: str) -> dict[str, Any]:
    return inputs(graph(environment), "core-eks", EKS)


def tags_of(environment: str) -> dict[str, str]:
    g = graph(environment)
    return g.provider_default_tags(g.named("core-eks", EKS)["provider"])
