"""Defaults of scheduled jobs: how a run is started, bounded, retried and kept (K8S-1, OBS-2).

Each key is the default of the argument of the same name of
:class:`~infra_kit.k8s.ScheduledJobArgs`, rendered into a Kubernetes ``batch/v1`` CronJob
(field meanings as the Kubernetes API reference for CronJobSpec and JobSpec states them, read
2026-12-02):

- ``concurrency_policy``: ``Forbid`` everywhere. A run still going when the next one is due
  makes the controller skip the new run rather than start a second copy (``Allow``) or kill the
  first (``Replace``); a nightly job written without thinking about overlap cannot then process
  the same work twice. A job that is safe to overlap says so with its own argument.
- ``starting_deadline_seconds``: how late a missed run may still start (a controller restart,
  a full cluster). Past it the run is counted as missed instead of starting at a surprising
  hour. Set, because without it a CronJob that has missed more than 100 schedules stops being
  scheduled at all.
- ``active_deadline_seconds``: how long one run, retries included, may take before Kubernetes
  stops it and marks it failed: a hung run fails visibly instead of blocking the next ones
  (``Forbid``).
- ``backoff_limit``: retries of a failed pod before the run counts as failed. Stage and prod
  retry transient failures (a node drained, a dependency restarting); dev and previews fail on
  the second attempt so that a broken change shows quickly.
- ``successful_jobs_history_limit`` / ``failed_jobs_history_limit``: finished Jobs kept, and
  with them their pods and logs (``kubectl logs job/<name>``). Failed runs are kept longer than
  successful ones, and longer where failures matter: seven failed runs of a nightly job are a
  week of failures to read. A stack file that lowers ``failed_jobs_history_limit`` below its
  environment's built-in value writes why under ``weakened:`` (ENV-3).
- ``suspend``: false: a job runs where it is deployed. A suspended job is still rendered (ENV-2)
  and can be run by hand with ``kubectl create job --from=cronjob/<name>``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from infra_kit.core.profile._base import Frozen, same, table

__all__ = ["JOB_ROWS", "ConcurrencyPolicy", "JobProfile"]

#: The values of CronJobSpec ``concurrencyPolicy``.
ConcurrencyPolicy = Literal["Allow", "Forbid", "Replace"]


class JobProfile(Frozen):
    """Scheduled job defaults (K8S-1, OBS-2); see the module for each key."""

    concurrency_policy: ConcurrencyPolicy
    starting_deadline_seconds: int = Field(ge=10, le=86_400)
    active_deadline_seconds: int = Field(ge=60, le=7 * 86_400)
    backoff_limit: int = Field(ge=0, le=10)
    successful_jobs_history_limit: int = Field(ge=0, le=100)
    # A failed run is always kept: with 0 its pods and logs would be deleted as it fails.
    failed_jobs_history_limit: int = Field(ge=1, le=100)
    suspend: bool


# fmt: off
JOB_ROWS = table(
    # key                                     dev       preview   stage     prod
    ("jobs.concurrency_policy",               *same("Forbid")),
    # Ten minutes of lateness still runs the job; later than that it waits for the next slot.
    ("jobs.starting_deadline_seconds",        *same(600)),
    # One hour for a run and its retries; a longer batch says so with its own argument.
    ("jobs.active_deadline_seconds",          *same(3600)),
    ("jobs.backoff_limit",                    1,        1,        3,        3),
    ("jobs.successful_jobs_history_limit",    *same(3)),
    ("jobs.failed_jobs_history_limit",        3,        3,        7,        7),
    ("jobs.suspend",                          *same(False)),
)
# fmt: on
