"""order-events-worker: a background worker, a nightly job and the cache they share.

What an app team writes for work that nobody calls over HTTP. Order events arrive on a queue
(other services send them); a worker consumes them and keeps each order's latest state in a
cache; every night a job compares the cache with what the worker finished and puts the events
of orders that stalled back on the queue. A message the worker fails on five times moves to the
queue's dead-letter queue, which alarms, instead of being retried forever or lost.

It reads the platform stack of the same environment (cluster, network, OIDC provider, alarm
topics) through a StackReference and creates its own key, queue, cache, worker, job and
dashboard. Sizes, replicas, retention and protection come from the environment profile in
``Pulumi.<stack>.yaml``; nothing here depends on which environment it is.
"""

import pulumi
import pulumi_kubernetes as k8s

from infra_kit.aws import (
    Cache,
    CacheArgs,
    Dashboard,
    DashboardArgs,
    Key,
    KeyArgs,
    OidcIdentity,
    Queue,
    QueueArgs,
    SubnetTier,
    subnet_cidr,
)
from infra_kit.aws.alarms import AlarmTopics
from infra_kit.core.environment import Environment
from infra_kit.k8s import (
    Egress,
    ScheduledJob,
    ScheduledJobArgs,
    Worker,
    WorkerArgs,
    WorkloadAlarms,
)

env = Environment.load()
config = pulumi.Config()

# The platform of this environment: its cluster, network, identity provider and alarm topics.
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
# Where every alarm below notifies: the environment's warning and critical topics (OBS-3).
alarm_topics = AlarmTopics.from_stack(platform)

# Messages and the cache's disk and snapshots under the worker's own key (SEC-3).
key = Key(
    "order-events-data",
    KeyArgs(
        description="order-events-worker data: queue messages and cache snapshots",
        via_services=("sqs", "elasticache"),
    ),
    env,
)

# Order events, and a dead-letter queue for those the worker fails on five times. Alarms on the
# age of the oldest message (the worker falls behind) and on any dead letter (OBS-3).
events = Queue(
    "order-events",
    QueueArgs(
        key=key,
        # Above the longest the worker takes on one event, so no event is handled twice.
        visibility_timeout_seconds=120,
        alarm_topics=alarm_topics,
    ),
    env,
)

# The latest state of each order, in the platform's isolated subnets (NET-1). Only the cluster's
# nodes reach it, on 6379 (NET-2); who may log in is decided by IAM (the grants below).
cache = Cache(
    "order-state",
    CacheArgs(
        subnet_ids=[isolated_subnets.apply(lambda ids, i=i: ids[i]) for i in range(az_count)],
        vpc_id=platform.get_output("vpc_id"),
        key=key,
        allowed_security_group_ids={"eks-nodes": platform.get_output("node_security_group_id")},
        alarm_topics=alarm_topics,
    ),
    env,
)

# Pods reach the cache only in the subnets it lives in, on its port (NET-5).
to_cache = Egress.to_cidrs(
    [subnet_cidr(env.profile.network.vpc_cidr, SubnetTier.ISOLATED, i) for i in range(az_count)],
    [cache.port],
)
cache_refs = {
    "CACHE_HOST": cache.endpoint,
    "CACHE_READER_HOST": cache.reader_endpoint,
}

# The consumer: a Deployment with an HPA and a PDB, restricted, with its own IRSA role (SEC-1,
# SEC-4, K8S-1..3). Its pods' CPU and memory alarm against their sizing (OBS-3).
worker = Worker(
    "order-events-worker",
    WorkerArgs(
        namespace="apps",
        image=config.require("worker_image"),
        config={"LOG_LEVEL": "info", "CACHE_USER": cache.user_name("worker")},
        resource_refs={"QUEUE_URL": events.url, **cache_refs},
        egress_to=[to_cache],
    ),
    env,
    provider=k8s_provider,
    oidc=oidc,
    alarms=WorkloadAlarms(alarm_topics, platform.get_output("cluster_name")),
)

# Every night at 02:30 UTC: put the events of orders that stalled back on the queue. A run that
# overlaps the next is skipped, and failed runs stay to be read (the profile's `jobs` section).
reconcile = ScheduledJob(
    "order-reconcile",
    ScheduledJobArgs(
        namespace="apps",
        image=config.require("reconcile_image"),
        schedule="30 2 * * *",
        config={"LOG_LEVEL": "info", "CACHE_USER": cache.user_name("reconcile")},
        resource_refs={"QUEUE_URL": events.url, **cache_refs},
        egress_to=[to_cache],
    ),
    env,
    provider=k8s_provider,
    oidc=oidc,
)

# Least privilege: exact actions on exactly these resources (SEC-1). The worker consumes and the
# job sends; neither may touch the dead-letter queue, whose redrive is an operator's act. Each
# logs in to the cache as its own user.
events.grant_consume(worker)
events.grant_send(reconcile)
cache.grant_connect(worker, "worker")
cache.grant_connect(reconcile, "reconcile")

# Last, so it shows every alarm and graph registered above (OBS-4).
dashboard = Dashboard("order-events", DashboardArgs(), env)

pulumi.export("queue_url", events.url)
pulumi.export("queue_arn", events.arn)
pulumi.export("dead_letter_queue_arn", events.dead_letter_arn)
pulumi.export("cache_endpoint", cache.endpoint)
pulumi.export("cache_reader_endpoint", cache.reader_endpoint)
pulumi.export("worker_role_arn", worker.iam_role.arn)
pulumi.export("reconcile_role_arn", reconcile.iam_role.arn)
pulumi.export("dashboard_name", dashboard.dashboard_name)
# The cluster it runs on: the deploy pipeline's verify step checks its rollouts there.
pulumi.export("cluster_name", platform.require_output("cluster_name"))
