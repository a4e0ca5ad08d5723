"""Delivery metrics: what the pipeline publishes about itself, and the alarms on it (OBS-3, OBS-4).

The convention, written once here and held to by the workflows' tests:

- The deploy job (``.github/workflows/_deploy.yml``) publishes, after every deploy of a stack
  and whatever its outcome, the metric :data:`DEPLOYMENT_SUCCESS` (1 when the deploy and its
  verification succeeded, 0 otherwise) in the namespace :data:`NAMESPACE` with the dimension
  :data:`ENVIRONMENT_DIMENSION` = the GitHub environment (``dev``, ``stage``, ``prod``,
  ``preview``). It also overwrites the String parameter
  :func:`deployment_parameter_name` (``/infra-kit/<environment>/deployments/<project>/<stack>``)
  with the JSON record :data:`RECORD_FIELDS`: ``outcome`` (one of :data:`OUTCOMES`),
  ``commit``, ``run_url`` and ``finished_at`` (UTC, ISO 8601).
- The main pipeline (``.github/workflows/main.yml``) publishes :data:`PIPELINE_FAILURE` once per
  run, after every other job: 1 when the run failed or was cancelled, 0 otherwise, with one
  datapoint per environment it promotes through.
- The Average of either metric times 100, over the profile's ``alarms.delivery_window_hours``,
  is the deployment success rate or the pipeline failure rate (:func:`delivery_rate`).

:class:`DeliveryAlarms` puts the two alarm pairs of OBS-3 on those rates and shows them on the
environment's dashboard; :class:`~infra_kit.aws.health.HealthEndpoint` reads the records and the
rates back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

import pulumi

from infra_kit.aws.alarms import AlarmTopics, Metric, MetricMath, alarm_pair, graph
from infra_kit.core.component import Component
from infra_kit.core.environment import Environment
from infra_kit.errors import ValidationError

__all__ = [
    "DEPLOYMENT_SUCCESS",
    "EMITTER",
    "ENVIRONMENT_DIMENSION",
    "NAMESPACE",
    "OUTCOMES",
    "PARAMETER_ROOT",
    "PATH_SEGMENT",
    "PIPELINE_FAILURE",
    "RECORD_FIELDS",
    "DeliveryAlarms",
    "DeliveryAlarmsArgs",
    "delivery_metric",
    "delivery_rate",
    "deployment_parameter_name",
    "deployments_path",
]

#: The CloudWatch namespace of the pipeline's metrics.
NAMESPACE = "InfraKit/Delivery"
#: 1 when a deploy of a stack succeeded (``pulumi up`` and its verification), 0 when it did not.
DEPLOYMENT_SUCCESS: Final = "DeploymentSuccess"
#: 1 when a run of the main pipeline failed or was cancelled, 0 when it succeeded.
PIPELINE_FAILURE: Final = "PipelineFailure"
#: The one dimension of both metrics: the environment the deploy or the run concerns.
ENVIRONMENT_DIMENSION = "Environment"
#: ``Metric.emitter`` of both metrics: the CI pipeline publishes them, nothing in the graph does.
EMITTER = "pipeline"
#: Where the deploy records live in Parameter Store.
PARAMETER_ROOT = "/infra-kit"
#: A deploy record's ``outcome``: the deploy job's status when it finished.
OUTCOMES: tuple[str, ...] = ("success", "failure", "cancelled")
#: The fields of a deploy record, a JSON object.
RECORD_FIELDS: tuple[str, ...] = ("outcome", "commit", "run_url", "finished_at")

#: What an environment, project or stack name must match to be one Parameter Store path segment
#: (no "/", which would add a level); the deploy job checks its names with the same pattern.
PATH_SEGMENT = r"^[A-Za-z0-9_.-]{1,128}$"
_SEGMENT = re.compile(PATH_SEGMENT)
_SECTION_DEPLOYMENTS = "Deployments"
_SECTION_PIPELINE = "Pipeline health"


def _segment(key: str, value: str) -> str:
    if not _SEGMENT.match(value) or value in (".", ".."):
        raise ValidationError(
            key,
            value,
            "not one Parameter Store path segment (letters, digits, '.', '-' and '_', at most "
            "128 characters)",
            "use the short name: the environment (dev), the Pulumi project (platform) or the "
            "stack (dev), not a fully qualified organization/project/stack",
        )
    return value


def deployments_path(environment: str) -> str:
    """The Parameter Store path under which the deploys of ``environment`` are recorded."""
    return f"{PARAMETER_ROOT}/{_segment('environment', environment)}/deployments"


def deployment_parameter_name(environment: str, project: str, stack: str) -> str:
    """``/infra-kit/<environment>/deployments/<project>/<stack>``: one stack's last deploy."""
    return (
        f"{deployments_path(environment)}/{_segment('project', project)}/{_segment('stack', stack)}"
    )


def delivery_metric(
    name: Literal["DeploymentSuccess", "PipelineFailure"],
    environment: str,
    period_seconds: int,
    stat: str = "Average",
) -> Metric:
    """One of the pipeline's metrics for ``environment``."""
    return Metric(
        namespace=NAMESPACE,
        name=name,
        dimensions={ENVIRONMENT_DIMENSION: environment},
        stat=stat,
        period_seconds=period_seconds,
        emitter=EMITTER,
    )


def delivery_rate(
    name: Literal["DeploymentSuccess", "PipelineFailure"], environment: str, window_hours: int
) -> MetricMath:
    """The metric's Average over ``window_hours``, as a percentage (``100 * value``)."""
    if not 1 <= window_hours <= 24:
        raise ValidationError(
            "alarms.delivery_window_hours",
            window_hours,
            "an alarm's period is at most a day (86400 s), so the window is 1 to 24 hours",
            "set alarms.delivery_window_hours to a value from 1 to 24 in the stack file",
        )
    label = "Deployment success %" if name == DEPLOYMENT_SUCCESS else "Pipeline failure %"
    return MetricMath(
        expression="100 * value",
        metrics={"value": delivery_metric(name, environment, window_hours * 3600)},
        label=label,
    )


@dataclass(frozen=True)
class DeliveryAlarmsArgs:
    """Arguments of :class:`DeliveryAlarms`.

    Args:
        topics: the environment's warning and critical topics
            (``AlarmTopics(notifications.topic_arn, notifications.critical_topic_arn)``).
            Required.

    The thresholds and the window are not arguments: they come from the profile's ``alarms``
    section (``deployment_success_*_percent``, ``pipeline_failure_*_percent``,
    ``delivery_window_hours``).
    """

    topics: AlarmTopics


# prescription: OBS-3 -- deployment success and pipeline failure rates, alarmed with the profile's
# thresholds; they are also registered for the dashboard (OBS-4, which the dashboard encodes).
class DeliveryAlarms(Component):
    """Alarms on the environment's deployment success and pipeline failure rates.

    Children (``aws.cloudwatch.MetricAlarm``, through
    :func:`~infra_kit.aws.alarms.alarm_pair`):

    * ``<name>-deployment-success-warning`` / ``-critical``: ``100 * Average`` of
      :data:`DEPLOYMENT_SUCCESS` over ``alarms.delivery_window_hours`` below
      ``alarms.deployment_success_warning_percent`` / ``_critical_percent`` (98 / 95);
    * ``<name>-pipeline-failure-warning`` / ``-critical``: ``100 * Average`` of
      :data:`PIPELINE_FAILURE` above ``alarms.pipeline_failure_warning_percent`` /
      ``_critical_percent`` (5 / 10).

    A window without deploys or runs is not a breach (``treat_missing_data="notBreaching"``):
    no deploy is not a failed one. The rates, and the number of deploys and runs per hour, are
    registered as graphs for the dashboard's "Deployments" and "Pipeline health" sections.

    Prescriptions: OBS-3 (deployment success and pipeline failure alarms with the profile's
    thresholds, warning and critical to their own topics), OBS-4 (deployments and pipeline
    health on the dashboard).
    """

    TYPE = "infra-kit:aws:DeliveryAlarms"

    def __init__(
        self,
        name: str,
        args: DeliveryAlarmsArgs,
        env: Environment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        alarms = env.profile.alarms
        environment = env.profile.name
        success = delivery_rate(DEPLOYMENT_SUCCESS, environment, alarms.delivery_window_hours)
        failure = delivery_rate(PIPELINE_FAILURE, environment, alarms.delivery_window_hours)
        super().__init__(name, env, opts)
        window = f"{alarms.delivery_window_hours} h"
        self.deployment_success = alarm_pair(
            self,
            "deployment-success",
            signal=success,
            comparison="below",
            warning=alarms.deployment_success_warning_percent,
            critical=alarms.deployment_success_critical_percent,
            topics=args.topics,
            section=_SECTION_DEPLOYMENTS,
            description=(
                f"Share of successful deploys of {environment} stacks over {window} is low: "
                "read the failed deploy jobs and their rollbacks (the deploy records under "
                f"{deployments_path(environment)} link each run)"
            ),
            treat_missing_data="notBreaching",
        )
        self.pipeline_failure = alarm_pair(
            self,
            "pipeline-failure",
            signal=failure,
            comparison="above",
            warning=alarms.pipeline_failure_warning_percent,
            critical=alarms.pipeline_failure_critical_percent,
            topics=args.topics,
            section=_SECTION_PIPELINE,
            description=(
                f"Share of failed main-pipeline runs over {window} is high: read the failed "
                "runs of the main workflow and fix forward"
            ),
            treat_missing_data="notBreaching",
        )
        hourly_deploys = delivery_metric(DEPLOYMENT_SUCCESS, environment, 3600, "SampleCount")
        hourly_runs = delivery_metric(PIPELINE_FAILURE, environment, 3600, "SampleCount")
        graph(self, _SECTION_DEPLOYMENTS, "Deployment success rate (%)", success)
        graph(self, _SECTION_DEPLOYMENTS, "Deploys per hour", hourly_deploys)
        graph(self, _SECTION_PIPELINE, "Pipeline failure rate (%)", failure)
        graph(self, _SECTION_PIPELINE, "Pipeline runs per hour", hourly_runs)
        self.register_outputs(
            {
                "deployment_success_alarm": self.deployment_success["critical"].name,
                "pipeline_failure_alarm": self.pipeline_failure["critical"].name,
            }
        )
