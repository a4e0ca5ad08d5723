"""The document's operational sections: deployment, scaling, HA and DR, network and security,
observability. Each is Markdown read from the graphs and the stack's profile.

Pure Python over plain JSON values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from infra_kit.architecture._environments import lookup, show
from infra_kit.architecture._model import TIERS, Architecture
from infra_kit.policy._graph import GraphDoc

__all__ = ["deployment", "ha_and_dr", "network_and_security", "observability", "scaling", "table"]


def table(header: list[str], rows: list[list[str]]) -> str:
    def cell(value: str) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _objects(arch: Architecture, *kinds: str) -> list[tuple[GraphDoc, dict[str, Any]]]:
    return [(g, obj) for g in arch.graphs for _r, obj in g.kubernetes_of_kind(*kinds)]


def _name(obj: Mapping[str, Any]) -> str:
    meta = obj.get("metadata") or {}
    return f"{meta.get('namespace', 'default')}/{meta.get('name')}"


def deployment(arch: Architecture) -> str:
    out: list[str] = []
    rows = []
    for graph, obj in _objects(arch, "Rollout", "Deployment", "StatefulSet", "DaemonSet"):
        spec = obj.get("spec") or {}
        strategy = spec.get("strategy") or spec.get("updateStrategy") or {}
        if "canary" in strategy:
            canary = strategy["canary"]
            steps = [
                f"{s['setWeight']}%"
                if "setWeight" in s
                else f"pause {s['pause'].get('duration', 'until promoted')}"
                for s in canary.get("steps") or []
                if "setWeight" in s or "pause" in s
            ]
            analysis = ", ".join(
                t.get("templateName", "")
                for t in (canary.get("analysis") or {}).get("templates") or []
            )
            how = f"canary: {' -> '.join(steps)}; analysis {analysis or 'none'}; surge {canary.get('maxSurge')}, unavailable {canary.get('maxUnavailable')}"
        elif "rollingUpdate" in strategy or strategy.get("type") == "RollingUpdate":
            rolling = strategy.get("rollingUpdate") or {}
            how = f"rolling update: surge {rolling.get('maxSurge', 'default')}, unavailable {rolling.get('maxUnavailable', 'default')}"
        else:
            how = str(strategy.get("type") or "default rolling update")
        deadline = spec.get("progressDeadlineSeconds")
        rows.append(
            [
                f"{obj.get('kind')} `{_name(obj)}`",
                f"{graph.project}/{graph.stack}",
                how,
                f"{deadline} s" if deadline else "-",
            ]
        )
    if rows:
        out.append(table(["Workload", "Stack", "Strategy", "Progress deadline"], rows))
    rollouts = arch.profile.get("rollouts") or {}
    if rollouts:
        steps = ", ".join(
            f"{s['weight_percent']}% for {s['pause_seconds']} s"
            for s in rollouts.get("steps") or []
        )
        out.append(
            f"The profile {'turns canaries on' if rollouts.get('enable_canary') else 'keeps canaries off'} "
            f"in `{arch.profile.get('name')}` (`rollouts.enable_canary`). A canary's steps: {steps}; "
            f"the analysis measures every {rollouts.get('analysis_interval_seconds')} s over the last "
            f"{rollouts.get('analysis_lookback_seconds')} s and aborts and rolls back after "
            f"{int(rollouts.get('failure_limit', 0)) + 1} failed measurements, or an error rate above "
            f"{rollouts.get('max_error_rate_percent')}%."
        )
    updates = sorted({g.max_unavailable for g in arch.node_groups if g.max_unavailable is not None})
    if updates:
        out.append(
            f"Node groups replace at most {', '.join(map(str, updates))} node(s) at a time during an AMI or version update (`updateConfig.maxUnavailable`)."
        )
    releases = [
        f"{GraphDoc.inputs(r).get('chart')} {GraphDoc.inputs(r).get('version')}"
        for g in arch.graphs
        for r in g.of_type("kubernetes:helm.sh/v3:Release")
    ]
    if releases:
        out.append("Helm releases are pinned to chart versions: " + ", ".join(releases) + ".")
    return "\n\n".join(out) or "The graphs hold no workloads and no node groups to roll out."


def _arg(value: Any) -> str:
    """A command-line flag's value as the program reads it (``true``, not Python's ``True``)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def scaling(arch: Architecture) -> str:
    out: list[str] = []
    hpas = []
    for _graph, obj in _objects(arch, "HorizontalPodAutoscaler"):
        spec = obj.get("spec") or {}
        metrics = [
            f"{(m.get('resource') or {}).get('name')} at {((m.get('resource') or {}).get('target') or {}).get('averageUtilization')}% of requests"
            for m in spec.get("metrics") or []
            if m.get("type") == "Resource"
        ] or [str(m.get("type")) for m in spec.get("metrics") or []]
        up = ((spec.get("behavior") or {}).get("scaleUp") or {}).get("policies") or []
        down = (spec.get("behavior") or {}).get("scaleDown") or {}
        target = spec.get("scaleTargetRef") or {}
        multiple = spec.get("maxReplicas", 0) / max(1, spec.get("minReplicas", 1))
        hpas.append(
            [
                f"`{_name(obj)}` -> {target.get('kind')} {target.get('name')}",
                f"{spec.get('minReplicas')}..{spec.get('maxReplicas')} ({multiple:g}x)",
                ", ".join(metrics),
                "; ".join(
                    f"+{p['value']}{'%' if p['type'] == 'Percent' else ' pods'}/{p['periodSeconds']} s"
                    for p in up
                )
                or "default",
                f"{down.get('stabilizationWindowSeconds', 300)} s window" if down else "default",
            ]
        )
    if hpas:
        out.append(table(["HPA", "Replicas (max/min)", "Target", "Scale up", "Scale down"], hpas))
    if arch.node_groups:
        rows = [
            [
                f"`{g.name}`",
                ", ".join(g.zones),
                g.capacity_type,
                "/".join(g.instance_types),
                str(g.minimum),
                str(g.desired),
                str(g.maximum),
            ]
            for g in arch.node_groups
        ]
        total_desired = sum(g.desired for g in arch.node_groups)
        total_max = sum(g.maximum for g in arch.node_groups)
        out.append(
            table(["Node group", "AZ", "Capacity", "Instance types", "Min", "Desired", "Max"], rows)
        )
        out.append(
            f"Nodes: {total_desired} desired, up to {total_max} "
            f"({total_max / max(1, total_desired):g}x the baseline; SCALE-2 asks for at least 10x)."
        )
    for graph in arch.graphs:
        for release in graph.of_type("kubernetes:helm.sh/v3:Release"):
            inputs = GraphDoc.inputs(release)
            if inputs.get("chart") != "cluster-autoscaler":
                continue
            values = inputs.get("values") or {}
            args = ", ".join(
                f"`--{k}={_arg(v)}`" for k, v in sorted((values.get("extraArgs") or {}).items())
            )
            out.append(
                f"The cluster autoscaler ({inputs.get('chart')} {inputs.get('version')}, "
                f"{values.get('replicaCount', 1)} replicas) finds the node groups of "
                f"`{(values.get('autoDiscovery') or {}).get('clusterName')}` by their tags and adds nodes "
                f"when pods are unschedulable, up to each group's max: {args}."
            )
    return "\n\n".join(out) or "The graphs hold no autoscaling policy."


def ha_and_dr(arch: Architecture) -> str:
    p = arch.profile
    recovery = p.get("recovery") or {}
    backup = p.get("backup") or {}
    out = [
        table(
            ["Objective", "Stated", "Met by"],
            [
                [
                    "RTO (any restore)",
                    f"{recovery.get('rto_hours')} h",
                    "the restore runbook's steps at this environment's sizes",
                ],
                [
                    "RPO, buckets and volumes",
                    f"{recovery.get('rpo_hours')} h",
                    f"AWS Backup every {backup.get('interval_hours')} h (plus its start window)",
                ],
                [
                    "RPO, database",
                    f"{recovery.get('database_rpo_minutes')} min",
                    f"RDS point-in-time recovery ({lookup(p, 'database.backup_retention_days')} days of it)",
                ],
            ],
        )
    ]
    lock = "a compliance-mode vault lock" if backup.get("enable_vault_lock") else "no vault lock"
    cold = backup.get("cold_storage_after_days")
    out.append(
        f"Backups are kept {backup.get('retention_days')} days"
        + (f", in cold storage after {cold} days" if cold else "")
        + f", under {lock}."
    )
    nat = (
        "one per AZ"
        if len(arch.nat_gateways) > 1 and len(arch.nat_gateways) == len(arch.zones)
        else f"{len(arch.nat_gateways)}"
    )
    facts = [
        f"{len(arch.zones)} AZs ({', '.join(arch.zones)}), each with its own subnets of every tier",
        f"NAT gateways: {nat} (`network.nat_strategy` = {show(lookup(p, 'network.nat_strategy'))})",
        f"node groups in {len({z for g in arch.node_groups for z in g.zones})} AZs",
    ]
    facts += [
        f"database `{d.identifier}`: {'Multi-AZ (synchronous standby, automatic failover)' if d.multi_az else 'single-AZ (a failure means a restore)'}, "
        f"deletion protection {'on' if d.deletion_protection else 'off'}, {d.backup_retention_days} days of automated backups"
        for d in arch.databases
    ]
    pdbs = [_name(obj) for _g, obj in _objects(arch, "PodDisruptionBudget")]
    if pdbs:
        facts.append(f"{len(pdbs)} PodDisruptionBudgets: {', '.join(pdbs)}")
    protected = sum(1 for g in arch.graphs for r in g if r.get("protect"))
    facts.append(
        f"{protected} resources protected from deletion by Pulumi (`protect_stateful` = {show(p.get('protect_stateful'))})"
    )
    out.append("\n".join(f"- {f}" for f in facts))
    return "\n\n".join(out)


def _cidr(arch: Architecture, tier: str, zone: str) -> str:
    subnet = arch.subnet(tier, zone)
    return subnet.cidr if subnet else "-"


def network_and_security(arch: Architecture) -> str:
    out: list[str] = []
    if arch.subnets:
        rows = [[z] + [_cidr(arch, t, z) for t in TIERS] for z in arch.zones]
        out.append(f"VPC `{arch.vpc_name}` {arch.vpc_cidr}:\n\n" + table(["AZ", *TIERS], rows))
        out.append(
            "Load balancers and NAT gateways sit in public subnets, nodes and pods in private "
            "subnets, data stores in isolated subnets with no route out of the VPC."
            if arch.nat_gateways
            else "No NAT gateway: private subnets have no internet egress."
        )
    if arch.endpoints:
        out.append(
            "VPC endpoints: " + ", ".join(f"{e.service} ({e.kind})" for e in arch.endpoints) + "."
        )
    groups = []
    for graph in arch.graphs:
        for sg in graph.of_type("aws:ec2/securityGroup:SecurityGroup"):
            rules = [
                r
                for r in graph.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
                if sg["urn"] in (r.get("dependencies") or [])
            ]
            groups.append(
                [
                    f"`{sg['name']}`",
                    str(GraphDoc.inputs(sg).get("description", "")),
                    str(len(rules)),
                ]
            )
    if groups:
        out.append(table(["Security group", "Purpose", "Ingress rules"], groups))
    facts = []
    if arch.cluster_name:
        facts.append(
            f"The EKS API endpoint is {'public and private' if arch.cluster_public_endpoint else 'private only'}."
        )
    keys = sum(len(g.of_type("aws:kms/key:Key")) for g in arch.graphs)
    rotated = sum(
        1
        for g in arch.graphs
        for k in g.of_type("aws:kms/key:Key")
        if GraphDoc.inputs(k).get("enableKeyRotation")
    )
    facts.append(f"{keys} customer-managed KMS keys, {rotated} with rotation on.")
    policies = len(_objects(arch, "NetworkPolicy"))
    facts.append(f"{policies} NetworkPolicies (pod traffic denied unless allowed, NET-5).")
    flow = sum(len(g.of_type("aws:ec2/flowLog:FlowLog")) for g in arch.graphs)
    facts.append(
        f"{flow} VPC flow log(s), kept {show(lookup(arch.profile, 'network.flow_log_retention_days'))} days."
    )
    for lb in arch.load_balancers:
        waf = f"behind web ACL `{lb.web_acl}`" if lb.web_acl else "with no web ACL"
        facts.append(f"ALB `{lb.name}` ({lb.scheme}) {waf}, TLS policy `{lb.ssl_policy}`.")
    out.append("\n".join(f"- {f}" for f in facts))
    return "\n\n".join(out)


def _metric(inputs: Mapping[str, Any]) -> str:
    if inputs.get("metricName"):
        return f"{inputs.get('namespace')}/{inputs.get('metricName')}"
    for query in inputs.get("metricQueries") or []:
        metric = query.get("metric") or {}
        if metric.get("metricName"):
            return f"{metric.get('namespace')}/{metric.get('metricName')}"
    return "expression"


_COMPARE = {
    "GreaterThanThreshold": ">",
    "GreaterThanOrEqualToThreshold": ">=",
    "LessThanThreshold": "<",
    "LessThanOrEqualToThreshold": "<=",
}


def observability(arch: Architecture) -> str:
    out: list[str] = []
    alarms, metrics = [], []
    for graph in arch.graphs:
        for alarm in graph.of_type("aws:cloudwatch/metricAlarm:MetricAlarm"):
            inputs = GraphDoc.inputs(alarm)
            metric = _metric(inputs)
            if metric not in metrics:
                metrics.append(metric)
            alarms.append(
                [
                    f"`{inputs.get('name', alarm['name'])}`",
                    metric,
                    f"{_COMPARE.get(str(inputs.get('comparisonOperator')), inputs.get('comparisonOperator'))} {inputs.get('threshold', inputs.get('thresholdMetricId', ''))}",
                    f"{inputs.get('evaluationPeriods')} x {inputs.get('period') or 'query'}",
                ]
            )
        for alarm in graph.of_type("aws:cloudwatch/compositeAlarm:CompositeAlarm"):
            inputs = GraphDoc.inputs(alarm)
            alarms.append(
                [
                    f"`{inputs.get('alarmName', alarm['name'])}`",
                    "composite",
                    str(inputs.get("alarmRule", ""))[:120],
                    "-",
                ]
            )
    if metrics:
        out.append("Metrics alarmed on: " + ", ".join(f"`{m}`" for m in metrics) + ".")
    if alarms:
        out.append(table(["Alarm", "Metric", "Threshold", "Periods"], alarms))
    dashboards = [
        str(GraphDoc.inputs(d).get("dashboardName") or d["name"])
        for g in arch.graphs
        for d in g.of_type("aws:cloudwatch/dashboard:Dashboard")
    ]
    if dashboards:
        out.append("Dashboards: " + ", ".join(f"`{d}`" for d in dashboards) + ".")
    logs = [
        [
            f"`{GraphDoc.inputs(r).get('name', r['name'])}`",
            str(GraphDoc.inputs(r).get("retentionInDays", "forever")),
        ]
        for g in arch.graphs
        for r in g.of_type("aws:cloudwatch/logGroup:LogGroup")
    ]
    if logs:
        out.append(table(["Log group", "Retention (days)"], logs))
    return "\n\n".join(out) or "The graphs hold no alarms, dashboards or log groups."
