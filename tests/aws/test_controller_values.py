"""What every platform controller gets whatever its chart: sizes, spread, budget, pinned images
(K8S-1, HA-1, K8S-3, SEC-4); ExternalDNS's one-zone policy and Argo Rollouts' metrics policy
(SEC-1); and the ClusterServices releases that carry them, in dev and prod."""

from __future__ import annotations

from functools import cache

import pytest

from infra_kit.aws._argo_rollouts import argo_rollouts_policy, argo_rollouts_values
from infra_kit.aws._controller_values import (
    CONTROLLER_RESOURCES,
    IMAGE_DIGESTS,
    pin_image,
    zone_spread,
)
from infra_kit.aws._external_dns import external_dns_policy
from infra_kit.core.engine import Graph
from tests.aws.cluster_fixtures import RELEASE, inputs
from tests.aws.test_cluster_services import ZONE_ID, synth

AUTOSCALER = "registry.k8s.io/autoscaling/cluster-autoscaler"
ZONE_ARN = f"arn:aws:route53:::hostedzone/{ZONE_ID}"
SUPPRESSION = "infra-kit:policy:Suppression"


@cache
def graph(environment: str, kubernetes_version: str | None = None) -> Graph:
    if kubernetes_version:
        return synth(environment, kubernetes_version=kubernetes_version)
    return synth(environment)


# -- sizes (K8S-1) --------------------------------------------------------------------------------
def test_every_container_of_every_chart_has_these_requests_and_limits() -> None:
    sizes = {
        key: (
            v["requests"]["cpu"],
            v["requests"]["memory"],
            v["limits"]["cpu"],
            v["limits"]["memory"],
        )
        for key, v in CONTROLLER_RESOURCES.items()
    }
    assert sizes == {
        "cluster-autoscaler/controller": ("100m", "300Mi", "500m", "600Mi"),
        "aws-load-balancer-controller/controller": ("50m", "128Mi", "500m", "256Mi"),
        "cert-manager/controller": ("50m", "128Mi", "500m", "256Mi"),
        "cert-manager/webhook": ("20m", "64Mi", "200m", "128Mi"),
        "cert-manager/cainjector": ("20m", "128Mi", "200m", "256Mi"),
        "cert-manager/startupapicheck": ("10m", "32Mi", "100m", "64Mi"),
        "external-dns/controller": ("20m", "64Mi", "200m", "128Mi"),
        "argo-rollouts/controller": ("50m", "128Mi", "500m", "256Mi"),
    }


# -- spread (HA-1) --------------------------------------------------------------------------------
def test_the_spread_requires_zones_and_prefers_nodes() -> None:
    selector = {"app.kubernetes.io/instance": "x"}
    assert zone_spread(selector) == [
        {
            "maxSkew": 1,
            "topologyKey": "topology.kubernetes.io/zone",
            "whenUnsatisfiable": "DoNotSchedule",
            "labelSelector": {"matchLabels": {"app.kubernetes.io/instance": "x"}},
        },
        {
            "maxSkew": 1,
            "topologyKey": "kubernetes.io/hostname",
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": {"app.kubernetes.io/instance": "x"}},
        },
    ]


# -- images (SEC-4) -------------------------------------------------------------------------------
def test_digests_are_the_promoters_index_digests_of_the_autoscaler() -> None:
    assert dict(IMAGE_DIGESTS) == {
        f"{AUTOSCALER}:v1.32.2": (
            "sha256:c627d8d159a8cd6705a2612afd8a9ffc499e2fc37bad3525364427439b9224c0"
        ),
        f"{AUTOSCALER}:v1.33.1": (
            "sha256:0d53371b73eae57dbed927a72b71d4fe756ce4dbfe528b4217a1078cb13445f0"
        ),
    }


def test_a_known_digest_pins_the_image_where_required_and_only_there() -> None:
    pinned = pin_image(AUTOSCALER, "v1.33.1", require_digest=True)
    assert pinned.tag_with_digest == f"v1.33.1@{IMAGE_DIGESTS[f'{AUTOSCALER}:v1.33.1']}"
    assert pinned.pull_policy == "IfNotPresent"
    by_tag = pin_image(AUTOSCALER, "v1.33.1", require_digest=False)
    assert (by_tag.digest, by_tag.tag_with_digest, by_tag.pull_policy) == (
        None,
        "v1.33.1",
        "Always",
    )
    unknown = pin_image(AUTOSCALER, "v1.34.2", require_digest=True)
    assert (unknown.digest, unknown.pull_policy) == (None, "Always")


def test_prod_pins_the_autoscaler_of_133_by_digest_and_accepts_no_gap_for_it() -> None:
    g = graph("prod", "1.33")
    image = inputs(g, "core-autoscaler", RELEASE)["values"]["image"]
    assert image == {
        "repository": AUTOSCALER,
        "tag": "v1.33.1@sha256:0d53371b73eae57dbed927a72b71d4fe756ce4dbfe528b4217a1078cb13445f0",
        "pullPolicy": "IfNotPresent",
    }
    release = g.named("core-autoscaler", RELEASE)
    assert [r for r in g.descendants(release["urn"]) if r["type"] == SUPPRESSION] == []


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_an_image_without_a_digest_is_pulled_always_and_named_as_a_gap_in_prod(
    environment: str,
) -> None:
    g = graph(environment)
    image = inputs(g, "core-autoscaler", RELEASE)["values"]["image"]
    assert image == {"repository": AUTOSCALER, "tag": "v1.34.2", "pullPolicy": "Always"}
    gaps = {
        r["parent"]: r["outputs"]["reason"]
        for r in g.of_type(SUPPRESSION)
        if r["outputs"]["rule"] == "IK-SEC-4-IMAGE-DIGEST"
    }
    if environment == "dev":
        assert gaps == {}
        return
    named = {
        g.by_urn(urn)["name"]: reason.rsplit("Pinned by tag: ", 1)[1]
        for urn, reason in gaps.items()
    }
    assert named == {
        "core-autoscaler": f"{AUTOSCALER}:v1.34.2.",
        "core-lb-controller": "public.ecr.aws/eks/aws-load-balancer-controller:v2.14.0.",
        "core-cert-manager": ", ".join(
            f"quay.io/jetstack/cert-manager-{p}:v1.21.1"
            for p in ("acmesolver", "cainjector", "controller", "startupapicheck", "webhook")
        )
        + ".",
        "core-external-dns": "registry.k8s.io/external-dns/external-dns:v0.21.0.",
        "core-rollouts": "quay.io/argoproj/argo-rollouts:v1.9.0.",
    }


# -- ExternalDNS (SEC-1) --------------------------------------------------------------------------
def test_external_dns_changes_and_lists_the_records_of_one_zone_and_lists_zones() -> None:
    document = external_dns_policy(ZONE_ARN).to_dict()["Statement"]
    assert [(s["Action"], s["Resource"]) for s in document] == [
        (["route53:ChangeResourceRecordSets"], [ZONE_ARN]),
        (["route53:ListResourceRecordSets"], [ZONE_ARN]),
        (["route53:ListHostedZones"], ["*"]),
    ]
    assert document[0]["Condition"] == {
        "ForAllValues:StringEquals": {
            "route53:ChangeResourceRecordSetsRecordTypes": ["A", "AAAA", "CNAME", "TXT"]
        }
    }
    assert document[2]["Sid"].startswith("JustifiedListHostedZonesTakesNoResourceARN")


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_external_dns_is_installed_on_the_one_zone_with_its_own_role(environment: str) -> None:
    g = graph(environment)
    release = inputs(g, "core-external-dns", RELEASE)
    assert (release["chart"], release["version"], release["namespace"]) == (
        "external-dns",
        "1.21.1",
        "kube-system",
    )
    assert release["repositoryOpts"] == {"repo": "https://kubernetes-sigs.github.io/external-dns/"}
    values = release["values"]
    assert values["provider"] == {"name": "aws"}
    assert values["domainFilters"] == [f"{environment}.example.com"]
    assert values["extraArgs"] == {"zone-id-filter": ZONE_ID}
    assert values["txtOwnerId"] == f"test-{environment}-core"
    assert values["managedRecordTypes"] == ["A", "AAAA", "CNAME"]
    account = values["serviceAccount"]
    assert (account["create"], account["name"]) == (True, "external-dns")
    policy = inputs(g, "core-external-dns-role-route53", "aws:iam/rolePolicy:RolePolicy")
    assert ZONE_ARN in policy["policy"]
    assert "hostedzone/*" not in policy["policy"]


# -- Argo Rollouts (DEP-1, DEP-2, SEC-1) ----------------------------------------------------------
def test_argo_rollouts_reads_metrics_only() -> None:
    (statement,) = argo_rollouts_policy().to_dict()["Statement"]
    assert (statement["Action"], statement["Resource"]) == (["cloudwatch:GetMetricData"], ["*"])


def test_argo_rollouts_values_keep_crds_and_turn_the_dashboard_off() -> None:
    image = pin_image("quay.io/argoproj/argo-rollouts", "v1.9.0", require_digest=True)
    values = argo_rollouts_values(
        role_arn="arn:aws:iam::123456789012:role/r", image=image, region="eu-west-1"
    )
    assert (values["installCRDs"], values["keepCRDs"]) == (True, True)
    assert values["controller"]["image"] == {
        "registry": "quay.io",
        "repository": "argoproj/argo-rollouts",
        "tag": "v1.9.0",
        "pullPolicy": "Always",
    }
    assert values["controller"]["pdb"] == {"enabled": True, "maxUnavailable": 1}
    assert values["dashboard"] == {"enabled": False}
    # The CloudWatch analysis provider reads its region from the controller's environment.
    assert values["controller"]["extraEnv"] == [{"name": "AWS_REGION", "value": "eu-west-1"}]


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_argo_rollouts_is_installed_with_its_role(environment: str) -> None:
    g = graph(environment)
    release = inputs(g, "core-rollouts", RELEASE)
    assert (release["chart"], release["version"]) == ("argo-rollouts", "2.41.0")
    role = inputs(g, "core-rollouts-role", "aws:iam/role:Role")
    assert "system:serviceaccount:kube-system:argo-rollouts" in role["assumeRolePolicy"]
