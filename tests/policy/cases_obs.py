"""Bad and good graphs for the alerting and dashboard rules, OBS-3 and OBS-4 (see cases.py)."""

from __future__ import annotations

import json
from typing import Any

from infra_kit.policy import GraphDoc
from tests.policy.cases import Case
from tests.policy.graphs import doc, k8s, resource, urn

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
ARN = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:"
LB = "api-prod-0a1b2c3d"


def alarm(name: str, *, lb: str | None = None) -> dict[str, Any]:
    inputs: dict[str, Any] = {"name": name, "threshold": 1}
    if lb is not None:
        inputs["metricQueries"] = [
            {
                "id": "requests",
                "metric": {
                    "namespace": "AWS/ApplicationELB",
                    "metricName": "RequestCount",
                    "dimensions": {"LoadBalancer": lb},
                },
            },
            {"id": "result", "expression": "requests", "returnData": True},
        ]
    return resource(ALARM, name, inputs)


def composite(name: str, *members: str) -> dict[str, Any]:
    rule = " AND ".join(f'ALARM("{m}")' for m in members)
    return resource(COMPOSITE, name, {"alarmName": name, "alarmRule": rule})


def dashboard(*names: str, body: str | None = None) -> dict[str, Any]:
    widgets = [{"type": "alarm", "properties": {"alarms": [ARN + n for n in names]}}]
    return resource(
        DASHBOARD,
        "env",
        {"dashboardName": "env", "dashboardBody": body or json.dumps({"widgets": widgets})},
    )


def ingress(*, name_annotation: bool = True, stack: str = "prod") -> dict[str, Any]:
    annotations = {"alb.ingress.kubernetes.io/scheme": "internet-facing"}
    if name_annotation:
        annotations["alb.ingress.kubernetes.io/load-balancer-name"] = LB
    return k8s(
        "Ingress",
        "api",
        {"ingressClassName": "alb"},
        stack=stack,
        metadata={"annotations": annotations},
    )


def _burn_rate(stack: str = "prod") -> list[dict[str, Any]]:
    dimension = f"app/{LB}/0123456789abcdef"
    return [
        alarm("api-burn-long", lb=dimension),
        alarm("api-burn-short", lb=dimension),
        composite("api-burn", "api-burn-long", "api-burn-short"),
    ]


def _with_dashboard(*records: dict[str, Any], stack: str = "prod") -> GraphDoc:
    names = [
        r["inputs"].get("name") or r["inputs"].get("alarmName")
        for r in records
        if r["type"] in (ALARM, COMPOSITE)
    ]
    return doc(*records, dashboard(*names), stack=stack)


CASES = [
    Case(
        "IK-OBS-4-DASHBOARD",
        bad=lambda: doc(alarm("db-cpu-warning")),
        offending=("urn:pulumi:prod::p::pulumi:pulumi:Stack::p-prod",),
        good=lambda: doc(alarm("db-cpu-warning"), dashboard("db-cpu-warning")),
    ),
    Case(
        "IK-OBS-4-ALARM-NOT-ON-DASHBOARD",
        bad=lambda: doc(
            alarm("db-cpu-warning"), alarm("db-cpu-critical"), dashboard("db-cpu-warning")
        ),
        offending=(urn(ALARM, "db-cpu-critical"),),
        good=lambda: doc(
            alarm("db-cpu-warning"),
            alarm("db-cpu-critical"),
            dashboard("db-cpu-warning", "db-cpu-critical"),
        ),
        label="missing",
    ),
    Case(
        "IK-OBS-4-ALARM-NOT-ON-DASHBOARD",
        bad=lambda: doc(composite("api-burn", "a", "b"), dashboard()),
        offending=(urn(COMPOSITE, "api-burn"),),
        # During a preview the body is not known: nothing is judged.
        good=lambda: doc(composite("api-burn", "a", "b"), dashboard(body="[unknown]")),
        label="composite",
    ),
    Case(
        "IK-OBS-3-SLO-ALERTS",
        bad=lambda: _with_dashboard(
            ingress(), alarm("unrelated", lb="app/other-lb/0123456789abcdef")
        ),
        offending=(urn(INGRESS, "api"),),
        good=lambda: _with_dashboard(ingress(), *_burn_rate()),
        label="no-alert",
    ),
    Case(
        "IK-OBS-3-SLO-ALERTS",
        bad=lambda: _with_dashboard(ingress(name_annotation=False), *_burn_rate()),
        offending=(urn(INGRESS, "api"),),
        # Dev promises no SLO to users: its services are not held to it.
        good=lambda: _with_dashboard(ingress(stack="dev"), stack="dev"),
        label="unnamed-alb",
    ),
]
