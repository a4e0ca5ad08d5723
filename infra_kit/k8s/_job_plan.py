"""Arguments of :class:`~infra_kit.k8s.ScheduledJob`, and their validation into a plan (ENV-3).

Pure logic: no Pulumi runtime. :func:`plan_job` checks every argument against the profile and
the prescriptions, with the same checks as a :class:`~infra_kit.k8s.Worker` for what the two
share (name, image, sizes, environment, secrets, egress), and raises
:class:`~infra_kit.errors.ValidationError` before the component creates anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, get_args

import pulumi

from infra_kit.core.profile import EnvironmentProfile
from infra_kit.core.profile.jobs import ConcurrencyPolicy
from infra_kit.errors import ValidationError
from infra_kit.k8s import _network as net
from infra_kit.k8s._cron import check_schedule, check_time_zone
from infra_kit.k8s._images import ImageRef, check_image
from infra_kit.k8s._plan import check_secret_access, check_workload_name, plan_egress
from infra_kit.k8s._sizing import Resources
from infra_kit.k8s._workload import check_environment

if TYPE_CHECKING:
    from infra_kit.k8s.namespace import Namespace

__all__ = ["DEFAULT_TIME_ZONE", "JobPlan", "ScheduledJobArgs", "plan_job"]

#: The zone a schedule is read in unless a job names another.
DEFAULT_TIME_ZONE = "Etc/UTC"


@dataclass(frozen=True, kw_only=True)
class ScheduledJobArgs:
    """What a scheduled job runs, and when.

    ``namespace``, ``image`` and ``schedule`` are required. A default is the same in every
    environment unless it names a profile key (the profile's ``jobs`` section,
    :mod:`infra_kit.core.profile.jobs`, says why each has its value).

    Args:
        namespace: a :class:`~infra_kit.k8s.Namespace` (the job waits for it) or a name.
        image: the container image, pinned by tag, and by digest where
            ``workloads.require_image_digest`` is true (prod). Never ``latest`` (SEC-4).
        schedule: when a run starts: five cron fields (``"30 2 * * *"``: 02:30 every day) or
            one of ``@hourly``, ``@daily`` (``@midnight``), ``@weekly``, ``@monthly``,
            ``@yearly`` (``@annually``), read in ``time_zone``.
        time_zone: a tz database name (CronJob ``timeZone``). Default: ``"Etc/UTC"``, so a
            schedule never depends on the zone of the cluster's controller manager.
        command: overrides the image's entrypoint. Default: the image's.
        args: override the image's arguments. Default: the image's.
        config: non-secret configuration, as environment variables from a ConfigMap (K8S-2).
            Default: none (the ConfigMap is still created, empty).
        secret_arns: ``ENV_NAME: secret ARN``; the container gets the ARN and reads the value
            with its role (SEC-2). Needs ``oidc``. Default: none.
        resource_refs: ``ENV_NAME: identifier`` of AWS resources the job uses (a bucket's
            name, a queue's URL), which may be outputs. Never a secret value. Default: none.
        cpu_request: the container's CPU request (K8S-1). Default: ``workloads.cpu_request``,
            as for every workload.
        cpu_limit: the container's CPU limit. Default: ``workloads.cpu_limit``.
        memory_request: the container's memory request. Default: ``workloads.memory_request``.
        memory_limit: the container's memory limit. Default: ``workloads.memory_limit``.
        egress_to: destinations beyond DNS and the telemetry agent (NET-5). Default: none; a
            job with a role (``oidc``) also gets HTTPS to AWS APIs.
        mount_service_account_token: mount a Kubernetes API token. Default: False (SEC-4).
        concurrency_policy: ``Forbid`` (skip a run while the previous one is going),
            ``Replace`` or ``Allow``. Default: ``jobs.concurrency_policy`` (``Forbid``).
        starting_deadline_seconds: how late a missed run may still start. Default:
            ``jobs.starting_deadline_seconds`` (600); at least 10.
        active_deadline_seconds: how long a run, retries included, may take before it is
            stopped and counted as failed. Default: ``jobs.active_deadline_seconds`` (3600).
        backoff_limit: retries of a failed pod before the run fails. Default:
            ``jobs.backoff_limit`` (1 in dev and previews, 3 in stage and prod).
        successful_jobs_history_limit: finished successful runs kept. Default:
            ``jobs.successful_jobs_history_limit`` (3).
        failed_jobs_history_limit: failed runs kept, with their pods and logs. Default:
            ``jobs.failed_jobs_history_limit`` (3 in dev and previews, 7 in stage and prod); at
            least 1, so that a failure can be read.
        suspend: render the job but start no runs. Default: ``jobs.suspend`` (false).
    """

    namespace: str | Namespace
    image: str
    schedule: str
    time_zone: str = DEFAULT_TIME_ZONE
    command: Sequence[str] = ()
    args: Sequence[str] = ()
    config: Mapping[str, str] = field(default_factory=dict)
    secret_arns: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    resource_refs: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    cpu_request: str | None = None
    memory_request: str | None = None
    memory_limit: str | None = None
    cpu_limit: str | None = None
    egress_to: Sequence[net.Egress] = ()
    mount_service_account_token: bool = False
    concurrency_policy: ConcurrencyPolicy | None = None
    starting_deadline_seconds: int | None = None
    active_deadline_seconds: int | None = None
    backoff_limit: int | None = None
    successful_jobs_history_limit: int | None = None
    failed_jobs_history_limit: int | None = None
    suspend: bool | None = None


@dataclass(frozen=True)
class JobPlan:
    """Validated values a scheduled job renders."""

    image: ImageRef
    resources: Resources
    egress: tuple[net.Egress, ...]
    schedule: str
    time_zone: str
    concurrency_policy: str
    starting_deadline_seconds: int
    active_deadline_seconds: int
    backoff_limit: int
    successful_jobs_history_limit: int
    failed_jobs_history_limit: int
    suspend: bool


def _count(key: str, value: object, *, least: int, why: str, fix: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ValidationError(key, value, why, fix)
    return value


def plan_job(
    name: str, args: ScheduledJobArgs, profile: EnvironmentProfile, *, has_role: bool
) -> JobPlan:
    """Validate ``args`` for job ``name``; ``has_role`` says whether ``oidc`` was given."""
    check_workload_name(name)
    jobs = profile.jobs
    image = check_image(args.image, require_digest=profile.workloads.require_image_digest)
    schedule = check_schedule(args.schedule)
    time_zone = check_time_zone(args.time_zone)
    resources = Resources.from_profile(
        profile.workloads,
        cpu_request=args.cpu_request,
        memory_request=args.memory_request,
        memory_limit=args.memory_limit,
        cpu_limit=args.cpu_limit,
    )
    check_environment(args.config, args.secret_arns, args.resource_refs)
    check_secret_access(args.secret_arns, has_role=has_role)
    policies = get_args(ConcurrencyPolicy)
    concurrency = (
        jobs.concurrency_policy if args.concurrency_policy is None else args.concurrency_policy
    )
    if concurrency not in policies:
        raise ValidationError(
            "concurrency_policy",
            concurrency,
            "not a CronJob concurrency policy",
            f"use one of {', '.join(policies)}",
        )
    pick = {
        "starting_deadline_seconds": (
            args.starting_deadline_seconds,
            jobs.starting_deadline_seconds,
            10,
            "the CronJob controller looks for due runs every 10 seconds, so a shorter deadline "
            "can skip every run",
        ),
        "active_deadline_seconds": (
            args.active_deadline_seconds,
            jobs.active_deadline_seconds,
            1,
            "a run needs at least a second",
        ),
        "backoff_limit": (args.backoff_limit, jobs.backoff_limit, 0, "not a number of retries"),
        "successful_jobs_history_limit": (
            args.successful_jobs_history_limit,
            jobs.successful_jobs_history_limit,
            0,
            "not a number of runs",
        ),
        "failed_jobs_history_limit": (
            args.failed_jobs_history_limit,
            jobs.failed_jobs_history_limit,
            1,
            "a failed run's Job, pods and logs would be deleted as soon as it fails, before "
            "anyone can read why",
        ),
    }
    counts = {
        key: _count(
            key,
            default if given is None else given,
            least=least,
            why=why,
            fix=f"use a whole number of at least {least}",
        )
        for key, (given, default, least, why) in pick.items()
    }
    suspend = jobs.suspend if args.suspend is None else args.suspend
    if not isinstance(suspend, bool):
        raise ValidationError("suspend", suspend, "not a boolean", "pass True or False")
    return JobPlan(
        image=image,
        resources=resources,
        egress=plan_egress(args.egress_to, profile, has_role=has_role),
        schedule=schedule,
        time_zone=time_zone,
        concurrency_policy=concurrency,
        suspend=suspend,
        **counts,
    )
