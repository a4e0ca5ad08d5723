"""``infra-kit cost-tags``: the cost-allocation tags are activated in code, never clicked (COST-1).

moto does not model Cost Explorer's cost-allocation tags, so a small fake keeps Billing's state
(keys it has seen, and their status) and botocore's Stubber checks that every request matches the
real API's shapes.
"""

from __future__ import annotations

from typing import Any

import boto3
import boto3.session
import pytest
from botocore.stub import Stubber

from infra_kit.bootstrap import cost_tags as module
from infra_kit.bootstrap.cost_tags import activate_cost_tags, cost_tag_status
from infra_kit.cli import main
from infra_kit.core.tags import COST_ALLOCATION_TAG_KEYS
from infra_kit.errors import BootstrapError


class _Billing:
    """What AWS Billing knows: the keys it has seen on billed resources, and their status."""

    def __init__(self, seen: dict[str, str], *, refuse: frozenset[str] = frozenset()) -> None:
        self.status = dict(seen)
        self.refuse = refuse
        self.updates: list[list[dict[str, str]]] = []

    def list_cost_allocation_tags(self, **request: Any) -> dict[str, Any]:
        assert request["Type"] == "UserDefined"
        tags = [
            {"TagKey": k, "Type": "UserDefined", "Status": s}
            for k, s in self.status.items()
            if k in request["TagKeys"]
        ]
        return {"CostAllocationTags": tags}

    def update_cost_allocation_tags_status(self, **request: Any) -> dict[str, Any]:
        entries = request["CostAllocationTagsStatus"]
        self.updates.append(entries)
        errors = []
        for entry in entries:
            if entry["TagKey"] in self.refuse:
                errors.append(
                    {"TagKey": entry["TagKey"], "Code": "TagKeysNotFoundException", "Message": "no"}
                )
            else:
                self.status[entry["TagKey"]] = entry["Status"]
        return {"Errors": errors}


def test_a_fresh_account_reports_every_key_pending_and_changes_nothing() -> None:
    billing = _Billing({})
    report = activate_cost_tags(billing)
    assert report.pending == COST_ALLOCATION_TAG_KEYS
    assert not report.complete
    assert billing.updates == []
    assert all("pending" in line and "24 hours" in line for line in report.lines())


def test_inactive_keys_are_activated_in_one_request_and_a_second_run_changes_nothing() -> None:
    billing = _Billing({"environment": "Inactive", "team": "Active", "service": "Inactive"})
    first = activate_cost_tags(billing)
    assert billing.updates == [
        [{"TagKey": "environment", "Status": "Active"}, {"TagKey": "service", "Status": "Active"}]
    ]
    assert first.activated == ("environment", "service")
    assert first.pending == ("cost-center",)
    billing.status["cost-center"] = "Inactive"  # Billing saw it the next day
    second = activate_cost_tags(billing)
    assert second.activated == ("cost-center",)
    assert second.complete
    third = activate_cost_tags(billing)
    assert third.activated == ()
    assert third.complete
    assert len(billing.updates) == 2


def test_a_dry_run_reads_only() -> None:
    billing = _Billing(dict.fromkeys(COST_ALLOCATION_TAG_KEYS, "Inactive"))
    report = activate_cost_tags(billing, dry_run=True)
    assert report.inactive == COST_ALLOCATION_TAG_KEYS
    assert billing.updates == []
    assert all("--activate" in line for line in report.lines())


def test_a_refused_key_is_named_and_the_rest_stay_activated() -> None:
    billing = _Billing(
        dict.fromkeys(COST_ALLOCATION_TAG_KEYS, "Inactive"), refuse=frozenset({"team"})
    )
    with pytest.raises(BootstrapError) as caught:
        activate_cost_tags(billing)
    assert "team: TagKeysNotFoundException" in str(caught.value)
    assert billing.status["environment"] == "Active"


def test_the_requests_match_the_cost_explorer_api() -> None:
    client = boto3.client(
        "ce", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stub:
        stub.add_response(
            "list_cost_allocation_tags",
            {
                "CostAllocationTags": [
                    {"TagKey": "environment", "Type": "UserDefined", "Status": "Inactive"}
                ],
                "NextToken": "n",
            },
            {"TagKeys": list(COST_ALLOCATION_TAG_KEYS), "Type": "UserDefined"},
        )
        stub.add_response(
            "list_cost_allocation_tags",
            {"CostAllocationTags": [{"TagKey": "team", "Type": "UserDefined", "Status": "Active"}]},
            {"TagKeys": list(COST_ALLOCATION_TAG_KEYS), "Type": "UserDefined", "NextToken": "n"},
        )
        stub.add_response(
            "update_cost_allocation_tags_status",
            {"Errors": []},
            {"CostAllocationTagsStatus": [{"TagKey": "environment", "Status": "Active"}]},
        )
        report = activate_cost_tags(client)
        stub.assert_no_pending_responses()
    assert report.activated == ("environment",)
    assert report.active == ("environment", "team")
    assert report.pending == ("service", "cost-center")


@pytest.mark.parametrize("keys", [(), tuple(f"k{i}" for i in range(21))])
def test_key_lists_the_api_cannot_take_are_refused(keys: tuple[str, ...]) -> None:
    with pytest.raises(BootstrapError, match="1 to 20 keys"):
        cost_tag_status(_Billing({}), keys)


class _Session:
    def __init__(self, billing: _Billing) -> None:
        self.billing = billing

    def client(self, service: str, region_name: str) -> _Billing:
        assert (service, region_name) == ("ce", "us-east-1")
        return self.billing


def test_the_command_exits_3_until_every_key_is_active_and_0_after(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    billing = _Billing({"environment": "Inactive", "team": "Active", "service": "Active"})
    monkeypatch.setattr(boto3.session, "Session", lambda: _Session(billing))
    assert main(["cost-tags"]) == 3
    assert "inactive   environment (run with --activate)" in capsys.readouterr().out
    assert main(["cost-tags", "--activate"]) == 3
    out = capsys.readouterr().out
    assert "activated  environment" in out
    assert "pending    cost-center" in out
    assert main(["cost-tags", "--activate", "--key", "environment", "--key", "team"]) == 0
    assert "every cost-allocation tag is active" in capsys.readouterr().out
    assert module.COST_EXPLORER_REGION == "us-east-1"


def test_without_billing_rights_the_command_says_whose_credentials_to_use(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    client = boto3.client(
        "ce", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    stub = Stubber(client)
    stub.add_client_error("list_cost_allocation_tags", "AccessDeniedException", "member account")
    stub.activate()

    class _Denied:
        def client(self, service: str, region_name: str) -> Any:
            return client

    monkeypatch.setattr(boto3.session, "Session", _Denied)
    assert main(["cost-tags", "--activate"]) == 1
    err = capsys.readouterr().err
    assert "AccessDeniedException" in err
    assert "management account" in err
    assert "Traceback" not in err
