"""A pull request's preview of orders-service: a stack pr-<n> on the shared dev platform (ENV-1).

The stack file is written from ``preview.stack.yaml`` the way the pull-request workflow writes
it, in a copy of the repository's projects, and the stack synthesized offline at the test
session's SOURCE_DATE_EPOCH (tests/conftest.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from infra_kit.core.engine import Graph, synthesize
from infra_kit.core.expiry import EXPIRES_AT_LABEL, EXPIRES_AT_TAG
from infra_kit.core.profile import BUILTIN_PROFILES
from infra_kit.policy import GraphDoc, check_graph
from infra_kit.preview import write_stack_file
from tests.conftest import REPO, SOURCE_DATE_EPOCH
from tests.support import accepts_tags, copy_of_the_repository, validate_manifests

EXAMPLE = REPO / "examples" / "orders-service"
TTL = timedelta(hours=BUILTIN_PROFILES["preview"]["preview_ttl_hours"])
DEPLOYED = datetime.fromtimestamp(int(SOURCE_DATE_EPOCH), UTC)
#: 2026-12-01T20:00:00Z plus the preview profile's 72 hours.
EXPIRES_TAG = (DEPLOYED + TTL).strftime("%Y-%m-%dT%H:%M:%SZ")
EXPIRES_LABEL = (DEPLOYED + TTL).strftime("%Y%m%dT%H%M%SZ")


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> Graph:
    project = copy_of_the_repository(tmp_path_factory.mktemp("repo"), REPO)
    write_stack_file(project, 123)
    return synthesize(project, "pr-123")


def test_the_expected_expiry_is_three_days_after_the_head_commit() -> None:
    assert (EXPIRES_TAG, EXPIRES_LABEL) == ("2026-12-04T20:00:00Z", "20261204T200000Z")


def test_a_preview_builds_no_network_and_no_cluster_of_its_own(preview: Graph) -> None:
    types = {r["type"] for r in preview if r["custom"]}
    assert types.isdisjoint(
        {"aws:ec2/vpc:Vpc", "aws:ec2/natGateway:NatGateway", "aws:eks/cluster:Cluster"}
    )
    # It reads them from the dev platform instead.
    (reference,) = preview.of_type("pulumi:pulumi:StackReference")
    assert reference["inputs"]["name"] == "organization/platform/dev"


def test_every_taggable_aws_resource_carries_the_expiry_tag(preview: Graph) -> None:
    doc = GraphDoc(preview.to_contract())
    taggable = [r for r in doc.custom("aws:") if accepts_tags(r["type"])]
    assert len(taggable) >= 10
    assert {r["urn"]: doc.effective_tags(r).get(EXPIRES_AT_TAG) for r in taggable} == {
        r["urn"]: EXPIRES_TAG for r in taggable
    }


def test_every_kubernetes_object_and_pod_carries_the_expiry_label(preview: Graph) -> None:
    objects = preview.kubernetes_objects()
    labels = {f"{o['kind']}/{o['metadata']['name']}": o["metadata"]["labels"] for o in objects}
    assert {name: found.get(EXPIRES_AT_LABEL) for name, found in labels.items()} == {
        name: EXPIRES_LABEL for name in labels
    }
    (deployment,) = [o for o in objects if o["kind"] == "Deployment"]
    assert deployment["spec"]["template"]["metadata"]["labels"][EXPIRES_AT_LABEL] == EXPIRES_LABEL


def test_the_preview_exports_its_expiry_for_the_garbage_collector(preview: Graph) -> None:
    assert preview.outputs["expires_at"] == EXPIRES_TAG


def test_the_preview_runs_in_a_namespace_named_after_its_stack(preview: Graph) -> None:
    objects = preview.kubernetes_objects()
    (namespace,) = [o for o in objects if o["kind"] == "Namespace"]
    assert namespace["metadata"]["name"] == "pr-123"
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert {o["metadata"].get("namespace") for o in objects if o["kind"] != "Namespace"} == {
        "pr-123"
    }
    kinds = {o["kind"] for o in objects}
    assert {"ResourceQuota", "LimitRange", "Deployment", "Ingress"} <= kinds
    (ingress,) = [o for o in objects if o["kind"] == "Ingress"]
    assert [rule["host"] for rule in ingress["spec"]["rules"]] == [
        "pr-123.orders.dev.infra-kit.example.com"
    ]


def test_the_preview_is_billed_to_its_feature_and_protects_nothing(preview: Graph) -> None:
    doc = GraphDoc(preview.to_contract())
    (bucket,) = doc.custom("aws:s3/bucket:Bucket")
    tags = doc.effective_tags(bucket)
    assert tags["feature"] == "orders-service-pr-123"
    assert "service" not in tags
    assert tags["environment"] == "preview"
    assert not any(r.get("protect") for r in preview if r["custom"])
    (db,) = preview.of_type("aws:rds/instance:Instance")
    assert db["inputs"]["instanceClass"] == "db.t4g.micro"
    assert db["inputs"]["multiAz"] is False
    assert db["inputs"]["allocatedStorage"] == 20
    assert db["inputs"]["backupRetentionPeriod"] == 1
    assert db["inputs"]["deletionProtection"] is False
    assert db["inputs"]["skipFinalSnapshot"] is True


def test_the_preview_passes_infra_kit_check_and_strict_manifest_validation(
    preview: Graph,
) -> None:
    report = check_graph(GraphDoc(preview.to_contract()))
    assert report.counts()["error"] == 0, [f.message for f in report.failed]
    assert validate_manifests(preview) == []


def test_the_stack_file_is_never_committed() -> None:
    ignored = (REPO / ".gitignore").read_text().splitlines()
    assert "Pulumi.pr-*.yaml" in ignored
