"""Each readiness answer stands on a small graph with its evidence, and fails without it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra_kit.policy._graph import GraphDoc
from infra_kit.review import SCENARIO_RUNBOOKS, Review, Status, review, subject_of
from infra_kit.review import _cost as cost_answer
from tests.review import graphs as g
from tests.review.conftest import Driver, Estimate

pytestmark = pytest.mark.usefixtures("priced")


def run(app: dict[str, Any] | None = None, *others: dict[str, Any], **kw: Any) -> Review:
    docs = [GraphDoc(o) for o in (others or (g.platform(), g.cluster()))]
    return review(subject_of(GraphDoc(app or g.app()), docs, **kw))


def failed(result: Review) -> set[str]:
    return {a.key for a in result.failures}


def test_every_answer_stands_on_a_graph_with_its_evidence() -> None:
    result = run()
    assert failed(result) == set(), [a.missing for a in result.failures]
    assert result.passed
    assert result.answer("12F-12").status is Status.NOT_SHOWN


def test_node_loss_fails_with_one_replica() -> None:
    app = g.edited(g.app(), "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
                   lambda i: i["spec"].update(minReplicas=1, maxReplicas=10))  # fmt: skip
    result = run(app)
    assert "DOD-1" in failed(result)
    assert any("runs 1 replica" in m for m in result.answer("DOD-1").missing)


def test_node_loss_fails_without_zone_spread() -> None:
    def drop(inputs: dict[str, Any]) -> None:
        inputs["spec"]["template"]["spec"]["topologySpreadConstraints"] = []

    result = run(g.edited(g.app(), "kubernetes:argoproj.io/v1alpha1:Rollout", drop))
    assert {"DOD-1", "RUN-1", "RUN-4"} <= failed(result)
    assert any("topology.kubernetes.io/zone" in m for m in result.answer("DOD-1").missing)


def test_node_loss_fails_without_a_disruption_budget() -> None:
    result = run(g.without(g.app(), "kubernetes:policy/v1:PodDisruptionBudget"))
    assert "DOD-1" in failed(result)
    assert any("PodDisruptionBudget" in m for m in result.answer("DOD-1").missing)


def test_node_loss_fails_with_node_groups_in_one_az() -> None:
    platform = g.platform()
    platform["resources"] = [
        r for r in platform["resources"] if not r["name"].endswith(("-1", "-2"))
    ]
    result = run(None, platform, g.cluster())
    assert {"DOD-1", "RUN-4"} <= failed(result)
    assert any("one AZ only" in m for m in result.answer("DOD-1").missing)


def test_an_unresolved_platform_reference_says_to_pass_its_graph() -> None:
    result = run(None, g.cluster(), unresolved=("organization/platform/prod",))
    for key in ("DOD-1", "DOD-2", "RUN-4"):
        assert any("pass --with-graph <platform graph>" in m for m in result.answer(key).missing)


def test_ten_x_fails_without_an_autoscaler() -> None:
    result = run(g.without(g.app(), "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"))
    assert {"DOD-2", "RUN-2"} <= failed(result)
    assert any("no HorizontalPodAutoscaler" in m for m in result.answer("DOD-2").missing)


def test_ten_x_fails_when_the_hpa_stops_short_of_ten_times() -> None:
    app = g.edited(g.app(), "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
                   lambda i: i["spec"].update(maxReplicas=20))  # fmt: skip
    missing = run(app).answer("DOD-2").missing
    assert missing == (
        "Rollout apps/api scales 3..20 = 6.66667x, below 10x: raise maxReplicas to at least 30 "
        "(profile workloads.max_replicas)",
    )


def test_ten_x_fails_when_the_node_groups_cannot_grow_ten_times() -> None:
    platform = g.edited(g.platform(), "aws:eks/nodeGroup:NodeGroup",
                        lambda i: i["scalingConfig"].update(maxSize=4))  # fmt: skip
    answer = run(None, platform, g.cluster()).answer("DOD-2")
    # 3 groups x 2 desired x 2 vCPU (m6i.large) = 12 vCPU; x 4 max = 24 vCPU: 2x.
    assert (
        "cluster autoscaler bounds: 6 node(s) desired -> 12 max = 12 -> 24 vCPU"
        in (answer.evidence[1])
    )
    assert any("grow 2x, below 10x" in m for m in answer.missing)


def test_ten_x_states_the_arithmetic() -> None:
    evidence = run().answer("DOD-2").evidence
    assert evidence[0] == (
        "Rollout apps/api: HPA 3..30 replicas = 10x; at 30 pods it requests 30 x 100m = 3 vCPU "
        "and 30 x 128Mi = 3.75 GiB"
    )
    assert evidence[1] == (
        "cluster autoscaler bounds: 6 node(s) desired -> 60 max = 12 -> 120 vCPU, 48 -> 480 GiB "
        "= 10x"
    )


def test_failed_deploy_fails_for_a_canary_without_analysis() -> None:
    result = run(g.without(g.app(), "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate"))
    assert {"DOD-3", "RUN-3"} <= failed(result)
    assert any("canary without analysis" in m for m in result.answer("DOD-3").missing)


def test_failed_deploy_fails_without_a_progress_deadline() -> None:
    def drop(inputs: dict[str, Any]) -> None:
        del inputs["spec"]["progressDeadlineSeconds"]

    result = run(g.edited(g.app(), "kubernetes:argoproj.io/v1alpha1:Rollout", drop))
    assert "DOD-3" in failed(result)


def test_failed_deploy_fails_for_a_deployment_that_removes_serving_pods() -> None:
    def as_deployment(inputs: dict[str, Any]) -> None:
        inputs["kind"] = "Deployment"
        inputs["spec"]["strategy"] = {"rollingUpdate": {"maxUnavailable": 1}}

    app = g.edited(g.app(), "kubernetes:argoproj.io/v1alpha1:Rollout", as_deployment)
    app = g.edited(app, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
                   lambda i: i["spec"]["scaleTargetRef"].update(kind="Deployment"))  # fmt: skip
    missing = run(app).answer("DOD-3").missing
    assert any("maxUnavailable 1 lets a bad version remove serving pods" in m for m in missing)


def test_diagnosis_fails_without_a_dashboard() -> None:
    result = run(g.without(g.app(), "aws:cloudwatch/dashboard:Dashboard"))
    assert failed(result) == {"DOD-4"}
    assert "add infra_kit.aws.Dashboard" in result.answer("DOD-4").missing[0]


def test_diagnosis_fails_without_the_cluster_services_graph() -> None:
    result = run(None, g.platform())
    assert {"DOD-4", "12F-11"} <= failed(result)
    assert any("--with-graph <cluster-services graph>" in m for m in result.answer("DOD-4").missing)


def test_cost_fails_when_the_model_prices_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cost_answer, "_estimate", lambda graph: Estimate(0.0, None))
    assert failed(run()) == {"DOD-5"}


def test_cost_fails_when_the_driver_has_no_lever(monkeypatch: pytest.MonkeyPatch) -> None:
    bare = Driver("node groups", 420.0, 0.6, ())
    monkeypatch.setattr(cost_answer, "_estimate", lambda graph: Estimate(700.0, bare))
    assert "no lever for node groups" in run().answer("DOD-5").missing[0]


def test_cost_names_the_driver_and_its_levers() -> None:
    assert run().answer("DOD-5").evidence == (
        "estimated total $700.00/month; largest driver node groups: $420.00/month (60%)",
        "lever: spot for nodes-0 (-150.00 $/month)",
    )


def test_az_outage_fails_with_one_nat_gateway() -> None:
    platform = g.platform()
    platform["resources"] = [
        r for r in platform["resources"] if r["name"] not in ("nat-1", "nat-2")
    ]
    missing = run(None, platform, g.cluster()).answer("RUN-4").missing
    assert any("network.nat_strategy" in m for m in missing)


def test_az_outage_fails_with_a_single_az_database() -> None:
    app = g.edited(g.app(), "aws:rds/instance:Instance", lambda i: i.update(multiAz=False))
    assert failed(run(app)) == {"RUN-4"}


def test_rollback_fails_with_no_revision_kept() -> None:
    app = g.edited(g.app(), "kubernetes:argoproj.io/v1alpha1:Rollout",
                   lambda i: i["spec"].update(revisionHistoryLimit=0))  # fmt: skip
    assert failed(run(app)) == {"RUN-5"}


def test_liveness_probes_are_needed_for_a_pod_failure() -> None:
    def drop(inputs: dict[str, Any]) -> None:
        del inputs["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]

    assert failed(run(g.edited(g.app(), "kubernetes:argoproj.io/v1alpha1:Rollout", drop))) == {
        "RUN-1"
    }


def _container(change: Any) -> dict[str, Any]:
    def edit(inputs: dict[str, Any]) -> None:
        change(inputs["spec"]["template"]["spec"]["containers"][0], inputs["spec"]["template"])

    return g.edited(g.app(), "kubernetes:argoproj.io/v1alpha1:Rollout", edit)


def test_a_literal_secret_fails_config() -> None:
    app = _container(lambda c, _: c["env"].append({"name": "DB_PASSWORD", "value": "hunter2"}))
    result = run(app)
    assert failed(result) == {"12F-3"}
    assert "DB_PASSWORD" in result.answer("12F-3").missing[0]


def test_a_hard_coded_endpoint_fails_backing_services() -> None:
    app = g.edited(g.app(), "kubernetes:argoproj.io/v1alpha1:Rollout", lambda i: None)
    for r in app["resources"]:
        if r["type"] == "kubernetes:argoproj.io/v1alpha1:Rollout":
            r["dependencies"] = []
    assert failed(run(app)) == {"12F-4"}


def test_a_persistent_volume_fails_stateless() -> None:
    app = _container(lambda _, t: t["spec"]["volumes"].append(
        {"name": "data", "persistentVolumeClaim": {"claimName": "data"}}))  # fmt: skip
    assert failed(run(app)) == {"12F-6"}


def test_a_service_targeting_an_undeclared_port_fails_port_binding() -> None:
    app = g.edited(g.app(), "kubernetes:core/v1:Service",
                   lambda i: i["spec"]["ports"][0].update(targetPort="metrics"))  # fmt: skip
    assert failed(run(app)) == {"12F-7"}


def test_a_load_balancer_target_without_pre_stop_fails_disposability() -> None:
    app = _container(lambda c, _: c.pop("lifecycle"))
    result = run(app)
    assert failed(result) == {"12F-9"}
    assert "no preStop hook" in result.answer("12F-9").missing[0]


def test_a_log_file_mount_fails_logs() -> None:
    app = _container(lambda c, _: c["volumeMounts"].append({"name": "x", "mountPath": "/var/log"}))
    assert failed(run(app)) == {"12F-11"}


def test_a_cluster_without_a_log_agent_fails_logs() -> None:
    cluster = g.without(g.cluster(), "kubernetes:apps/v1:DaemonSet")
    assert failed(run(None, g.platform(), cluster)) == {"12F-11"}


def test_a_job_answers_admin_processes() -> None:
    app = g.app()
    app["resources"].append(g.record("orders", "kubernetes:batch/v1:Job", "migrate", {
        "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "migrate"}, "spec": {}}))  # fmt: skip
    assert run(app).answer("12F-12").evidence == ("Jobs: Job migrate",)


def test_a_stack_without_workloads_fails_every_availability_answer() -> None:
    app = g.without(g.app(), "kubernetes:argoproj.io/v1alpha1:Rollout")
    assert {"DOD-1", "DOD-2", "DOD-3", "RUN-3", "RUN-5"} <= failed(run(app))


def test_the_platform_reads_the_cluster_services_of_its_environment() -> None:
    result = review(subject_of(GraphDoc(g.platform()), [GraphDoc(g.cluster())]))
    assert result.graphs == ("platform/prod", "cluster-services/prod")
    assert "DaemonSet apps/otel-agent: one pod per node" in result.answer("DOD-1").evidence[1]


def test_another_environments_cluster_services_are_not_read() -> None:
    subject = subject_of(GraphDoc(g.platform()), [GraphDoc(g.cluster("stage"))])
    assert subject.cluster is None


def test_az_outage_fails_when_the_zone_spread_counts_tainted_nodes() -> None:
    def ignore_taints(inputs: dict[str, Any]) -> None:
        inputs["spec"]["template"]["spec"]["topologySpreadConstraints"][0].pop("nodeTaintsPolicy")

    result = run(g.edited(g.app(), "kubernetes:argoproj.io/v1alpha1:Rollout", ignore_taints))
    assert failed(result) == {"RUN-4"}
    assert "nodeTaintsPolicy: Honor" in result.answer("RUN-4").missing[0]


def test_every_scenario_names_a_runbook_that_exists() -> None:
    root = Path(__file__).resolve().parents[2]
    runbooks = {a.key: a.runbook for a in run().answers if a.runbook is not None}
    assert set(SCENARIO_RUNBOOKS) <= set(runbooks)
    for path in runbooks.values():
        assert (root / str(path)).is_file(), path


def test_a_failed_canary_aborts_after_its_failure_limit_times_its_interval() -> None:
    # The hand-written AnalysisTemplate: failureLimit 2, interval 60s; (2 + 1) x 60 s = 180 s.
    assert (
        "Rollout apps/api: a failing metric aborts 180 s after its failure shows in its data "
        "((2 + 1) x 60 s)"
    ) in run().answer("DOD-3").evidence
