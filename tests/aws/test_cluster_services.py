"""The ClusterServices component in dev and prod graphs: the default storage class and the
controllers' Helm releases, on a cluster another stack created (SCALE-1, SEC-3, TAG-1, DR-1)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest

from infra_kit.aws._kubeconfig import render_kubeconfig
from infra_kit.aws.cluster_services import ClusterServices, ClusterServicesArgs
from infra_kit.aws.irsa import OidcIdentity
from infra_kit.core.engine import Graph
from infra_kit.core.environment import Environment
from infra_kit.testing import run_offline
from tests.aws.cluster_fixtures import (
    ACCOUNT,
    ENVIRONMENTS,
    K8S_PROVIDER,
    RELEASE,
    STORAGE_CLASS,
    inputs,
)
from tests.support import failing

SERVICES_TYPE = "infra-kit:aws:ClusterServices"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
IRSA = "infra-kit:aws:IrsaRole"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/0a1b2c3d-0000-4000-8000-000000000001"
CA_ROLE = f"arn:aws:iam::{ACCOUNT}:role/core-ca-role-7f3847b"
LBC_ROLE = f"arn:aws:iam::{ACCOUNT}:role/core-lbc-role-1ab9119"
ISSUER = "https://oidc.eks.us-east-1.amazonaws.com/id/0F28BDB268F3D6F83ECFA6C4BAB539D9"
OIDC_PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{ISSUER.removeprefix('https://')}"
ZONE_ID = "Z0123456789ABCDEFGHIJ"


def _cluster_name(environment: str) -> str:
    return f"test-{environment}-core"


def zone_name(environment: str) -> str:
    return f"{environment}.example.com"


def synth(environment: str, **args: Any) -> Graph:
    """Run one ClusterServices offline in ``environment``, on plain values standing in for the
    outputs of the stack that created the cluster."""
    name = _cluster_name(environment)

    def build(env: Environment) -> None:
        kubeconfig = render_kubeconfig(
            cluster_name=name,
            endpoint="https://0F28BDB268F3D6F83ECFA6C4BAB539D9.gr7.us-east-1.eks.amazonaws.com",
            certificate_authority_data="Y2VydGlmaWNhdGU=",
            region=env.region,
        )
        ClusterServices(
            "core",
            ClusterServicesArgs(
                kubeconfig=kubeconfig,
                cluster_name=name,
                vpc_id="vpc-0123456789",
                key_arn=KEY_ARN,
                autoscaler_role_arn=CA_ROLE,
                load_balancer_controller_role_arn=LBC_ROLE,
                oidc=OidcIdentity(provider_arn=OIDC_PROVIDER, issuer_url=ISSUER),
                dns_zone_id=ZONE_ID,
                dns_zone_name=zone_name(env.profile.name),
                **args,
            ),
            env,
        )

    return run_offline(build, environment=environment)


@cache
def graph(environment: str) -> Graph:
    return synth(environment)


def tags_of(environment: str) -> dict[str, str]:
    g = graph(environment)
    (aws_provider,) = g.of_type("pulumi:providers:aws")
    return g.provider_default_tags(aws_provider["urn"])


# -- shape -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_services_are_one_component_owning_every_kubernetes_resource(environment: str) -> None:
    g = graph(environment)
    (component,) = g.of_type(SERVICES_TYPE)
    assert {(r["type"], r["name"]) for r in g.children(component["urn"])} == {
        (K8S_PROVIDER, "core-k8s"),
        (STORAGE_CLASS, "core-gp3"),
        (RELEASE, "core-autoscaler"),
        (RELEASE, "core-lb-controller"),
        (RELEASE, "core-cert-manager"),
        (RELEASE, "core-external-dns"),
        (RELEASE, "core-rollouts"),
        (PDB, "core-external-dns-pdb"),
        (IRSA, "core-external-dns-role"),
        (IRSA, "core-rollouts-role"),
    }
    # Of AWS, only the roles of the controllers installed here: the cluster, its network and
    # the roles of the autoscaler and load balancer controller are another stack's.
    assert sorted(r["type"] for r in g if r["custom"] and r["type"].startswith("aws:")) == [
        "aws:iam/role:Role",
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/rolePolicy:RolePolicy",
    ]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_kubernetes_resources_use_the_clusters_provider(environment: str) -> None:
    g = graph(environment)
    provider = g.named("core-k8s", K8S_PROVIDER)
    kubernetes = [r for r in g if r["custom"] and r["type"].startswith("kubernetes:")]
    assert {r["type"] for r in kubernetes} == {RELEASE, STORAGE_CLASS, PDB}
    for resource in kubernetes:
        assert resource["provider"] == provider["urn"]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_kubeconfig_is_kept_secret_even_when_given_in_clear(environment: str) -> None:
    g = graph(environment)
    provider = g.named("core-k8s", K8S_PROVIDER)
    assert "kubeconfig" in provider["secret_paths"]
    assert provider["inputs"]["enableServerSideApply"] == "true"
    contract = json.loads(g.to_json())
    (redacted,) = [r for r in contract["resources"] if r["urn"] == provider["urn"]]
    assert redacted["inputs"]["kubeconfig"] == "[secret]"
    (user,) = json.loads(provider["inputs"]["kubeconfig"])["users"]
    assert user["user"]["exec"]["args"][:4] == [
        "eks",
        "get-token",
        "--cluster-name",
        _cluster_name(environment),
    ]


# -- controllers (SCALE-1, SEC-1, SEC-3) -----------------------------------------------------------
@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_autoscaler_chart_discovers_this_cluster_with_its_irsa_role(environment: str) -> None:
    release_inputs = inputs(graph(environment), "core-autoscaler", RELEASE)
    assert release_inputs["chart"] == "cluster-autoscaler"
    assert release_inputs["version"] == "9.53.0"
    assert release_inputs["namespace"] == "kube-system"
    assert release_inputs["repositoryOpts"] == {"repo": "https://kubernetes.github.io/autoscaler"}
    values = release_inputs["values"]
    assert values["autoDiscovery"] == {"clusterName": _cluster_name(environment)}
    assert values["awsRegion"] == "us-east-1"
    assert values["image"]["tag"] == "v1.34.2"
    account = values["rbac"]["serviceAccount"]
    assert account["create"] is True
    assert account["name"] == "cluster-autoscaler"
    assert account["annotations"]["eks.amazonaws.com/role-arn"] == CA_ROLE
    assert values["extraArgs"] == {
        "balance-similar-node-groups": True,
        "skip-nodes-with-system-pods": False,
        "expander": "least-waste",
    }


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_load_balancer_controller_chart_knows_the_cluster_and_its_irsa_role(
    environment: str,
) -> None:
    release_inputs = inputs(graph(environment), "core-lb-controller", RELEASE)
    assert release_inputs["chart"] == "aws-load-balancer-controller"
    assert release_inputs["repositoryOpts"] == {"repo": "https://aws.github.io/eks-charts"}
    assert release_inputs["version"] == "1.14.0"
    values = release_inputs["values"]
    assert values["clusterName"] == _cluster_name(environment)
    assert values["region"] == "us-east-1"
    assert values["vpcId"] == "vpc-0123456789"
    assert values["defaultTags"] == tags_of(environment)
    # The IAM policy changes listeners and rules only when they carry the cluster's tag.
    assert values["controllerConfig"] == {"featureGates": {"ListenerRulesTagging": True}}
    account = values["serviceAccount"]
    assert (account["create"], account["name"]) == (True, "aws-load-balancer-controller")
    assert account["annotations"]["eks.amazonaws.com/role-arn"] == LBC_ROLE


def test_a_kubernetes_version_override_pins_that_versions_autoscaler() -> None:
    autoscaler = inputs(synth("dev", kubernetes_version="1.33"), "core-autoscaler", RELEASE)
    assert autoscaler["version"] == "9.51.0"
    assert autoscaler["values"]["image"]["tag"].startswith("v1.33.")


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_cert_manager_is_a_pinned_atomic_release_with_its_crds_and_sized_parts(
    environment: str,
) -> None:
    release_inputs = inputs(graph(environment), "core-cert-manager", RELEASE)
    assert {k: release_inputs[k] for k in ("chart", "version", "namespace", "atomic")} == {
        "chart": "cert-manager",
        "version": "v1.21.1",
        "namespace": "kube-system",
        "atomic": True,
    }
    assert release_inputs["repositoryOpts"] == {"repo": "https://charts.jetstack.io"}
    values = release_inputs["values"]
    assert values["crds"] == {"enabled": True, "keep": True}
    assert "installCRDs" not in values  # deprecated in favour of crds.enabled
    for part in (values, values["webhook"], values["cainjector"]):
        assert part["replicaCount"] == 2
        assert part["podDisruptionBudget"] == {"enabled": True, "maxUnavailable": 1}
    for part in (values, values["webhook"], values["cainjector"], values["startupapicheck"]):
        resources = part["resources"]
        assert set(resources["requests"]) == set(resources["limits"]) == {"cpu", "memory"}
    # No digest of cert-manager v1.21.1 is known: by tag, pulled Always, in every environment.
    for part in ("webhook", "cainjector", "startupapicheck", "acmesolver"):
        assert values[part]["image"] == {"tag": "v1.21.1", "pullPolicy": "Always"}
    assert values["image"] == {"tag": "v1.21.1", "pullPolicy": "Always"}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_cert_manager_accepts_only_the_digest_gap_and_only_where_digests_are_required(
    environment: str,
) -> None:
    g = graph(environment)
    release = g.named("core-cert-manager", RELEASE)
    accepted = sorted(r["name"] for r in g.descendants(release["urn"]))
    assert accepted == (
        ["core-cert-manager-ik-sec-4-image-digest"] if environment == "prod" else []
    )
    assert [
        f for f in failing(g, "IK-K8S-1-RESOURCES", "IK-SEC-4-IMAGE-DIGEST") if "cert-manager" in f
    ] == []


# -- storage (SEC-3, TAG-1, DR-1) ------------------------------------------------------------------
@pytest.mark.parametrize(("environment", "reclaim"), [("dev", "Delete"), ("prod", "Retain")])
def test_the_default_storage_class_is_encrypted_tagged_gp3(environment: str, reclaim: str) -> None:
    (storage,) = [o for o in graph(environment).kubernetes_objects() if o["kind"] == "StorageClass"]
    assert storage["metadata"]["name"] == "gp3"
    assert storage["metadata"]["annotations"] == {
        "storageclass.kubernetes.io/is-default-class": "true"
    }
    assert storage["provisioner"] == "ebs.csi.aws.com"
    assert storage["reclaimPolicy"] == reclaim
    assert storage["volumeBindingMode"] == "WaitForFirstConsumer"
    assert storage["allowVolumeExpansion"] is True
    parameters = storage["parameters"]
    assert (parameters["type"], parameters["encrypted"]) == ("gp3", "true")
    assert parameters["kmsKeyId"] == KEY_ARN
    specs = {v for k, v in parameters.items() if k.startswith("tagSpecification_")}
    # TAG-1's tags, and DR-1's tag that puts every volume in the environment's AWS Backup plan.
    tags = {**tags_of(environment), "infra-kit:backup": environment}
    assert specs == {f"{k}={v}" for k, v in tags.items()}
