"""Bad and good graphs for each AWS resource rule (see tests/policy/cases.py)."""

from __future__ import annotations

import json
from typing import Any

from infra_kit.policy import GraphDoc
from tests.policy.cases import Case
from tests.policy.graphs import REQUIRED_TAGS, doc, k8s, resource, urn

KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/0000"
BUCKET = "aws:s3/bucket:Bucket"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
POLICY = "aws:s3/bucketPolicy:BucketPolicy"
BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
QUEUE = "aws:sqs/queue:Queue"
VPC = "aws:ec2/vpc:Vpc"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
SG = "aws:ec2/securityGroup:SecurityGroup"
LB = "aws:lb/loadBalancer:LoadBalancer"
EKS = "aws:eks/cluster:Cluster"
SG_INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SG_EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
NODES_SG = "sg-0123456789abcdef0"
PERMISSION = "aws:lambda/permission:Permission"
FUNCTION_URL = "aws:lambda/functionUrl:FunctionUrl"


def depends(record: dict[str, Any], *on: dict[str, Any]) -> dict[str, Any]:
    record["dependencies"] = [r["urn"] for r in on]
    return record


def tls_only(bucket_name: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket_name}", f"arn:aws:s3:::{bucket_name}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }]})  # fmt: skip


def sse_config(bucket_ref: str, algorithm: str = "aws:kms", key: str | None = KEY_ARN) -> dict:
    default: dict[str, Any] = {"sseAlgorithm": algorithm}
    if key is not None:
        default["kmsMasterKeyId"] = key
    rule = {"applyServerSideEncryptionByDefault": default}
    return resource(SSE, f"{bucket_ref}-encryption", {"bucket": bucket_ref, "rules": [rule]})


def full_bucket(name: str = "docs", *, stack: str = "prod") -> list[dict[str, Any]]:
    """A bucket with every companion the rules look for, as the Bucket component makes it."""
    physical = f"{name}-0a1b2c3"
    flags = dict.fromkeys(
        ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"), True
    )
    return [
        resource(BUCKET, name, {"forceDestroy": False}, protect=True, stack=stack),
        sse_config(physical),
        resource(POLICY, f"{name}-policy", {"bucket": physical, "policy": tls_only(physical)}),
        resource(BLOCK, f"{name}-block", {"bucket": physical, **flags}),
    ]


def queue(name: str = "jobs", **kwargs: Any) -> dict[str, Any]:
    return resource(QUEUE, name, {"kmsMasterKeyId": KEY_ARN}, **kwargs)


def network(*, flow_log: bool = True, default_sg: bool = True) -> list[dict[str, Any]]:
    vpc = resource(VPC, "core-vpc", {"cidrBlock": "10.0.0.0/16"})
    out = [vpc]
    if flow_log:
        out.append(depends(resource("aws:ec2/flowLog:FlowLog", "core-flow-log",
                                    {"vpcId": "vpc-1", "trafficType": "ALL"}), vpc))  # fmt: skip
    if default_sg:
        out.append(depends(resource("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
                                    "core-default-sg", {"vpcId": "vpc-1", "ingress": [],
                                                        "egress": []}), vpc))  # fmt: skip
    return out


def log_group(logical: str = "app", **inputs: Any) -> dict[str, Any]:
    base = {"name": f"/app/{logical}", "retentionInDays": 30, "kmsKeyId": KEY_ARN}
    return resource(LOG_GROUP, logical, {**base, **inputs}, protect=True)


KEY = "aws:kms/key:Key"


def logs_key(*prefixes: str) -> dict[str, Any]:
    """A key whose policy lets CloudWatch Logs use it for log groups under ``prefixes``."""
    groups = [f"arn:aws:logs:us-east-1:123456789012:log-group:{p}*" for p in prefixes]
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": ["logs.us-east-1.amazonaws.com"]},
        "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"], "Resource": ["*"],
        "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": groups}},
    }]}  # fmt: skip
    return resource(KEY, "logs", {"policy": json.dumps(policy)}, protect=True)


def keyed_log_group(name: str, key: dict[str, Any]) -> dict[str, Any]:
    """A log group named ``name`` encrypted with ``key`` (depending on it, as an Output does)."""
    return depends(log_group("waf", name=name), key)


def launch_template(tags: dict[str, str]) -> dict[str, Any]:
    specs = [{"resourceType": k, "tags": tags} for k in ("instance", "volume", "network-interface")]
    return resource(LAUNCH_TEMPLATE, "nodes", {"tagSpecifications": specs})


def _u(type_: str, name: str) -> str:
    return urn(type_, name)


def _graph(*records: dict[str, Any] | list[dict[str, Any]], stack: str = "prod") -> GraphDoc:
    flat: list[dict[str, Any]] = []
    for r in records:
        flat.extend(r if isinstance(r, list) else [r])
    return doc(*flat, stack=stack)


CASES: list[Case] = [
    Case(
        "IK-OBS-2-LOG-GROUP-KEY-SCOPE",
        bad=lambda: _graph(
            logs_key("/app/"), keyed_log_group("aws-waf-logs-app-edge", logs_key("/app/"))
        ),
        offending=(_u(LOG_GROUP, "waf"),),
        good=lambda: _graph(
            logs_key("/app/", "aws-waf-logs-app-"),
            keyed_log_group("aws-waf-logs-app-edge", logs_key("/app/", "aws-waf-logs-app-")),
        ),
        label="a WAF log group outside the key's log-group prefixes",
    ),
    Case(
        "IK-TAG-1-REQUIRED",
        bad=lambda: _graph(queue(protect=True, provider=None)),
        offending=(_u(QUEUE, "jobs"),),
        good=lambda: _graph(queue(protect=True)),
        label="a queue outside the tagged provider",
    ),
    Case(
        "IK-TAG-1-CREATED-BY-AWS",
        bad=lambda: _graph(launch_template({"Name": "node"})),
        offending=(_u(LAUNCH_TEMPLATE, "nodes"),),
        good=lambda: _graph(launch_template(REQUIRED_TAGS)),
        label="launch template tag specifications",
    ),
    Case(
        "IK-DR-1-UNPROTECTED",
        bad=lambda: _graph(queue()),
        offending=(_u(QUEUE, "jobs"),),
        good=lambda: _graph(queue(protect=True)),
        label="a hand-written queue in prod",
    ),
    Case(
        "IK-DR-1-DELETION-PROTECTION",
        bad=lambda: _graph(log_group(deletionProtectionEnabled=False)),
        offending=(_u(LOG_GROUP, "app"),),
        good=lambda: _graph(log_group(deletionProtectionEnabled=True)),
        label="a log group in prod",
    ),
    Case(
        "IK-SEC-3-CMK",
        bad=lambda: _graph(resource(QUEUE, "jobs", {"sqsManagedSseEnabled": True}, protect=True)),
        offending=(_u(QUEUE, "jobs"),),
        good=lambda: _graph(queue(protect=True)),
        label="SSE-SQS is not a customer-managed key",
    ),
    Case(
        "IK-SEC-3-KEY-ROTATION",
        bad=lambda: _graph(resource("aws:kms/key:Key", "k", {"enableKeyRotation": False})),
        offending=(_u("aws:kms/key:Key", "k"),),
        good=lambda: _graph(resource("aws:kms/key:Key", "k", {"enableKeyRotation": True})),
    ),
    Case(
        "IK-SEC-3-IN-TRANSIT",
        bad=lambda: _graph([r for r in full_bucket() if r["type"] != POLICY]),
        offending=(_u(BUCKET, "docs"),),
        good=lambda: _graph(full_bucket()),
        label="a bucket without a TLS-only policy",
    ),
    Case(
        "IK-OBS-2-LOG-GROUP",
        bad=lambda: _graph(log_group(retentionInDays=0)),
        offending=(_u(LOG_GROUP, "app"),),
        good=lambda: _graph(log_group()),
        label="a log group that never expires",
    ),
    Case(
        "IK-OBS-2-AUDIT-RETENTION",
        bad=lambda: _graph(log_group("eks", name="/aws/eks/c/cluster", retentionInDays=90)),
        offending=(_u(LOG_GROUP, "eks"),),
        good=lambda: _graph(log_group("eks", name="/aws/eks/c/cluster", retentionInDays=365)),
        label="EKS control-plane logs in prod",
    ),
    Case(
        "IK-NET-3-FLOW-LOGS",
        bad=lambda: _graph(network(flow_log=False)),
        offending=(_u(VPC, "core-vpc"),),
        good=lambda: _graph(network()),
    ),
    Case(
        "IK-NET-2-DEFAULT-SG",
        bad=lambda: _graph(network(default_sg=False)),
        offending=(_u(VPC, "core-vpc"),),
        good=lambda: _graph(network()),
    ),
    Case(
        "IK-NET-2-OPEN-INGRESS",
        bad=lambda: _graph(
            resource(
                SG,
                "web",
                {
                    "ingress": [
                        {
                            "fromPort": 443,
                            "toPort": 443,
                            "protocol": "tcp",
                            "cidrBlocks": ["0.0.0.0/0"],
                        }
                    ]
                },
            )
        ),
        offending=(_u(SG, "web"),),
        good=lambda: _graph(
            resource(
                SG,
                "web",
                {
                    "ingress": [
                        {
                            "fromPort": 443,
                            "toPort": 443,
                            "protocol": "tcp",
                            "cidrBlocks": ["10.0.0.0/16"],
                        }
                    ]
                },
            )
        ),
    ),
    Case(
        "IK-NET-1-PUBLIC-ENDPOINT",
        bad=lambda: _graph([r for r in full_bucket() if r["type"] != BLOCK]),
        offending=(_u(BUCKET, "docs"),),
        good=lambda: _graph(full_bucket()),
        label="a bucket without a public access block",
    ),
    Case(
        "IK-EDGE-1-PUBLIC-LOAD-BALANCER",
        bad=lambda: _graph(
            resource(LB, "edge", {"internal": False}),
            k8s(
                "Ingress",
                "web",
                {},
                metadata={"annotations": {"alb.ingress.kubernetes.io/scheme": "internet-facing"}},
            ),
        ),
        offending=(_u(LB, "edge"), _u("kubernetes:networking.k8s.io/v1:Ingress", "web")),
        good=lambda: _graph(
            resource(LB, "edge", {"internal": True}),
            k8s(
                "Ingress",
                "web",
                {},
                metadata={"annotations": {"alb.ingress.kubernetes.io/scheme": "internal"}},
            ),
        ),
    ),
    Case(
        "IK-COST-2-EKS-UPGRADE-POLICY",
        bad=lambda: _graph(resource(EKS, "eks", {"version": "1.34"}, protect=True)),
        offending=(_u(EKS, "eks"),),
        good=lambda: _graph(
            resource(
                EKS,
                "eks",
                {"version": "1.34", "upgradePolicy": {"supportType": "STANDARD"}},
                protect=True,
            )
        ),
        label="a cluster left to the EXTENDED default",
    ),
    Case(
        "IK-NET-2-ALL-PROTOCOLS",
        bad=lambda: _graph(
            resource(
                SG_INGRESS,
                "nodes-from-nodes",
                {"ipProtocol": "-1", "referencedSecurityGroupId": NODES_SG},
            ),
            resource(
                SG_RULE,
                "legacy",
                {"type": "ingress", "protocol": "all", "fromPort": 0, "toPort": 0, "self": True},
            ),
            resource(SG, "inline", {"ingress": [{"protocol": "-1", "self": True}]}),
        ),
        offending=(_u(SG_INGRESS, "nodes-from-nodes"), _u(SG_RULE, "legacy"), _u(SG, "inline")),
        good=lambda: _graph(
            resource(
                SG_INGRESS,
                "nodes-from-nodes",
                {
                    "ipProtocol": "tcp",
                    "fromPort": 0,
                    "toPort": 65535,
                    "referencedSecurityGroupId": NODES_SG,
                },
            ),
            resource(
                SG_RULE,
                "legacy",
                {"type": "egress", "protocol": "-1", "cidrBlocks": ["10.0.0.0/16"]},
            ),
            resource(SG, "inline", {"egress": [{"protocol": "-1", "self": True}]}),
        ),
        label="node-to-node on protocol -1, in every rule shape",
    ),
    Case(
        "IK-NET-2-OPEN-EGRESS",
        bad=lambda: _graph(
            resource(SG_EGRESS, "nodes-egress", {"ipProtocol": "-1", "cidrIpv4": "0.0.0.0/0"}),
            resource(
                SG_RULE,
                "legacy-v6",
                {"type": "egress", "protocol": "all", "ipv6CidrBlocks": ["::/0"]},
            ),
            resource(
                SG,
                "inline",
                {
                    "egress": [
                        {"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}
                    ]
                },
            ),
        ),
        offending=(_u(SG_EGRESS, "nodes-egress"), _u(SG_RULE, "legacy-v6"), _u(SG, "inline")),
        good=lambda: _graph(
            resource(
                SG_EGRESS,
                "nodes-egress",
                {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIpv4": "0.0.0.0/0"},
            ),
            resource(SG_EGRESS, "in-vpc", {"ipProtocol": "-1", "cidrIpv4": "10.0.0.0/16"}),
            resource(
                SG,
                "inline",
                {
                    "egress": [
                        {
                            "protocol": "tcp",
                            "fromPort": 443,
                            "toPort": 443,
                            "cidrBlocks": ["0.0.0.0/0"],
                        }
                    ]
                },
            ),
        ),
        label="every protocol to 0.0.0.0/0 or ::/0, in every rule shape",
    ),
    Case(
        "IK-SEC-1-OPEN-FUNCTION-INVOKE",
        bad=lambda: _graph(
            resource(
                PERMISSION,
                "anonymous-url",
                {
                    "action": "lambda:InvokeFunctionUrl",
                    "function": "health",
                    "principal": "*",
                    "functionUrlAuthType": "NONE",
                },
            ),
            resource(
                PERMISSION,
                "any-account",
                {
                    "action": "lambda:InvokeFunction",
                    "function": "health",
                    "principal": "*",
                },
            ),
        ),
        offending=(_u(PERMISSION, "anonymous-url"), _u(PERMISSION, "any-account")),
        good=lambda: _graph(
            resource(
                FUNCTION_URL,
                "health-url",
                {
                    "functionName": "health",
                    "authorizationType": "AWS_IAM",
                },
            ),
            resource(
                PERMISSION,
                "rotation-invoke",
                {
                    "action": "lambda:InvokeFunction",
                    "function": "rotation",
                    "principal": "secretsmanager.amazonaws.com",
                    "sourceArn": "arn:aws:secretsmanager:x",
                },
            ),
            resource(
                PERMISSION,
                "org-invoke",
                {
                    "action": "lambda:InvokeFunctionUrl",
                    "function": "health",
                    "principal": "*",
                    "functionUrlAuthType": "AWS_IAM",
                    "principalOrgId": "o-abc123",
                },
            ),
        ),
        label="principal * on a NONE URL, or with no caller condition",
    ),
    Case(
        "IK-NET-1-PUBLIC-ENDPOINT",
        bad=lambda: _graph(
            resource(
                FUNCTION_URL,
                "health-url",
                {
                    "functionName": "health",
                    "authorizationType": "NONE",
                },
            ),
        ),
        offending=(_u(FUNCTION_URL, "health-url"),),
        good=lambda: _graph(
            resource(
                FUNCTION_URL,
                "health-url",
                {
                    "functionName": "health",
                    "authorizationType": "AWS_IAM",
                },
            ),
        ),
        label="a function URL with authorization NONE",
    ),
]
