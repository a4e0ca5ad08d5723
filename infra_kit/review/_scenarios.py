"""The five runbook scenarios of the architecture brief, each answered from the graph, each
naming the runbook in docs/runbooks/ that says what an operator does."""

from __future__ import annotations

from infra_kit.policy.rules._values import as_dict
from infra_kit.review._aws_facts import (
    database_instances,
    nat_gateways,
    subnets_by_tier,
)
from infra_kit.review._done import TARGET_MULTIPLE, q1_node_dies, q2_ten_x, rollout_evidence
from infra_kit.review._model import Answer, Section
from infra_kit.review._subject import Subject

__all__ = ["SCENARIO_RUNBOOKS", "scenarios"]

_S = Section.SCENARIOS

#: The runbook each scenario points an operator to (tests hold each file to exist).
SCENARIO_RUNBOOKS = {
    "RUN-1": "docs/runbooks/availability.md",
    "RUN-2": "docs/runbooks/availability.md",
    "RUN-3": "docs/runbooks/rollouts.md",
    "RUN-4": "docs/runbooks/availability.md",
    "RUN-5": "docs/runbooks/rollouts.md",
}


def pod_or_node_failure(subject: Subject) -> Answer:
    base = q1_node_dies(subject)
    evidence = list(base.evidence)
    missing = list(base.missing)
    for w in subject.workloads:
        containers = w.containers
        live = [c for c in containers if c.get("livenessProbe")]
        if w.kind != "DaemonSet" and len(live) < len(containers):
            missing.append(
                f"{w.label}: a container without a livenessProbe is never restarted when it "
                "hangs; add one (WebService derives it from its health paths)"
            )
        elif live:
            evidence.append(f"{w.label}: liveness probes restart a hung container")
    return Answer(_S, "RUN-1", "Pod or node failure",
                  "The kubelet restarts failed containers; the controller replaces lost pods on "
                  "the remaining nodes while the node group replaces the node.",
                  tuple(evidence), tuple(missing), SCENARIO_RUNBOOKS["RUN-1"])  # fmt: skip


def ten_x_spike(subject: Subject) -> Answer:
    base = q2_ten_x(subject)
    evidence = list(base.evidence)
    missing = list(base.missing)
    for w in subject.serving:
        if w.hpa is None:
            continue
        up = as_dict(as_dict(as_dict(w.hpa.get("spec")).get("behavior")).get("scaleUp"))
        policies = [
            f"{as_dict(p).get('value')} {as_dict(p).get('type')} per {as_dict(p).get('periodSeconds')}s"
            for p in up.get("policies") or []
        ]
        if policies:
            window = up.get("stabilizationWindowSeconds")
            evidence.append(
                f"{w.label}: scales up by {' or '.join(policies)} (stabilization {window}s)"
            )
    return Answer(_S, "RUN-2", f"A {TARGET_MULTIPLE}x spike",
                  "The HPA adds pods within its scale-up policies; pending pods make the cluster "
                  "autoscaler add nodes up to the node groups' maximum.",
                  tuple(evidence), tuple(missing), SCENARIO_RUNBOOKS["RUN-2"])  # fmt: skip


def failed_mid_rollout(subject: Subject) -> Answer:
    evidence: list[str] = []
    missing: list[str] = []
    if not subject.workloads:
        missing.append("workloads: none in the graph to roll out")
    for w in subject.workloads:
        found, lacking = rollout_evidence(w)
        evidence += found
        missing += lacking
    return Answer(_S, "RUN-3", "A failed deployment mid-rollout",
                  "The old version keeps serving: a canary is aborted by its analysis or its "
                  "progress deadline; a surge-only rollout never removes a ready pod, and the "
                  "pipeline redeploys the last known-good commit.",
                  tuple(evidence), tuple(missing), SCENARIO_RUNBOOKS["RUN-3"])  # fmt: skip


def az_outage(subject: Subject) -> Answer:
    evidence: list[str] = []
    missing: list[str] = []
    platform = subject.platform
    if platform is None:
        missing.append(subject.platform_missing())
    else:
        groups = subject.node_groups
        zones = sorted({g.zone for g in groups})
        evidence.append(f"node groups per AZ: {', '.join(f'{g.zone}: {g.name}' for g in groups)}")
        if len(zones) < 2:
            missing.append("node groups in fewer than 2 AZs: an AZ outage stops every node")
        else:
            rest = sum(g.maximum for g in groups) - max(g.maximum for g in groups)
            evidence.append(
                f"without the largest AZ the other node groups still reach {rest} nodes"
            )
        tiers = subnets_by_tier(platform)
        evidence.append(
            "subnets per tier: "
            + "; ".join(f"{tier} in {', '.join(azs)}" for tier, azs in tiers.items())
        )
        nats = nat_gateways(platform)
        nat_zones = sorted({z for _, z in nats})
        private = sorted(set(tiers.get("private", [])))
        if nats:
            evidence.append(f"NAT gateways: {', '.join(f'{n} in {z}' for n, z in nats)}")
        if private and nat_zones != private:
            missing.append(
                f"NAT in {', '.join(nat_zones) or 'no AZ'} for private subnets in "
                f"{', '.join(private)}: losing a NAT's AZ cuts the others' egress; set the "
                "profile's network.nat_strategy to one per AZ"
            )
    for db in [d for g in subject.graphs() for d in database_instances(g)]:
        inputs = as_dict(db.get("inputs"))
        name = inputs.get("identifier") or db["name"]
        if inputs.get("multiAz") or db["type"] == "aws:rds/cluster:Cluster":
            evidence.append(f"database {name}: Multi-AZ, fails over to its standby")
        else:
            missing.append(
                f"database {name} is single-AZ: its AZ's outage stops it; set the profile's "
                "database.multi_az"
            )
    for w in subject.serving:
        if not w.zone_spread_required:
            missing.append(f"{w.label}: replicas are not required to spread over zones")
        elif not w.zone_spread_honours_taints:
            missing.append(
                f"{w.label}: its zone spread counts the dark AZ's unreachable nodes, so the "
                "skew blocks replacements in the other AZs; set nodeTaintsPolicy: Honor "
                "(WebService and Worker do)"
            )
    if subject.serving and all(w.zone_spread_honours_taints for w in subject.serving):
        evidence.append(
            "every serving workload spreads its replicas over zones (DoNotSchedule, "
            "nodeTaintsPolicy Honor): " + ", ".join(w.label for w in subject.serving)
        )
    return Answer(_S, "RUN-4", "An AZ outage",
                  "The other AZs carry on: their node groups, subnets and NAT gateways are their "
                  "own, replicas are already spread over them, and the database fails over.",
                  tuple(evidence), tuple(missing), SCENARIO_RUNBOOKS["RUN-4"])  # fmt: skip


def emergency_rollback(subject: Subject) -> Answer:
    evidence: list[str] = []
    missing: list[str] = []
    if not subject.workloads:
        missing.append("workloads: none in the graph to roll back")
    for w in subject.workloads:
        history = w.spec.get("revisionHistoryLimit")
        if w.kind == "Rollout":
            evidence.append(
                f"{w.label}: abort the canary (status patch abort=true, or kubectl argo rollouts "
                f"abort/undo), revisionHistoryLimit {history}"
            )
        elif w.kind in ("Deployment", "StatefulSet", "DaemonSet"):
            evidence.append(
                f"{w.label}: re-run the deploy of the last known-good commit "
                f"(tag deployed/<project>/<stack>); kubectl rollout undo is immediate but the "
                f"next pulumi up reapplies, revisionHistoryLimit {history}"
            )
        if history == 0:
            missing.append(f"{w.label}: revisionHistoryLimit 0 keeps no version to return to")
    return Answer(_S, "RUN-5", "An emergency rollback",
                  "Abort the canary, or redeploy the last known-good commit; the previous "
                  "versions are kept to return to.",
                  tuple(evidence), tuple(missing), SCENARIO_RUNBOOKS["RUN-5"])  # fmt: skip


def scenarios(subject: Subject) -> list[Answer]:
    return [
        pod_or_node_failure(subject),
        ten_x_spike(subject),
        failed_mid_rollout(subject),
        az_outage(subject),
        emergency_rollback(subject),
    ]
