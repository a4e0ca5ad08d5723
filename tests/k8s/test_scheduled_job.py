"""ScheduledJob: a CronJob with a Worker's identity, restricted pod, sizes, telemetry and network
policy, and its run settings from the profile's ``jobs`` rows.

Expected values are written from the prescriptions and from the profile's rows
(infra_kit/core/profile/jobs.py and workloads.py), never read back from the component.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from infra_kit.aws.alarms import AlarmTopics
from infra_kit.aws.grants import role_of
from infra_kit.aws.key import Key, KeyArgs
from infra_kit.aws.queue import Queue, QueueArgs
from infra_kit.core.engine import Graph
from infra_kit.errors import ValidationError
from infra_kit.k8s import (
    Collectors,
    CollectorsArgs,
    Egress,
    Namespace,
    NamespaceArgs,
    ScheduledJob,
    ScheduledJobArgs,
    restricted_violations,
)
from infra_kit.k8s._network import AWS_API_REASON
from infra_kit.policy import RULES, GraphDoc, check_graph, rules_for
from tests.k8s.helpers import (
    AGENT_EGRESS,
    DNS_EGRESS,
    IMAGE,
    OIDC,
    SECRET_ARN,
    TAGGED_IMAGE,
    env_of,
    obj,
    synth,
)
from tests.support import validate_manifests

TOPICS = AlarmTopics(
    warning="arn:aws:sns:us-east-1:123456789012:alerts",
    critical="arn:aws:sns:us-east-1:123456789012:alerts-critical",
)
LOG_KEY = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-1111-2222-3333-444455556666"
ISOLATED = {
    "dev": ["10.0.192.0/22", "10.0.196.0/22"],
    "prod": ["10.0.192.0/22", "10.0.196.0/22", "10.0.200.0/22"],
}
#: The profile's ``jobs`` rows per environment, as the prescription asks for them.
JOB_DEFAULTS = {
    "dev": {"backoffLimit": 1, "failedJobsHistoryLimit": 3},
    "prod": {"backoffLimit": 3, "failedJobsHistoryLimit": 7},
}


def _build(env: Any, p: Any) -> None:
    # The platform's collectors, their log groups encrypted as the platform does it.
    collectors = CollectorsArgs(cluster_name="main", log_kms_key_arn=LOG_KEY)
    Collectors("otel", collectors, env, provider=p, oidc=OIDC)
    shop = Namespace("shop", NamespaceArgs(), env, provider=p)
    ScheduledJob(
        "nightly",
        ScheduledJobArgs(
            namespace=shop,
            image=IMAGE,
            schedule="30 2 * * *",
            command=["python", "-m", "orders.report"],
            config={"REPORT_FORMAT": "csv"},
            secret_arns={"DB_SECRET_ARN": SECRET_ARN},
        ),
        env,
        provider=p,
        oidc=OIDC,
    )


@pytest.fixture(scope="module", params=["dev", "prod"])
def graph(request: pytest.FixtureRequest) -> Graph:
    return synth(_build, request.param)


def _cron(graph: Graph, name: str = "nightly") -> dict[str, Any]:
    return obj(graph, "CronJob", name, "shop")


def _pod(graph: Graph, name: str = "nightly") -> dict[str, Any]:
    return _cron(graph, name)["spec"]["jobTemplate"]["spec"]["template"]["spec"]


def test_the_job_has_exactly_its_identity_config_cronjob_and_policy(graph: Graph) -> None:
    job = graph.named("nightly", "infra-kit:k8s:ScheduledJob")
    children = sorted((r["type"].split(":")[-1], r["name"]) for r in graph.children(job["urn"]))
    assert children == [
        ("ConfigMap", "nightly-config"),
        ("CronJob", "nightly-cronjob"),
        ("IrsaRole", "nightly-irsa"),
        ("NetworkPolicy", "nightly-netpol"),
        ("ServiceAccount", "nightly-sa"),
    ]


def test_run_settings_come_from_the_profiles_jobs_rows(graph: Graph) -> None:
    spec = _cron(graph)["spec"]
    job = spec.pop("jobTemplate")["spec"]
    assert spec == {
        "schedule": "30 2 * * *",
        "timeZone": "Etc/UTC",
        "concurrencyPolicy": "Forbid",
        "startingDeadlineSeconds": 600,
        "successfulJobsHistoryLimit": 3,
        "failedJobsHistoryLimit": JOB_DEFAULTS[graph.stack]["failedJobsHistoryLimit"],
        "suspend": False,
    }
    job.pop("template")
    assert job == {
        "backoffLimit": JOB_DEFAULTS[graph.stack]["backoffLimit"],
        "activeDeadlineSeconds": 3600,
    }


def test_a_failed_run_is_kept_for_diagnosis(graph: Graph) -> None:
    # Each retry is a new pod, so failed pods keep their logs; no TTL deletes a failed Job.
    job = _cron(graph)["spec"]["jobTemplate"]["spec"]
    assert job["template"]["spec"]["restartPolicy"] == "Never"
    assert "ttlSecondsAfterFinished" not in job
    assert _cron(graph)["spec"]["failedJobsHistoryLimit"] >= 1


def test_the_pod_meets_the_restricted_profile_field_by_field(graph: Graph) -> None:
    # prescription: SEC-4
    pod = _pod(graph)
    assert restricted_violations(pod) == []
    assert pod["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "runAsGroup": 10001,
        "fsGroup": 10001,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert pod["automountServiceAccountToken"] is False
    assert pod["serviceAccountName"] == "nightly"
    assert pod["enableServiceLinks"] is False
    assert pod["volumes"] == [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}]
    (container,) = pod["containers"]
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert container["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}]


def test_the_container_is_sized_from_the_profile_pinned_and_runs_to_completion(
    graph: Graph,
) -> None:
    # prescription: K8S-1
    (container,) = _pod(graph)["containers"]
    assert container["resources"] == {
        "requests": {"cpu": "100m", "memory": "128Mi"},
        "limits": {"cpu": "500m", "memory": "256Mi"},
    }
    assert container["image"] == IMAGE
    assert container["imagePullPolicy"] == "IfNotPresent"  # pinned by digest
    assert container["command"] == ["python", "-m", "orders.report"]
    # A run-to-completion container: no probes, no port.
    assert not {"startupProbe", "readinessProbe", "livenessProbe", "ports"} & set(container)


def test_the_container_gets_the_otel_environment_config_and_secret_arns(graph: Graph) -> None:
    # prescription: OBS-1, K8S-2, SEC-2
    (container,) = _pod(graph)["containers"]
    env = env_of(container)
    assert list(env) == [
        "K8S_POD_NAME",
        "K8S_NAMESPACE_NAME",
        "K8S_POD_UID",
        "K8S_NODE_NAME",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_PROTOCOL",
        "OTEL_SERVICE_NAME",
        "OTEL_RESOURCE_ATTRIBUTES",
        "DB_SECRET_ARN",
    ]
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == (
        "http://otel-agent.observability.svc.cluster.local:4317"
    )
    assert env["OTEL_EXPORTER_OTLP_PROTOCOL"] == "grpc"
    assert env["OTEL_SERVICE_NAME"] == "nightly"
    assert env["OTEL_RESOURCE_ATTRIBUTES"] == (
        f"service.name=nightly,service.version=1.4.2,deployment.environment={graph.stack},"
        f"deployment.environment.name={graph.stack},k8s.namespace.name=$(K8S_NAMESPACE_NAME),"
        "k8s.pod.name=$(K8S_POD_NAME),k8s.pod.uid=$(K8S_POD_UID),k8s.node.name=$(K8S_NODE_NAME)"
    )
    assert env["K8S_POD_NAME"] == {"fieldRef": {"fieldPath": "metadata.name"}}
    assert env["DB_SECRET_ARN"] == SECRET_ARN
    config = next(
        o
        for o in graph.kubernetes_objects()
        if o["kind"] == "ConfigMap" and o["metadata"]["name"].startswith("nightly-config-")
    )
    assert re.fullmatch(r"nightly-config-[0-9a-f]{8}", config["metadata"]["name"])
    assert config["data"] == {"REPORT_FORMAT": "csv"}
    assert config["immutable"] is True
    assert container["envFrom"] == [{"configMapRef": {"name": config["metadata"]["name"]}}]


def test_the_network_policy_admits_nothing_and_reaches_dns_the_agent_and_aws(graph: Graph) -> None:
    # prescription: NET-5
    policy = obj(graph, "NetworkPolicy", "nightly", "shop")
    labels = _cron(graph)["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
    selector = policy["spec"]["podSelector"]["matchLabels"]
    assert selector == {
        "app.kubernetes.io/name": "nightly",
        "app.kubernetes.io/instance": "nightly",
    }
    assert all(labels[k] == v for k, v in selector.items())
    assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert policy["spec"]["ingress"] == []
    aws_apis = {
        "to": [
            {
                "ipBlock": {
                    "cidr": "0.0.0.0/0",
                    "except": ["169.254.0.0/16", *ISOLATED[graph.stack]],
                }
            }
        ],
        "ports": [{"port": 443, "protocol": "TCP"}],
    }
    assert policy["spec"]["egress"] == [DNS_EGRESS, AGENT_EGRESS, aws_apis]
    assert policy["metadata"]["annotations"] == {"infra-kit.io/egress-reasons": AWS_API_REASON}


def test_the_irsa_role_trusts_the_jobs_service_account_and_takes_grants(graph: Graph) -> None:
    # prescription: SEC-1
    role = graph.named("nightly-irsa", "aws:iam/role:Role")
    (statement,) = json.loads(role["inputs"]["assumeRolePolicy"])["Statement"]
    host = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE"
    assert statement["Condition"] == {
        "StringEquals": {
            f"{host}:sub": "system:serviceaccount:shop:nightly",
            f"{host}:aud": "sts.amazonaws.com",
        }
    }
    account = obj(graph, "ServiceAccount", "nightly", "shop")
    assert account["automountServiceAccountToken"] is False
    assert re.fullmatch(
        r"arn:aws:iam::123456789012:role/nightly-irsa-[0-9a-f]{7}",
        account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"],
    )


def test_a_queue_grants_consume_to_the_jobs_role() -> None:
    def build(env: Any, p: Any) -> None:
        args = ScheduledJobArgs(namespace="shop", image=IMAGE, schedule="@hourly")
        job = ScheduledJob("drain", args, env, provider=p, oidc=OIDC)
        key = Key("data", KeyArgs(description="queue data", via_services=["sqs"]), env)
        Queue("work", QueueArgs(key=key, alarm_topics=TOPICS), env).grant_consume(job)

    graph = synth(build)
    grant = graph.named("drain-irsa-work-consume", "aws:iam/rolePolicy:RolePolicy")
    role = graph.named("drain-irsa", "aws:iam/role:Role")
    # The policy is attached to the job's own role (its auto-named physical name).
    assert role["urn"] in grant["dependencies"]
    assert re.fullmatch(r"drain-irsa-[0-9a-f]{7}", grant["inputs"]["role"])
    statements = json.loads(grant["inputs"]["policy"])["Statement"]
    assert statements[0]["Action"] == [
        "sqs:ChangeMessageVisibility",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
        "sqs:ReceiveMessage",
    ]


def test_the_manifests_are_valid_and_every_check_passes(graph: Graph) -> None:
    assert validate_manifests(graph) == []
    rules_for()
    report = check_graph(GraphDoc(graph.to_contract()), list(RULES.values()))
    assert [f"{f.urn}: {f.message}" for f in report.failed] == []


def _job(environment: str = "dev", oidc: Any = None, **fields: Any) -> Graph:
    args = ScheduledJobArgs(**{"namespace": "shop", "image": IMAGE, "schedule": "@daily", **fields})
    return synth(
        lambda env, p: ScheduledJob("report", args, env, provider=p, oidc=oidc), environment
    )


def test_every_run_setting_can_be_given() -> None:
    graph = _job(
        time_zone="Europe/Paris",
        concurrency_policy="Replace",
        starting_deadline_seconds=120,
        active_deadline_seconds=7200,
        backoff_limit=0,
        successful_jobs_history_limit=1,
        failed_jobs_history_limit=10,
        suspend=True,
    )
    spec = _cron(graph, "report")["spec"]
    job = spec.pop("jobTemplate")["spec"]
    assert spec == {
        "schedule": "@daily",
        "timeZone": "Europe/Paris",
        "concurrencyPolicy": "Replace",
        "startingDeadlineSeconds": 120,
        "successfulJobsHistoryLimit": 1,
        "failedJobsHistoryLimit": 10,
        "suspend": True,
    }
    assert (job["backoffLimit"], job["activeDeadlineSeconds"]) == (0, 7200)
    assert validate_manifests(graph) == []


def test_without_a_role_the_job_reaches_only_dns_the_agent_and_declared_destinations() -> None:
    graph = _job(egress_to=[Egress.to_cidrs(["10.0.64.0/20"], [5432])])
    policy = obj(graph, "NetworkPolicy", "report", "shop")
    assert policy["spec"]["egress"] == [
        DNS_EGRESS,
        AGENT_EGRESS,
        {
            "to": [{"ipBlock": {"cidr": "10.0.64.0/20"}}],
            "ports": [{"port": 5432, "protocol": "TCP"}],
        },
    ]
    assert "annotations" not in policy["metadata"]
    account = obj(graph, "ServiceAccount", "report", "shop")
    assert "annotations" not in account["metadata"]


def test_a_tag_is_pulled_always_where_the_profile_accepts_it() -> None:
    # prescription: SEC-4
    graph = _job(image=TAGGED_IMAGE)
    (container,) = _pod(graph, "report")["containers"]
    assert (container["image"], container["imagePullPolicy"]) == (TAGGED_IMAGE, "Always")


def test_a_job_without_aws_access_refuses_grants() -> None:
    seen: list[ValidationError] = []

    def build(env: Any, p: Any) -> None:
        args = ScheduledJobArgs(namespace="shop", image=IMAGE, schedule="@hourly")
        job = ScheduledJob("report", args, env, provider=p)
        with pytest.raises(ValidationError) as info:
            role_of(job)
        seen.append(info.value)

    synth(build)
    assert "grantee='report': the workload was created without AWS access" in str(seen[0])
