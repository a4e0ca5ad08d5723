"""DnsZone: the environment's public hosted zone, protected where state is (EDGE-1, DR-1)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra_kit.aws.dns_zone import DnsZone, DnsZoneArgs, dns_zone_from_config
from infra_kit.core.environment import Environment
from infra_kit.errors import ConfigError, ValidationError
from infra_kit.testing import run_offline

ZONE = "aws:route53/zone:Zone"
RECORD = "aws:route53/record:Record"


def _graph(environment: str, **kwargs: Any) -> Any:
    def build(env: Environment) -> None:
        DnsZone("public", DnsZoneArgs(**kwargs), env)

    return run_offline(build, environment=environment)


def test_the_zone_is_public_named_after_the_domain_and_never_force_destroyed() -> None:
    graph = _graph("dev", domain="Dev.Example.com.")
    zone = graph.named("public", ZONE)
    assert zone["inputs"]["name"] == "dev.example.com"
    assert zone["inputs"]["forceDestroy"] is False
    assert "vpcs" not in zone["inputs"]  # a private zone names its VPCs
    component = graph.named("public", "infra-kit:aws:DnsZone")
    assert component["outputs"]["name"] == "dev.example.com"
    assert len(component["outputs"]["name_servers"]) == 4
    assert graph.of_type(RECORD) == []


@pytest.mark.parametrize(("environment", "protected"), [("dev", False), ("prod", True)])
def test_the_zone_is_protected_where_the_profile_protects_state(
    environment: str, protected: bool
) -> None:
    zone = _graph(environment, domain="example.com").named("public", ZONE)
    assert zone["protect"] is protected
    assert zone["retain_on_delete"] is protected


def test_a_parent_zone_of_the_account_gets_the_ns_records_of_the_delegation() -> None:
    graph = _graph("dev", domain="dev.example.com", parent_zone_id="ZPARENT")
    record = graph.named("public-delegation", RECORD)["inputs"]
    assert record["zoneId"] == "ZPARENT"
    assert (record["name"], record["type"], record["ttl"]) == ("dev.example.com", "NS", 172800)
    # The offline engine's four Route 53 name servers of the new zone.
    assert record["records"] == [f"ns-{n}.awsdns-0{n}.org" for n in (1, 2, 3, 4)]


def test_a_domain_that_is_no_dns_name_is_refused_naming_the_argument() -> None:
    with pytest.raises(ValidationError, match=r"^domain='dev_example': .*at least two labels"):
        _graph("dev", domain="dev_example")


def test_the_config_key_is_named_with_the_fix_when_missing_or_malformed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for value, words in ((None, "it is not set"), ("dev..example.com", "empty label")):
        if value is None:
            monkeypatch.delenv("PULUMI_CONFIG", raising=False)
        else:
            monkeypatch.setenv("PULUMI_CONFIG", json.dumps({"test:dns_zone": value}))

        def build(env: Environment) -> None:
            dns_zone_from_config(env)

        with pytest.raises(ConfigError) as raised:
            run_offline(build, environment="dev")
        message = str(raised.value)
        assert "test:dns_zone=" in message
        assert words in message
        assert "Fix: set it to the domain" in message


def test_a_zone_delegated_by_hand_says_how_in_the_graph() -> None:
    reason = "NS records in example.com of the network account, written from the outputs"
    graph = _graph("dev", domain="dev.example.com", delegated_by_hand_reason=reason)
    suppression = graph.named("public-ik-edge-1-zone-delegation", "infra-kit:policy:Suppression")
    assert suppression["outputs"]["rule"] == "IK-EDGE-1-ZONE-DELEGATION"
    assert suppression["outputs"]["reason"] == reason


def test_a_hand_delegation_and_a_parent_zone_together_are_refused() -> None:
    with pytest.raises(
        ValidationError, match=r"^delegated_by_hand_reason=.*parent_zone_id is given"
    ):
        _graph(
            "dev",
            domain="dev.example.com",
            parent_zone_id="ZPARENT",
            delegated_by_hand_reason="written by hand in the parent",
        )
