"""Value paths read back to exactly the value they name, whatever the keys hold."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from infra_kit.core._paths import join_path, parse_path
from infra_kit.core.engine._values import redact

KEYS = st.one_of(st.text(min_size=1, max_size=12), st.integers(min_value=0, max_value=99))


@given(st.lists(KEYS, min_size=1, max_size=5))
def test_a_joined_path_parses_back_to_its_keys(keys: list[str | int]) -> None:
    path = ""
    for key in keys:
        path = join_path(path, key)
    assert parse_path(path) == keys


def test_keys_with_dots_are_quoted() -> None:
    assert join_path("metadata.labels", "app.kubernetes.io/name") == (
        'metadata.labels["app.kubernetes.io/name"]'
    )
    assert join_path("", "plain") == "plain"


def test_a_secret_under_a_dotted_key_is_redacted_and_its_neighbours_are_not() -> None:
    value = {"a": {"b": "clear"}, "a.b": "hunter2", "config.yaml": "s3cret", "config": "plain"}
    paths = [join_path("", "a.b"), join_path("", "config.yaml")]
    assert redact(value, paths) == {
        "a": {"b": "clear"}, "a.b": "[secret]", "config.yaml": "[secret]", "config": "plain",
    }  # fmt: skip
