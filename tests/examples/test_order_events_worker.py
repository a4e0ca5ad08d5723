"""The order-events-worker example: a queue consumer, a nightly job and their cache, synthesized
offline in dev and prod.

Expected values come from the prescriptions and the built-in profiles (infra_kit/core/profile:
the ``cache``, ``jobs`` and ``workloads`` rows), from the program's own choices (the schedule,
the visibility timeout) and from the platform stack it reads, never from the components.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from infra_kit.core.engine import Graph
from infra_kit.k8s import restricted_violations
from infra_kit.policy import GraphDoc, check_graph
from tests.conftest import REPO, graph_of
from tests.support import (
    missing_required_tags,
    unjustified_wildcards,
    unprotected_stateful,
    validate_manifests,
)

EXAMPLE = REPO / "examples" / "order-events-worker"
STACKS = ("dev", "prod")
QUEUE = "aws:sqs/queue:Queue"
GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
POLICY = "aws:iam/rolePolicy:RolePolicy"
CACHE_ID = {s: f"order-events-worker-{s}-order-state" for s in STACKS}


@pytest.fixture(scope="module")
def example() -> Callable[[str], Graph]:
    return lambda stack: graph_of(EXAMPLE, stack)


def _objects(graph: Graph, kind: str) -> list[dict[str, Any]]:
    return [o for o in graph.kubernetes_objects() if o["kind"] == kind]


def _one(graph: Graph, kind: str, name: str) -> dict[str, Any]:
    (found,) = [o for o in _objects(graph, kind) if o["metadata"]["name"] == name]
    return found


def _named(graph: Graph, resource_type: str, name: str) -> dict[str, Any]:
    (found,) = [r for r in graph.of_type(resource_type) if r["name"] == name]
    return found


def _job_pod(graph: Graph) -> dict[str, Any]:
    cron = _one(graph, "CronJob", "order-reconcile")
    return cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]


@pytest.mark.parametrize("stack", STACKS)
def test_the_example_synthesizes_a_queue_a_cache_a_worker_and_a_nightly_job(
    stack: str, example: Callable[[str], Graph]
) -> None:
    graph = example(stack)
    components = {r["type"] for r in graph if not r["custom"]}
    assert {
        "infra-kit:aws:Key",
        "infra-kit:aws:Queue",
        "infra-kit:aws:Cache",
        "infra-kit:aws:Dashboard",
        "infra-kit:k8s:Worker",
        "infra-kit:k8s:ScheduledJob",
    } <= components
    kinds = sorted((o["kind"], o["metadata"]["name"]) for o in graph.kubernetes_objects())
    assert [k for k, _ in kinds] == sorted([
        "ConfigMap", "ConfigMap", "CronJob", "Deployment", "HorizontalPodAutoscaler",
        "NetworkPolicy", "NetworkPolicy", "PodDisruptionBudget", "ServiceAccount",
        "ServiceAccount",
    ])  # fmt: skip
    assert {o["metadata"]["namespace"] for o in graph.kubernetes_objects()} == {"apps"}
    assert sorted(q["name"] for q in graph.of_type(QUEUE)) == [
        "order-events",
        "order-events-dead-letters",
    ]


@pytest.mark.parametrize("stack", STACKS)
def test_the_examples_manifests_validate_strictly(
    stack: str, example: Callable[[str], Graph]
) -> None:
    assert validate_manifests(example(stack)) == []


@pytest.mark.parametrize("stack", STACKS)
def test_the_example_passes_check_with_nothing_accepted(
    stack: str, example: Callable[[str], Graph]
) -> None:
    graph = example(stack)
    assert missing_required_tags(graph) == []
    assert unjustified_wildcards(graph) == []
    report = check_graph(GraphDoc(graph.to_contract()))
    assert [f"{f.rule.id} {f.urn}: {f.message}" for f in report.failed] == []
    assert report.accepted == []


@pytest.mark.parametrize("stack", STACKS)
def test_every_taggable_resource_carries_the_teams_tags(
    stack: str, example: Callable[[str], Graph]
) -> None:
    graph = example(stack)
    for resource_type in (QUEUE, GROUP, "aws:kms/key:Key", "aws:iam/role:Role"):
        for record in graph.of_type(resource_type):
            tags = graph.effective_tags(record)
            assert {k: tags.get(k) for k in ("team", "service", "cost-center", "environment")} == {
                "team": "orders",
                "service": "order-events-worker",
                "cost-center": "cc-2001",
                "environment": stack,
            }, record["name"]


def test_prod_protects_and_retains_the_queues_the_cache_and_the_key(
    example: Callable[[str], Graph],
) -> None:
    graph = example("prod")
    assert unprotected_stateful(graph) == []
    for resource_type in (QUEUE, GROUP, "aws:kms/key:Key"):
        for record in graph.of_type(resource_type):
            assert (record["protect"], record["retain_on_delete"]) == (True, True), record["name"]


@pytest.mark.parametrize("stack", STACKS)
def test_the_worker_and_the_job_meet_the_restricted_profile(
    stack: str, example: Callable[[str], Graph]
) -> None:
    graph = example(stack)
    worker = _one(graph, "Deployment", "order-events-worker")["spec"]["template"]["spec"]
    for pod in (worker, _job_pod(graph)):
        assert restricted_violations(pod) == []
        assert pod["automountServiceAccountToken"] is False
        (container,) = pod["containers"]
        # prescription: K8S-1 -- the profile's workloads sizes, the same in every environment.
        assert container["resources"] == {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"cpu": "500m", "memory": "256Mi"},
        }
    digest = stack == "prod"
    for pod in (worker, _job_pod(graph)):
        assert ("@sha256:" in pod["containers"][0]["image"]) is digest


@pytest.mark.parametrize("stack", STACKS)
def test_the_worker_scales_on_cpu_within_the_profiles_bounds_and_has_a_pdb(
    stack: str, example: Callable[[str], Graph]
) -> None:
    graph = example(stack)
    deployment = _one(graph, "Deployment", "order-events-worker")
    assert "replicas" not in deployment["spec"]
    hpa = _one(graph, "HorizontalPodAutoscaler", "order-events-worker")
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == {
        "dev": (1, 10),
        "prod": (3, 30),
    }[stack]
    pdb = _one(graph, "PodDisruptionBudget", "order-events-worker")
    assert pdb["spec"]["maxUnavailable"] == 1


@pytest.mark.parametrize("stack", STACKS)
def test_the_worker_and_the_job_get_the_queue_and_cache_by_reference_and_their_own_cache_user(
    stack: str, example: Callable[[str], Graph]
) -> None:
    graph = example(stack)
    outputs = graph.outputs
    worker = _one(graph, "Deployment", "order-events-worker")["spec"]["template"]["spec"]
    for name, pod in (("worker", worker), ("reconcile", _job_pod(graph))):
        (container,) = pod["containers"]
        env = {e["name"]: e.get("value") for e in container["env"]}
        assert env["QUEUE_URL"] == outputs["queue_url"]
        assert env["CACHE_HOST"] == outputs["cache_endpoint"]
        assert env["CACHE_READER_HOST"] == outputs["cache_reader_endpoint"]
        assert f"deployment.environment={stack}" in env["OTEL_RESOURCE_ATTRIBUTES"]
        (source,) = container["envFrom"]
        config = _one(graph, "ConfigMap", source["configMapRef"]["name"])
        assert config["data"]["CACHE_USER"] == f"{CACHE_ID[stack]}-{name}"
    assert _objects(graph, "Secret") == []


def _statements(graph: Graph, role_arn: str) -> list[tuple[tuple[str, ...], tuple[str, ...], str]]:
    role = role_arn.rsplit("/", 1)[1]
    return sorted(
        (tuple(s["Action"]), tuple(s["Resource"]), json.dumps(s.get("Condition", {})))
        for p in graph.of_type(POLICY)
        if p["inputs"]["role"] == role
        for s in json.loads(p["inputs"]["policy"])["Statement"]
    )


@pytest.mark.parametrize("stack", STACKS)
def test_the_worker_consumes_the_job_sends_and_each_connects_as_its_own_user_only(
    stack: str, example: Callable[[str], Graph]
) -> None:
    graph = example(stack)
    outputs = graph.outputs
    key_arn = _named(graph, QUEUE, "order-events")["inputs"]["kmsMasterKeyId"]
    assert key_arn.startswith("arn:aws:kms:us-east-1:123456789012:key/")
    via_sqs = json.dumps({"StringEquals": {"kms:ViaService": "sqs.us-east-1.amazonaws.com"}})
    account = "arn:aws:elasticache:us-east-1:123456789012"
    cache = f"{account}:replicationgroup:{CACHE_ID[stack]}"
    queue = outputs["queue_arn"]
    assert _statements(graph, outputs["worker_role_arn"]) == sorted([
        (("elasticache:Connect",), (cache, f"{account}:user:{CACHE_ID[stack]}-worker"), "{}"),
        (("kms:Decrypt",), (key_arn,), via_sqs),
        (("sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
          "sqs:GetQueueUrl", "sqs:ReceiveMessage"), (queue,), "{}"),
    ])  # fmt: skip
    assert _statements(graph, outputs["reconcile_role_arn"]) == sorted([
        (("elasticache:Connect",), (cache, f"{account}:user:{CACHE_ID[stack]}-reconcile"), "{}"),
        (("kms:Decrypt", "kms:GenerateDataKey"), (key_arn,), via_sqs),
        (("sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"), (queue,), "{}"),
    ])  # fmt: skip
    # Redriving dead letters is an operator's act: no workload is granted the dead-letter queue.
    assert outputs["dead_letter_queue_arn"] not in json.dumps(
        [p["inputs"]["policy"] for p in graph.of_type(POLICY)]
    )


@pytest.mark.parametrize("stack", STACKS)
def test_a_message_failed_five_times_moves_to_the_dead_letter_queue_which_only_it_feeds(
    stack: str, example: Callable[[str], Graph]
) -> None:
    graph = example(stack)
    queue = _named(graph, QUEUE, "order-events")["inputs"]
    dead = _named(graph, QUEUE, "order-events-dead-letters")["inputs"]
    dead_arn, queue_arn = graph.outputs["dead_letter_queue_arn"], graph.outputs["queue_arn"]
    assert json.loads(queue["redrivePolicy"]) == {
        "deadLetterTargetArn": dead_arn,
        "maxReceiveCount": 5,
    }
    assert queue["visibilityTimeoutSeconds"] == 120
    # The dead letters are kept 14 days, the most SQS allows, to be read and redriven.
    assert dead["messageRetentionSeconds"] == 14 * 24 * 3600
    (allow,) = graph.of_type("aws:sqs/redriveAllowPolicy:RedriveAllowPolicy")
    assert json.loads(allow["inputs"]["redriveAllowPolicy"]) == {
        "redrivePermission": "byQueue",
        "sourceQueueArns": [queue_arn],
    }
    assert queue["kmsMasterKeyId"] == dead["kmsMasterKeyId"]
    assert queue["kmsMasterKeyId"].startswith("arn:aws:kms:us-east-1:123456789012:key/")


def _isolated_cidrs(stack: str) -> list[str]:
    """The CIDR blocks of the isolated subnets of the platform stack the example reads, in AZ
    order: the subnets its ``isolated_subnet_ids`` output lists, where the cache lives."""
    subnets = graph_of(REPO, stack).of_type("aws:ec2/subnet:Subnet")
    isolated = sorted((s for s in subnets if "-isolated-" in s["name"]), key=lambda s: s["name"])
    return [s["inputs"]["cidrBlock"] for s in isolated]


@pytest.mark.parametrize(
    ("stack", "nodes", "node_type", "snapshots"),
    [("dev", 1, "cache.t4g.micro", 1), ("prod", 3, "cache.r7g.large", 14)],
)
def test_dev_runs_one_small_node_and_prod_a_multi_az_group_that_fails_over_and_keeps_snapshots(
    stack: str, nodes: int, node_type: str, snapshots: int, example: Callable[[str], Graph]
) -> None:
    graph = example(stack)
    group = _named(graph, GROUP, "order-state")
    inputs = group["inputs"]
    replicated = nodes > 1
    assert {
        k: inputs.get(k)
        for k in (
            "engine", "nodeType", "numCacheClusters", "automaticFailoverEnabled", "multiAzEnabled",
            "snapshotRetentionLimit", "snapshotWindow", "finalSnapshotIdentifier",
            "atRestEncryptionEnabled", "transitEncryptionEnabled", "transitEncryptionMode", "port",
        )
    } == {
        "engine": "valkey",
        "nodeType": node_type,
        "numCacheClusters": nodes,
        "automaticFailoverEnabled": replicated,
        "multiAzEnabled": replicated,
        "snapshotRetentionLimit": snapshots,
        "snapshotWindow": "04:00-05:00",
        "finalSnapshotIdentifier": f"{CACHE_ID[stack]}-final" if replicated else None,
        "atRestEncryptionEnabled": True,
        "transitEncryptionEnabled": True,
        "transitEncryptionMode": "required",
        "port": 6379,
    }  # fmt: skip
    assert group["protect"] is replicated
    # One subnet per AZ of the environment, every one isolated (NET-1).
    (subnets,) = graph.of_type("aws:elasticache/subnetGroup:SubnetGroup")
    ids = subnets["inputs"]["subnetIds"]
    assert ids == graph_of(REPO, stack).outputs["isolated_subnet_ids"]
    assert len(ids) == {"dev": 2, "prod": 3}[stack]
    # Only the cluster's nodes may connect, on 6379 (NET-2).
    (rule,) = graph.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    node_sg = graph_of(REPO, stack).outputs["node_security_group_id"]
    assert (rule["inputs"]["referencedSecurityGroupId"], rule["inputs"]["fromPort"]) == (
        node_sg,
        6379,
    )
    assert rule["inputs"]["toPort"] == 6379


@pytest.mark.parametrize("stack", STACKS)
def test_the_job_runs_nightly_never_overlaps_and_keeps_failed_runs_to_read(
    stack: str, example: Callable[[str], Graph]
) -> None:
    spec = _one(example(stack), "CronJob", "order-reconcile")["spec"]
    job = spec["jobTemplate"]["spec"]
    # The profile's `jobs` rows: retries and failed runs kept are higher where failures matter.
    backoff, failed = {"dev": (1, 3), "prod": (3, 7)}[stack]
    assert {
        "schedule": spec["schedule"],
        "timeZone": spec["timeZone"],
        "concurrencyPolicy": spec["concurrencyPolicy"],
        "startingDeadlineSeconds": spec["startingDeadlineSeconds"],
        "successfulJobsHistoryLimit": spec["successfulJobsHistoryLimit"],
        "failedJobsHistoryLimit": spec["failedJobsHistoryLimit"],
        "suspend": spec["suspend"],
        "backoffLimit": job["backoffLimit"],
        "activeDeadlineSeconds": job["activeDeadlineSeconds"],
    } == {
        "schedule": "30 2 * * *",
        "timeZone": "Etc/UTC",
        "concurrencyPolicy": "Forbid",
        "startingDeadlineSeconds": 600,
        "successfulJobsHistoryLimit": 3,
        "failedJobsHistoryLimit": failed,
        "suspend": False,
        "backoffLimit": backoff,
        "activeDeadlineSeconds": 3600,
    }
    # A failed Job, its pods and their logs stay until newer runs push them out.
    assert "ttlSecondsAfterFinished" not in job
    assert job["template"]["spec"]["restartPolicy"] == "Never"


@pytest.mark.parametrize("stack", STACKS)
def test_both_network_policies_admit_no_ingress_and_reach_the_cache_only_in_its_subnets(
    stack: str, example: Callable[[str], Graph]
) -> None:
    graph = example(stack)
    (subnets,) = graph.of_type("aws:elasticache/subnetGroup:SubnetGroup")
    assert subnets["inputs"]["subnetIds"] == graph_of(REPO, stack).outputs["isolated_subnet_ids"]
    cache_cidrs = _isolated_cidrs(stack)
    assert len(cache_cidrs) == {"dev": 2, "prod": 3}[stack]
    for name in ("order-events-worker", "order-reconcile"):
        spec = _one(graph, "NetworkPolicy", name)["spec"]
        assert spec["policyTypes"] == ["Ingress", "Egress"]
        assert spec["ingress"] == []
        by_port = {tuple(p["port"] for p in rule["ports"]): rule["to"] for rule in spec["egress"]}
        # DNS, the node's telemetry agent, AWS APIs over HTTPS, and the cache: nothing else.
        assert set(by_port) == {(53, 53), (4317, 4318), (443,), (6379,)}
        assert by_port[6379,] == [{"ipBlock": {"cidr": c}} for c in cache_cidrs]
        (https,) = by_port[443,]
        assert set(cache_cidrs) <= set(https["ipBlock"]["except"])


@pytest.mark.parametrize("stack", STACKS)
def test_the_queue_the_cache_and_the_worker_alarm_to_the_platforms_topics(
    stack: str, example: Callable[[str], Graph]
) -> None:
    graph = example(stack)
    platform = graph_of(REPO, stack).outputs
    topics = {
        "warning": [platform["alarm_topic_arn"]],
        "critical": [platform["critical_alarm_topic_arn"]],
    }
    signals = [
        "order-events-oldest-message", "order-events-dead-letters", "order-state-engine-cpu",
        "order-state-memory", "order-events-worker-cpu", "order-events-worker-memory",
    ]  # fmt: skip
    if stack == "prod":  # only a cache with replicas has a replication lag
        signals.append("order-state-replication-lag")
    alarms = {a["name"]: a["inputs"]["alarmActions"] for a in graph.of_type(
        "aws:cloudwatch/metricAlarm:MetricAlarm"
    )}  # fmt: skip
    assert alarms == {
        f"{signal}-{severity}": topics[severity]
        for signal in signals
        for severity in ("warning", "critical")
    }
    assert graph.outputs["dashboard_name"] == f"{stack}-order-events-worker-{stack}"


def test_the_platforms_kubeconfig_stays_secret_through_the_stack_reference(
    example: Callable[[str], Graph],
) -> None:
    graph = example("dev")
    (provider,) = graph.of_type("pulumi:providers:kubernetes")
    assert provider["secret_paths"] == ["kubeconfig"]
    assert "get-token" not in graph.to_json()


def test_the_readme_lists_every_output_and_config_key() -> None:
    readme = (EXAMPLE / "README.md").read_text(encoding="utf-8")
    for output in graph_of(EXAMPLE, "dev").outputs:
        assert f"`{output}`" in readme, output
    for key in ("platform_stack", "worker_image", "reconcile_image"):
        assert f"`{key}`" in readme, key
