"""Replica bounds (HA-1, SCALE-2), disruption budgets (K8S-3) and resources (K8S-1)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infra_kit.core.profile import BUILTIN_PROFILES, WorkloadProfile, build_profile
from infra_kit.errors import ValidationError
from infra_kit.k8s import DisruptionBudget, Resources
from infra_kit.k8s._sizing import (
    ReplicaBounds,
    check_disruption,
    cpu_millis,
    memory_bytes,
    replica_bounds,
)
from infra_kit.testing import TEST_TAGS


def workloads(environment: str) -> WorkloadProfile:
    extra: dict[str, object] = {"preview_ttl_hours": 24} if environment == "preview" else {}
    count = BUILTIN_PROFILES[environment]["network"]["az_count"]
    zones = [f"us-east-1{letter}" for letter in "abcdef"[:count]]
    overrides = {"name": environment, "tags": TEST_TAGS, **extra}
    return build_profile({**overrides, "network": {"availability_zones": zones}}).workloads


@pytest.mark.parametrize(
    ("environment", "low", "high"), [("dev", 1, 10), ("stage", 2, 20), ("prod", 3, 30)]
)
def test_the_profile_gives_the_bounds_and_they_have_ten_times_headroom(
    environment: str, low: int, high: int
) -> None:
    assert replica_bounds(workloads(environment)) == ReplicaBounds(low, high, None)


def test_the_preview_profile_caps_scaling_with_its_written_reason() -> None:
    bounds = replica_bounds(workloads("preview"))
    assert bounds == ReplicaBounds(
        1,
        2,
        "A preview environment serves the test traffic of one pull request and is destroyed "
        "when it expires",
    )


def test_a_workloads_own_reason_wins_over_the_profiles() -> None:
    bounds = replica_bounds(workloads("preview"), scale_limit_reason="batch job with fixed input")
    assert bounds.scale_limit_reason == "batch job with fixed input"


def test_min_above_max_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"min_replicas=5: it is greater than max_replicas=4"):
        replica_bounds(workloads("dev"), min_replicas=5, max_replicas=4)


@pytest.mark.parametrize("environment", ["stage", "prod"])
def test_a_single_replica_is_refused_where_the_profile_asks_for_redundancy(
    environment: str,
) -> None:
    with pytest.raises(
        ValidationError, match=r"min_replicas=1: .*single point of failure \(HA-1\)"
    ):
        replica_bounds(workloads(environment), min_replicas=1, max_replicas=10)


def test_a_single_replica_is_allowed_where_the_profile_runs_one() -> None:
    assert replica_bounds(workloads("dev"), min_replicas=1, max_replicas=10).min == 1


def test_the_ha_floor_is_two_not_the_profile_minimum() -> None:
    assert replica_bounds(workloads("prod"), min_replicas=2, max_replicas=20).min == 2


def test_less_than_ten_times_headroom_is_refused_without_a_reason() -> None:
    with pytest.raises(
        ValidationError,
        match=r"max_replicas=8: it gives less than 10x the minimum capacity .*\(SCALE-2\)",
    ):
        replica_bounds(workloads("prod"), min_replicas=3, max_replicas=8)


def test_a_one_word_reason_is_not_a_reason() -> None:
    with pytest.raises(ValidationError, match="scale_limit_reason"):
        replica_bounds(workloads("dev"), max_replicas=3, scale_limit_reason="licences")


def test_a_written_reason_allows_less_headroom_and_is_kept() -> None:
    reason = "the upstream licence server allows at most eight connections"
    bounds = replica_bounds(
        workloads("prod"), min_replicas=3, max_replicas=8, scale_limit_reason=reason
    )
    assert bounds == ReplicaBounds(3, 8, reason)


def test_a_reason_is_dropped_when_the_headroom_is_there() -> None:
    bounds = replica_bounds(workloads("dev"), scale_limit_reason="not needed in this case at all")
    assert bounds.scale_limit_reason is None


@pytest.mark.parametrize("value", [0, -1, True, 2.5])
def test_replica_counts_are_positive_integers(value: object) -> None:
    with pytest.raises(ValidationError, match="a replica count is a positive integer"):
        replica_bounds(workloads("dev"), max_replicas=value)  # type: ignore[arg-type]  # on purpose


def test_a_disruption_budget_is_needed_only_above_one_replica() -> None:
    assert not ReplicaBounds(1, 1, "a single replica on purpose").needs_disruption_budget
    assert ReplicaBounds(1, 10).needs_disruption_budget


# -- disruption budgets ------------------------------------------------------------------------


def test_the_default_budget_allows_one_eviction() -> None:
    assert check_disruption(DisruptionBudget(), 3) == DisruptionBudget(max_unavailable=1)


@pytest.mark.parametrize("value", [0, "0%", -1])
def test_a_budget_that_allows_no_eviction_is_refused(value: int | str) -> None:
    with pytest.raises(
        ValidationError, match=r"disruption.max_unavailable=.*would block node drains"
    ):
        check_disruption(DisruptionBudget(max_unavailable=value), 3)


@pytest.mark.parametrize(("value", "low"), [(3, 3), (5, 3), ("100%", 3), ("67%", 3), (1, 1)])
def test_a_min_available_that_blocks_drains_at_the_minimum_is_refused(
    value: int | str, low: int
) -> None:
    with pytest.raises(
        ValidationError, match=rf"disruption.min_available=.*at min_replicas={low} no pod"
    ):
        check_disruption(DisruptionBudget(max_unavailable=None, min_available=value), low)


def test_a_min_available_below_the_minimum_is_accepted() -> None:
    budget = DisruptionBudget(max_unavailable=None, min_available="50%")
    assert check_disruption(budget, 3) is budget


def test_setting_both_or_neither_field_is_refused() -> None:
    with pytest.raises(ValidationError, match="exactly one of max_unavailable and min_available"):
        check_disruption(DisruptionBudget(max_unavailable=1, min_available=1), 3)
    with pytest.raises(ValidationError, match="exactly one of max_unavailable and min_available"):
        check_disruption(DisruptionBudget(max_unavailable=None), 3)


@pytest.mark.parametrize("value", ["50", "150%", "x%"])
def test_a_malformed_percentage_is_refused(value: str) -> None:
    with pytest.raises(ValidationError, match="not an integer or a percentage"):
        check_disruption(DisruptionBudget(max_unavailable=value), 3)


@given(
    low=st.integers(min_value=1, max_value=50),
    budget=st.one_of(
        st.builds(
            DisruptionBudget,
            max_unavailable=st.one_of(
                st.integers(-2, 10), st.integers(0, 100).map(lambda p: f"{p}%")
            ),
        ),
        st.builds(
            DisruptionBudget,
            max_unavailable=st.none(),
            min_available=st.one_of(st.integers(0, 60), st.integers(0, 100).map(lambda p: f"{p}%")),
        ),
    ),
)
def test_an_accepted_budget_always_lets_a_drain_evict_a_pod_at_the_minimum(
    low: int, budget: DisruptionBudget
) -> None:
    """Property: whatever is accepted leaves at least one pod evictable at ``min_replicas``."""
    try:
        check_disruption(budget, low)
    except ValidationError:
        return
    if budget.max_unavailable is not None:
        value = budget.max_unavailable
        allowed = math.ceil(int(value[:-1]) * low / 100) if isinstance(value, str) else value
    else:
        value = budget.min_available
        assert value is not None
        required = math.ceil(int(value[:-1]) * low / 100) if isinstance(value, str) else value
        allowed = low - required
    assert allowed >= 1


# -- resources ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [("256Mi", 256 * 2**20), ("1Gi", 2**30), ("1G", 10**9), ("1.5Gi", 3 * 2**29), ("512", 512)],
)
def test_memory_quantities_are_parsed(quantity: str, expected: int) -> None:
    assert memory_bytes("memory", quantity) == expected


@pytest.mark.parametrize(("quantity", "expected"), [("250m", 250), ("1", 1000), ("0.5", 500)])
def test_cpu_quantities_are_parsed(quantity: str, expected: int) -> None:
    assert cpu_millis("cpu", quantity) == expected


def test_a_memory_limit_below_the_request_is_refused() -> None:
    with pytest.raises(
        ValidationError, match=r"memory_limit='128Mi': it is below memory_request=256Mi"
    ):
        Resources("100m", "256Mi", "128Mi", cpu_limit="500m")


def test_a_cpu_limit_below_the_request_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"cpu_limit='100m': it is below cpu_request=500m"):
        Resources("500m", "128Mi", "256Mi", cpu_limit="100m")


@pytest.mark.parametrize("field", ["cpu_request", "memory_request", "memory_limit", "cpu_limit"])
def test_malformed_quantities_are_refused_with_their_key(field: str) -> None:
    values = {
        "cpu_request": "100m",
        "memory_request": "128Mi",
        "memory_limit": "256Mi",
        "cpu_limit": "500m",
    }
    values[field] = "lots"
    with pytest.raises(ValidationError, match=rf"^{field}='lots'"):
        Resources(**values)


def test_the_profile_sizes_cpu_and_memory_requests_and_limits() -> None:
    resources = Resources.from_profile(workloads("prod"))
    # workloads.cpu_request, cpu_limit, memory_request, memory_limit.
    assert resources == Resources(
        cpu_request="100m", memory_request="128Mi", memory_limit="256Mi", cpu_limit="500m"
    )
    args = resources.to_args()
    assert args.requests == {"cpu": "100m", "memory": "128Mi"}
    assert args.limits == {"cpu": "500m", "memory": "256Mi"}


def test_an_override_replaces_the_profiles_limit() -> None:
    args = Resources.from_profile(workloads("dev"), cpu_limit="1").to_args()
    assert args.limits == {"cpu": "1", "memory": "256Mi"}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"cpu_request": "1"},
            r"cpu_request='1': it is above the default cpu_limit \(workloads.cpu_limit=500m\)\. "
            r"Fix: pass cpu_limit as well, at least 1",
        ),
        (
            {"memory_request": "1Gi"},
            r"memory_request='1Gi': it is above the default memory_limit "
            r"\(workloads.memory_limit=256Mi\)\. Fix: pass memory_limit as well, at least 1Gi",
        ),
    ],
)
def test_a_request_above_the_default_limit_asks_for_its_limit(
    overrides: dict[str, str], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        Resources.from_profile(workloads("dev"), **overrides)
    key = next(iter(overrides)).replace("request", "limit")
    raised = Resources.from_profile(
        workloads("dev"), **overrides, **{key: "2Gi" if "memory" in key else "2"}
    )
    assert getattr(raised, key) in ("2", "2Gi")
