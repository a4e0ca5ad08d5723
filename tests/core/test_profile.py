"""The environment profile: built-in defaults, overrides, and refusals (ENV-2, ENV-3)."""

from __future__ import annotations

from typing import Any

import pytest

from infra_kit.core.profile import (
    BUILTIN_PROFILES,
    CapacityType,
    EnvironmentProfile,
    NatStrategy,
    SupportType,
    build_profile,
)
from infra_kit.errors import ConfigError

TAGS = {"team": "payments", "service": "orders", "cost_center": "cc-42", "repository": "shop"}


ZONES = {"network": {"availability_zones": ["us-east-1a", "us-east-1b", "us-east-1c"]}}


def profile(name: str, **overrides: Any) -> EnvironmentProfile:
    """The built-in profile ``name`` with test tags; stage and prod get pinned AZs."""
    base: dict[str, Any] = {"name": name, "tags": TAGS}
    if name in {"stage", "prod"}:
        base["network"] = dict(ZONES["network"])
    network = {**base.get("network", {}), **overrides.pop("network", {})}
    if network:
        base["network"] = network
    return build_profile({**base, **overrides}, source="Pulumi.test.yaml")


@pytest.mark.parametrize("name", sorted(BUILTIN_PROFILES))
def test_every_builtin_profile_validates_with_only_tags_given(name: str) -> None:
    assert profile(name).name == name


def test_dev_is_cheap_two_az_with_a_single_nat_and_no_protection() -> None:
    # COST-3: cheap by default with prod's topology.
    p = profile("dev")
    assert p.network.az_count == 2
    assert p.network.nat_strategy is NatStrategy.SINGLE
    assert p.network.enable_interface_endpoints is False
    assert p.database.multi_az is False
    assert p.database.backup_retention_days == 1
    assert p.protect_stateful is False
    assert p.cluster.capacity_type is CapacityType.SPOT


def test_stage_is_three_az_multi_az_and_protected_with_a_week_of_backups() -> None:
    p = profile("stage")
    assert p.network.az_count == 3
    assert p.database.multi_az is True
    assert p.database.backup_retention_days == 7
    assert p.protect_stateful is True


def test_prod_has_no_single_point_of_failure_and_keeps_backups_two_weeks() -> None:
    p = profile("prod")
    assert p.network.az_count == 3
    assert p.network.nat_strategy is NatStrategy.ONE_PER_AZ
    assert p.network.enable_interface_endpoints is True
    assert p.database.multi_az is True
    assert p.database.backup_retention_days >= 14
    assert p.protect_stateful is True
    assert p.workloads.min_replicas >= 2
    assert p.workloads.max_replicas >= 10 * p.workloads.min_replicas
    assert p.cluster.capacity_type is CapacityType.ON_DEMAND
    assert p.cluster.public_access_cidrs == ()


@pytest.mark.parametrize("name", sorted(BUILTIN_PROFILES))
def test_every_builtin_environment_leaves_standard_support_by_upgrading(name: str) -> None:
    assert profile(name).cluster.support_type is SupportType.STANDARD


def test_the_preview_profile_sets_a_three_day_time_to_live() -> None:
    # What reads it and destroys an expired preview is the delivery work; here, only the value.
    assert profile("preview").preview_ttl_hours == 72


def test_preview_caps_scaling_below_ten_times_only_with_a_written_reason() -> None:
    p = profile("preview")
    assert p.workloads.max_replicas < 10 * p.workloads.min_replicas
    assert "pull request" in (p.workloads.scale_limit_reason or "")
    assert "pull request" in (p.cluster.scale_limit_reason or "")


@pytest.mark.parametrize("name", ["dev", "stage", "prod"])
def test_long_lived_environments_absorb_a_ten_times_spike(name: str) -> None:
    p = profile(name)
    assert p.workloads.max_replicas >= 10 * p.workloads.min_replicas
    assert p.cluster.nodes_max_per_az >= 10 * p.cluster.nodes_desired_per_az
    assert p.workloads.scale_limit_reason is None
    assert p.cluster.scale_limit_reason is None


def test_every_environment_shares_the_alarm_thresholds_of_obs_3() -> None:
    for name in BUILTIN_PROFILES:
        alarms = profile(name).alarms
        assert (alarms.utilization_warning_percent, alarms.utilization_critical_percent) == (75, 90)


# OBS-3: who reads alerts is set per environment; stage and prod require someone.
def test_notification_subscriptions_come_from_the_stack_file_and_protected_environments_require_one() -> (
    None
):
    subscriptions = [
        {"protocol": "email", "endpoint": "platform-oncall@example.com"},
        {"protocol": "https", "endpoint": "https://hooks.example.com/alerts"},
    ]
    p = profile("prod", alarms={"notification_subscriptions": subscriptions})
    assert [(s.protocol, s.endpoint) for s in p.alarms.notification_subscriptions] == [
        ("email", "platform-oncall@example.com"),
        ("https", "https://hooks.example.com/alerts"),
    ]
    required = {n: profile(n).alarms.require_notification_subscription for n in BUILTIN_PROFILES}
    assert required == {"dev": False, "preview": False, "stage": True, "prod": True}
    assert all(profile(n).alarms.notification_subscriptions == () for n in BUILTIN_PROFILES)


def test_a_stack_file_overrides_only_what_differs() -> None:
    zones = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"]
    p = profile(
        "prod", network={"az_count": 4, "availability_zones": zones}, logs={"retention_days": 365}
    )
    assert p.network.az_count == 4
    assert p.network.availability_zones == tuple(zones)
    assert p.logs.retention_days == 365
    base = profile("prod")
    assert p.network.nat_strategy == base.network.nat_strategy
    assert p.network.vpc_cidr == base.network.vpc_cidr
    assert p.database == base.database


def test_dev_may_leave_its_azs_to_the_regions_list() -> None:
    assert profile("dev").network.availability_zones is None


def test_the_stack_name_picks_the_profile_when_name_is_not_given() -> None:
    p = build_profile({"tags": TAGS, **ZONES}, default_name="stage")
    assert p.name == "stage"


def test_the_profile_is_frozen() -> None:
    p = profile("dev")
    with pytest.raises(Exception, match="frozen"):
        p.network.az_count = 5  # type: ignore[misc]


def test_overrides_do_not_leak_into_the_builtin_profiles() -> None:
    profile("dev", network={"az_count": 3})
    assert BUILTIN_PROFILES["dev"]["network"]["az_count"] == 2


# Each bad configuration, the key its message must name, and a fragment of the fix.
BAD_CONFIGS: list[tuple[str, dict[str, Any], str, str]] = [
    ("unknown top-level key", {"name": "dev", "tags": TAGS, "colour": "blue"}, "colour", "unknown key"),
    ("unknown nested key", {"name": "dev", "tags": TAGS, "network": {"azs": 3}}, "network.azs", "az_count"),
    ("prod with two AZs", {"name": "prod", "tags": TAGS, "network": {"az_count": 2, "availability_zones": ["a1", "b1"]}}, "network.az_count=2", "at least 3"),
    ("prod with a single NAT", {"name": "prod", "tags": TAGS, "network": {"nat_strategy": "single"}}, "network.nat_strategy", "one_per_az"),
    ("protected state without pinned AZs", {"name": "stage", "tags": TAGS}, "network.availability_zones: not set", "pin one AZ name per AZ"),
    ("pinned AZs that do not match the count", {"name": "dev", "tags": TAGS, "network": {"availability_zones": ["us-east-1a"]}}, "network.availability_zones=['us-east-1a']", "az_count=2"),
    ("the same AZ twice", {"name": "dev", "tags": TAGS, "network": {"availability_zones": ["us-east-1a", "us-east-1a"]}}, "network.availability_zones", "distinct"),
    ("CIDR that does not parse", {"name": "dev", "tags": TAGS, "network": {"vpc_cidr": "10.0.0.300/16"}}, "network.vpc_cidr", "CIDR"),
    ("CIDR too small", {"name": "dev", "tags": TAGS, "network": {"vpc_cidr": "10.0.0.0/26"}}, "network.vpc_cidr", "/22"),
    ("replicas min above max", {"name": "dev", "tags": TAGS, "workloads": {"min_replicas": 5, "max_replicas": 2}}, "workloads.min_replicas=5", "max_replicas"),
    ("CPU limit below its request (K8S-1)", {"name": "dev", "tags": TAGS, "workloads": {"cpu_request": "1"}}, "workloads.cpu_limit=500m is below workloads.cpu_request=1", "raise workloads.cpu_limit to at least 1"),
    ("memory limit below its request (K8S-1)", {"name": "dev", "tags": TAGS, "workloads": {"memory_limit": "64Mi"}}, "workloads.memory_limit=64Mi is below workloads.memory_request=128Mi", "at least 128Mi"),
    ("CPU limits quota below the requests quota", {"name": "dev", "tags": TAGS, "workloads": {"namespace_cpu_limit_quota": "4"}}, "workloads.namespace_cpu_limit_quota=4 is below workloads.namespace_cpu_quota=8", "at least 8"),
    ("CPU limit that is no quantity", {"name": "dev", "tags": TAGS, "workloads": {"cpu_limit": "half"}}, "workloads.cpu_limit='half'", "'500m'"),
    ("nodes min above max", {"name": "dev", "tags": TAGS, "cluster": {"nodes_min_per_az": 4}}, "cluster.nodes_min_per_az=4", "order them"),
    ("missing team tag", {"name": "dev", "tags": {k: v for k, v in TAGS.items() if k != "team"}}, "tags.team", "required"),
    ("malformed tag value", {"name": "dev", "tags": {**TAGS, "team": "pay,ments"}}, "tags.team", "letters, digits"),
    ("service and feature both set", {"name": "dev", "tags": {**TAGS, "feature": "x"}}, "tags.service / tags.feature", "exactly one"),
    ("unknown environment", {"name": "qa", "tags": TAGS}, "name='qa'", "dev, preview, prod, stage"),
    ("retention CloudWatch refuses", {"name": "dev", "tags": TAGS, "logs": {"retention_days": 10}}, "logs.retention_days=10", "14"),
    ("prod without backups", {"name": "prod", "tags": TAGS, "database": {"backup_retention_days": 3}}, "database.backup_retention_days=3", "14 days"),
    ("prod public endpoint", {"name": "prod", "tags": TAGS, "cluster": {"public_access_cidrs": ["203.0.113.0/24"]}}, "cluster.public_access_cidrs", "private only"),
    ("endpoint open to the internet", {"name": "dev", "tags": TAGS, "cluster": {"public_access_cidrs": ["0.0.0.0/0"]}}, "cluster.public_access_cidrs", "whole internet"),
    ("unsupported kubernetes version", {"name": "dev", "tags": TAGS, "cluster": {"kubernetes_version": "1.20"}}, "cluster.kubernetes_version", "1.34"),
    ("preview without expiry (ENV-1)", {"name": "preview", "tags": TAGS, "preview_ttl_hours": None}, "preview_ttl_hours", "must expire"),
    ("wrong type", {"name": "dev", "tags": TAGS, "network": {"az_count": "three"}}, "network.az_count='three'", "integer"),
    ("replicas without 10x headroom", {"name": "dev", "tags": TAGS, "workloads": {"max_replicas": 5}}, "workloads.max_replicas=5", "scale_limit_reason"),
    ("nodes without 10x headroom", {"name": "prod", "tags": TAGS, "cluster": {"nodes_max_per_az": 6}}, "cluster.nodes_max_per_az=6", "raise cluster.nodes_max_per_az to 20"),
    ("unknown support type", {"name": "dev", "tags": TAGS, "cluster": {"support_type": "LTS"}}, "cluster.support_type='LTS'", "'STANDARD' or 'EXTENDED'"),
    ("subscription email that is no address (OBS-3)", {"name": "dev", "tags": TAGS, "alarms": {"notification_subscriptions": [{"protocol": "email", "endpoint": "oncall"}]}}, "alarms.notification_subscriptions.0", "not an email address"),
    ("subscription webhook over plain http (OBS-3)", {"name": "dev", "tags": TAGS, "alarms": {"notification_subscriptions": [{"protocol": "https", "endpoint": "http://hooks.example.com/x"}]}}, "alarms.notification_subscriptions.0", "not an https URL"),
    ("subscription protocol SNS offers but infra-kit does not (OBS-3)", {"name": "dev", "tags": TAGS, "alarms": {"notification_subscriptions": [{"protocol": "sms", "endpoint": "+15550100"}]}}, "alarms.notification_subscriptions.0.protocol='sms'", "'email' or 'https'"),
    ("stage allowing a topic nobody reads without a reason (OBS-3)", {"name": "stage", "tags": TAGS, **ZONES, "alarms": {"require_notification_subscription": False}}, "alarms.require_notification_subscription", "weakened"),
    ("admin that is not a role ARN", {"name": "dev", "tags": TAGS, "cluster": {"admin_role_arns": ["alice"]}}, "cluster.admin_role_arns", "IAM role ARN"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "config", "key", "fix"), BAD_CONFIGS, ids=[c[0] for c in BAD_CONFIGS]
)
def test_bad_configuration_is_refused_naming_the_key_and_the_fix(
    case: str, config: dict[str, Any], key: str, fix: str
) -> None:
    # That the message names the stack file, derived from the stack's name, is proven through
    # Environment.load in tests/core/test_environment_load.py.
    with pytest.raises(ConfigError) as caught:
        build_profile(config)
    message = str(caught.value)
    assert key in message, message
    assert fix in message, message


def test_every_problem_is_reported_at_once() -> None:
    config = {"name": "prod", "tags": TAGS, **ZONES}
    config["network"] = {**ZONES["network"], "az_count": 3, "nat_strategy": "single"}
    config["database"] = {"multi_az": False}
    with pytest.raises(ConfigError) as caught:
        build_profile(config)
    problems = caught.value.problems
    assert len(problems) == 2, problems  # one line per key
    assert problems[0].startswith("network.nat_strategy=single")
    assert problems[1].startswith("database.multi_az=false")


def test_field_errors_and_the_environments_own_rules_are_reported_together() -> None:
    config = {"name": "prod", "tags": TAGS, **ZONES}
    config["network"] = {**ZONES["network"], "nat_strategy": "single", "vpc_cidr": "10.0.0/16"}
    config["workloads"] = {"min_replicas": 1}
    with pytest.raises(ConfigError) as caught:
        build_profile(config)
    keys = [p.split("=")[0].split(":")[0] for p in caught.value.problems]
    # a field error, and the prod rules judged on everything else
    assert keys == ["network.vpc_cidr", "network.nat_strategy", "workloads.min_replicas"]


@pytest.mark.parametrize(
    ("stack", "name", "bound"),
    [("prod", "dev", "prod"), ("dev", "prod", "dev"), ("pr-42", "dev", "preview")],
)
def test_a_stack_named_for_an_environment_cannot_use_another_profile(
    stack: str, name: str, bound: str
) -> None:
    with pytest.raises(ConfigError, match=rf"name='{name}': the stack '{stack}' is the {bound} "):
        build_profile({"name": name, "tags": TAGS}, stack=stack)


def test_a_pull_request_stack_is_a_preview_without_saying_so() -> None:
    overrides = {"tags": {**TAGS, "service": None, "feature": "checkout"}}
    assert build_profile(overrides, default_name="preview", stack="pr-42").name == "preview"
    assert build_profile({"name": "dev", "tags": TAGS}, stack="feature-x").name == "dev"


def test_a_value_yaml_reads_as_a_boolean_gets_a_quote_it_hint() -> None:
    with pytest.raises(ConfigError, match=r"tags.team=True: YAML read this value as a bool"):
        build_profile({"name": "dev", "tags": {**TAGS, "team": True}}, stack="dev")
    with pytest.raises(ConfigError, match=r"Fix: quote it in the stack file"):
        build_profile({"name": "dev", "tags": {**TAGS, "team": True}}, stack="dev")


@pytest.mark.parametrize("value", ["cc\t42", "cc\n42"])
def test_a_tab_or_newline_in_a_tag_value_is_refused(value: str) -> None:
    with pytest.raises(ConfigError, match=r"tags.cost_center"):
        build_profile({"name": "dev", "tags": {**TAGS, "cost_center": value}}, stack="dev")


PROTECTION_OVERRIDES = [
    ("workloads", "require_image_digest", False),
    ("network", "enable_interface_endpoints", False),
    ("logs", "retention_days", 1),
    ("logs", "audit_retention_days", 90),
    ("network", "flow_log_retention_days", 30),
    ("buckets", "enable_access_logging", False),
    ("buckets", "noncurrent_version_expiration_days", 7),
    ("keys", "deletion_window_days", 7),
    ("secrets", "recovery_window_days", 7),
    ("secrets", "rotation_days", 90),
    ("database", "enable_performance_insights", False),
    ("cache", "multi_az", False),
    ("cache", "snapshot_retention_days", 7),
    ("rollouts", "enable_canary", False),
    ("rollouts", "failure_limit", 5),
    ("jobs", "failed_jobs_history_limit", 1),
    ("rollouts", "max_error_rate_percent", 5.0),
]


@pytest.mark.parametrize(("section", "key", "value"), PROTECTION_OVERRIDES)
def test_weakening_a_prod_protection_needs_a_written_reason(
    section: str, key: str, value: object
) -> None:
    dotted = f"{section}.{key}"
    network = {**ZONES["network"], **({key: value} if section == "network" else {})}
    config: dict[str, Any] = {"name": "prod", "tags": TAGS, "network": network}
    if section != "network":
        config[section] = {key: value}
    with pytest.raises(ConfigError) as caught:
        build_profile(config)
    (problem,) = caught.value.problems
    assert problem.startswith(f"{dotted}=")
    assert "write why under weakened" in problem
    explained = build_profile({**config, "weakened": {dotted: "accepted for a reason here"}})
    assert explained.weakened == {dotted: "accepted for a reason here"}
    assert explained.model_dump(mode="json")["weakened"] == {dotted: "accepted for a reason here"}


def test_a_stronger_setting_needs_no_reason_and_a_reason_for_nothing_is_refused() -> None:
    stronger = profile("prod", logs={"retention_days": 365})
    assert stronger.logs.retention_days == 365
    with pytest.raises(ConfigError, match=r"weakened.logs.retention_days: the value is not weaker"):
        profile("prod", weakened={"logs.retention_days": "kept short for a reason"})
    with pytest.raises(ConfigError, match=r"weakened.protect_stateful: not a protection"):
        profile("prod", weakened={"protect_stateful": "no reason lowers a floor"})
    with pytest.raises(ConfigError, match=r"a reason is at least 3 words"):
        profile(
            "prod",
            workloads={"require_image_digest": False},
            weakened={"workloads.require_image_digest": "vendor"},
        )


def test_each_environment_is_judged_against_its_own_built_in_values() -> None:
    # dev keeps logs 14 days: lowering that needs a reason, raising stage's does not.
    with pytest.raises(ConfigError, match=r"logs.retention_days=7: weaker than dev's default"):
        profile("dev", logs={"retention_days": 7})
    assert profile("stage", logs={"retention_days": 90}).logs.retention_days == 90


@pytest.mark.parametrize(
    ("team", "why"),
    [("Équipe", "ASCII letters"), ("platform team", "ASCII letters"), ("t" * 64, "63")],
)
def test_a_team_tag_that_is_no_kubernetes_label_is_refused(team: str, why: str) -> None:
    with pytest.raises(ConfigError) as caught:
        build_profile({"name": "dev", "tags": {**TAGS, "team": team}})
    (problem,) = caught.value.problems
    assert problem.startswith(f"tags.team={team!r}: it is also the Kubernetes label 'team'")
    assert why in problem


def test_pinned_azs_must_be_in_the_stacks_region() -> None:
    config = {"name": "prod", "tags": TAGS, **ZONES}
    assert build_profile(config, region="us-east-1").network.az_count == 3
    with pytest.raises(ConfigError) as caught:
        build_profile(config, region="eu-west-1")
    (problem,) = caught.value.problems
    assert "us-east-1a, us-east-1b, us-east-1c are not an AZ of aws:region=eu-west-1" in problem
    assert "Fix: name AZs of eu-west-1" in problem


def test_only_the_preview_profile_gives_a_stack_a_namespace_of_its_own() -> None:
    # ENV-1: a preview shares dev's cluster, so it deploys into a namespace named after it.
    assert {n: profile(n).workloads.create_stack_namespace for n in BUILTIN_PROFILES} == {
        "dev": False, "preview": True, "stage": False, "prod": False,
    }  # fmt: skip


def test_the_preview_profile_is_the_smallest_and_protects_nothing() -> None:
    # COST-3: a preview's own data stores at their smallest sizes and shortest retention.
    p = profile("preview")
    assert p.protect_stateful is False
    assert (p.database.instance_class, p.database.multi_az) == ("db.t4g.micro", False)
    assert (p.database.allocated_storage_gb, p.database.backup_retention_days) == (20, 1)
    assert (p.keys.deletion_window_days, p.secrets.recovery_window_days) == (7, 7)
    assert p.buckets.noncurrent_version_expiration_days == 1
    assert (p.workloads.min_replicas, p.workloads.max_replicas) == (1, 2)
    assert p.workloads.namespace_pod_quota == 10


def test_the_preview_profile_describes_the_dev_network_and_cluster_it_runs_on() -> None:
    # A preview builds neither: the subnets and Pod Security version it uses are dev's.
    dev, preview = profile("dev"), profile("preview")
    assert (preview.network.vpc_cidr, preview.network.az_count) == (
        dev.network.vpc_cidr,
        dev.network.az_count,
    )
    assert preview.cluster.kubernetes_version == dev.cluster.kubernetes_version
