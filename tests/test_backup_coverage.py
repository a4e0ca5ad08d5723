"""Every stateful resource of the prod graphs is in the environment's AWS Backup selection, or a
written reason says why not (DR-1).

The graphs are the platform, its cluster services and the two app-team examples, as synthesized
for prod. A resource is covered when AWS ends up with the tag the platform's selection picks
(``infra-kit:backup=prod``) on it; the EBS volumes Kubernetes creates are covered when the default
StorageClass passes that tag to the CSI driver. Anything else that holds data needs an entry in
:data:`NOT_BACKED_UP`.

``IK-DR-1-BACKUP-TAG`` enforces the same on every stack, for the types AWS Backup protects; this
test shares its reading of CSI volume tags and its access-log exemption, and checks that the rule
names the resources this audit finds uncovered.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from infra_kit.aws.cache import NO_BACKUP_PLAN
from infra_kit.core.engine import Graph
from infra_kit.core.tags import BACKUP_TAG
from infra_kit.policy import RULES, GraphDoc, rules_for
from infra_kit.policy.rules.backups import ACCESS_LOGS_REASON, is_access_log_bucket
from infra_kit.policy.rules.state import STATEFUL_TYPES
from infra_kit.policy.rules.tags import csi_tags
from tests.conftest import CLUSTER_SERVICES, REPO, graph_of

SELECTION = "aws:backup/selection:Selection"
RDS = "aws:rds/instance:Instance"
BUCKET = "aws:s3/bucket:Bucket"
STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass"
EBS_CSI = "ebs.csi.aws.com"
PROD_GRAPHS = {
    "platform": REPO,
    "cluster-services": CLUSTER_SERVICES,
    "orders-service": REPO / "examples" / "orders-service",
    "order-events-worker": REPO / "examples" / "order-events-worker",
}

Resource = dict[str, Any]

#: What holds data but is not in the backup plan, and why. Each entry: a test on the resource
#: record and the reason, written for a reviewer.
NOT_BACKED_UP: tuple[tuple[str, Callable[[Resource], bool], str], ...] = (
    ("access-log buckets", is_access_log_bucket, ACCESS_LOGS_REASON),
    (
        "Secrets Manager secrets",
        lambda r: r["type"] == "aws:secretsmanager/secret:Secret",
        "Secrets Manager is not an AWS Backup resource type (GetSupportedResourceTypes); a "
        "deleted secret is restored within secrets.recovery_window_days, and a rotated one "
        "keeps its previous version",
    ),
    (
        "KMS keys",
        lambda r: r["type"] == "aws:kms/key:Key",
        "KMS is not an AWS Backup resource type; a key scheduled for deletion is saved within "
        "keys.deletion_window_days, and stage and prod keys are protected",
    ),
    (
        "CloudWatch log groups",
        lambda r: r["type"] == "aws:cloudwatch/logGroup:LogGroup",
        "CloudWatch Logs is not an AWS Backup resource type; log groups keep their events for "
        "the profile's retention and are protected with deletion protection",
    ),
    (
        "the alert topic",
        lambda r: r["type"] == "aws:sns/topic:Topic",
        "SNS is not an AWS Backup resource type and a topic holds no data at rest, only "
        "messages in flight; it is protected so its subscriptions are not lost with it",
    ),
    (
        "Route 53 hosted zones",
        lambda r: r["type"] == "aws:route53/zone:Zone",
        "Route 53 is not an AWS Backup resource type; a zone holds only records that stacks "
        "and the cluster's DNS controller write from code again, and it is protected in stage "
        "and prod so the name servers its parent delegates to are never lost",
    ),
    (
        "SQS queues",
        lambda r: r["type"] == "aws:sqs/queue:Queue",
        "SQS is not an AWS Backup resource type and a queue holds messages in flight only, for "
        "its retention (its dead-letter queue 14 days); stage and prod queues are protected and "
        "retained",
    ),
    (
        "ElastiCache caches",
        lambda r: r["type"] == "aws:elasticache/replicationGroup:ReplicationGroup",
        NO_BACKUP_PLAN,
    ),
    (
        "the backup vault",
        lambda r: r["type"] == "aws:backup/vault:Vault",
        "the vault holds the recovery points themselves; it is locked in prod and protected",
    ),
)


def _selected_value(graphs: dict[str, Graph]) -> str:
    (selection,) = graphs["platform"].of_type(SELECTION)
    (tag,) = selection["inputs"]["selectionTags"]
    assert (tag["type"], tag["key"]) == ("STRINGEQUALS", BACKUP_TAG)
    return tag["value"]


def _volume_tags(storage_class: Resource) -> dict[str, str]:
    return csi_tags(storage_class["inputs"].get("parameters") or {})


def _rule_finds(graph: Graph) -> list[str]:
    """URNs ``IK-DR-1-BACKUP-TAG`` names in ``graph``."""
    rules_for()
    return sorted(hit.urn for hit in RULES["IK-DR-1-BACKUP-TAG"].run(GraphDoc(graph.to_contract())))


def uncovered(graphs: dict[str, Graph], value: str) -> list[str]:
    """``project: type name`` of every stateful resource neither selected nor explained."""
    missing = []
    for project, graph in graphs.items():
        for resource in graph.resources:
            if resource["type"] == STORAGE_CLASS:
                if resource["inputs"].get("provisioner") != EBS_CSI:
                    continue
                tags = _volume_tags(resource)
            elif resource["type"] in STATEFUL_TYPES:
                tags = graph.effective_tags(resource)
            else:
                continue
            if tags.get(BACKUP_TAG) == value:
                continue
            if any(applies(resource) for _, applies, _ in NOT_BACKED_UP):
                continue
            missing.append(f"{project}: {resource['type']} {resource['name']}")
    return missing


@pytest.fixture(scope="module")
def prod_graphs() -> dict[str, Graph]:
    return {project: graph_of(directory, "prod") for project, directory in PROD_GRAPHS.items()}


def test_the_platform_selects_the_prod_tag(prod_graphs: dict[str, Graph]) -> None:
    assert _selected_value(prod_graphs) == "prod"


def test_every_stateful_resource_of_prod_is_backed_up_or_says_why_not(
    prod_graphs: dict[str, Graph],
) -> None:
    assert uncovered(prod_graphs, _selected_value(prod_graphs)) == []
    assert {project: _rule_finds(graph) for project, graph in prod_graphs.items()} == {
        project: [] for project in prod_graphs
    }


def test_the_database_data_bucket_and_volumes_are_selected_by_tag(
    prod_graphs: dict[str, Graph],
) -> None:
    orders = prod_graphs["orders-service"]
    assert orders.effective_tags(orders.named("orders-db", RDS))[BACKUP_TAG] == "prod"
    assert orders.effective_tags(orders.named("orders-documents", BUCKET))[BACKUP_TAG] == "prod"
    (gp3,) = prod_graphs["cluster-services"].of_type(STORAGE_CLASS)
    assert _volume_tags(gp3)[BACKUP_TAG] == "prod"


def test_node_root_volumes_and_access_logs_are_not_backed_up(
    prod_graphs: dict[str, Graph],
) -> None:
    orders = prod_graphs["orders-service"]
    logs = orders.named("orders-documents-access-logs", BUCKET)
    assert BACKUP_TAG not in orders.effective_tags(logs)
    platform = prod_graphs["platform"]
    assert all(BACKUP_TAG not in str(r["inputs"]) for r in platform.resources
               if r["type"] == "aws:ec2/launchTemplate:LaunchTemplate")  # fmt: skip


@pytest.mark.parametrize(("name", "type_"), [("orders-db", RDS), ("orders-documents", BUCKET)])
def test_a_resource_without_the_tag_is_reported(
    prod_graphs: dict[str, Graph], name: str, type_: str
) -> None:
    graphs = dict(prod_graphs)
    graph = copy.deepcopy(graphs["orders-service"])
    record = graph.named(name, type_)
    record["inputs"]["tags"].pop(BACKUP_TAG)
    graphs["orders-service"] = graph
    assert uncovered(graphs, "prod") == [f"orders-service: {type_} {name}"]
    assert _rule_finds(graph) == [record["urn"]]


def test_volumes_without_the_tag_are_reported(prod_graphs: dict[str, Graph]) -> None:
    graphs = dict(prod_graphs)
    graph = copy.deepcopy(graphs["cluster-services"])
    (gp3,) = graph.of_type(STORAGE_CLASS)
    parameters = gp3["inputs"]["parameters"]
    for key in [k for k, v in parameters.items() if str(v).startswith(f"{BACKUP_TAG}=")]:
        del parameters[key]
    graphs["cluster-services"] = graph
    assert uncovered(graphs, "prod") == [f"cluster-services: {STORAGE_CLASS} {gp3['name']}"]
    assert _rule_finds(graph) == [gp3["urn"]]


def test_every_reason_for_leaving_data_out_is_written_for_a_reviewer() -> None:
    assert all(len(reason.split()) >= 10 for _, _, reason in NOT_BACKED_UP)
