"""orders-service: what an app team writes to run a production-grade service on the platform.

It reads the platform stack of the same environment (cluster, network, OIDC provider, DNS zone,
web ACL and ALB log bucket) through a StackReference, creates its own data key, database, bucket,
secret and public name with its certificate, and deploys an internet-facing web service that
reaches them through its own IAM role. Sizes, retention and protection come from the
environment profile in ``Pulumi.<stack>.yaml``; nothing here depends on which environment it is.

A pull request's preview environment is a stack ``pr-<n>`` of this program on the dev platform
(``preview.stack.yaml``, ADR 0018): its profile gives it a namespace of its own and an expiry.
"""

import pulumi
import pulumi_kubernetes as k8s

from infra_kit.aws import (
    Bucket,
    BucketArgs,
    Dashboard,
    DashboardArgs,
    Database,
    DatabaseArgs,
    Key,
    KeyArgs,
    OidcIdentity,
    RotationArgs,
    Secret,
    SecretArgs,
    SubnetTier,
    subnet_cidr,
)
from infra_kit.aws.alarms import AlarmTopics
from infra_kit.aws.public_name import PublicName, PublicNameArgs
from infra_kit.core.environment import Environment
from infra_kit.k8s import (
    AlbIngress,
    Canary,
    Egress,
    Exposure,
    Namespace,
    NamespaceArgs,
    WebService,
    WebServiceArgs,
    WorkloadAlarms,
)

env = Environment.load()
config = pulumi.Config()

# The platform of this environment: its cluster, network and identity provider.
platform = pulumi.StackReference(config.require("platform_stack"))
isolated_subnets = platform.get_output("isolated_subnet_ids")
az_count = env.profile.network.az_count
k8s_provider = k8s.Provider(
    "platform-cluster",
    k8s.ProviderArgs(kubeconfig=platform.get_output("kubeconfig"), enable_server_side_apply=True),
)
oidc = OidcIdentity(
    provider_arn=platform.get_output("oidc_provider_arn"),
    issuer_url=platform.get_output("oidc_issuer_url"),
)
# Where this service's alarms notify: the environment's warning and critical topics (OBS-3).
alarm_topics = AlarmTopics.from_stack(platform)

# Data at rest under the service's own key (SEC-3).
key = Key(
    "orders-data",
    KeyArgs(
        description="orders-service data: database, documents and secrets",
        # Lambda encrypts the rotation function's environment with it (SEC-3).
        via_services=("lambda", "rds", "s3", "secretsmanager"),
        log_group_access=True,
    ),
    env,
)

database = Database(
    "orders-db",
    DatabaseArgs(
        vpc_id=platform.get_output("vpc_id"),
        subnet_ids=[isolated_subnets.apply(lambda ids, i=i: ids[i]) for i in range(az_count)],
        key=key,
        database_name="orders",
        # Pods run on the cluster's nodes; only they may connect, on 5432 (NET-2).
        allowed_security_group_ids={"eks-nodes": platform.get_output("node_security_group_id")},
        # CPU, free storage and connection alarms (OBS-3).
        alarm_topics=alarm_topics,
    ),
    env,
)

documents = Bucket("orders-documents", BucketArgs(key=key), env)

# The key that signs session tokens: a random value the shipped rotation function can renew on
# its own (SEC-2). The service accepts tokens signed with AWSCURRENT or AWSPREVIOUS, so sessions
# survive a rotation. (A credential issued by a third party is rotated at its issuer instead, with
# a rotation function of its own.)
session_key = Secret(
    "orders-session-key",
    SecretArgs(
        key=key,
        description="HMAC key that signs orders-api sessions",
        rotation=RotationArgs(),
        # Failed and overdue rotations alarm (OBS-3).
        alarm_topics=alarm_topics,
    ),
    env,
)

# The platform's shared `apps` namespace, or, where the profile says so (a preview environment on
# the shared dev cluster), a namespace of this stack's own, named after it (ENV-1). The service's
# ALB targets pod IPs, so its own namespace injects readiness gates, as `apps` does (K8S-4).
namespace: str | Namespace = "apps"
if env.profile.workloads.create_stack_namespace:
    namespace = Namespace(
        env.stack,
        NamespaceArgs(name=env.stack, enable_alb_readiness_gates=True),
        env,
        provider=k8s_provider,
    )

# The service's public name: an ACM certificate for the host, validated by DNS in the platform's
# zone, with expiry alarms (EDGE-1). The host must be in that zone; the Ingress below uses the
# certificate only once ACM has issued it.
public_name = PublicName(
    "orders-public",
    PublicNameArgs(
        host=config.require("host"),
        zone_id=platform.require_output("dns_zone_id"),
        zone_name=platform.require_output("dns_zone_name"),
        alarm_topics=alarm_topics,
    ),
    env,
)

api = WebService(
    "orders-api",
    WebServiceArgs(
        namespace=namespace,
        image=config.require("image"),
        config={"LOG_LEVEL": "info", "DB_NAME": "orders", "DB_USER": "orders_app"},
        secret_arns={"SESSION_KEY_SECRET_ARN": session_key.arn},
        # The service logs in as orders_app with IAM authentication; it never sees the
        # master credentials.
        resource_refs={"DOCUMENTS_BUCKET": documents.name, "DB_HOST": database.address},
        egress_to=[
            Egress.to_cidrs(
                [
                    subnet_cidr(env.profile.network.vpc_cidr, SubnetTier.ISOLATED, i)
                    for i in range(az_count)
                ],
                [5432],
            )
        ],
        # A public API, said so explicitly: behind the environment's web ACL, with access logs
        # in its bucket, HTTP redirected to HTTPS under the TLS 1.3/1.2 policy (EDGE-1, SEC-3).
        ingress=AlbIngress(
            certificate_arn=public_name.certificate_arn,
            exposure=Exposure.INTERNET_FACING,
            hosts=[public_name.host],
            waf_acl_arn=platform.require_output("web_acl_arn"),
            access_log_bucket=platform.require_output("alb_access_log_bucket"),
        ),
        # New versions reach users by canary where the profile runs canaries (stage, prod): an
        # analysis of the ALB's error rate and latency promotes them or rolls them back. Dev and
        # previews keep a surge-only rolling update (DEP-1, DEP-2). Needs the Argo Rollouts
        # controller, which the cluster-services stack installs: deploy it first.
        canary=Canary(),
    ),
    env,
    provider=k8s_provider,
    oidc=oidc,
    # Its SLO burn-rate alerts, and its pods' CPU and memory against their sizing, go to the
    # environment's warning and critical topics (OBS-3).
    alarms=WorkloadAlarms(alarm_topics, platform.get_output("cluster_name")),
)

# Least privilege: exact actions on exactly these resources (SEC-1).
database.grant_connect(api, "orders_app")
documents.grant_read(api)
documents.grant_write(api)
session_key.grant_read(api)

# Last, so it shows every alarm and graph registered above: the service's SLO section (OBS-4).
dashboard = Dashboard("orders", DashboardArgs(), env)

pulumi.export("database_endpoint", database.endpoint)
pulumi.export("database_master_secret_arn", database.master_user_secret_arn)
pulumi.export("documents_bucket", documents.name)
pulumi.export("session_key_secret_arn", session_key.arn)
pulumi.export("api_role_arn", api.iam_role.arn)
pulumi.export("dashboard_name", dashboard.dashboard_name)
# The cluster it runs on: the deploy pipeline's verify step checks its rollouts there.
pulumi.export("cluster_name", platform.require_output("cluster_name"))
if env.expiry is not None:
    # Read by the preview garbage collector (infra-kit preview gc).
    pulumi.export("expires_at", env.expiry.tag_value)
