"""The platform stand-in: every output of the contract, typed and shaped like the platform's own,
and what a StackReference resolves to when the repository has no platform project."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra_kit.errors import ValidationError
from infra_kit.testing import PLATFORM_OUTPUTS, PlatformStandIn
from tests.conftest import platform_graph_for
from tests.stack_contract import parse_contract, type_problem

REPO = Path(__file__).resolve().parents[2]


def _contract() -> dict:
    return parse_contract((REPO / "docs" / "stack-outputs.md").read_text())["platform"]


def test_the_stand_in_gives_every_output_the_contract_lists_with_its_documented_type() -> None:
    stand_in = PlatformStandIn()
    outputs = stand_in.outputs("dev", "eu-west-1")
    contract = _contract()
    assert sorted(outputs) == sorted(contract) == sorted(PLATFORM_OUTPUTS)
    secrets = list(stand_in.secret_output_names)
    problems = [type_problem(n, outputs[n], contract[n].type, secrets) for n in contract]
    assert [p for p in problems if p] == []


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_stand_in_is_shaped_like_the_platform_stack_it_stands_in_for(stack: str) -> None:
    real = platform_graph_for(stack).outputs
    fake = PlatformStandIn().outputs(stack, "us-east-1")
    assert sorted(fake) == sorted(real)
    for name, value in real.items():
        assert type(fake[name]) is type(value), name
        if isinstance(value, list):
            # One subnet per AZ of the environment, four name servers: the lengths a program
            # indexes by the profile's az_count.
            assert len(fake[name]) == len(value), name
    for same in ("environment", "vpc_cidr", "availability_zones", "api_tunnel_tag"):
        assert fake[same] == real[same], same


def test_the_stand_in_is_deterministic_and_each_environment_has_its_own_ids() -> None:
    assert PlatformStandIn().outputs("dev", "us-east-1") == PlatformStandIn().outputs(
        "dev", "us-east-1"
    )
    dev, prod = (PlatformStandIn().outputs(s, "us-east-1") for s in ("dev", "prod"))
    assert dev["vpc_id"] != prod["vpc_id"]
    assert dev["dns_zone_name"] == "dev.example.com"
    assert prod["isolated_subnet_ids"] != dev["isolated_subnet_ids"][:3]


def test_arns_are_in_the_stand_ins_account_and_the_readers_region() -> None:
    outputs = PlatformStandIn(account_id="210987654321").outputs("stage", "eu-central-1")
    assert outputs["kms_key_arn"].startswith("arn:aws:kms:eu-central-1:210987654321:key/")
    assert outputs["oidc_provider_arn"] == (
        "arn:aws:iam::210987654321:oidc-provider/"
        + outputs["oidc_issuer_url"].removeprefix("https://")
    )
    assert outputs["availability_zones"] == ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
    assert PlatformStandIn(region="us-west-2").outputs("dev", "eu-central-1")[
        "availability_zones"
    ] == ["us-west-2a", "us-west-2b"]


def test_environment_zone_names_and_overrides_replace_the_defaults() -> None:
    stand_in = PlatformStandIn(
        environment="prod",
        domain="acme.io",
        zone_names={"stage": "staging.acme.io"},
        overrides={"cluster_name": "shared-eks"},
    )
    outputs = stand_in.outputs("whatever", "us-east-1")
    assert outputs["environment"] == "prod"
    assert outputs["dns_zone_name"] == "prod.acme.io"
    assert outputs["cluster_name"] == "shared-eks"
    assert (
        PlatformStandIn(zone_names={"stage": "staging.acme.io"}).outputs("stage", "x")[
            "dns_zone_name"
        ]
        == "staging.acme.io"
    )


def test_an_override_of_an_output_the_platform_does_not_export_is_refused() -> None:
    with pytest.raises(ValidationError, match="cluster_nmae") as raised:
        PlatformStandIn(overrides={"cluster_nmae": "x"})
    assert "docs/stack-outputs.md" in str(raised.value)


def test_an_override_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"isolated_subnet_ids.*a str.*list"):
        PlatformStandIn(overrides={"isolated_subnet_ids": "subnet-1"})


def test_the_kubeconfig_is_the_platforms_shape_with_no_credential_in_it() -> None:
    import json

    config = json.loads(PlatformStandIn().outputs("prod", "us-east-1")["kubeconfig"])
    (user,) = config["users"]
    assert user["user"]["exec"]["command"] == "aws"
    assert user["user"]["exec"]["args"][:2] == ["eks", "get-token"]
    assert "token" not in user["user"]
    assert config["current-context"] == "platform-prod"
