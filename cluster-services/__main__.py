"""The cluster-services program: what the platform runs on the EKS cluster of one environment.

The platform stack of the same environment (``stacks/__main__.py``) creates the network and the
cluster, whose API endpoint is private; this stack is deployed after it, from where that
endpoint is reachable, and reads its outputs through a StackReference. It installs the default
storage class and the cluster's controllers (cluster autoscaler, load balancer controller,
cert-manager, ExternalDNS and Argo Rollouts), the telemetry collectors, and each app team's
namespace with the team's namespace-scoped access.

Every environment-dependent value comes from the environment profile loaded from
``Pulumi.<stack>.yaml``; this program has no environment checks of its own (ENV-2).
"""

import pulumi

from infra_kit.aws import (
    ClusterServices,
    ClusterServicesArgs,
    Dashboard,
    DashboardArgs,
    OidcIdentity,
)
from infra_kit.aws.alarms import AlarmTopics
from infra_kit.aws.cluster_access import ClusterAccess, ClusterAccessArgs
from infra_kit.aws.platform_access import load_tenant_access
from infra_kit.core.environment import Environment
from infra_kit.k8s import (
    ClusterAlarms,
    ClusterAlarmsArgs,
    Collectors,
    CollectorsArgs,
    Namespace,
    NamespaceArgs,
)
from infra_kit.k8s.preview_access import PreviewNamespaceGuard, PreviewNamespaceGuardArgs

env = Environment.load()
config = pulumi.Config()
# App teams' namespaces and the deploy roles that administer them (ENV-3: refused here when a
# tenant names no role and no identities stack to read one from).
tenancy = load_tenant_access(env)

# The platform of this environment: its cluster, key and identity provider.
platform = pulumi.StackReference(config.require("platform_stack"))
cluster_name = platform.get_output("cluster_name")
key_arn = platform.get_output("kms_key_arn")
oidc = OidcIdentity(
    provider_arn=platform.get_output("oidc_provider_arn"),
    issuer_url=platform.get_output("oidc_issuer_url"),
)

# Named as the platform's cluster was, so its children keep the logical names they had there.
services = ClusterServices(
    "platform",
    ClusterServicesArgs(
        kubeconfig=platform.get_output("kubeconfig"),
        cluster_name=cluster_name,
        vpc_id=platform.get_output("vpc_id"),
        key_arn=key_arn,
        autoscaler_role_arn=platform.get_output("autoscaler_role_arn"),
        load_balancer_controller_role_arn=platform.get_output("load_balancer_controller_role_arn"),
        oidc=oidc,
        # ExternalDNS names ingresses in the platform's one zone, and changes nothing else.
        dns_zone_id=platform.get_output("dns_zone_id"),
        dns_zone_name=platform.get_output("dns_zone_name"),
    ),
    env,
)

# Telemetry from day one (OBS-1): an agent on every node and a gateway exporting to AWS, with
# TLS between them from the cluster's cert-manager (SEC-3).
collectors = Collectors(
    "otel",
    CollectorsArgs(cluster_name=cluster_name, log_kms_key_arn=key_arn),
    env,
    provider=services.k8s_provider,
    oidc=oidc,
    cert_manager=services.cert_manager,
)

# The nodes' CPU and memory, which the collectors publish, alarm to the platform's topics
# (OBS-3): a warning and a critical alarm on each.
ClusterAlarms(
    "cluster",
    ClusterAlarmsArgs(cluster_name=cluster_name, topics=AlarmTopics.from_stack(platform)),
    env,
)

# Each tenant's namespace (restricted pod security, quotas, default-deny traffic) and its
# team's access: admin inside that namespace only, never the platform's cluster admin (SEC-1).
# Tenants' services sit behind ALBs that target their pods' IPs, so their namespaces inject the
# load balancer controller's readiness gates: a rolling update waits for each new pod to be a
# healthy target before it removes an old one (K8S-4).
namespaces = {
    t.namespace: Namespace(
        t.namespace,
        NamespaceArgs(name=t.namespace, enable_alb_readiness_gates=True),
        env,
        provider=services.k8s_provider,
    )
    for t in tenancy.tenants
}
if tenancy.grants:
    ClusterAccess(
        "tenants", ClusterAccessArgs(cluster_name=cluster_name, grants=tenancy.grants), env
    )

# Where pull requests' preview environments run, their deployer may create and delete only
# namespaces named pr-*, each enforcing restricted pod security (ADR 0019).
if env.profile.cluster.hosts_previews:
    PreviewNamespaceGuard(
        "previews", PreviewNamespaceGuardArgs(), env, provider=services.k8s_provider
    )

# Last, so it shows every alarm and graph the components above registered (OBS-4).
dashboard = Dashboard("cluster-services", DashboardArgs(), env)

pulumi.export("environment", env.profile.name)
# The cluster these services run on, which the deploy pipeline verifies the rollouts of.
pulumi.export("cluster_name", cluster_name)
pulumi.export("tenant_namespaces", {ns: n.name for ns, n in namespaces.items()})
pulumi.export("otel_agent_endpoint", collectors.agent_endpoint)
pulumi.export("telemetry_log_groups", {k: g.name for k, g in collectors.log_groups.items()})
# Every container's stdout and stderr, collected on the nodes (OBS-2).
pulumi.export("container_log_group", collectors.container_log_group.name)
pulumi.export("dashboard_name", dashboard.dashboard_name)
