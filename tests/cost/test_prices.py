"""The price table: every entry says where it came from, and it prices what the profiles use."""

from __future__ import annotations

import json
import re

import pytest

from infra_kit.aws.api_tunnel import INSTANCE_TYPE
from infra_kit.core.profile import BUILTIN_PROFILES
from infra_kit.cost import DATA_FILE, PRICERS, load_prices

DOC = json.loads(DATA_FILE.read_text(encoding="utf-8"))
AWS_PAGE = re.compile(r"^https://(aws\.amazon\.com|docs\.aws\.amazon\.com)/\S+$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@pytest.mark.parametrize("key", sorted(DOC["rates"]))
def test_every_rate_names_its_aws_page_its_date_and_its_unit(key: str) -> None:
    entry = DOC["rates"][key]
    assert AWS_PAGE.match(entry["source"]), entry["source"]
    assert DATE.match(entry["retrieved"])
    assert entry["per"]
    assert entry["usd"] >= 0


@pytest.mark.parametrize("section", ["ec2_instances", "rds_instances", "elasticache_nodes"])
def test_every_instance_table_names_its_aws_page_and_date(section: str) -> None:
    assert AWS_PAGE.match(DOC[section]["source"])
    assert DATE.match(DOC[section]["retrieved"])


@pytest.mark.parametrize("option", ["spot", "savings_plan_1y"])
def test_the_purchase_options_without_a_list_price_say_they_are_assumptions(option: str) -> None:
    entry = DOC["ec2_purchase_options"][option]
    assert 0 < entry["fraction_of_on_demand"] < 1
    assert len(entry["assumption"].split()) > 10
    assert AWS_PAGE.match(entry["source"])


def test_every_node_instance_type_of_every_environment_is_priced() -> None:
    prices = load_prices()
    wanted = {t for p in BUILTIN_PROFILES.values() for t in p["cluster"]["node_instance_types"]}
    assert wanted == {"t3.large", "t3a.large", "m5.large", "m6i.large"}
    assert all(prices.has_instance(t) for t in wanted | {INSTANCE_TYPE})


def test_every_database_class_of_every_environment_is_priced_single_and_multi_az() -> None:
    prices = load_prices()
    for profile in BUILTIN_PROFILES.values():
        klass = profile["database"]["instance_class"]
        assert prices.database_hour(klass, multi_az=True) == pytest.approx(
            2 * prices.database_hour(klass, multi_az=False)
        )


def test_a_type_is_either_priced_or_free_never_both() -> None:
    prices = load_prices()
    assert [t for t in PRICERS if prices.free_reason(t) is not None] == []


def test_a_missing_rate_is_an_error_never_a_guess() -> None:
    with pytest.raises(KeyError):
        load_prices().usd("ec2.made_up")


def test_every_cache_node_type_of_every_environment_is_priced() -> None:
    prices = load_prices()
    wanted = {p["cache"]["node_type"] for p in BUILTIN_PROFILES.values()}
    assert wanted == {"cache.t4g.micro", "cache.t4g.small", "cache.r7g.large"}
    assert all(prices.has_cache_node(t) and prices.cache_node_hour(t) > 0 for t in wanted)


def test_the_cache_node_table_is_valkeys_and_names_its_aws_page_and_date() -> None:
    section = DOC["elasticache_nodes"]
    assert section["engines"] == ["valkey"]
    assert AWS_PAGE.match(section["source"])
    assert DATE.match(section["retrieved"])


def test_rates_not_compared_with_a_stored_copy_of_their_page_are_listed_as_unconfirmed() -> None:
    unchecked = {key.split(".")[0] for key, entry in DOC["rates"].items() if "checked" not in entry}
    assert {"sqs", "elasticache"} <= unchecked
    assert "the SQS request rates" in DOC["unconfirmed"]
    assert "the ElastiCache node table and backup storage rate" in DOC["unconfirmed"]
