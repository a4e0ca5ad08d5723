"""DR-1: where the environment protects state, stateful resources cannot be lost by mistake.

:data:`STATEFUL_FAMILIES` is the list of what holds data, as data: each family names its resource
types and why losing one loses something that a redeploy does not bring back.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from infra_kit.policy._graph import GraphDoc
from infra_kit.policy._registry import Hit, Severity, rule
from infra_kit.policy.rules._values import as_dict, is_set, is_true

__all__ = ["STATEFUL_FAMILIES", "STATEFUL_TYPES", "StatefulFamily"]


@dataclass(frozen=True)
class StatefulFamily:
    name: str
    types: tuple[str, ...]
    reason: str


STATEFUL_FAMILIES: tuple[StatefulFamily, ...] = (
    StatefulFamily("KMS keys", ("aws:kms/key:Key",),
                   "deleting a key makes everything encrypted with it unreadable"),
    StatefulFamily("S3 buckets", ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2",
                                  "aws:s3tables/tableBucket:TableBucket"),
                   "objects and their versions are the data"),
    StatefulFamily("RDS and Aurora", ("aws:rds/instance:Instance", "aws:rds/cluster:Cluster",
                                      "aws:rds/globalCluster:GlobalCluster"),
                   "the database's storage and automated backups go with it"),
    StatefulFamily("DocumentDB and Neptune", ("aws:docdb/cluster:Cluster",
                                              "aws:docdb/elasticCluster:ElasticCluster",
                                              "aws:neptune/cluster:Cluster"),
                   "cluster storage holds the documents or the graph"),
    StatefulFamily("Redshift", ("aws:redshift/cluster:Cluster",
                                "aws:redshiftserverless/namespace:Namespace"),
                   "the warehouse's tables live in the cluster or namespace"),
    StatefulFamily("DynamoDB and Keyspaces", ("aws:dynamodb/table:Table",
                                              "aws:keyspaces/table:Table",
                                              "aws:dsql/cluster:Cluster"),
                   "items exist only in the table"),
    StatefulFamily("EFS and FSx", ("aws:efs/fileSystem:FileSystem",
                                   "aws:fsx/lustreFileSystem:LustreFileSystem",
                                   "aws:fsx/ontapFileSystem:OntapFileSystem",
                                   "aws:fsx/ontapVolume:OntapVolume",
                                   "aws:fsx/openZfsFileSystem:OpenZfsFileSystem",
                                   "aws:fsx/openZfsVolume:OpenZfsVolume",
                                   "aws:fsx/windowsFileSystem:WindowsFileSystem",
                                   "aws:fsx/backup:Backup"),
                   "files exist only on the file system or its backups"),
    StatefulFamily("EBS", ("aws:ebs/volume:Volume", "aws:ebs/snapshot:Snapshot",
                           "aws:ebs/snapshotCopy:SnapshotCopy"),
                   "block data lives on the volume or the snapshot"),
    StatefulFamily("Backup vaults", ("aws:backup/vault:Vault", "aws:glacier/vault:Vault"),
                   "the recovery points are what a restore needs"),
    StatefulFamily("CloudWatch log groups", ("aws:cloudwatch/logGroup:LogGroup",),
                   "logs (audit logs among them) are deleted with the group"),
    StatefulFamily("Secrets Manager", ("aws:secretsmanager/secret:Secret",),
                   "a generated or rotated value cannot be recovered once deleted"),
    StatefulFamily("Queues and topics", ("aws:sqs/queue:Queue", "aws:sns/topic:Topic"),
                   "queued messages, and subscriptions other teams made, are lost"),
    StatefulFamily("Streams", ("aws:kinesis/stream:Stream", "aws:msk/cluster:Cluster",
                               "aws:msk/serverlessCluster:ServerlessCluster"),
                   "records not yet consumed, within retention, are lost"),
    StatefulFamily("ECR repositories", ("aws:ecr/repository:Repository",),
                   "images pinned by digest in deployments can no longer be pulled"),
    StatefulFamily("Caches", ("aws:elasticache/cluster:Cluster",
                              "aws:elasticache/replicationGroup:ReplicationGroup",
                              "aws:elasticache/serverlessCache:ServerlessCache",
                              "aws:memorydb/cluster:Cluster"),
                   "a cache used as a store (sessions, queues) loses its data"),
    StatefulFamily("Search", ("aws:opensearch/domain:Domain",
                              "aws:elasticsearch/domain:Domain",
                              "aws:opensearch/serverlessCollection:ServerlessCollection"),
                   "indices take hours to rebuild, when the source still exists"),
    StatefulFamily("Cognito user pools", ("aws:cognito/userPool:UserPool",),
                   "users and their password hashes cannot be exported and re-imported"),
    StatefulFamily("Route 53 hosted zones", ("aws:route53/zone:Zone",),
                   "a new zone gets new name servers, breaking the domain's delegation"),
    StatefulFamily("Timestream", ("aws:timestreamwrite/database:Database",
                                  "aws:timestreamwrite/table:Table"),
                   "time series exist only in the table"),
)  # fmt: skip
# Not listed: Kinesis Firehose (it buffers records for minutes and keeps nothing) and EKS
# clusters (their state is the manifests in code; persistent volumes are EBS, listed above).

#: Every stateful resource type (DR-1).
STATEFUL_TYPES: frozenset[str] = frozenset(t for f in STATEFUL_FAMILIES for t in f.types)
_FAMILY_OF = {t: f for f in STATEFUL_FAMILIES for t in f.types}


@rule(
    id="IK-DR-1-UNPROTECTED",
    prescription="DR-1",
    severity=Severity.ERROR,
    title="A stateful resource is not protected and retained by Pulumi",
    rationale="""Where the environment protects state (stage, prod), a mistaken rename, a
    refactor that drops a resource, or a pulumi destroy must not delete data. Pulumi protect
    refuses the deletion; retain_on_delete keeps the cloud resource if protection is lifted to
    remove it from the stack.""",
    fix="""Create it through an infra-kit component (stateful children get
    Component.stateful_opts()), or pass
    ResourceOptions(protect=True, retain_on_delete=True) where the profile's protect_stateful
    is true.""",
)
def unprotected(graph: GraphDoc) -> Iterator[Hit]:
    if not graph.environment.protect_stateful:
        return
    for record in graph.resources:
        family = _FAMILY_OF.get(record["type"])
        if family is None or not record.get("custom"):
            continue
        # retain_on_delete is None where it cannot be observed (the policy pack's view).
        missing = [o for o in ("protect", "retain_on_delete") if record.get(o) is False]
        if record.get("protect") is None:
            missing.insert(0, "protect")
        if missing:
            yield Hit(
                record["urn"],
                f"{family.name} resource without {' and '.join(missing)} ({family.reason})",
            )


# -- deletion protection ------------------------------------------------------------------------
def _require_true(inputs: Mapping[str, Any], key: str) -> str | None:
    return None if is_true(inputs.get(key)) else f"{key} is not true"


def _refuse_true(inputs: Mapping[str, Any], key: str) -> str | None:
    return f"{key} is true" if is_true(inputs.get(key)) else None


def _database(inputs: Mapping[str, Any]) -> list[str]:
    problems = [
        _require_true(inputs, "deletionProtection"),
        _refuse_true(inputs, "skipFinalSnapshot"),
    ]
    return [p for p in problems if p]


_BUCKET_DESTROY_REASON_TAG = "infra-kit:destroy-with-objects-reason"


def _bucket(inputs: Mapping[str, Any]) -> list[str]:
    if not is_true(inputs.get("forceDestroy")):
        return []
    reason = as_dict(inputs.get("tags")).get(_BUCKET_DESTROY_REASON_TAG)
    if isinstance(reason, str) and len(reason.split()) >= 3:
        return []  # Bucket(allow_destroy_with_objects_reason=...) recorded why
    return ["forceDestroy is true (destroy deletes every object)"]


def _cache_snapshot(inputs: Mapping[str, Any], key: str) -> list[str]:
    if inputs.get("engine") == "memcached" or is_set(inputs.get("replicationGroupId")):
        return []  # memcached has no snapshots; a member's snapshot is its group's
    return [] if is_set(inputs.get(key)) else [f"no {key} (nothing is kept on deletion)"]


def _secret_window(inputs: Mapping[str, Any]) -> list[str]:
    window = inputs.get("recoveryWindowInDays")
    if window == 0 and not isinstance(window, bool):
        return ["recoveryWindowInDays is 0 (deleted at once, without recovery)"]
    return []


def _user_pool(inputs: Mapping[str, Any]) -> list[str]:
    value = inputs.get("deletionProtection")
    return [] if value == "ACTIVE" else ["deletionProtection is not ACTIVE"]


def _flags(*checks: tuple[str, bool]) -> Any:
    """A check that requires (True) or refuses (False) each named boolean."""

    def check(inputs: Mapping[str, Any]) -> list[str]:
        found = [
            _require_true(inputs, k) if want else _refuse_true(inputs, k) for k, want in checks
        ]
        return [p for p in found if p]

    return check


#: The deletion protections each type offers, as a function of its inputs giving the problems.
PROTECTIONS: dict[str, Any] = {
    "aws:rds/instance:Instance": _database,
    "aws:rds/cluster:Cluster": _database,
    "aws:docdb/cluster:Cluster": _database,
    "aws:neptune/cluster:Cluster": _database,
    "aws:rds/globalCluster:GlobalCluster": _flags(("deletionProtection", True)),
    "aws:redshift/cluster:Cluster": _flags(("skipFinalSnapshot", False)),
    "aws:dynamodb/table:Table": _flags(("deletionProtectionEnabled", True)),
    "aws:cloudwatch/logGroup:LogGroup": _flags(("deletionProtectionEnabled", True)),
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketV2:BucketV2": _bucket,
    "aws:backup/vault:Vault": _flags(("forceDestroy", False)),
    "aws:route53/zone:Zone": _flags(("forceDestroy", False)),
    "aws:ecr/repository:Repository": _flags(("forceDelete", False)),
    "aws:ebs/volume:Volume": _flags(("finalSnapshot", True)),
    "aws:elasticache/replicationGroup:ReplicationGroup": lambda i: _cache_snapshot(
        i, "finalSnapshotIdentifier"
    ),
    "aws:elasticache/cluster:Cluster": lambda i: _cache_snapshot(i, "finalSnapshotIdentifier"),
    "aws:memorydb/cluster:Cluster": lambda i: _cache_snapshot(i, "finalSnapshotName"),
    "aws:cognito/userPool:UserPool": _user_pool,
    "aws:secretsmanager/secret:Secret": _secret_window,
}


@rule(
    id="IK-DR-1-DELETION-PROTECTION",
    prescription="DR-1",
    severity=Severity.ERROR,
    title="A stateful resource lacks the deletion protection AWS offers for it",
    rationale="""Pulumi protect guards only against Pulumi. AWS's own protections also stop the
    console, the CLI and other tools: deletion protection on databases, tables and log groups, a
    final snapshot, no force-destroy of non-empty buckets, vaults and repositories, and a
    recovery window (not immediate deletion) for secrets.""",
    fix="""Use the infra-kit components, which turn these on where the profile protects state.
    On hand-written resources set the flag the finding names, e.g. deletion_protection=True and
    a final_snapshot_identifier on RDS, deletion_protection_enabled=True on DynamoDB tables and
    log groups, force_destroy=False on buckets.""",
)
def deletion_protection(graph: GraphDoc) -> Iterator[Hit]:
    if not graph.environment.protect_stateful:
        return
    for record in graph.custom("aws:"):
        check = PROTECTIONS.get(record["type"])
        if check is None:
            continue
        problems = check(GraphDoc.inputs(record))
        if problems:
            yield Hit(record["urn"], "; ".join(problems))
