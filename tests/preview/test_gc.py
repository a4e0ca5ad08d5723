"""The preview garbage collector's decision: which pr-<n> stacks to destroy, and why (ENV-1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infra_kit.errors import ValidationError
from infra_kit.preview import (
    PreviewStack,
    PullRequestState,
    collect,
    parse_last_update,
    pull_request_number,
)

NOW = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)
TTL = 72
OPEN = PullRequestState.OPEN


def one(stack: PreviewStack, now: datetime = NOW) -> tuple[bool, str]:
    (verdict,) = collect([stack], now=now, ttl_hours=TTL)
    return verdict.destroy, verdict.reason


def test_a_stack_is_destroyed_at_the_very_second_it_expires() -> None:
    stack = PreviewStack("pr-1", "2026-12-04T20:00:00Z", NOW, OPEN)
    assert one(stack) == (True, "expired at 2026-12-04T20:00:00Z")
    assert one(stack, NOW - timedelta(seconds=1)) == (False, "expires at 2026-12-04T20:00:00Z")


def test_a_stack_whose_pull_request_is_closed_or_gone_is_destroyed_before_it_expires() -> None:
    later = "2026-12-30T00:00:00Z"
    assert one(PreviewStack("pr-2", later, NOW, PullRequestState.CLOSED)) == (
        True,
        "pull request #2 is closed",
    )
    assert one(PreviewStack("pr-3", later, NOW, PullRequestState.GONE)) == (
        True,
        "pull request #3 no longer exists",
    )


def test_an_unknown_pull_request_keeps_the_stack_until_its_expiry() -> None:
    unknown = PullRequestState.UNKNOWN
    assert one(PreviewStack("pr-4", "2026-12-05T00:00:00Z", NOW, unknown))[0] is False
    assert one(PreviewStack("pr-4", "2026-12-04T00:00:00Z", NOW, unknown))[0] is True


@pytest.mark.parametrize("recorded", [None, "soon", 17, "2026-12-04", {"at": 1}])
def test_without_a_readable_expiry_the_last_update_and_the_ttl_decide(recorded: object) -> None:
    old = PreviewStack("pr-5", recorded, NOW - timedelta(hours=TTL), OPEN)
    recent = PreviewStack("pr-5", recorded, NOW - timedelta(hours=TTL - 1), OPEN)
    destroy, reason = one(old)
    assert destroy is True
    assert "more than 72h ago" in reason
    assert ("unreadable" in reason) == (recorded is not None)
    assert one(recent)[0] is False
    assert one(PreviewStack("pr-5", recorded, None, OPEN)) == (
        False,
        f"{'no expiry recorded' if recorded is None else f'expiry {recorded!r} unreadable'} "
        "and no last update: left for a person",
    )


@pytest.mark.parametrize("name", ["dev", "prod", "pr-", "pr-0", "pr-01", "pr-1a", "xpr-1"])
def test_a_stack_that_is_not_a_preview_is_never_destroyed(name: str) -> None:
    stack = PreviewStack(name, "2000-01-01T00:00:00Z", datetime(2000, 1, 1, tzinfo=UTC),
                         PullRequestState.CLOSED)  # fmt: skip
    assert one(stack) == (False, "not a preview environment (pr-<n>): never collected")


def test_a_stack_being_updated_is_left_alone() -> None:
    stack = PreviewStack("pr-6", "2000-01-01T00:00:00Z", None, PullRequestState.CLOSED, True)
    assert one(stack)[0] is False


def test_verdicts_come_in_name_order_and_qualified_names_are_previews() -> None:
    stacks = [PreviewStack(n, None, None, OPEN) for n in ("pr-9", "organization/x/pr-10")]
    assert [v.stack for v in collect(stacks, now=NOW, ttl_hours=TTL)] == [
        "organization/x/pr-10",
        "pr-9",
    ]
    assert pull_request_number("organization/x/pr-10") == 10


def test_a_naive_clock_or_a_bad_ttl_is_refused() -> None:
    with pytest.raises(ValidationError, match="now="):
        collect([], now=datetime(2026, 1, 1), ttl_hours=TTL)
    with pytest.raises(ValidationError, match="ttl_hours=0"):
        collect([], now=NOW, ttl_hours=0)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-12-01T20:00:00.000Z", datetime(2026, 12, 1, 20, tzinfo=UTC)),
        ("2026-12-01T21:00:00+01:00", datetime(2026, 12, 1, 20, tzinfo=UTC)),
        ("", None), (None, None), ("yesterday", None),
    ],
)  # fmt: skip
def test_last_update_is_read_as_utc_or_not_at_all(raw: object, expected: datetime | None) -> None:
    assert parse_last_update(raw) == expected


STATES = st.sampled_from(list(PullRequestState))
NAMES = st.one_of(st.integers(1, 10**6).map(lambda n: f"pr-{n}"), st.text(max_size=12))
TIMES = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
)
EXPIRIES = st.one_of(
    st.none(), st.text(max_size=20), TIMES.map(lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ"))
)
STACKS = st.builds(PreviewStack, NAMES, EXPIRIES, st.one_of(st.none(), TIMES), STATES,
                   st.booleans())  # fmt: skip


@given(st.lists(STACKS, max_size=8), TIMES)
def test_only_idle_preview_stacks_are_ever_destroyed_and_each_says_why(
    stacks: list[PreviewStack], now: datetime
) -> None:
    verdicts = collect(stacks, now=now, ttl_hours=TTL)
    assert sorted(v.stack for v in verdicts) == sorted(s.name for s in stacks)
    for stack, verdict in zip(sorted(stacks, key=lambda s: s.name), verdicts, strict=True):
        assert verdict.reason
        if verdict.destroy:
            assert pull_request_number(stack.name) is not None
            assert not stack.update_in_progress


@given(STACKS.filter(lambda s: pull_request_number(s.name) is not None), TIMES, TIMES)
def test_time_only_moves_a_stack_towards_destruction(
    stack: PreviewStack, earlier: datetime, later: datetime
) -> None:
    earlier, later = min(earlier, later), max(earlier, later)
    (before,) = collect([stack], now=earlier, ttl_hours=TTL)
    (after,) = collect([stack], now=later, ttl_hours=TTL)
    assert not before.destroy or after.destroy
