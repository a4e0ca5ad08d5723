"""The policy pack's view of a stack: resources as the policy SDK gives them, as a graph document.

The fakes below have the attributes of the SDK's ``PolicyResource``; the SDK itself is not needed
(the pack's own tests, in policy-pack/tests, use the real SDK types).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from types import SimpleNamespace
from typing import Any

import pytest

from infra_kit.policy import RULES, check_graph, rules_for
from infra_kit.policy._check import UNUSED_SUPPRESSION
from infra_kit.policy._graph import ENVIRONMENT_TYPE, SUPPRESSION_TYPE
from infra_kit.policy._pack import SECRET, UNKNOWN, graph_from_stack, is_custom, stack_identity

STACK = "urn:pulumi:prod::shop::"
ROOT = STACK + "pulumi:pulumi:Stack::shop-prod"
AWS = STACK + "pulumi:providers:aws::default_6_0_0"
UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
UNKNOWN_ARRAY = "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2"


class Secret:
    """Shaped like the SDK's ``Secret``: a marked value."""

    def __init__(self, value: Any) -> None:
        self.value = value


class RaisingDict(Mapping[str, Any]):
    """Like the SDK's unknown-checking proxy: reading an unknown raises; ``__target`` does not."""

    def __init__(self, target: dict[str, Any]) -> None:
        self._target = {k: _proxy(v) for k, v in target.items()}

    def __getitem__(self, key: str) -> Any:
        if key == "__target":
            return self._target
        value = self._target[key]
        if value in (UNKNOWN_STRING, UNKNOWN_ARRAY):
            raise RuntimeError(f"{key} is unknown during preview")
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._target)

    def __len__(self) -> int:
        return len(self._target)


class RaisingList(Sequence[Any]):
    def __init__(self, target: list[Any]) -> None:
        self._target = [_proxy(v) for v in target]

    def __getitem__(self, index: Any) -> Any:
        if index == "__target":
            return self._target
        value = self._target[index]
        if value in (UNKNOWN_STRING, UNKNOWN_ARRAY):
            raise RuntimeError("unknown during preview")
        return value

    def __len__(self) -> int:
        return len(self._target)


def _proxy(value: Any) -> Any:
    if isinstance(value, dict):
        return RaisingDict(value)
    if isinstance(value, list):
        return RaisingList(value)
    return value


def opts(**overrides: Any) -> SimpleNamespace:
    base: dict[str, Any] = {
        "protect": False,
        "ignore_changes": [],
        "delete_before_replace": None,
        "aliases": [],
        "custom_timeouts": SimpleNamespace(create_seconds=0, update_seconds=0, delete_seconds=0),
        "additional_secret_outputs": [],
        "parent": None,
    }
    return SimpleNamespace(**{**base, **overrides})


def provider(urn: str = AWS, props: dict[str, Any] | None = None) -> SimpleNamespace:
    tags = {"tags": {"team": "shop", "environment": "prod"}}
    return SimpleNamespace(
        resource_type="pulumi:providers:"
        + urn.split("pulumi:providers:")[1].split("::", maxsplit=1)[0],
        props=props if props is not None else {"defaultTags": json.dumps(tags)},
        urn=urn,
        name=urn.rsplit("::", 1)[-1],
    )


def res(
    type_: str,
    name: str,
    props: dict[str, Any] | None = None,
    *,
    parent: SimpleNamespace | None = None,
    provider_: SimpleNamespace | None = None,
    dependencies: list[SimpleNamespace] | None = None,
    **options: Any,
) -> SimpleNamespace:
    chain = type_
    if parent is not None and parent.resource_type != "pulumi:pulumi:Stack":
        chain = parent.urn.split("::")[2] + "$" + type_
    return SimpleNamespace(
        resource_type=type_,
        props=_proxy(props or {}),
        urn=f"{STACK}{chain}::{name}",
        name=name,
        opts=opts(**options),
        provider=provider_,
        parent=parent,
        dependencies=dependencies or [],
        property_dependencies={},
    )


def root(outputs: dict[str, Any] | None = None) -> SimpleNamespace:
    r = res("pulumi:pulumi:Stack", "shop-prod", outputs)
    r.urn = ROOT
    return r


def by_name(resources: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(r for r in resources if r["name"] == name)


def test_a_custom_resource_carries_its_props_as_inputs_and_a_component_as_outputs() -> None:
    stack = root()
    component = res("infra-kit:aws:Bucket", "orders", {"bucketName": "orders"}, parent=stack)
    bucket = res(
        "aws:s3/bucketV2:BucketV2", "orders", {"bucket": "orders", "tags": {"team": "shop"}},
        parent=component, provider_=provider(),
    )  # fmt: skip

    graph = graph_from_stack([stack, component, bucket], project="shop", stack="prod")

    b = graph.get(bucket.urn)
    c = graph.get(component.urn)
    assert b is not None
    assert c is not None
    assert (b["custom"], b["inputs"], b["outputs"]) == (
        True, {"bucket": "orders", "tags": {"team": "shop"}}, {},
    )  # fmt: skip
    assert (c["custom"], c["inputs"], c["outputs"]) == (False, {}, {"bucketName": "orders"})
    assert b["parent"] == component.urn
    assert c["parent"] == ROOT
    assert b["provider"] == AWS


def test_the_root_stacks_props_become_the_graphs_outputs() -> None:
    graph = graph_from_stack([root({"vpcId": "vpc-1"})], project="shop", stack="prod")
    assert graph.outputs == {"vpcId": "vpc-1"}
    stack_record = graph.get(ROOT)
    assert stack_record is not None
    assert (stack_record["custom"], stack_record["outputs"]) == (False, {})


def test_a_provider_named_only_on_a_resource_is_added_so_default_tags_resolve() -> None:
    bucket = res(
        "aws:s3/bucketV2:BucketV2", "b", {"tags": {"service": "orders"}}, provider_=provider()
    )

    graph = graph_from_stack([bucket], project="shop", stack="prod")

    prov = graph.get(AWS)
    assert prov is not None
    assert (prov["type"], prov["custom"]) == ("pulumi:providers:aws", True)
    assert graph.effective_tags(graph.get(bucket.urn) or {}) == {
        "team": "shop", "environment": "prod", "service": "orders",
    }  # fmt: skip


def test_a_listed_provider_is_kept_once_with_its_own_record() -> None:
    p = provider()
    listed = res("pulumi:providers:aws", "default_6_0_0", dict(p.props))
    listed.urn = AWS
    bucket = res("aws:s3/bucketV2:BucketV2", "b", {}, provider_=p)

    graph = graph_from_stack([listed, bucket], project="shop", stack="prod")

    assert [r["urn"] for r in graph.resources].count(AWS) == 1


@pytest.mark.parametrize(
    ("type_", "has_provider", "custom"),
    [
        ("pulumi:providers:kubernetes", False, True),
        ("pulumi:pulumi:Stack", False, False),
        ("infra-kit:k8s:Workload", True, False),
        ("aws:iam/role:Role", True, True),
        ("acme:net:Mesh", False, False),
    ],
)
def test_custom_and_component_resources_are_told_apart(
    type_: str, has_provider: bool, custom: bool
) -> None:
    assert is_custom(type_, has_provider) is custom


def test_protect_aliases_and_dependencies_come_from_the_resource_and_its_options() -> None:
    key = res("aws:kms/key:Key", "k", {}, provider_=provider(), protect=True,
              aliases=[STACK + "aws:kms/key:Key::old"])  # fmt: skip
    user = res("aws:s3/bucketV2:BucketV2", "b", {}, provider_=provider(), dependencies=[key])

    graph = graph_from_stack([key, user], project="shop", stack="prod")

    k = graph.get(key.urn)
    u = graph.get(user.urn)
    assert k is not None
    assert u is not None
    assert (k["protect"], u["protect"]) == (True, False)
    assert k["aliases"] == [STACK + "aws:kms/key:Key::old"]
    assert u["dependencies"] == [key.urn]


def test_retain_on_delete_is_not_observed_so_it_is_none_rather_than_false() -> None:
    key = res("aws:kms/key:Key", "k", {}, provider_=provider(), protect=True)
    record = graph_from_stack([key], project="shop", stack="prod").get(key.urn)
    assert record is not None
    assert record["retain_on_delete"] is None


def test_the_parent_falls_back_to_the_options_when_the_parent_is_not_listed() -> None:
    orphan = res("aws:kms/key:Key", "k", {}, provider_=provider())
    orphan.opts.parent = STACK + "infra-kit:aws:Key::k"
    record = graph_from_stack([orphan], project="shop", stack="prod").get(orphan.urn)
    assert record is not None
    assert record["parent"] == STACK + "infra-kit:aws:Key::k"


def test_values_unknown_during_preview_become_the_unknown_marker_without_raising() -> None:
    role = res(
        "aws:iam/role:Role", "r",
        {"arn": UNKNOWN_STRING, "managedPolicyArns": UNKNOWN_ARRAY,
         "inlinePolicies": [{"name": "p", "policy": UNKNOWN_STRING}], "name": "app"},
        provider_=provider(),
    )  # fmt: skip

    record = graph_from_stack([role], project="shop", stack="prod").get(role.urn)

    assert record is not None
    assert record["inputs"] == {
        "arn": UNKNOWN, "managedPolicyArns": UNKNOWN,
        "inlinePolicies": [{"name": "p", "policy": UNKNOWN}], "name": "app",
    }  # fmt: skip


def test_marked_secrets_and_additional_secret_outputs_become_the_secret_marker() -> None:
    wire_secret = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                   "value": "hunter2"}  # fmt: skip
    db = SimpleNamespace(
        resource_type="aws:rds/instance:Instance",
        props={"password": Secret("hunter2"), "masterUserSecrets": [{"secretArn": wire_secret}],
               "endpoint": "db:5432", "username": "admin"},
        urn=STACK + "aws:rds/instance:Instance::db", name="db",
        opts=opts(additional_secret_outputs=["username"]), provider=provider(), parent=None,
        dependencies=[], property_dependencies={},
    )  # fmt: skip

    record = graph_from_stack([db], project="shop", stack="prod").get(db.urn)

    assert record is not None
    assert record["inputs"] == {
        "password": SECRET, "masterUserSecrets": [{"secretArn": SECRET}],
        "endpoint": "db:5432", "username": SECRET,
    }  # fmt: skip
    assert record["secret_paths"] == ["masterUserSecrets[0].secretArn", "password", "username"]
    assert "hunter2" not in json.dumps(record)


def test_integral_numbers_are_integers_as_in_a_synthesized_graph() -> None:
    deployment = res(
        "kubernetes:apps/v1:Deployment", "web",
        {"spec": {"replicas": 3.0, "ratio": 0.5}}, provider_=provider(
            STACK + "pulumi:providers:kubernetes::k8s", {}),
    )  # fmt: skip
    record = graph_from_stack([deployment], project="shop", stack="prod").get(deployment.urn)
    assert record is not None
    replicas = record["inputs"]["spec"]["replicas"]
    assert (replicas, type(replicas)) == (3, int)
    assert record["inputs"]["spec"]["ratio"] == 0.5


def test_the_project_and_stack_are_read_from_the_urns() -> None:
    assert stack_identity([SimpleNamespace(urn=ROOT)]) == ("shop", "prod")
    assert stack_identity([]) == ("", "")


def test_the_environment_and_suppressions_registered_as_components_reach_the_rules() -> None:
    rules_for()
    stack = root()
    env = res(ENVIRONMENT_TYPE, "aws", {"profile": {"name": "stage", "protect_stateful": True}},
              parent=stack)  # fmt: skip
    key = res("aws:kms/key:Key", "k", {}, provider_=provider(), parent=stack)
    marker = res(SUPPRESSION_TYPE, "k-ik-nothing", parent=key,
                 props={"rule": "IK-NOTHING-1-X", "reason": "a reason of words", "resources": []})  # fmt: skip

    graph = graph_from_stack([stack, env, key, marker], project="shop", stack="prod")

    assert graph.environment.name == "stage"
    assert [(s.target, s.rule) for s in graph.suppressions] == [(key.urn, "IK-NOTHING-1-X")]
    report = check_graph(graph, [RULES[UNUSED_SUPPRESSION]])
    assert [(f.rule.id, f.urn) for f in report.failed] == [(UNUSED_SUPPRESSION, marker.urn)]


def test_the_graph_is_sorted_by_urn_and_serialisable_as_graph_json() -> None:
    stack = root({"n": 1.0})
    b = res("aws:s3/bucketV2:BucketV2", "b", {"x": 1}, provider_=provider(), parent=stack)
    a = res("aws:kms/key:Key", "a", {}, provider_=provider(), parent=stack)

    graph = graph_from_stack([stack, b, a], project="shop", stack="prod")

    urns = [r["urn"] for r in graph.resources]
    assert urns == sorted(urns)
    assert json.loads(json.dumps(graph.doc))["outputs"] == {"n": 1}
