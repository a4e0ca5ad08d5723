"""SEC-3: data encrypted at rest with rotated customer-managed keys, and in transit.

The helpers at the top read AWS resource records robustly (values may be "[unknown]", "[secret]",
strings where booleans are expected, or missing) and tie S3 companion resources to their bucket;
the other AWS rule modules share them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from infra_kit.policy._graph import GraphDoc
from infra_kit.policy._registry import Hit, Severity, rule
from infra_kit.policy.rules._values import as_dict, is_false, is_set, is_true, one_or_many

__all__ = ["BUCKET_TYPES", "bucket_companions", "is_cmk", "policy_document"]

UNKNOWN = "[unknown]"
SECRET = "[secret]"
BUCKET_TYPES = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
SSE_TYPES = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
)
BUCKET_POLICY_TYPE = "aws:s3/bucketPolicy:BucketPolicy"
BUCKET_LOGGING_TYPES = (
    "aws:s3/bucketLogging:BucketLogging",
    "aws:s3/bucketLoggingV2:BucketLoggingV2",
)
#: SSE algorithms that use a KMS key (SSE-KMS and dual-layer SSE-KMS).
KMS_ALGORITHMS = frozenset({"aws:kms", "aws:kms:dsse"})
# Physical names Pulumi generates: the logical name, a dash and seven hex digits.
_AUTONAME = "-[0-9a-f]{7}"
# AWS-managed keys are named alias/aws/<service>; they are not customer-managed.
_AWS_MANAGED = re.compile(r"(^|:)alias/aws/")


# -- reading values -----------------------------------------------------------------------------
def is_cmk(value: Any) -> bool:
    """``value`` names a customer-managed KMS key: set, and not an ``alias/aws/...`` key."""
    if not is_set(value):
        return False
    return not (isinstance(value, str) and _AWS_MANAGED.search(value))


def policy_document(value: Any) -> dict[str, Any] | None:
    """A policy document from a JSON string or a dict; None when it cannot be read."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value not in (UNKNOWN, SECRET):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            return None
        return parsed if isinstance(parsed, dict) else None
    return None


# -- S3 companions ------------------------------------------------------------------------------
def _names_bucket(reference: str, bucket: Mapping[str, Any]) -> bool:
    own = GraphDoc.inputs(bucket).get("bucket")
    if isinstance(own, str) and own not in (UNKNOWN, SECRET):
        return reference == own
    name = str(bucket.get("name", ""))
    prefix = GraphDoc.inputs(bucket).get("bucketPrefix")
    if isinstance(prefix, str) and prefix and reference.startswith(prefix):
        return True
    return reference == name or re.fullmatch(re.escape(name) + _AUTONAME, reference) is not None


def bucket_companions(graph: GraphDoc, types: tuple[str, ...]) -> dict[str, list[dict[str, Any]]]:
    """Records of ``types`` (policies, encryption configurations...) by the URN of their bucket.

    A companion belongs to a bucket when its ``bucket`` input names it (the bucket's own
    ``bucket`` input, or its logical name with or without Pulumi's random suffix). When that input
    is not known yet, it belongs to the one bucket it depends on.
    """
    buckets = graph.of_type(*BUCKET_TYPES)
    by_bucket: dict[str, list[dict[str, Any]]] = {b["urn"]: [] for b in buckets}
    for companion in graph.of_type(*types):
        reference = GraphDoc.inputs(companion).get("bucket")
        if isinstance(reference, str) and reference not in (UNKNOWN, SECRET, ""):
            owners = [b for b in buckets if _names_bucket(reference, b)]
        else:
            deps = set(one_or_many(companion.get("dependencies")))
            owners = [b for b in buckets if b["urn"] in deps]
        if len(owners) == 1:
            by_bucket[owners[0]["urn"]].append(companion)
    return by_bucket


def _log_target_buckets(graph: GraphDoc) -> set[str]:
    """Buckets that receive S3 server access logs (AWS documents SSE-S3 only for those)."""
    buckets = graph.of_type(*BUCKET_TYPES)
    targets: set[str] = set()
    for logging in graph.of_type(*BUCKET_LOGGING_TYPES):
        target = GraphDoc.inputs(logging).get("targetBucket")
        if isinstance(target, str) and target not in (UNKNOWN, SECRET, ""):
            targets |= {b["urn"] for b in buckets if _names_bucket(target, b)}
    return targets


# -- IK-SEC-3-CMK -------------------------------------------------------------------------------
def _bucket_uses_cmk(bucket: Mapping[str, Any], configs: list[dict[str, Any]]) -> bool:
    inline = as_dict(GraphDoc.inputs(bucket).get("serverSideEncryptionConfiguration"))
    rules = [r for c in configs for r in one_or_many(GraphDoc.inputs(c).get("rules"))]
    rules += one_or_many(inline.get("rule")) + one_or_many(inline.get("rules"))
    for entry in rules:
        default = as_dict(as_dict(entry).get("applyServerSideEncryptionByDefault"))
        if default.get("sseAlgorithm") in KMS_ALGORITHMS and is_cmk(default.get("kmsMasterKeyId")):
            return True
    return False


def _flag_and_key(inputs: Mapping[str, Any], flag: str | None, key: str) -> str | None:
    """Why a flag-plus-key encryption setting falls short, or None when it does not."""
    if flag is not None and not is_true(inputs.get(flag)):
        return f"{flag} is not true"
    value = inputs.get(key)
    if not is_set(value):
        return f"no {key} (a customer-managed key)"
    if not is_cmk(value):
        return f"{key} {value!r} is an AWS-managed key"
    return None


#: Types whose encryption is one optional flag and one key input: (flag or None, key input).
_SIMPLE_CMK: dict[str, tuple[str | None, str]] = {
    "aws:rds/instance:Instance": ("storageEncrypted", "kmsKeyId"),
    "aws:rds/cluster:Cluster": ("storageEncrypted", "kmsKeyId"),
    "aws:docdb/cluster:Cluster": ("storageEncrypted", "kmsKeyId"),
    "aws:neptune/cluster:Cluster": ("storageEncrypted", "kmsKeyArn"),
    "aws:redshift/cluster:Cluster": ("encrypted", "kmsKeyId"),
    "aws:secretsmanager/secret:Secret": (None, "kmsKeyId"),
    "aws:sqs/queue:Queue": (None, "kmsMasterKeyId"),
    "aws:sns/topic:Topic": (None, "kmsMasterKeyId"),
    "aws:efs/fileSystem:FileSystem": ("encrypted", "kmsKeyId"),
    "aws:ebs/volume:Volume": ("encrypted", "kmsKeyId"),
    "aws:elasticache/replicationGroup:ReplicationGroup": ("atRestEncryptionEnabled", "kmsKeyId"),
    "aws:elasticache/serverlessCache:ServerlessCache": (None, "kmsKeyId"),
    "aws:memorydb/cluster:Cluster": (None, "kmsKeyArn"),
    "aws:kinesis/stream:Stream": (None, "kmsKeyId"),
    "aws:backup/vault:Vault": (None, "kmsKeyArn"),
}


def _special_cmk(graph: GraphDoc, record: Mapping[str, Any]) -> str | None:
    """Why a resource with nested encryption settings is not on a CMK, or None."""
    inputs = GraphDoc.inputs(record)
    kind = record["type"]
    if kind == "aws:dynamodb/table:Table":
        sse = as_dict(inputs.get("serverSideEncryption"))
        if not is_true(sse.get("enabled")) or not is_cmk(sse.get("kmsKeyArn")):
            return "serverSideEncryption does not name a customer-managed kmsKeyArn"
    elif kind == "aws:ecr/repository:Repository":
        configs = [as_dict(c) for c in one_or_many(inputs.get("encryptionConfigurations"))]
        if not any(c.get("encryptionType") == "KMS" and is_cmk(c.get("kmsKey")) for c in configs):
            return "encryptionConfigurations is not KMS with a customer-managed kmsKey"
    elif kind == "aws:eks/cluster:Cluster":
        configs = [as_dict(c) for c in one_or_many(inputs.get("encryptionConfig"))]
        if not any(
            "secrets" in one_or_many(c.get("resources"))
            and is_cmk(as_dict(c.get("provider")).get("keyArn"))
            for c in configs
        ):
            return "encryptionConfig does not encrypt secrets with a customer-managed key"
    elif kind == "aws:ec2/launchTemplate:LaunchTemplate":
        for mapping in one_or_many(inputs.get("blockDeviceMappings")):
            ebs = as_dict(as_dict(mapping).get("ebs"))
            if ebs and not (is_true(ebs.get("encrypted")) and is_cmk(ebs.get("kmsKeyId"))):
                device = as_dict(mapping).get("deviceName", "?")
                return f"block device {device} is not encrypted with a customer-managed kmsKeyId"
    elif kind == "aws:lambda/function:Function":
        variables = as_dict(inputs.get("environment")).get("variables")
        if is_set(variables) and not is_cmk(inputs.get("kmsKeyArn")):
            return "its environment variables are not encrypted with a kmsKeyArn"
    elif kind == "aws:kinesis/stream:Stream":
        if inputs.get("encryptionType") != "KMS":
            return "encryptionType is not KMS"
    elif kind == "aws:msk/cluster:Cluster":
        info = as_dict(inputs.get("encryptionInfo"))
        if not is_cmk(info.get("encryptionAtRestKmsKeyArn")):
            return "encryptionInfo names no encryptionAtRestKmsKeyArn"
    elif kind == "aws:opensearch/domain:Domain":
        at_rest = as_dict(inputs.get("encryptAtRest"))
        if not is_true(at_rest.get("enabled")) or not is_cmk(at_rest.get("kmsKeyId")):
            return "encryptAtRest is not enabled with a customer-managed kmsKeyId"
    return None


_SPECIAL_CMK = (
    "aws:dynamodb/table:Table",
    "aws:ecr/repository:Repository",
    "aws:eks/cluster:Cluster",
    "aws:ec2/launchTemplate:LaunchTemplate",
    "aws:lambda/function:Function",
    "aws:kinesis/stream:Stream",
    "aws:msk/cluster:Cluster",
    "aws:opensearch/domain:Domain",
)
EBS_CSI_PROVISIONER = "ebs.csi.aws.com"


@rule(
    id="IK-SEC-3-CMK",
    prescription="SEC-3",
    severity=Severity.ERROR,
    title="Data at rest is not encrypted with a customer-managed KMS key",
    rationale="""An AWS-managed key (or SSE-S3) cannot be given a key policy of our own, cannot
    be disabled to cut off access in an incident, and leaves no separate CloudTrail record of who
    decrypted what. A customer-managed key puts the data's readers under one policy we control.
    Log groups are checked by IK-OBS-2-LOG-GROUP. A bucket that receives S3 server access logs is
    reported like any other: AWS documents default encryption of a log destination as SSE-S3
    only, so accept that finding with a suppression whose reason says so, where it is seen
    (infra-kit's access-log buckets do; docs/adr/0010).""",
    fix="""Create an infra-kit Key (with via_services for the service) and pass it: Bucket(key=),
    Database(key=), Secret(key=); on hand-written resources set the key input named in the
    finding (kmsKeyId, kmsMasterKeyId, kmsKeyArn, encryptionConfig...). For a server access log
    destination, use Bucket(purpose=BucketPurpose.ACCESS_LOGS), or suppress the finding with a
    reason naming the AWS limitation.""",
)
def customer_managed_keys(graph: GraphDoc) -> Iterator[Hit]:
    sse = bucket_companions(graph, SSE_TYPES)
    log_targets = _log_target_buckets(graph)
    for bucket in graph.of_type(*BUCKET_TYPES):
        if _bucket_uses_cmk(bucket, sse.get(bucket["urn"], [])):
            continue
        message = (
            "no server-side encryption configuration of this bucket uses aws:kms or "
            "aws:kms:dsse with a customer-managed key"
        )
        if bucket["urn"] in log_targets:
            # Reported, not skipped: the exemption is a suppression whose reason is in the graph.
            message += (
                "; it receives S3 server access logs, whose destination AWS documents as "
                "SSE-S3 only, so accept this with a suppression that says so"
            )
        yield Hit(bucket["urn"], message)
    for record in graph.custom("aws:"):
        problem: str | None = None
        if record["type"] in _SIMPLE_CMK:
            flag, key = _SIMPLE_CMK[record["type"]]
            problem = _flag_and_key(GraphDoc.inputs(record), flag, key)
        if problem is None and record["type"] in _SPECIAL_CMK:
            problem = _special_cmk(graph, record)
        if problem is not None:
            yield Hit(record["urn"], f"not encrypted with a customer-managed key: {problem}")
    for record, obj in graph.kubernetes_of_kind("StorageClass"):
        if obj.get("provisioner") != EBS_CSI_PROVISIONER:
            continue
        parameters = as_dict(obj.get("parameters"))
        if not is_true(parameters.get("encrypted")) or not is_cmk(parameters.get("kmsKeyId")):
            yield Hit(
                record["urn"],
                f"StorageClass {as_dict(obj.get('metadata')).get('name')!r} of the EBS CSI "
                'driver does not set encrypted: "true" and a kmsKeyId',
            )


# -- IK-SEC-3-KEY-ROTATION ----------------------------------------------------------------------
@rule(
    id="IK-SEC-3-KEY-ROTATION",
    prescription="SEC-3",
    severity=Severity.ERROR,
    title="A symmetric KMS key does not rotate",
    rationale="""Automatic rotation replaces a symmetric key's material every year (or the period
    set) while keeping old material to decrypt old data, so a leaked data key or backing key has a
    bounded life. AWS supports it only for symmetric encryption keys, which is what we check.""",
    fix="""Use an infra-kit Key (rotation is always on), or set enable_key_rotation=True on the
    aws.kms.Key.""",
)
def key_rotation(graph: GraphDoc) -> Iterator[Hit]:
    for key in graph.custom("aws:kms/key:Key"):
        inputs = GraphDoc.inputs(key)
        spec = inputs.get("customerMasterKeySpec") or inputs.get("keySpec") or "SYMMETRIC_DEFAULT"
        usage = inputs.get("keyUsage") or "ENCRYPT_DECRYPT"
        if spec != "SYMMETRIC_DEFAULT" or usage != "ENCRYPT_DECRYPT":
            continue
        if inputs.get("enableKeyRotation") in (UNKNOWN, SECRET):
            continue
        if not is_true(inputs.get("enableKeyRotation")):
            yield Hit(key["urn"], "enableKeyRotation is not true on a symmetric encryption key")


# -- IK-SEC-3-IN-TRANSIT ------------------------------------------------------------------------
def _denies_insecure_transport(policy: Mapping[str, Any]) -> bool:
    document = policy_document(GraphDoc.inputs(policy).get("policy"))
    if document is None:
        return False
    for entry in one_or_many(document.get("Statement")):
        statement = as_dict(entry)
        if statement.get("Effect") != "Deny":
            continue
        condition = as_dict(statement.get("Condition"))
        for operator in ("Bool", "BoolIfExists"):
            values = one_or_many(as_dict(condition.get(operator)).get("aws:SecureTransport"))
            if any(is_false(v) for v in values):
                return True
    return False


#: Parameters that make a database refuse plain connections, by parameter-group family prefix.
TLS_PARAMETERS: dict[str, tuple[str, frozenset[str]]] = {
    "postgres": ("rds.force_ssl", frozenset({"1"})),
    "aurora-postgresql": ("rds.force_ssl", frozenset({"1"})),
    "mysql": ("require_secure_transport", frozenset({"1", "ON", "on", "true"})),
    "aurora-mysql": ("require_secure_transport", frozenset({"1", "ON", "on", "true"})),
}
_PARAMETER_GROUPS = (
    "aws:rds/parameterGroup:ParameterGroup",
    "aws:rds/clusterParameterGroup:ClusterParameterGroup",
)
LISTENER_TYPES = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")


def _parameter_group_problem(record: Mapping[str, Any]) -> str | None:
    inputs = GraphDoc.inputs(record)
    family = inputs.get("family")
    if not isinstance(family, str):
        return None
    match = [p for p in TLS_PARAMETERS if re.fullmatch(re.escape(p) + r"[0-9.]*", family)]
    if not match:
        return None
    name, accepted = TLS_PARAMETERS[match[0]]
    values = [
        as_dict(p).get("value")
        for p in one_or_many(inputs.get("parameters"))
        if as_dict(p).get("name") == name
    ]
    if not values:
        return f"parameter group of family {family} does not set {name}"
    if str(values[-1]) not in accepted:
        return f"{name} is {values[-1]!r}, so the database accepts connections without TLS"
    return None


def _listener_problem(record: Mapping[str, Any]) -> str | None:
    inputs = GraphDoc.inputs(record)
    protocol = str(inputs.get("protocol") or "").upper()
    if protocol == "HTTP":
        for entry in one_or_many(inputs.get("defaultActions")):
            action = as_dict(entry)
            redirect = as_dict(action.get("redirect"))
            if (
                action.get("type") == "redirect"
                and str(redirect.get("protocol")).upper() == "HTTPS"
            ):
                return None
        return "an HTTP listener that does not redirect to HTTPS"
    if protocol in ("HTTPS", "TLS") and not is_set(inputs.get("certificateArn")):
        return f"a {protocol} listener without a certificateArn"
    return None


def _ingress_problem(obj: Mapping[str, Any]) -> str | None:
    metadata = as_dict(obj.get("metadata"))
    annotations = as_dict(metadata.get("annotations"))
    spec = as_dict(obj.get("spec"))
    ingress_class = spec.get("ingressClassName") or annotations.get("kubernetes.io/ingress.class")
    if ingress_class != "alb":
        return None
    certificate = is_set(annotations.get("alb.ingress.kubernetes.io/certificate-arn")) or any(
        as_dict(t).get("hosts") for t in one_or_many(spec.get("tls"))
    )
    raw = annotations.get("alb.ingress.kubernetes.io/listen-ports")
    try:
        ports = json.loads(raw) if isinstance(raw, str) else None
    except json.JSONDecodeError:
        ports = None
    if ports is None:  # the controller's default: HTTPS 443 with a certificate, else HTTP 80
        protocols = {"HTTPS"} if certificate else {"HTTP"}
    else:
        protocols = {str(k).upper() for p in one_or_many(ports) for k in as_dict(p)}
    if "HTTPS" in protocols and not certificate:
        return "an HTTPS listen port without a certificate"
    if "HTTP" in protocols and not is_set(
        annotations.get("alb.ingress.kubernetes.io/ssl-redirect")
    ):
        return "an HTTP listen port without alb.ingress.kubernetes.io/ssl-redirect"
    return None


@rule(
    id="IK-SEC-3-IN-TRANSIT",
    prescription="SEC-3",
    severity=Severity.ERROR,
    title="Data can travel without TLS",
    rationale="""Encryption in transit is only real when plain connections are refused: a bucket
    policy that denies requests without TLS, a database parameter that requires it, caches with
    transit encryption, and load balancers that redirect HTTP to HTTPS and terminate TLS with a
    certificate.""",
    fix="""Use the infra-kit Bucket and Database (both refuse plain connections). Otherwise: add a
    Deny statement with Condition Bool aws:SecureTransport "false" to the bucket policy; set
    rds.force_ssl=1 (PostgreSQL) or require_secure_transport=ON (MySQL) in the parameter group;
    set transit_encryption_enabled on ElastiCache; make HTTP listeners redirect to HTTPS and give
    HTTPS listeners a certificate_arn (on an ALB Ingress: the certificate-arn and ssl-redirect
    annotations).""",
)
def in_transit(graph: GraphDoc) -> Iterator[Hit]:
    policies = bucket_companions(graph, (BUCKET_POLICY_TYPE,))
    for bucket in graph.of_type(*BUCKET_TYPES):
        if not any(_denies_insecure_transport(p) for p in policies.get(bucket["urn"], [])):
            yield Hit(
                bucket["urn"],
                "no bucket policy of this bucket denies requests where aws:SecureTransport is "
                "false",
            )
    for record in graph.custom("aws:"):
        inputs = GraphDoc.inputs(record)
        kind = record["type"]
        problem: str | None = None
        if kind in _PARAMETER_GROUPS:
            problem = _parameter_group_problem(record)
        elif kind in LISTENER_TYPES:
            problem = _listener_problem(record)
        elif kind == "aws:elasticache/replicationGroup:ReplicationGroup" or (
            kind == "aws:elasticache/cluster:Cluster"
            and not is_set(inputs.get("replicationGroupId"))
            and inputs.get("engine") != "memcached"
        ):
            if not is_true(inputs.get("transitEncryptionEnabled")):
                problem = "transitEncryptionEnabled is not true"
        elif kind == "aws:memorydb/cluster:Cluster" and is_false(inputs.get("tlsEnabled")):
            problem = "tlsEnabled is false"
        if problem is not None:
            yield Hit(record["urn"], problem)
    for record, obj in graph.kubernetes_of_kind("Ingress"):
        problem = _ingress_problem(obj)
        if problem is not None:
            yield Hit(record["urn"], f"ALB Ingress with {problem}")
