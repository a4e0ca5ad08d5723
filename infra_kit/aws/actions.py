"""Named lists of exact IAM actions, per service (SEC-1).

Grant helpers draw from these lists rather than from wildcards. Each list is the minimum a
common access pattern needs; none contains a ``*``.
"""

from __future__ import annotations

__all__ = [
    "CLOUDWATCH_DESCRIBE_ALARMS",
    "CLOUDWATCH_GET_METRIC_DATA",
    "CLOUDWATCH_PUT_METRICS",
    "EC2_DESCRIBE_AVAILABILITY_ZONES",
    "EC2_DESCRIBE_INSTANCES",
    "EKS_CLUSTER_CHANGES",
    "ELASTICACHE_CONNECT",
    "IAM_LONG_LIVED_CREDENTIALS",
    "KMS_DECRYPT",
    "KMS_ENCRYPT_DECRYPT",
    "KMS_LOG_ENCRYPTION",
    "KMS_SQS_SEND",
    "KMS_TOPIC_PUBLISH",
    "KMS_VOLUME_ENCRYPTION",
    "LAMBDA_INVOKE_FUNCTION",
    "LAMBDA_INVOKE_FUNCTION_URL",
    "LOGS_WRITE",
    "RDS_CONNECT",
    "ROUTE53_CHANGE_RECORDS",
    "ROUTE53_LIST_RECORDS",
    "ROUTE53_LIST_ZONES",
    "S3_DELETE",
    "S3_READ",
    "S3_STATE_BUCKET_SETTINGS",
    "S3_WRITE",
    "SECRETS_READ",
    "SECRETS_ROTATE",
    "SQS_CONSUME",
    "SQS_SEND",
    "SSM_DESCRIBE_INSTANCE_INFORMATION",
    "SSM_GET_PARAMETERS_BY_PATH",
    "SSM_START_SESSION",
    "SSM_TERMINATE_SESSION",
    "STS_ASSUME_ROLE_WITH_WEB_IDENTITY",
    "XRAY_WRITE",
]

#: Read objects and list one bucket.
S3_READ: tuple[str, ...] = ("s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket")
#: Write objects (no delete, no ACL changes: ACLs are disabled).
S3_WRITE: tuple[str, ...] = (
    "s3:PutObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
)
#: Delete objects.
S3_DELETE: tuple[str, ...] = ("s3:DeleteObject", "s3:DeleteObjectVersion")

#: Decrypt data a service encrypted with a key on the caller's behalf.
KMS_DECRYPT: tuple[str, ...] = ("kms:Decrypt",)
#: Encrypt and decrypt through a service (S3 SSE-KMS, Secrets Manager, CloudWatch Logs).
KMS_ENCRYPT_DECRYPT: tuple[str, ...] = (
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:DescribeKey",
)

#: What a service publishing to an SNS topic encrypted with a key needs of that key: a data key
#: for the message, and decrypting it. SNS asks for ``kms:GenerateDataKey`` only (AWS's examples
#: write ``kms:GenerateDataKey*``, which would also allow the ``WithoutPlaintext`` and ``Pair``
#: variants nobody here calls).
KMS_TOPIC_PUBLISH: tuple[str, ...] = ("kms:Decrypt", "kms:GenerateDataKey")
#: What a producer needs of the key of an encrypted SQS queue: SQS asks KMS for a data key on
#: the producer's behalf, and decrypts it when it reuses one (SQS developer guide, "Configuring
#: KMS permissions for producers").
KMS_SQS_SEND: tuple[str, ...] = ("kms:Decrypt", "kms:GenerateDataKey")

#: What CloudWatch Logs does with a key for a log group. Every call carries the encryption
#: context ``aws:logs:arn`` (the log group's ARN), so a key policy can name the log groups.
#: kms:DescribeKey is not here: it carries no encryption context, so under that condition it
#: would never be allowed.
KMS_LOG_ENCRYPTION: tuple[str, ...] = tuple(
    a for a in KMS_ENCRYPT_DECRYPT if a != "kms:DescribeKey"
)

#: Encrypt and decrypt data keys for EBS volumes (EBS calls GenerateDataKeyWithoutPlaintext to
#: create every encrypted volume).
KMS_VOLUME_ENCRYPTION: tuple[str, ...] = (
    *KMS_ENCRYPT_DECRYPT,
    "kms:GenerateDataKeyWithoutPlaintext",
)

#: Read the current value of a secret.
SECRETS_READ: tuple[str, ...] = ("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret")
#: What a rotation function needs on the one secret it rotates.
SECRETS_ROTATE: tuple[str, ...] = (
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecretVersionStage",
)

#: IAM authentication to an ElastiCache cache as one ElastiCache user: the action is authorized
#: on both the replication group and the user (ElastiCache User Guide, "Authenticating with IAM").
ELASTICACHE_CONNECT: tuple[str, ...] = ("elasticache:Connect",)

#: IAM database authentication.
RDS_CONNECT: tuple[str, ...] = ("rds-db:connect",)

#: Write to existing log streams, and create streams, in a named log group.
LOGS_WRITE: tuple[str, ...] = (
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "logs:DescribeLogStreams",
)

#: Publish traces to X-Ray. These APIs take no resource ARN.
XRAY_WRITE: tuple[str, ...] = (
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
)

#: Publish metrics; PutMetricData takes no resource ARN, scope it with cloudwatch:namespace.
CLOUDWATCH_PUT_METRICS: tuple[str, ...] = ("cloudwatch:PutMetricData",)
#: Read alarms and their states; scope it to alarm ARNs (``alarm:<prefix>*``).
CLOUDWATCH_DESCRIBE_ALARMS: tuple[str, ...] = ("cloudwatch:DescribeAlarms",)
#: Read metric values; GetMetricData takes no resource ARN and no condition key.
CLOUDWATCH_GET_METRIC_DATA: tuple[str, ...] = ("cloudwatch:GetMetricData",)

#: Send messages to one queue (``SendMessageBatch`` is authorized by ``sqs:SendMessage``), and
#: read the attributes and URL a client library asks for first.
SQS_SEND: tuple[str, ...] = ("sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl")
#: Receive, delete and hide messages of one queue while they are processed (the batch calls are
#: authorized by the single ones); no purge, no queue changes.
SQS_CONSUME: tuple[str, ...] = (
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
)

#: Change the records of one hosted zone; authorized against the zone's ARN, and narrowed by the
#: ``route53:ChangeResourceRecordSets*`` condition keys (record types, names, actions).
ROUTE53_CHANGE_RECORDS: tuple[str, ...] = ("route53:ChangeResourceRecordSets",)
#: Read the records of one hosted zone; authorized against the zone's ARN.
ROUTE53_LIST_RECORDS: tuple[str, ...] = ("route53:ListResourceRecordSets",)
#: List the account's hosted zones; takes no resource ARN.
ROUTE53_LIST_ZONES: tuple[str, ...] = ("route53:ListHostedZones",)

#: Read the parameters under one Parameter Store path; authorized against the path's own ARN.
SSM_GET_PARAMETERS_BY_PATH: tuple[str, ...] = ("ssm:GetParametersByPath",)

#: Call a function through its URL; condition it on ``lambda:FunctionUrlAuthType``.
LAMBDA_INVOKE_FUNCTION_URL: tuple[str, ...] = ("lambda:InvokeFunctionUrl",)
#: Invoke a function; function URLs created since October 2025 need it as well as the above
#: (condition it on ``lambda:InvokedViaFunctionUrl`` to allow nothing else).
LAMBDA_INVOKE_FUNCTION: tuple[str, ...] = ("lambda:InvokeFunction",)

#: The one action an IRSA trust policy allows.
STS_ASSUME_ROLE_WITH_WEB_IDENTITY: tuple[str, ...] = ("sts:AssumeRoleWithWebIdentity",)

#: The invoke a network without pinned AZs makes; DescribeAvailabilityZones takes no ARN.
EC2_DESCRIBE_AVAILABILITY_ZONES: tuple[str, ...] = ("ec2:DescribeAvailabilityZones",)
#: Find instances by tag; DescribeInstances takes no ARN.
EC2_DESCRIBE_INSTANCES: tuple[str, ...] = ("ec2:DescribeInstances",)

#: Whether an instance's SSM agent is registered and online (no resource ARN exists).
SSM_DESCRIBE_INSTANCE_INFORMATION: tuple[str, ...] = ("ssm:DescribeInstanceInformation",)

#: Open a Session Manager session (a port forward, with the document check) on an instance.
SSM_START_SESSION: tuple[str, ...] = ("ssm:StartSession",)
#: End a Session Manager session; scope it to the caller's own sessions.
SSM_TERMINATE_SESSION: tuple[str, ...] = ("ssm:TerminateSession",)

#: Creating an IAM user, or a credential of one that does not expire (CICD-2, SEC-1).
IAM_LONG_LIVED_CREDENTIALS: tuple[str, ...] = (
    "iam:CreateUser",
    "iam:CreateAccessKey",
    "iam:UpdateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:CreateServiceSpecificCredential",
    "iam:UploadSigningCertificate",
    "iam:UploadSSHPublicKey",
)

#: Deleting the state bucket, or changing what keeps its objects private, versioned and encrypted.
S3_STATE_BUCKET_SETTINGS: tuple[str, ...] = (
    "s3:DeleteBucket",
    "s3:DeleteBucketPolicy",
    "s3:PutBucketPolicy",
    "s3:PutBucketVersioning",
    "s3:PutEncryptionConfiguration",
    "s3:PutLifecycleConfiguration",
    "s3:PutBucketPublicAccessBlock",
    "s3:PutBucketOwnershipControls",
    "s3:PutBucketLogging",
)

#: Changing who may use an EKS cluster, or its control plane, nodes and add-ons: everything an
#: app team's role must never do, so it cannot grant itself more than its namespace (ADR 0019).
#: Reading (DescribeCluster for a kubeconfig, List*) stays allowed.
EKS_CLUSTER_CHANGES: tuple[str, ...] = (
    "eks:CreateAccessEntry",
    "eks:UpdateAccessEntry",
    "eks:DeleteAccessEntry",
    "eks:AssociateAccessPolicy",
    "eks:DisassociateAccessPolicy",
    "eks:AssociateIdentityProviderConfig",
    "eks:DisassociateIdentityProviderConfig",
    "eks:AssociateEncryptionConfig",
    "eks:CreatePodIdentityAssociation",
    "eks:UpdatePodIdentityAssociation",
    "eks:DeletePodIdentityAssociation",
    "eks:CreateCluster",
    "eks:UpdateClusterConfig",
    "eks:UpdateClusterVersion",
    "eks:DeleteCluster",
    "eks:RegisterCluster",
    "eks:DeregisterCluster",
    "eks:CreateNodegroup",
    "eks:UpdateNodegroupConfig",
    "eks:UpdateNodegroupVersion",
    "eks:DeleteNodegroup",
    "eks:CreateFargateProfile",
    "eks:DeleteFargateProfile",
    "eks:CreateAddon",
    "eks:UpdateAddon",
    "eks:DeleteAddon",
    "eks:CreateCapability",
    "eks:UpdateCapability",
    "eks:DeleteCapability",
)
