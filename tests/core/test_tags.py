"""Tag and label validation and merging (TAG-1)."""

from __future__ import annotations

import pytest

from infra_kit.core.tags import (
    check_tags,
    kubernetes_labels,
    merge_tags,
    missing_required_tags,
    validate_tag_key,
    validate_tag_value,
)
from infra_kit.errors import ValidationError

COMPLETE = {
    "environment": "dev",
    "team": "t",
    "service": "s",
    "cost-center": "c",
    "managed-by": "pulumi",
    "stack": "p/dev",
    "repository": "r",
}


def test_a_complete_tag_set_misses_nothing() -> None:
    assert missing_required_tags(COMPLETE) == []


def test_feature_stands_in_for_service_in_preview_environments() -> None:
    tags = {k: v for k, v in COMPLETE.items() if k != "service"} | {"feature": "pr-12"}
    assert missing_required_tags(tags) == []


def test_missing_and_empty_required_tags_are_both_reported() -> None:
    tags = {k: v for k, v in COMPLETE.items() if k not in {"team", "service"}} | {"stack": ""}
    assert missing_required_tags(tags) == ["team", "service", "stack"]


@pytest.mark.parametrize(
    ("key", "problem"),
    [("", "1 to 128"), ("x" * 129, "1 to 128"), ("aws:owner", "reserved"), ("owner!", "letters")],
)
def test_invalid_tag_keys_are_explained(key: str, problem: str) -> None:
    assert problem in (validate_tag_key(key) or "")


@pytest.mark.parametrize(
    ("value", "problem"), [("x" * 257, "256"), ("a,b", "letters"), ("a;b", "letters")]
)
def test_invalid_tag_values_are_explained(value: str, problem: str) -> None:
    assert problem in (validate_tag_value(value) or "")


@pytest.mark.parametrize("value", ["", "team@example.com", "a b", "ümlaut", "k=v+1:2/3", "x" * 256])
def test_valid_tag_values_pass(value: str) -> None:
    assert validate_tag_value(value) is None


def test_check_tags_refuses_more_than_fifty_tags() -> None:
    with pytest.raises(ValidationError, match="at most 50 tags"):
        check_tags({f"k{i}": "v" for i in range(51)})


def test_check_tags_names_the_offending_key() -> None:
    with pytest.raises(ValidationError, match=r"tags\['aws:x'\].*reserved"):
        check_tags({"aws:x": "v"})


def test_merge_tags_lets_later_layers_win_and_validates() -> None:
    assert merge_tags(COMPLETE, {"Name": "node", "team": "other"}, None) == COMPLETE | {
        "Name": "node",
        "team": "other",
    }
    with pytest.raises(ValidationError, match="tag value"):
        merge_tags(COMPLETE, {"Name": "bad,value"})


def test_kubernetes_labels_carry_the_recommended_keys_plus_environment_and_team() -> None:
    labels = kubernetes_labels(name="orders", environment="prod", team="payments", component="api")
    assert labels == {
        "app.kubernetes.io/name": "orders",
        "app.kubernetes.io/instance": "orders",
        "app.kubernetes.io/managed-by": "pulumi",
        "app.kubernetes.io/component": "api",
        "environment": "prod",
        "team": "payments",
    }


def test_kubernetes_label_values_are_validated() -> None:
    with pytest.raises(ValidationError, match="app.kubernetes.io/name"):
        kubernetes_labels(name="-bad-", environment="dev", team="t")


def test_an_error_that_cites_a_prescription_says_where_to_read_about_it() -> None:
    from infra_kit.errors import ConfigError, ValidationError

    error = ValidationError("az_count", 2, "prod needs 3 AZs (HA-1)", "set 3")
    assert str(error).endswith("(about HA-1: docs/prescriptions.md#ha-1)")
    config = ConfigError("Pulumi.prod.yaml", ["min_replicas=1: prod runs 2 (HA-1, SCALE-2)"])
    assert "(about HA-1, SCALE-2: docs/prescriptions.md#ha-1, docs/prescriptions.md#scale-2)" in (
        str(config)
    )
    assert "docs/" not in str(ValidationError("name", "x", "too long", "shorten it"))
