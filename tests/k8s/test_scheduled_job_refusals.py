"""Every invalid scheduled job is refused with a message naming the argument, the value and the
fix, before anything is created (ENV-3); schedules are checked as Kubernetes reads them."""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import replace
from typing import Any

import pytest

from infra_kit.core.profile import BUILTIN_PROFILES, JobProfile
from infra_kit.errors import ValidationError
from infra_kit.k8s import ScheduledJob, ScheduledJobArgs
from infra_kit.k8s._cron import check_schedule, check_time_zone
from tests.k8s.helpers import IMAGE, SECRET_ARN, TAGGED_IMAGE, refusal

BASE = ScheduledJobArgs(namespace="shop", image=IMAGE, schedule="0 3 * * *")

CASES: list[tuple[str, ScheduledJobArgs, str]] = [
    (
        "four fields",
        replace(BASE, schedule="0 3 * *"),
        r"^schedule='0 3 \* \*': it has 4 fields; a Kubernetes schedule has 5",
    ),
    (
        "seconds field",
        replace(BASE, schedule="0 0 3 * * *"),
        r"^schedule='0 0 3 \* \* \*': it has 6 fields; .* no seconds or year",
    ),
    (
        "minute out of range",
        replace(BASE, schedule="60 3 * * *"),
        r"^schedule='60 3 \* \* \*': the minute field's '60' is not within 0-59\. Fix: write five",
    ),
    (
        "day of week seven",
        replace(BASE, schedule="0 3 * * 7"),
        r"^schedule='0 3 \* \* 7': the day of week field's '7' is not within 0-6 or sun-sat",
    ),
    (
        "unknown macro",
        replace(BASE, schedule="@every 1h"),
        r"^schedule='@every 1h': not a macro Kubernetes accepts\. Fix: use one of @annually, "
        r"@daily, @hourly, @midnight, @monthly, @weekly, @yearly, or five fields",
    ),
    (
        "time zone in the schedule",
        replace(BASE, schedule="CRON_TZ=Europe/Paris 0 3 * * *"),
        r"^schedule='CRON_TZ=Europe/Paris 0 3 \* \* \*': Kubernetes refuses a time zone inside "
        r"the schedule\. Fix: drop the TZ= prefix and pass time_zone='<zone>' instead",
    ),
    (
        "not a zone name",
        replace(BASE, time_zone="UTC+2 hours"),
        r"^time_zone='UTC\+2 hours': not a time zone name\. Fix: use a tz database name",
    ),
    (
        "concurrency policy",
        replace(BASE, concurrency_policy="Never"),  # pyright: ignore[reportArgumentType] -- refused
        r"^concurrency_policy='Never': not a CronJob concurrency policy\. Fix: use one of "
        r"Allow, Forbid, Replace",
    ),
    (
        "starting deadline",
        replace(BASE, starting_deadline_seconds=5),
        r"^starting_deadline_seconds=5: the CronJob controller looks for due runs every 10 "
        r"seconds.*Fix: use a whole number of at least 10",
    ),
    (
        "active deadline",
        replace(BASE, active_deadline_seconds=0),
        r"^active_deadline_seconds=0: a run needs at least a second",
    ),
    (
        "negative backoff",
        replace(BASE, backoff_limit=-1),
        r"^backoff_limit=-1: not a number of retries\. Fix: use a whole number of at least 0",
    ),
    (
        "no failed history",
        replace(BASE, failed_jobs_history_limit=0),
        r"^failed_jobs_history_limit=0: a failed run's Job, pods and logs would be deleted as "
        r"soon as it fails, before anyone can read why\. Fix: use a whole number of at least 1",
    ),
    (
        "successful history",
        replace(BASE, successful_jobs_history_limit=-2),
        r"^successful_jobs_history_limit=-2: not a number of runs",
    ),
    (
        "suspend",
        replace(BASE, suspend="yes"),  # pyright: ignore[reportArgumentType] -- refused
        r"^suspend='yes': not a boolean",
    ),
    ("latest image", replace(BASE, image="nginx:latest"), r"^image='nginx:latest': the 'latest'"),
    (
        "secrets without a role",
        replace(BASE, secret_arns={"DB_SECRET_ARN": SECRET_ARN}),
        r"^secret_arns=\['DB_SECRET_ARN'\]: the workload needs an IAM role to read the secrets",
    ),
    (
        "reserved variable",
        replace(BASE, config={"OTEL_SERVICE_NAME": "x"}),
        r"^config\['OTEL_SERVICE_NAME'\]='OTEL_SERVICE_NAME': infra-kit sets this variable",
    ),
    (
        "request above the default limit",
        replace(BASE, memory_request="1Gi"),
        r"^memory_request='1Gi': it is above the default memory_limit",
    ),
    (
        "egress",
        replace(BASE, egress_to=["10.0.0.0/8"]),  # pyright: ignore[reportArgumentType] -- refused
        r"^egress_to='10\.0\.0\.0/8': not an Egress",
    ),
    ("namespace", replace(BASE, namespace="Shop"), r"^namespace='Shop': not a Kubernetes name"),
]


@pytest.mark.parametrize(("args", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_invalid_arguments_are_refused_before_anything_is_created(
    args: ScheduledJobArgs, message: str
) -> None:
    error, created = refusal(lambda env, p: ScheduledJob("nightly", args, env, provider=p))
    assert isinstance(error, ValidationError)
    assert re.search(message, str(error)), str(error)
    assert created == []


def test_prod_refuses_an_image_pinned_by_tag_only() -> None:
    # prescription: SEC-4
    args = replace(BASE, image=TAGGED_IMAGE)
    error, created = refusal(lambda env, p: ScheduledJob("nightly", args, env, provider=p), "prod")
    assert str(error).startswith(f"image={TAGGED_IMAGE!r}: this environment pins images by digest")
    assert created == []


def test_a_name_too_long_for_derived_names_is_refused() -> None:
    error, _ = refusal(lambda env, p: ScheduledJob("n" * 36, BASE, env, provider=p))
    assert str(error).startswith(f"name={'n' * 36!r}: longer than 35 characters")


@pytest.mark.parametrize(
    "schedule",
    [
        "*/15 * * * *",
        "0 2 * * 1-5",
        "30 4 1,15 * *",
        "0 0 1 jan,jul ?",
        "0 22 * * SUN-sat",
        "0-30/10 8-18/2 * * *",
        "@hourly",
        "@daily",
        "@midnight",
        "@weekly",
        "@monthly",
        "@yearly",
        "@annually",
    ],
)
def test_schedules_kubernetes_accepts_pass_unchanged(schedule: str) -> None:
    assert check_schedule(schedule) == schedule


@pytest.mark.parametrize(
    ("schedule", "problem"),
    [
        ("", "not a cron schedule"),
        (" 0 3 * * *", "it has spaces around it"),
        ("0 24 * * *", "the hour field's '24' is not within 0-23"),
        ("0 3 0 * *", "the day of month field's '0' is not within 1-31"),
        ("0 3 * 13 *", "the month field's '13' is not within 1-12 or jan-dec"),
        ("0 3 * foo *", "the month field's 'foo' is not within 1-12 or jan-dec"),
        ("5-1 3 * * *", "the minute field's range '5-1' runs backwards"),
        ("*/0 3 * * *", "the minute field's step '0' is not a whole number of at least 1"),
        ("TZ=UTC 0 3 * * *", "Kubernetes refuses a time zone inside the schedule"),
        ("@reboot", "not a macro Kubernetes accepts"),
    ],
)
def test_schedules_kubernetes_refuses_are_refused_naming_the_problem(
    schedule: str, problem: str
) -> None:
    with pytest.raises(ValidationError) as info:
        check_schedule(schedule)
    assert str(info.value).startswith(f"schedule={schedule!r}: {problem}")


def test_time_zones_are_names_of_the_tz_database() -> None:
    assert check_time_zone("Etc/UTC") == "Etc/UTC"
    assert check_time_zone("America/Argentina/Buenos_Aires") == "America/Argentina/Buenos_Aires"
    for bad in ("", "Local", "UTC+2 ", 3):
        with pytest.raises(ValidationError, match=r"^time_zone=.*: not a time zone name"):
            check_time_zone(bad)


@pytest.mark.skipif(
    not zoneinfo.available_timezones(), reason="no tz database on this machine to check against"
)
def test_a_zone_missing_from_the_tz_database_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        check_time_zone("Mars/Olympus_Mons")
    assert str(info.value).startswith(
        "time_zone='Mars/Olympus_Mons': not a zone of the tz database"
    )


def test_the_profiles_jobs_rows_are_the_documented_defaults() -> None:
    forbid_everywhere: dict[str, Any] = {
        "concurrency_policy": "Forbid",
        "starting_deadline_seconds": 600,
        "active_deadline_seconds": 3600,
        "successful_jobs_history_limit": 3,
        "suspend": False,
    }
    expected = {
        "dev": {"backoff_limit": 1, "failed_jobs_history_limit": 3},
        "preview": {"backoff_limit": 1, "failed_jobs_history_limit": 3},
        "stage": {"backoff_limit": 3, "failed_jobs_history_limit": 7},
        "prod": {"backoff_limit": 3, "failed_jobs_history_limit": 7},
    }
    for name, differing in expected.items():
        assert BUILTIN_PROFILES[name]["jobs"] == {**forbid_everywhere, **differing}, name


def test_a_profile_may_not_drop_failed_runs() -> None:
    values = {**BUILTIN_PROFILES["prod"]["jobs"], "failed_jobs_history_limit": 0}
    with pytest.raises(ValueError, match="failed_jobs_history_limit"):
        JobProfile.model_validate(values)
