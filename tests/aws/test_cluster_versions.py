"""Pinned add-on and chart versions, AMI choice, and the credential-free kubeconfig (pure)."""

from __future__ import annotations

import json
import re

import pytest

from infra_kit.aws._cluster_versions import (
    ADDON_COREDNS,
    ADDON_EBS_CSI,
    ADDON_KUBE_PROXY,
    ADDON_METRICS_SERVER,
    ADDON_POD_IDENTITY,
    ADDON_VPC_CNI,
    PINNED,
    ami_type_for,
    versions_for,
)
from infra_kit.aws._kubeconfig import EXEC_API_VERSION, kubeconfig, render_kubeconfig
from infra_kit.core.profile import BUILTIN_PROFILES, SUPPORTED_KUBERNETES_VERSIONS
from infra_kit.errors import ValidationError

ADDONS = {
    ADDON_VPC_CNI,
    ADDON_COREDNS,
    ADDON_KUBE_PROXY,
    ADDON_EBS_CSI,
    ADDON_METRICS_SERVER,
    ADDON_POD_IDENTITY,
}
EKSBUILD = re.compile(r"^v\d+\.\d+\.\d+-eksbuild\.\d+$")


def test_every_supported_kubernetes_version_is_pinned_and_nothing_else() -> None:
    # IAC-2: every version comes from the reviewed table, none is resolved at deploy time.
    assert set(PINNED) == set(SUPPORTED_KUBERNETES_VERSIONS)


def test_the_profiles_default_version_is_pinned() -> None:
    for profile in BUILTIN_PROFILES.values():
        assert versions_for(profile["cluster"]["kubernetes_version"]).kubernetes_version == "1.34"


@pytest.mark.parametrize("version", SUPPORTED_KUBERNETES_VERSIONS)
def test_every_add_on_has_an_exact_eks_build_version(version: str) -> None:
    pinned = versions_for(version)
    assert set(pinned.addons) == ADDONS
    for addon, addon_version in pinned.addons.items():
        assert EKSBUILD.match(addon_version), (addon, addon_version)


@pytest.mark.parametrize("version", SUPPORTED_KUBERNETES_VERSIONS)
def test_kube_proxy_and_the_autoscaler_follow_the_kubernetes_minor(version: str) -> None:
    pinned = versions_for(version)
    assert pinned.addons[ADDON_KUBE_PROXY].startswith(f"v{version}.")
    assert pinned.cluster_autoscaler_image_tag.startswith(f"v{version}.")
    assert re.match(r"^\d+\.\d+\.\d+$", pinned.cluster_autoscaler_chart)
    assert re.match(r"^\d+\.\d+\.\d+$", pinned.load_balancer_controller_chart)
    # cert-manager charts are versioned by release tag, "v" included.
    assert re.match(r"^v\d+\.\d+\.\d+$", pinned.cert_manager_chart)


def test_the_vpc_cni_is_recent_enough_to_enforce_network_policies() -> None:
    for pinned in PINNED.values():
        major, minor = (int(x) for x in pinned.addons[ADDON_VPC_CNI][1:].split(".")[:2])
        assert (major, minor) >= (1, 14)


@pytest.mark.parametrize("version", ["1.31", "1.35", "latest", ""])
def test_an_unpinned_version_is_refused(version: str) -> None:
    with pytest.raises(ValidationError, match=r"kubernetes_version=.*use one of 1.32, 1.33, 1.34"):
        versions_for(version)


@pytest.mark.parametrize(
    ("types", "ami"),
    [
        (("m6i.large", "m5.large"), "AL2023_x86_64_STANDARD"),
        (("t3.large",), "AL2023_x86_64_STANDARD"),
        (("g4dn.xlarge",), "AL2023_x86_64_STANDARD"),
        (("m7g.large", "c6gn.large", "t4g.medium"), "AL2023_ARM_64_STANDARD"),
    ],
)
def test_the_ami_type_follows_the_instance_architecture(types: tuple[str, ...], ami: str) -> None:
    assert ami_type_for(types) == ami


def test_mixed_architectures_are_refused() -> None:
    with pytest.raises(ValidationError, match=r"mixes arm64 \(Graviton\) and x86_64"):
        ami_type_for(["m7g.large", "m6i.large"])


def config(
    *,
    cluster_name: str = "shop-prod-core",
    endpoint: str = "https://ABC.gr7.eu-west-1.eks.amazonaws.com",
    role_arn: str | None = None,
) -> dict:
    return kubeconfig(
        cluster_name=cluster_name,
        endpoint=endpoint,
        certificate_authority_data="Q0E=",
        region="eu-west-1",
        role_arn=role_arn,
    )


def test_the_kubeconfig_holds_no_credential_and_runs_aws_eks_get_token() -> None:
    doc = config()
    (user,) = doc["users"]
    assert set(user["user"]) == {"exec"}
    assert user["user"]["exec"] == {
        "apiVersion": EXEC_API_VERSION,
        "command": "aws",
        "args": ["eks", "get-token", "--cluster-name", "shop-prod-core", "--region", "eu-west-1"],
        "interactiveMode": "Never",
        "provideClusterInfo": False,
    }
    assert EXEC_API_VERSION == "client.authentication.k8s.io/v1beta1"
    (cluster,) = doc["clusters"]
    assert cluster["cluster"] == {
        "server": "https://ABC.gr7.eu-west-1.eks.amazonaws.com",
        "certificate-authority-data": "Q0E=",
    }
    assert doc["current-context"] == "shop-prod-core"


def test_the_kubeconfig_may_assume_a_role_first() -> None:
    args = config(role_arn="arn:aws:iam::111122223333:role/admin")["users"][0]["user"]["exec"][
        "args"
    ]
    assert args[-2:] == ["--role-arn", "arn:aws:iam::111122223333:role/admin"]


def test_the_rendered_kubeconfig_is_deterministic_json() -> None:
    kwargs = {
        "cluster_name": "c",
        "endpoint": "https://x",
        "certificate_authority_data": "Q0E=",
        "region": "us-east-1",
    }
    text = render_kubeconfig(**kwargs)
    assert text == render_kubeconfig(**kwargs)
    assert json.loads(text)["kind"] == "Config"


def test_a_plain_http_endpoint_is_refused() -> None:
    with pytest.raises(
        ValidationError, match=r"endpoint='http://x': the API server is reached over TLS"
    ):
        config(endpoint="http://x")


def test_a_malformed_cluster_name_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"cluster_name='bad name': not an EKS cluster name"):
        config(cluster_name="bad name")


@pytest.mark.parametrize("version", SUPPORTED_KUBERNETES_VERSIONS)
def test_every_version_pins_the_controllers_charts_and_images_as_their_charts_release_them(
    version: str,
) -> None:
    row = PINNED[version]
    # Chart version and its appVersion, read from each chart's Chart.yaml at that tag.
    assert (row.load_balancer_controller_chart, row.load_balancer_controller_image_tag) == (
        "1.14.0",
        "v2.14.0",
    )
    assert (row.external_dns_chart, row.external_dns_image_tag) == ("1.21.1", "v0.21.0")
    assert (row.argo_rollouts_chart, row.argo_rollouts_image_tag) == ("2.41.0", "v1.9.0")
    assert row.cert_manager_chart == "v1.21.1"
