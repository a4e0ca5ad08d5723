"""A preview environment's expiry: deterministic from SOURCE_DATE_EPOCH, valid as a tag and a
label, and read back (ENV-1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infra_kit.core.expiry import SOURCE_DATE_EPOCH, Expiry, deploy_time, parse_expiry
from infra_kit.core.tags import validate_label_value, validate_tag_value
from infra_kit.errors import ValidationError

WHEN = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(9999, 1, 1), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=0))


def test_the_deploy_time_is_source_date_epoch() -> None:
    assert deploy_time({SOURCE_DATE_EPOCH: "1796155200"}) == datetime(2026, 12, 1, 20, tzinfo=UTC)


def test_without_source_date_epoch_the_deploy_time_is_now() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    assert before <= deploy_time({}) <= datetime.now(UTC)


def test_the_expiry_is_the_deploy_time_plus_the_ttl_in_both_written_forms() -> None:
    expiry = Expiry.after(72, {SOURCE_DATE_EPOCH: "1796155200"})
    assert expiry.tag_value == "2026-12-04T20:00:00Z"
    assert expiry.label_value == "20261204T200000Z"


@pytest.mark.parametrize("raw", ["", " 1", "1.5", "-1", "1e9", "abc", "0x10", "\uff11\uff12"])
def test_a_malformed_source_date_epoch_is_refused_naming_the_variable_and_the_fix(
    raw: str,
) -> None:
    with pytest.raises(ValidationError) as caught:
        Expiry.after(72, {SOURCE_DATE_EPOCH: raw})
    message = str(caught.value)
    assert message.startswith(f"SOURCE_DATE_EPOCH={raw!r}: not a whole, non-negative number")
    assert "git log -1 --format=%ct" in message


def test_a_source_date_epoch_beyond_any_date_is_refused() -> None:
    with pytest.raises(ValidationError, match="SOURCE_DATE_EPOCH='999999999999': too large"):
        Expiry.after(72, {SOURCE_DATE_EPOCH: "999999999999"})
    with pytest.raises(ValidationError, match="SOURCE_DATE_EPOCH=.*too large"):
        Expiry.after(72, {SOURCE_DATE_EPOCH: "253402300799"})  # 9999-12-31T23:59:59Z


@given(WHEN)
def test_both_forms_are_valid_where_they_land_and_read_back_the_same_instant(
    when: datetime,
) -> None:
    expiry = Expiry(when)
    assert validate_tag_value(expiry.tag_value) is None
    assert validate_label_value(expiry.label_value) is None
    assert ":" not in expiry.label_value
    assert parse_expiry(expiry.tag_value) == when
    assert parse_expiry(expiry.label_value) == when


@given(st.integers(min_value=0, max_value=200_000_000_000), st.integers(1, 24 * 14))
def test_the_expiry_is_exactly_ttl_hours_after_the_epoch(epoch: int, hours: int) -> None:
    expiry = Expiry.after(hours, {SOURCE_DATE_EPOCH: str(epoch)})
    assert expiry.at - datetime.fromtimestamp(epoch, UTC) == timedelta(hours=hours)


@pytest.mark.parametrize(
    "text", [None, 0, "", "soon", "2026-12-04", "2026-12-04T20:00:00", "2026-13-04T20:00:00Z"]
)
def test_anything_else_reads_as_no_expiry(text: object) -> None:
    assert parse_expiry(text) is None
