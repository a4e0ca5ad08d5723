"""The platform program: the shared AWS infrastructure of one environment (dev, stage, prod).

It creates the key, the notification topics and cost budget, the delivery alarms and the
`/health/infrastructure` endpoint, the network and the EKS cluster,
and nothing inside the cluster: the
cluster's API endpoint is private, so what runs on the cluster is deployed afterwards, from
inside the VPC, by the ``cluster-services`` project (``cluster-services/__main__.py``), which
reads this stack's outputs.

Every environment-dependent value comes from the environment profile loaded from
``Pulumi.<stack>.yaml``; this program has no environment checks of its own (ENV-2).
"""

import pulumi

from infra_kit.aws import (
    ApiTunnel,
    ApiTunnelArgs,
    Backups,
    BackupsArgs,
    Bucket,
    BucketArgs,
    BucketPurpose,
    Budget,
    BudgetArgs,
    Cluster,
    ClusterArgs,
    Dashboard,
    DashboardArgs,
    DnsZone,
    DnsZoneArgs,
    Key,
    KeyArgs,
    Network,
    NetworkArgs,
    Notifications,
    NotificationsArgs,
)
from infra_kit.aws.alarms import AlarmTopics
from infra_kit.aws.delivery import DeliveryAlarms, DeliveryAlarmsArgs
from infra_kit.aws.dns_zone import DNS_ZONE_DELEGATION_KEY, dns_zone_from_config
from infra_kit.aws.health import HealthEndpoint, HealthEndpointArgs
from infra_kit.aws.platform_access import load_platform_access
from infra_kit.aws.web_acl import WebAcl, WebAclArgs
from infra_kit.core.environment import Environment
from infra_kit.policy.suppress import suppress

env = Environment.load()
# Who may use the cluster: CI's roles from the identities stack, app teams' namespaces (ENV-3:
# refused here when no role would be cluster admin).
access = load_platform_access(env)

# One customer-managed key per environment (SEC-3): log groups, the cluster's secrets and node
# volumes, and data services use it through their AWS service only.
key = Key(
    "platform",
    KeyArgs(
        description=f"infra-kit platform key of {env.project}/{env.stack}",
        # Lambda: the health function's environment variables (ADR 0021).
        via_services=("backup", "ec2", "eks", "lambda", "rds", "s3", "secretsmanager"),
        log_group_access=True,
        # The services that publish to the notification topic, which this key encrypts (OBS-3).
        service_principals=("backup", "budgets", "cloudwatch", "events"),
        # Auto Scaling launches the node groups' encrypted volumes with this key.
        user_principal_arns=[
            env.arn(
                "iam",
                "role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
                regional=False,
            )
        ],
    ),
    env,
)

# Where alarms, the budget and backups report (OBS-3); subscribers come from the stack file.
notifications = Notifications("alerts", NotificationsArgs(key=key), env)
# A template's placeholder subscriber is accepted only with a written reason from the stack
# file, which `infra-kit check` shows beside the finding (OBS-3).
placeholder_reason = pulumi.Config().get("placeholder_subscriptions_reason")
if placeholder_reason:
    suppress(notifications, "IK-OBS-3-PLACEHOLDER-SUBSCRIPTION", reason=placeholder_reason)
# The environment's monthly budget, alerting the topic at 80% and 100% (COST-1).
budget = Budget("monthly", BudgetArgs(topic_arn=notifications.topic_arn), env)
topics = AlarmTopics(warning=notifications.topic_arn, critical=notifications.critical_topic_arn)
# The deployment success and pipeline failure rates the pipeline publishes (OBS-3, OBS-4).
delivery = DeliveryAlarms("delivery", DeliveryAlarmsArgs(topics=topics), env)
# GET <health_url>, signed with the account's credentials: status, deploys, alarms, rates (ADR 0021).
health = HealthEndpoint(
    "health",
    HealthEndpointArgs(
        key=key,
        topics=AlarmTopics(notifications.topic_arn, notifications.critical_topic_arn),
    ),
    env,
)

# The environment's public domain (EDGE-1): services' names and their certificates' DNS
# validation records live here. Its parent delegates to its name servers once, by hand, on a
# fresh account (README, Deploying for real, step 6; ADR 0024).
zone = DnsZone(
    "public",
    DnsZoneArgs(
        domain=dns_zone_from_config(env),
        # How the parent delegates the zone, once done; until then check warns (EDGE-1).
        delegated_by_hand_reason=pulumi.Config().get(DNS_ZONE_DELEGATION_KEY),
    ),
    env,
)
# One web ACL for every internet-facing ALB of the environment (EDGE-1): the managed rule
# groups and the rate limit; each Ingress names it and the load balancer controller associates
# it with the ALB it creates (ADR 0024).
web_acl = WebAcl("edge", WebAclArgs(key=key), env)
# Where the environment's ALBs write their access logs, each under its own prefix (EDGE-1).
# SSE-S3: the only encryption ALB access log delivery supports (ADR 0010, ADR 0024).
alb_logs = Bucket(
    "alb-access-logs",
    BucketArgs(purpose=BucketPurpose.ACCESS_LOGS, enable_load_balancer_log_delivery=True),
    env,
)

network = Network("core", NetworkArgs(flow_log_key=key), env)

cluster = Cluster(
    "platform",
    ClusterArgs(
        vpc_id=network.vpc_id,
        vpc_cidr=network.vpc_cidr,
        private_subnet_ids=network.private_subnet_ids,
        key=key,
        access_grants=access.grants,
    ),
    env,
)

# CI outside the VPC reaches the private API endpoint through this SSM target (ADR 0017).
tunnel = ApiTunnel(
    "api-tunnel",
    ApiTunnelArgs(
        vpc_id=network.vpc_id,
        vpc_cidr=network.vpc_cidr,
        private_subnet_ids=network.private_subnet_ids,
        key=key,
        cluster_security_group_id=cluster.cluster_security_group_id,
    ),
    env,
)

# One vault, plan and selection per environment (DR-1, DR-2): the selection picks by tag, so it
# also covers the databases and buckets the app stacks of this environment create.
backups = Backups("backups", BackupsArgs(key=key), env)

# Last, so it shows every alarm and graph the components above registered (OBS-4).
dashboard = Dashboard("environment", DashboardArgs(), env)

pulumi.export("environment", env.profile.name)
pulumi.export("kms_key_arn", key.arn)
pulumi.export("alarm_topic_arn", notifications.topic_arn)
pulumi.export("critical_alarm_topic_arn", notifications.critical_topic_arn)
pulumi.export("vpc_id", network.vpc_id)
pulumi.export("vpc_cidr", network.vpc_cidr)
pulumi.export("availability_zones", network.availability_zones)
pulumi.export("public_subnet_ids", network.public_subnet_ids)
pulumi.export("private_subnet_ids", network.private_subnet_ids)
pulumi.export("isolated_subnet_ids", network.isolated_subnet_ids)
pulumi.export("cluster_name", cluster.name)
pulumi.export("cluster_endpoint", cluster.endpoint)
pulumi.export("oidc_provider_arn", cluster.oidc.provider_arn)
pulumi.export("oidc_issuer_url", cluster.oidc.issuer_url)
pulumi.export("kubeconfig", cluster.kubeconfig)
pulumi.export("cluster_security_group_id", cluster.cluster_security_group_id)
pulumi.export("node_security_group_id", cluster.node_security_group_id)
# What cluster-services needs to install the cluster's controllers.
pulumi.export("autoscaler_role_arn", cluster.autoscaler_role.arn)
pulumi.export("load_balancer_controller_role_arn", cluster.load_balancer_controller_role.arn)
pulumi.export("api_tunnel_group_name", tunnel.group_name)
pulumi.export("api_tunnel_security_group_id", tunnel.security_group_id)
pulumi.export("api_tunnel_tag", tunnel.tag)
pulumi.export("backup_vault_name", backups.vault_name)
pulumi.export("health_url", health.url)
pulumi.export("dashboard_name", dashboard.dashboard_name)
# The public zone: services' certificates validate in it, ExternalDNS writes their records in it.
pulumi.export("dns_zone_id", zone.zone_id)
pulumi.export("dns_zone_name", zone.zone_name)
pulumi.export("dns_zone_name_servers", zone.name_servers)
# What an internet-facing AlbIngress names: the WAF and the access-log bucket.
pulumi.export("web_acl_arn", web_acl.arn)
pulumi.export("alb_access_log_bucket", alb_logs.name)
