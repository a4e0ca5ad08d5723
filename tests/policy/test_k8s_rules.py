"""Edge cases of the Kubernetes rules, beyond their bad/good cases in cases_k8s."""

from __future__ import annotations

import copy
import sys
from typing import Any

import pytest

from infra_kit.policy import RULES, GraphDoc, rules_for
from infra_kit.policy.rules import availability, manifests, pods
from tests.policy.cases_k8s import (
    DIGEST,
    LABELS,
    NAMESPACE,
    ZONE_SPREAD,
    app,
    container,
    default_deny,
    deployment,
    graph,
    helm_release,
    hpa,
    namespace,
    pdb,
    pod_spec,
    service,
)
from tests.policy.graphs import k8s, resource

rules_for()


def hits(graph_: GraphDoc, rule_id: str) -> list[tuple[str, str]]:
    return sorted((h.urn, h.message) for h in RULES[rule_id].run(graph_))


def messages(graph_: GraphDoc, rule_id: str) -> str:
    return "\n".join(m for _, m in hits(graph_, rule_id))


def job_template(pod: dict[str, Any]) -> dict[str, Any]:
    return {"template": {"metadata": {"labels": dict(LABELS)}, "spec": pod}}


# -- SEC-4: the restricted profile ----------------------------------------------------------------
def restricted(spec: dict[str, Any], **kwargs: Any) -> list[str]:
    return pods.restricted_violations(spec, **kwargs)


def test_a_restricted_pod_spec_has_no_violations() -> None:
    assert restricted(pod_spec()) == []


def with_context(**ctx: Any) -> dict[str, Any]:
    base = container()["securityContext"]
    return pod_spec(containers=[container(securityContext={**base, **ctx})])


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (pod_spec(hostPID=True), "spec.hostPID is true"),
        (pod_spec(hostIPC=True), "spec.hostIPC is true"),
        (with_context(privileged=True), "securityContext.privileged is true"),
        (with_context(allowPrivilegeEscalation=True), "allowPrivilegeEscalation is not false"),
        (with_context(runAsUser=0), "containers[app].securityContext.runAsUser is 0"),
        (with_context(runAsNonRoot=False), "containers[app].securityContext.runAsNonRoot is false"),
        (
            with_context(capabilities={"drop": ["NET_RAW"]}),
            "capabilities.drop does not include ALL",
        ),
        (
            with_context(capabilities={"drop": ["ALL"], "add": ["SYS_ADMIN", "NET_BIND_SERVICE"]}),
            "capabilities.add adds SYS_ADMIN",
        ),
        (
            with_context(seccompProfile={"type": "Unconfined"}),
            "seccompProfile.type is 'Unconfined'",
        ),
        (with_context(procMount="Unmasked"), "procMount is 'Unmasked'"),
        (with_context(appArmorProfile={"type": "Unconfined"}), "appArmorProfile.type"),
        (with_context(seLinuxOptions={"type": "spc_t"}), "seLinuxOptions.type is 'spc_t'"),
        (with_context(seLinuxOptions={"user": "system_u"}), "seLinuxOptions.user is set"),
        (with_context(windowsOptions={"hostProcess": True}), "hostProcess is true"),
        (
            pod_spec(volumes=[{"name": "docker", "hostPath": {"path": "/var/run"}}]),
            "spec.volumes[docker] is of type hostPath",
        ),
        (pod_spec(volumes=[{"name": "n", "nfs": {"server": "x"}}]), "is of type nfs"),
        (
            pod_spec(containers=[container(ports=[{"containerPort": 80, "hostPort": 80}])]),
            "sets hostPort 80",
        ),
        (
            pod_spec(
                securityContext={"runAsNonRoot": True, "sysctls": [{"name": "kernel.msgmax"}]}
            ),
            "sysctls sets kernel.msgmax",
        ),
        (
            pod_spec(
                containers=[
                    container(readinessProbe={"httpGet": {"path": "/", "port": 80, "host": "x"}})
                ]
            ),
            "readinessProbe.httpGet.host is set",
        ),
    ],
)
def test_each_field_the_restricted_profile_forbids_is_named_with_its_path(
    spec: dict[str, Any], expected: str
) -> None:
    problems = restricted(spec)
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(
    "spec",
    [
        with_context(capabilities={"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}),
        with_context(seccompProfile={"type": "Localhost", "localhostProfile": "p.json"}),
        with_context(seLinuxOptions={"type": "container_init_t"}),
        pod_spec(securityContext={"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"},
                                  "sysctls": [{"name": "net.ipv4.tcp_keepalive_time"}]}),
        pod_spec(volumes=[{"name": "c", "configMap": {"name": "c"}}, {"name": "s", "secret": {}}]),
    ],
)  # fmt: skip
def test_what_the_restricted_profile_allows_passes(spec: dict[str, Any]) -> None:
    assert restricted(spec) == []


def test_pod_level_non_root_and_seccomp_cover_containers_that_leave_them_unset() -> None:
    bare = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
    assert restricted(pod_spec(containers=[container(securityContext=bare)])) == []
    unset_pod = pod_spec(securityContext={}, containers=[container(securityContext=bare)])
    problems = restricted(unset_pod)
    assert any("runAsNonRoot is not true" in p for p in problems)
    assert any("seccompProfile.type is unset" in p for p in problems)


def test_a_host_field_in_a_probe_is_allowed_before_kubernetes_1_34() -> None:
    probe = {"httpGet": {"path": "/", "port": 80, "host": "10.0.0.1"}}
    spec = pod_spec(containers=[container(livenessProbe=probe)])
    assert restricted(spec, kubernetes_version=(1, 33)) == []
    assert restricted(spec, kubernetes_version=(1, 34)) != []


def test_windows_pods_are_exempt_from_the_linux_only_controls() -> None:
    spec = pod_spec(os={"name": "windows"}, containers=[container(securityContext={})])
    spec["securityContext"] = {"runAsNonRoot": True}
    assert restricted(spec) == []


def test_an_unconfined_apparmor_annotation_is_a_violation() -> None:
    key = "container.apparmor.security.beta.kubernetes.io/app"
    assert restricted(pod_spec(), annotations={key: "unconfined"}) == [
        f"annotation {key} is 'unconfined'"
    ]
    assert restricted(pod_spec(), annotations={key: "localhost/profile"}) == []


def test_one_hit_per_workload_lists_every_violated_field_including_init_and_ephemeral() -> None:
    bad = {"privileged": True}
    spec = pod_spec(
        hostNetwork=True,
        initContainers=[container("init", securityContext=bad)],
        ephemeralContainers=[{"name": "debug", "image": "busybox", "securityContext": bad}],
    )
    found = hits(graph(deployment(pod=spec)), "IK-SEC-4-RESTRICTED")
    assert len(found) == 1
    message = found[0][1]
    for path in (
        "spec.template.spec.hostNetwork is true",
        "spec.template.spec.initContainers[init].securityContext.privileged is true",
        "spec.template.spec.ephemeralContainers[debug].securityContext.privileged is true",
    ):
        assert path in message


def test_cronjob_job_and_pod_templates_are_read_at_their_own_paths() -> None:
    bad = pod_spec(hostPID=True, restartPolicy="Never")
    cron = k8s(
        "CronJob", "nightly", {"schedule": "0 1 * * *", "jobTemplate": {"spec": job_template(bad)}}
    )
    job = k8s("Job", "once", job_template(bad))
    pod = k8s("Pod", "bare", bad)
    found = hits(graph(cron, job, pod), "IK-SEC-4-RESTRICTED")
    assert [u for u, _ in found] == sorted([cron["urn"], job["urn"], pod["urn"]])
    text = "\n".join(m for _, m in found)
    assert "spec.jobTemplate.spec.template.spec.hostPID is true" in text
    assert "Job apps/once is not restricted: spec.template.spec.hostPID" in text
    assert "Pod apps/bare is not restricted: spec.hostPID is true" in text  # fmt: skip


def test_redacted_security_values_are_not_judged() -> None:
    spec = pod_spec(containers=[container(securityContext="[unknown]")])
    assert restricted(spec) == []


# -- SEC-4: image digests ---------------------------------------------------------------------
def test_digests_are_required_only_where_the_profile_says_so() -> None:
    tagged = deployment(pod=pod_spec(containers=[container(image="registry.example/app:1.0")]))
    assert hits(graph(tagged, stack="dev"), "IK-SEC-4-IMAGE-DIGEST") == []
    assert len(hits(graph(tagged), "IK-SEC-4-IMAGE-DIGEST")) == 1


def test_init_container_images_and_malformed_digests_are_found() -> None:
    spec = pod_spec(
        initContainers=[container("migrate", image="registry.example/m:1@sha256:abc")],
    )
    message = messages(graph(deployment(pod=spec)), "IK-SEC-4-IMAGE-DIGEST")
    assert "initContainers[migrate] runs 'registry.example/m:1@sha256:abc'" in message
    assert "containers[app]" not in message.replace("initContainers[migrate]", "")


def test_an_unknown_image_is_not_judged() -> None:
    spec = pod_spec(containers=[container(image="[unknown]")])
    assert hits(graph(deployment(pod=spec)), "IK-SEC-4-IMAGE-DIGEST") == []


def test_helm_images_are_found_nested_and_a_digest_in_the_tag_is_accepted() -> None:
    values = {
        "controller": {"image": {"repository": "r/c", "tag": "v1"}},
        "webhook": {"image": {"repository": "r/w", "tag": f"v1{DIGEST}"}},
    }
    message = messages(graph(helm_release("x", values)), "IK-SEC-4-IMAGE-DIGEST")
    assert "values.controller.image (tag 'v1', no digest)" in message
    assert "webhook" not in message


# -- SEC-4: service-account tokens ------------------------------------------------------------
def agent(mount: bool) -> dict[str, Any]:
    spec = pod_spec(automountServiceAccountToken=mount, serviceAccountName="agent")
    return k8s("DaemonSet", "agent", {"template": {"metadata": {"labels": LABELS}, "spec": spec}})


def test_a_mounted_token_needs_a_binding_that_grants_its_account_something() -> None:
    found = hits(graph(agent(True)), "IK-SEC-4-SERVICE-ACCOUNT-TOKEN")
    assert len(found) == 1
    assert "service account apps/agent, which no RoleBinding" in found[0][1]
    binding = k8s(
        "ClusterRoleBinding", "agent", namespace=None, api_version="rbac.authorization.k8s.io/v1",
        roleRef={"kind": "ClusterRole", "name": "agent", "apiGroup": "rbac.authorization.k8s.io"},
        subjects=[{"kind": "ServiceAccount", "name": "agent", "namespace": NAMESPACE}],
    )  # fmt: skip
    assert hits(graph(agent(True), binding), "IK-SEC-4-SERVICE-ACCOUNT-TOKEN") == []
    assert hits(graph(agent(False)), "IK-SEC-4-SERVICE-ACCOUNT-TOKEN") == []


# -- K8S-1: resources -------------------------------------------------------------------------
def test_init_containers_need_resources_too_but_ephemeral_containers_cannot_have_them() -> None:
    spec = pod_spec(
        initContainers=[container("migrate", resources={"requests": {"cpu": "1"}})],
        ephemeralContainers=[{"name": "debug", "image": "busybox"}],
    )
    message = messages(graph(deployment(pod=spec)), "IK-K8S-1-RESOURCES")
    assert message.endswith(
        "initContainers[migrate] has no requests.memory, limits.cpu, limits.memory"
    )
    assert "debug" not in message


def test_job_containers_need_resources() -> None:
    spec = pod_spec(containers=[container(resources=None)], restartPolicy="Never")
    job = k8s("Job", "once", job_template(spec))
    found = hits(graph(job), "IK-K8S-1-RESOURCES")
    assert [u for u, _ in found] == [job["urn"]]


def test_a_helm_release_with_partial_resources_names_what_is_missing() -> None:
    release = helm_release("lbc", {"resources": {"requests": {"cpu": "100m", "memory": "1Gi"}}})
    assert messages(graph(release), "IK-K8S-1-RESOURCES") == (
        "Helm release lbc (chart lbc): values.resources has no limits.cpu, limits.memory"
    )


def test_a_helm_release_whose_values_are_unknown_is_skipped() -> None:
    assert hits(graph(helm_release("lbc", "[unknown]")), "IK-K8S-1-RESOURCES") == []


# -- K8S-1: probes ----------------------------------------------------------------------------
def test_identical_probes_are_found_even_when_one_spells_out_the_defaults() -> None:
    probe = {"httpGet": {"path": "/healthz", "port": 8080}}
    same = {**probe, "periodSeconds": 10, "failureThreshold": 3}
    spec = pod_spec(containers=[container(readinessProbe=probe, livenessProbe=same)])
    assert messages(graph(deployment(pod=spec)), "IK-K8S-1-PROBES").endswith(
        "containers[app]: readinessProbe equals livenessProbe"
    )


def test_jobs_and_init_containers_need_no_probes() -> None:
    bare = {k: v for k, v in container().items() if not k.endswith("Probe")}
    job = k8s("Job", "once", job_template(pod_spec(containers=[bare])))
    with_init = deployment(
        pod=pod_spec(initContainers=[container("init", **{"startupProbe": None})])
    )
    assert hits(graph(job, with_init), "IK-K8S-1-PROBES") == []


def test_a_daemonset_without_probes_is_found() -> None:
    bare = {k: v for k, v in container().items() if not k.endswith("Probe")}
    ds = k8s("DaemonSet", "agent", {"template": {"spec": pod_spec(containers=[bare])}})
    assert messages(graph(ds), "IK-K8S-1-PROBES") == (
        "DaemonSet apps/agent: containers[app] has no startupProbe, readinessProbe, livenessProbe"
    )


# -- K8S-3: disruption budgets ----------------------------------------------------------------
@pytest.mark.parametrize(
    "budget",
    [
        {"maxUnavailable": 0},
        {"maxUnavailable": "0%"},
        {"minAvailable": 3},
        {"minAvailable": "100%"},
    ],
)
def test_a_budget_that_lets_no_pod_be_evicted_at_the_replica_floor_blocks_drains(
    budget: dict[str, Any],
) -> None:
    blocking = pdb(**budget)
    found = hits(graph(*app(pdb=blocking)), "IK-K8S-3-PDB")
    assert [u for u, _ in found] == [blocking["urn"]]
    assert "blocks node drains" in found[0][1]


@pytest.mark.parametrize(
    "budget", [{"maxUnavailable": 1}, {"maxUnavailable": "10%"}, {"minAvailable": 2},
               {"minAvailable": "50%"}],
)  # fmt: skip
def test_a_budget_below_the_floor_does_not_block(budget: dict[str, Any]) -> None:
    assert hits(graph(*app(pdb=pdb(**budget))), "IK-K8S-3-PDB") == []


def test_the_hpa_minimum_is_the_floor_and_a_single_replica_needs_no_budget() -> None:
    assert hits(graph(*app(hpa=hpa(low=1, high=10), pdb=None)), "IK-K8S-3-PDB") == []
    assert len(hits(graph(*app(hpa=hpa(low=2, high=20), pdb=None)), "IK-K8S-3-PDB")) == 1


def test_a_budget_selecting_other_pods_or_in_another_namespace_does_not_count() -> None:
    other = k8s("PodDisruptionBudget", "web", {"selector": {"matchLabels": {"app": "x"}},
                                               "maxUnavailable": 1}, namespace=NAMESPACE)  # fmt: skip
    elsewhere = k8s("PodDisruptionBudget", "web2", {"selector": {"matchLabels": LABELS},
                                                    "maxUnavailable": 1}, namespace="other")  # fmt: skip
    assert len(hits(graph(*app(pdb=other), elsewhere), "IK-K8S-3-PDB")) == 1


def test_two_budgets_over_the_same_pods_block_every_eviction() -> None:
    second = pdb("web-extra")
    message = messages(graph(*app(), second), "IK-K8S-3-PDB")
    assert "selected by 2 PodDisruptionBudgets (web, web-extra)" in message


def test_match_expressions_select_pods() -> None:
    selector = {"matchExpressions": [{"key": "app.kubernetes.io/name", "operator": "In",
                                      "values": ["web", "api"]}]}  # fmt: skip
    budget = k8s("PodDisruptionBudget", "web", {"selector": selector, "maxUnavailable": 1},
                 namespace=NAMESPACE)  # fmt: skip
    assert hits(graph(*app(pdb=budget)), "IK-K8S-3-PDB") == []


# -- K8S-3 / SCALE-1: autoscalers -------------------------------------------------------------
def test_a_fixed_deployment_that_serves_no_service_needs_no_hpa() -> None:
    assert hits(graph(*app(deployment=deployment(replicas=3), hpa=None, service=None)),
                "IK-K8S-3-HPA") == []  # fmt: skip


def test_an_hpa_owned_deployment_that_sets_replicas_is_found_with_the_hpa_named() -> None:
    owned = deployment(replicas=2)
    assert messages(graph(*app(deployment=owned)), "IK-SCALE-1-HPA-OWNS-REPLICAS") == (
        "Deployment apps/web sets spec.replicas=2 while HorizontalPodAutoscaler web scales it"
    )


def test_an_hpa_in_another_namespace_does_not_own_the_deployment() -> None:
    foreign = k8s("HorizontalPodAutoscaler", "web", hpa()["inputs"]["spec"], namespace="other")
    assert hits(graph(*app(deployment=deployment(replicas=2), hpa=foreign)),
                "IK-SCALE-1-HPA-OWNS-REPLICAS") == []  # fmt: skip


# -- SCALE-2: headroom ------------------------------------------------------------------------
def test_a_reason_on_the_target_deployment_is_accepted_and_a_short_one_is_not() -> None:
    note = "infra-kit.io/scale-limit-reason"
    target = deployment(annotations={note: "downstream API allows ten pods"})
    assert (
        hits(graph(*app(deployment=target, hpa=hpa(low=3, high=10))), "IK-SCALE-2-HEADROOM") == []
    )
    short = hpa(low=3, high=10, annotations={note: "because"})
    assert len(hits(graph(*app(hpa=short)), "IK-SCALE-2-HEADROOM")) == 1


def test_the_headroom_constants_match_the_components() -> None:
    from infra_kit.core.profile import HEADROOM_FACTOR
    from infra_kit.k8s._sizing import SCALE_LIMIT_ANNOTATION

    assert availability.HEADROOM_FACTOR == HEADROOM_FACTOR
    assert availability.SCALE_LIMIT_ANNOTATION == SCALE_LIMIT_ANNOTATION


# -- HA-1: zone spread ------------------------------------------------------------------------
def test_a_soft_or_foreign_zone_constraint_does_not_spread_the_replicas() -> None:
    soft = {**ZONE_SPREAD, "whenUnsatisfiable": "ScheduleAnyway"}
    foreign = {**ZONE_SPREAD, "labelSelector": {"matchLabels": {"app": "other"}}}
    for constraint in (soft, foreign):
        spread = deployment(pod=pod_spec(topologySpreadConstraints=[constraint]))
        assert len(hits(graph(*app(deployment=spread)), "IK-HA-1-ZONE-SPREAD")) == 1


def test_required_zone_anti_affinity_spreads_the_replicas() -> None:
    term = {"topologyKey": "topology.kubernetes.io/zone", "labelSelector": {"matchLabels": LABELS}}
    affinity = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}}
    spread = deployment(pod=pod_spec(topologySpreadConstraints=None, affinity=affinity))
    assert hits(graph(*app(deployment=spread)), "IK-HA-1-ZONE-SPREAD") == []


def test_zone_spread_is_required_in_prod_only() -> None:
    spread = deployment(pod=pod_spec(topologySpreadConstraints=None))
    assert hits(graph(*app(deployment=spread), stack="stage"), "IK-HA-1-ZONE-SPREAD") == []


# -- NET-5: default deny ----------------------------------------------------------------------
def test_the_default_namespace_needs_a_default_deny_when_the_graph_deploys_into_it() -> None:
    web = deployment()
    web["inputs"]["metadata"]["namespace"] = "default"
    found = hits(graph(web), "IK-NET-5-DEFAULT-DENY")
    assert found == [
        (
            web["urn"],
            "namespace default has no NetworkPolicy with an empty podSelector isolating Ingress "
            "and Egress, so its pods accept and open any connection",
        )
    ]


def test_a_namespace_another_stack_creates_is_checked_in_that_stack() -> None:
    # The platform creates apps (with its default deny); an app stack only deploys into it.
    assert hits(graph(deployment()), "IK-NET-5-DEFAULT-DENY") == []


def test_a_system_namespace_nobody_in_the_graph_uses_is_out_of_scope() -> None:
    release = helm_release("cluster-autoscaler", {"resources": {}})
    assert hits(graph(*app(), release), "IK-NET-5-DEFAULT-DENY") == []


def test_ingress_only_deny_leaves_egress_open_and_an_empty_rule_reopens_everything() -> None:
    ingress_only = default_deny(types=("Ingress",))
    assert messages(graph(*app(deny=ingress_only)), "IK-NET-5-DEFAULT-DENY").startswith(
        "namespace apps has no NetworkPolicy with an empty podSelector isolating Egress"
    )
    allow_all = k8s("NetworkPolicy", "open", {"podSelector": {}, "policyTypes": ["Ingress"],
                                              "ingress": [{}]}, namespace=NAMESPACE)  # fmt: skip
    assert "admits all Ingress traffic" in messages(
        graph(*app(), allow_all), "IK-NET-5-DEFAULT-DENY"
    )


def test_deny_split_over_two_policies_covers_both_directions() -> None:
    split = [default_deny(types=("Ingress",)),
             k8s("NetworkPolicy", "deny-egress", {"podSelector": {}, "policyTypes": ["Egress"]},
                 namespace=NAMESPACE)]  # fmt: skip
    assert hits(graph(*app(deny=None), *split), "IK-NET-5-DEFAULT-DENY") == []


def test_a_policy_selecting_some_pods_is_not_a_default_deny() -> None:
    selective = k8s("NetworkPolicy", "web", {"podSelector": {"matchLabels": LABELS},
                                             "policyTypes": ["Ingress", "Egress"]},
                    namespace=NAMESPACE)  # fmt: skip
    assert [u for u, _ in hits(graph(*app(deny=selective)), "IK-NET-5-DEFAULT-DENY")] == [
        namespace()["urn"]
    ]


# -- ENV-3: manifest schemas ------------------------------------------------------------------
STACK = resource("pulumi:pulumi:Stack", "p-prod", custom=False, provider=None)


def test_a_misspelt_field_is_named_with_its_path() -> None:
    bad = copy.deepcopy(deployment())
    bad["inputs"]["spec"]["template"]["spec"]["containers"][0]["readinessProbes"] = {}
    message = messages(graph(bad), "IK-ENV-3-MANIFEST-SCHEMA")
    assert message.startswith("Deployment apps/web does not validate against Kubernetes 1.34: ")
    assert "'readinessProbes' was unexpected" in message
    assert message.endswith("at spec.template.spec.containers.0")


def test_the_rendered_app_validates() -> None:
    assert hits(graph(*app()), "IK-ENV-3-MANIFEST-SCHEMA") == []


def test_redacted_values_are_assumed_to_have_the_schema_type() -> None:
    svc = service()
    svc["inputs"]["spec"]["ports"][0]["port"] = "[secret]"
    svc["inputs"]["spec"]["type"] = "[unknown]"
    svc["inputs"]["metadata"]["labels"] = "[unknown]"
    assert hits(graph(svc), "IK-ENV-3-MANIFEST-SCHEMA") == []
    svc["inputs"]["spec"]["selectr"] = {}
    assert "'selectr' was unexpected" in messages(graph(svc), "IK-ENV-3-MANIFEST-SCHEMA")


def test_a_redacted_object_whose_stand_in_lacks_required_fields_is_skipped() -> None:
    bad = deployment()
    bad["inputs"]["spec"] = "[unknown]"
    assert hits(graph(bad), "IK-ENV-3-MANIFEST-SCHEMA") == []


def test_custom_resources_of_crds_infra_kit_does_not_vendor_are_skipped() -> None:
    monitor = k8s(
        "ServiceMonitor", "web", {"anything": ["goes"]},
        api_version="monitoring.coreos.com/v1",
    )  # fmt: skip
    assert hits(graph(monitor), "IK-ENV-3-MANIFEST-SCHEMA") == []


def test_cert_manager_objects_are_validated_against_their_crd_schema() -> None:
    certificate = k8s(
        "Certificate", "web", {"secretName": "web-tls", "dnsNames": ["a.example"]},
        api_version="cert-manager.io/v1",
    )  # fmt: skip
    assert messages(graph(certificate), "IK-ENV-3-MANIFEST-SCHEMA") == (
        "Certificate apps/web does not validate against Kubernetes 1.34: "
        "'issuerRef' is a required property at spec"
    )
    certificate["inputs"]["spec"]["issuerRef"] = {"name": "ca", "kind": "Issuer"}
    assert hits(graph(certificate), "IK-ENV-3-MANIFEST-SCHEMA") == []


def test_argo_rollouts_objects_are_validated_against_their_crd_schema() -> None:
    from tests.policy.cases_delivery import BACKGROUND, analysis_template, metric, rollout

    good = rollout(analysis=BACKGROUND)
    assert hits(graph(good, analysis_template()), "IK-ENV-3-MANIFEST-SCHEMA") == []
    # ``setWeigth``: the API server would prune it, and the step would set no weight at all.
    misspelt = rollout(analysis=BACKGROUND)
    misspelt["inputs"]["spec"]["strategy"]["canary"]["steps"][0] = {"setWeigth": 10}
    assert messages(graph(misspelt), "IK-ENV-3-MANIFEST-SCHEMA") == (
        "Rollout apps/web does not validate against Kubernetes 1.34: Additional properties "
        "are not allowed ('setWeigth' was unexpected) at spec.strategy.canary.steps.0"
    )
    bad_metric = analysis_template(metric(provider={"cloudWatch": {"interval": "5m"}}))
    assert messages(graph(bad_metric), "IK-ENV-3-MANIFEST-SCHEMA") == (
        "AnalysisTemplate apps/web-canary does not validate against Kubernetes 1.34: "
        "'metricDataQueries' is a required property at spec.metrics.0.provider.cloudWatch"
    )


def test_a_canary_that_cannot_abort_is_named_with_every_reason() -> None:
    from tests.policy.cases_delivery import BACKGROUND, analysis_template, metric, rollout

    quiet = analysis_template(
        metric(failureLimit=None),
        metric("latency", successCondition=None),
        dryRun=[{"metricName": "latency"}],
    )
    assert messages(graph(rollout(analysis=BACKGROUND, abort=None), quiet),
                    "IK-DEP-2-CANARY-ANALYSIS") == (
        "Rollout apps/web cannot roll back by itself: progressDeadlineAbort is not true, so a "
        "stalled canary is never aborted; AnalysisTemplate web-canary: metric error-rate has "
        "no failureLimit; AnalysisTemplate web-canary: metric latency has no successCondition "
        "or failureCondition to fail by; AnalysisTemplate web-canary: metric latency runs as a "
        "dry run, whose failures never abort"
    )  # fmt: skip
    assert messages(graph(rollout()), "IK-DEP-2-CANARY-ANALYSIS") == (
        "Rollout apps/web cannot roll back by itself: its canary strategy runs no analysis, "
        "so nothing judges the new version"
    )
    inline = rollout()
    inline["inputs"]["spec"]["strategy"]["canary"]["steps"].append({"analysis": BACKGROUND})
    assert hits(graph(inline, analysis_template()), "IK-DEP-2-CANARY-ANALYSIS") == []


def test_every_vendored_crd_schema_is_a_valid_draft_7_schema() -> None:
    # The validator compiles them without this check, which is too slow for every synth.
    import jsonschema

    from infra_kit.policy.rules._crd_schemas import _document, crd_schema

    names = sorted(_document()["schemas"])
    assert names
    for name in names:
        api_version, kind = name.rsplit("/", 1)
        jsonschema.Draft7Validator.check_schema(crd_schema(api_version, kind))


def test_without_kubernetes_validate_one_hit_on_the_stack_gives_the_install_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "kubernetes_validate", None)
    found = hits(graph(STACK, *app()), "IK-ENV-3-MANIFEST-SCHEMA")
    assert len(found) == 1
    assert found[0][0] == STACK["urn"]
    assert "pip install 'infra-kit[check]'" in found[0][1]
    assert manifests.INSTALL_COMMAND == "pip install 'infra-kit[check]'"


def test_without_kubernetes_objects_nothing_needs_validating(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "kubernetes_validate", None)
    assert hits(graph(STACK), "IK-ENV-3-MANIFEST-SCHEMA") == []


def test_a_kubernetes_version_the_schemas_do_not_cover_is_reported_once() -> None:
    from tests.policy.graphs import environment

    env = environment("prod")
    env["outputs"]["profile"]["cluster"]["kubernetes_version"] = "9.99"
    records = [r for r in graph(STACK, *app()).resources if r["type"] != env["type"]]
    found = hits(GraphDoc({"project": "p", "stack": "prod", "resources": [*records, env]}),
                 "IK-ENV-3-MANIFEST-SCHEMA")  # fmt: skip
    assert [u for u, _ in found] == [STACK["urn"]]
    assert "has no schemas for Kubernetes 9.99" in found[0][1]


def test_rules_never_crash_on_odd_values() -> None:
    odd = k8s("Deployment", "odd", {"replicas": "[unknown]", "template": {"spec": {
        "containers": ["[unknown]", {"name": 3, "resources": "[secret]"}],
        "securityContext": "[unknown]", "volumes": "[unknown]",
    }}})  # fmt: skip
    weird_hpa = k8s("HorizontalPodAutoscaler", "odd", {"minReplicas": "x", "maxReplicas": None})
    records = [odd, weird_hpa, namespace(), helm_release("h", ["not", "a", "dict"])]
    for rule_id in RULES:
        if RULES[rule_id].check.__module__.rsplit(".", 1)[-1] in (
            "pods", "availability", "netpol", "manifests",
        ):  # fmt: skip
            RULES[rule_id].run(graph(*records))
