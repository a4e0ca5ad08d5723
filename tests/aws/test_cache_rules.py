"""The pure rules behind Cache: identifiers, member nodes, user names and access strings."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from infra_kit.aws import _cache_rules as rules

_ID = re.compile(r"^[a-z](?!.*--)[a-z0-9-]{0,38}[a-z0-9]$|^[a-z]$")


def test_the_replication_group_id_is_project_stack_and_name() -> None:
    assert rules.replication_group_id("orders", "prod", "sessions") == "orders-prod-sessions"


def test_a_long_id_keeps_its_start_and_ends_with_a_hash() -> None:
    long = rules.replication_group_id("a-rather-long-project", "preview-pr-1234", "sessions")
    assert len(long) == 40
    assert long.startswith("a-rather-long-project-preview-p-")
    assert long != rules.replication_group_id(
        "a-rather-long-project", "preview-pr-1235", "sessions"
    )


@given(
    st.from_regex(r"[a-z0-9][a-z0-9-]{0,30}", fullmatch=True),
    st.from_regex(r"[a-z0-9][a-z0-9.-]{0,30}", fullmatch=True),
    st.from_regex(r"[a-z][a-z0-9-]{0,30}", fullmatch=True),
)
def test_every_id_is_one_elasticache_accepts(project: str, stack: str, name: str) -> None:
    group_id = rules.replication_group_id(project, stack, name)
    assert _ID.match(group_id), group_id


def test_members_are_the_primary_then_the_replicas() -> None:
    assert rules.member_ids("g", 0) == ("g-001",)
    assert rules.member_ids("g", 2) == ("g-001", "g-002", "g-003")


def test_a_user_name_is_the_group_id_and_the_label() -> None:
    assert rules.user_id("orders-prod-sessions", rules.check_user("api")) == (
        "orders-prod-sessions-api"
    )


def test_the_default_access_string_is_on_and_has_no_password() -> None:
    assert rules.check_access_string(rules.DEFAULT_ACCESS_STRING) == "on ~* +@all -@dangerous"
    assert rules.DISABLED_DEFAULT_ACCESS_STRING.split()[0] == "off"


def test_a_window_around_midnight_is_measured_across_it() -> None:
    assert rules.check_maintenance_window("SAT:23:30-SUN:00:30", "04:00-05:00") == (
        "sat:23:30-sun:00:30"
    )
