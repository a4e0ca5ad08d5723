"""OBS-3 and EDGE-1 rules on alarms: what must be watched, and that alarms reach people.

In stage and prod, a database, a certificate a load balancer serves and a rotated secret each
have their alarms (the components create them when given ``alarm_topics``); in every
environment, an alarm notifies an SNS topic, and the warning and critical alarms of a pair notify
different topics. Subscriptions of stage and prod never point at a placeholder domain.

Alarms are matched to what they watch by the metric's dimension, as CloudWatch does: an alarm
on ``AWS/RDS`` ``CPUUtilization`` with ``DBInstanceIdentifier`` equal to the instance's
``identifier``. A value the graph cannot show (unknown until deploy, or secret) is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from infra_kit.policy._graph import GraphDoc
from infra_kit.policy._registry import Hit, Severity, rule
from infra_kit.policy.rules._values import as_dict, as_list, is_redacted

__all__ = ["ALARMED_ENVIRONMENTS", "PLACEHOLDER_DOMAINS", "is_placeholder_endpoint"]

METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE_ALARM = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
RDS_INSTANCE = "aws:rds/instance:Instance"
SECRET_ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
#: Environments whose resources must be watched: where people are paged.
ALARMED_ENVIRONMENTS = frozenset({"stage", "prod"})
#: Domains reserved for documentation (RFC 2606, RFC 6761): mail there reaches nobody.
PLACEHOLDER_DOMAINS = ("example.com", "example.net", "example.org")
PLACEHOLDER_TLDS = ("example", "test", "invalid", "localhost")
_DATABASE_METRICS = ("CPUUtilization", "FreeStorageSpace", "DatabaseConnections")
_CERTIFICATE_ANNOTATION = "alb.ingress.kubernetes.io/certificate-arn"
_SNS_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$")
_PAIR = re.compile(r"^(?P<base>.+)-(?P<severity>warning|critical)$")


def _signals(alarm: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """``(namespace, metric, dimensions)`` of every metric the alarm reads."""
    inputs = GraphDoc.inputs(alarm)
    found = []
    if inputs.get("metricName"):
        found.append(
            (
                str(inputs.get("namespace", "")),
                str(inputs["metricName"]),
                as_dict(inputs.get("dimensions")),
            )
        )
    for query in as_list(inputs.get("metricQueries")):
        metric = as_dict(as_dict(query).get("metric"))
        if metric.get("metricName"):
            found.append(
                (
                    str(metric.get("namespace", "")),
                    str(metric["metricName"]),
                    as_dict(metric.get("dimensions")),
                )
            )
    return found


def _watched(graph: GraphDoc, namespace: str, dimension: str) -> dict[str, set[str]]:
    """For each value of ``dimension`` in ``namespace``: the metrics some alarm reads."""
    watched: dict[str, set[str]] = {}
    for alarm in graph.of_type(METRIC_ALARM):
        for ns, metric, dimensions in _signals(alarm):
            value = dimensions.get(dimension)
            if ns == namespace and isinstance(value, str):
                watched.setdefault(value, set()).add(metric)
    return watched


def _alarmed(graph: GraphDoc) -> bool:
    return graph.environment.name in ALARMED_ENVIRONMENTS


@rule(
    id="IK-OBS-3-DATABASE-ALARMS",
    prescription="OBS-3",
    severity=Severity.ERROR,
    title="A stage or prod database has no CPU, free storage or connection alarm",
    rationale="""A database that runs out of storage stops taking writes, and one out of
    connections refuses every new client; both build up over hours, visibly in CloudWatch, and
    without an alarm nobody is told before users are.""",
    fix="""Pass alarm_topics=AlarmTopics.from_stack(platform) to DatabaseArgs, which creates
    warning and critical alarms on AWS/RDS CPUUtilization, FreeStorageSpace and
    DatabaseConnections from the profile's thresholds.""",
)
def database_alarms(graph: GraphDoc) -> Iterator[Hit]:
    if not _alarmed(graph):
        return
    watched = _watched(graph, "AWS/RDS", "DBInstanceIdentifier")
    for instance in graph.of_type(RDS_INSTANCE):
        identifier = graph.inputs(instance).get("identifier")
        if not isinstance(identifier, str) or is_redacted(identifier):
            continue
        missing = [m for m in _DATABASE_METRICS if m not in watched.get(identifier, set())]
        if missing:
            yield Hit(
                instance["urn"],
                f"no alarm on AWS/RDS {', '.join(missing)} of {identifier} in "
                f"{graph.environment.name}",
            )


def _feeds_a_composite(graph: GraphDoc, alarm: dict[str, Any]) -> bool:
    """Whether a composite alarm's rule names ``alarm`` (by name or ARN), or may: a rule not
    known until deploy is taken to name the metric alarms beside it."""
    name = graph.inputs(alarm).get("name")
    for composite in graph.of_type(COMPOSITE_ALARM):
        rule_text = graph.inputs(composite).get("alarmRule")
        if not isinstance(rule_text, str) or is_redacted(rule_text):
            if composite.get("parent") == alarm.get("parent"):
                return True
            continue
        if isinstance(name, str) and re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", rule_text):
            return True
    return False


@rule(
    id="IK-OBS-3-ALARM-ACTIONS",
    prescription="OBS-3",
    severity=Severity.ERROR,
    title="An alarm notifies no SNS topic",
    rationale="""An alarm without an action changes colour in the console and tells nobody:
    it is monitoring nobody reads. A metric alarm that only feeds a composite alarm is the
    exception, since the composite notifies.""",
    fix="""Create alarms with alarm_pair (infra_kit.aws.alarms), which sends each severity to
    its topic, or set alarm_actions to the environment's topic ARN (the platform stack's
    alarm_topic_arn or critical_alarm_topic_arn).""",
)
def alarm_actions(graph: GraphDoc) -> Iterator[Hit]:
    for alarm in graph.of_type(METRIC_ALARM, COMPOSITE_ALARM):
        inputs = graph.inputs(alarm)
        if alarm["type"] == METRIC_ALARM and _feeds_a_composite(graph, alarm):
            continue
        actions = [str(a) for a in as_list(inputs.get("alarmActions"))]
        if any(is_redacted(a) or _SNS_ARN.match(a) for a in actions):
            continue
        yield Hit(
            alarm["urn"],
            "alarmActions name no SNS topic" if actions else "the alarm has no alarmActions",
        )


@rule(
    id="IK-OBS-3-SHARED-ALARM-TOPIC",
    prescription="OBS-3",
    severity=Severity.ERROR,
    title="The warning and critical alarms of a pair notify the same topic",
    rationale="""Warnings and critical alerts reach people differently: a pager subscribes to
    the critical topic only. A pair on one topic either pages for warnings or never pages.""",
    fix="""Use alarm_pair with AlarmTopics(warning=..., critical=...) of two different topics,
    e.g. AlarmTopics.from_stack(platform).""",
)
def shared_alarm_topic(graph: GraphDoc) -> Iterator[Hit]:
    pairs: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for alarm in graph.of_type(METRIC_ALARM):
        match = _PAIR.match(str(alarm.get("name", "")))
        if match:
            key = (str(alarm.get("parent") or ""), match["base"])
            pairs.setdefault(key, {})[match["severity"]] = alarm
    for pair in pairs.values():
        if set(pair) != {"warning", "critical"}:
            continue
        topics = [
            {str(a) for a in as_list(graph.inputs(pair[s]).get("alarmActions"))} - {"[unknown]"}
            for s in ("warning", "critical")
        ]
        shared = sorted(topics[0] & topics[1])
        if shared:
            yield Hit(
                pair["critical"]["urn"],
                f"{pair['warning']['name']} and {pair['critical']['name']} both notify "
                f"{', '.join(shared)}",
            )


def _referenced_certificates(graph: GraphDoc) -> Iterator[tuple[str, str]]:
    """``(urn, certificate ARN)`` of every certificate a load balancer or CDN serves."""
    for record, obj in graph.kubernetes_of_kind("Ingress"):
        annotations = as_dict(as_dict(obj.get("metadata")).get("annotations"))
        for arn in str(annotations.get(_CERTIFICATE_ANNOTATION, "")).split(","):
            if arn.strip():
                yield record["urn"], arn.strip()
    for record in graph.of_type(
        "aws:lb/listener:Listener",
        "aws:alb/listener:Listener",
        "aws:lb/listenerCertificate:ListenerCertificate",
        "aws:alb/listenerCertificate:ListenerCertificate",
    ):
        arn = graph.inputs(record).get("certificateArn")
        if isinstance(arn, str) and arn:
            yield record["urn"], arn
    for record in graph.of_type("aws:cloudfront/distribution:Distribution"):
        viewer = as_dict(graph.inputs(record).get("viewerCertificate"))
        arn = viewer.get("acmCertificateArn")
        if isinstance(arn, str) and arn:
            yield record["urn"], arn


@rule(
    id="IK-EDGE-1-CERTIFICATE-EXPIRY-ALARM",
    prescription="EDGE-1",
    severity=Severity.ERROR,
    title="A certificate served in stage or prod has no DaysToExpiry alarm",
    rationale="""ACM renews what it issued only while validation still succeeds, and never
    renews an imported certificate. An expired certificate takes the whole endpoint down for
    every client at once, weeks after the first sign that renewal was stuck.""",
    fix="""Create CertificateAlarms(name, CertificateAlarmsArgs(certificate_arn=...,
    alarm_topics=AlarmTopics.from_stack(platform)), env) for each certificate ARN the stack
    serves.""",
)
def certificate_expiry_alarm(graph: GraphDoc) -> Iterator[Hit]:
    if not _alarmed(graph):
        return
    watched = _watched(graph, "AWS/CertificateManager", "CertificateArn")
    for urn, arn in _referenced_certificates(graph):
        if is_redacted(arn) or "DaysToExpiry" in watched.get(arn, set()):
            continue
        yield Hit(urn, f"no alarm on AWS/CertificateManager DaysToExpiry of {arn}")


def _secret_name(arn: str) -> str | None:
    """A secret's name from its ARN: ``...:secret:<name>-<6 characters>``."""
    _, sep, rest = arn.partition(":secret:")
    return rest[:-7] if sep and len(rest) > 7 and rest[-7] == "-" else None


def _function_name(arn: str) -> str | None:
    _, sep, rest = arn.partition(":function:")
    return rest.split(":")[0] if sep else None


@rule(
    id="IK-OBS-3-SECRET-ALARMS",
    prescription="OBS-3",
    severity=Severity.ERROR,
    title="A rotated secret in stage or prod has no rotation failure or age alarm",
    rationale="""A rotation that fails leaves the old value in place and says so only in the
    function's log; one that never starts says nothing at all. Without an alarm on the rotation
    function's errors and on the secret's age, automated rotation (SEC-2) can stop for months
    unnoticed.""",
    fix="""Pass alarm_topics=AlarmTopics.from_stack(platform) to SecretArgs of a rotated
    Secret: it alarms on the rotation function's AWS/Lambda Errors and publishes and alarms on
    SecretAgeDays.""",
)
def secret_alarms(graph: GraphDoc) -> Iterator[Hit]:
    if not _alarmed(graph):
        return
    errors = _watched(graph, "AWS/Lambda", "FunctionName")
    ages = {
        dimensions.get("SecretName")
        for alarm in graph.of_type(METRIC_ALARM)
        for _, metric, dimensions in _signals(alarm)
        if metric == "SecretAgeDays"
    }
    for rotation in graph.of_type(SECRET_ROTATION):
        inputs = graph.inputs(rotation)
        secret, function = inputs.get("secretId"), inputs.get("rotationLambdaArn")
        missing = []
        if isinstance(function, str) and not is_redacted(function):
            name = _function_name(function)
            if name is not None and "Errors" not in errors.get(name, set()):
                missing.append(f"AWS/Lambda Errors of {name}")
        if isinstance(secret, str) and not is_redacted(secret):
            name = _secret_name(secret)
            if name is not None and name not in ages:
                missing.append(f"SecretAgeDays of {name}")
        if missing:
            yield Hit(rotation["urn"], f"no alarm on {' or '.join(missing)}")


def is_placeholder_endpoint(endpoint: str) -> bool:
    """Whether an email address or URL is on a domain reserved for examples (RFC 2606, 6761)."""
    host = endpoint.rpartition("@")[2] if "@" in endpoint and "://" not in endpoint else ""
    if not host:
        host = urlsplit(endpoint).hostname or ""
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith(f".{d}") for d in PLACEHOLDER_DOMAINS) or (
        host.rpartition(".")[2] in PLACEHOLDER_TLDS
    )


@rule(
    id="IK-OBS-3-PLACEHOLDER-SUBSCRIPTION",
    prescription="OBS-3",
    severity=Severity.ERROR,
    title="A stage or prod alert subscription points at a placeholder domain",
    rationale="""example.com, example.net, example.org and the .example, .test, .invalid and
    .localhost names are reserved for documentation (RFC 2606, RFC 6761): mail to them reaches
    nobody, so every alert of the environment goes unread while the topic looks subscribed.""",
    fix="""Replace the endpoint in the stack file's
    <project>:environment.alarms.notification_subscriptions with the on-call team's real
    address or webhook.""",
)
def placeholder_subscription(graph: GraphDoc) -> Iterator[Hit]:
    if not _alarmed(graph):
        return
    for subscription in graph.of_type(SUBSCRIPTION):
        endpoint = graph.inputs(subscription).get("endpoint")
        if isinstance(endpoint, str) and is_placeholder_endpoint(endpoint):
            yield Hit(
                subscription["urn"],
                f"endpoint {endpoint} is on a domain reserved for examples; set "
                "alarms.notification_subscriptions in the stack file to the on-call "
                "team's address",
            )
