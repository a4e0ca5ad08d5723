"""The policy pack, run with the policy SDK's own types, enforces what ``infra-kit check`` does.

Runs in the pack's environment (requirements.txt plus pytest), from the repository root::

    PYTHONPATH=. <pack venv>/bin/python -m pytest -q policy-pack/tests

Each rule's shared bad/good case (tests/policy/cases.py) is turned into the resources the engine
would hand a stack policy (custom resources carry their inputs as props, components their
outputs, unknowns are the engine's sentinels behind the SDK's proxies) and run through the pack.
With ``INFRA_KIT_PACK_GRAPHS`` naming a directory of synthesized graph.json files, the whole pack
also runs over each and must report what ``check_graph`` reports.
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from infra_kit.policy import RULES, GraphDoc, Rule, Severity, check_graph, rules_for
from infra_kit.policy._check import UNUSED_SUPPRESSION
from infra_kit.policy._pack import ROOT_TYPE, graph_from_stack
from tests.policy.cases import Case, all_cases

PACK_DIR = Path(__file__).resolve().parents[1]
GRAPHS_ENV = "INFRA_KIT_PACK_GRAPHS"
#: Record fields the policy SDK does not hand a stack policy.
UNOBSERVED: dict[str, Any] = {"retain_on_delete": None, "source": []}


@cache
def pack() -> ModuleType:
    """policy-pack/__main__.py as a module (its PolicyPack server starts only as a program)."""
    spec = importlib.util.spec_from_file_location("infra_kit_policy_pack", PACK_DIR / "__main__.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def policies() -> dict[str, StackValidationPolicy]:
    return {p.name: p for p in pack().build_policies()}


# -- graph document -> the policy SDK's resources ---------------------------------------------------
def _wire(value: Any) -> Any:
    """A graph value as the engine sends it: ``"[unknown]"`` is the engine's unknown sentinel."""
    if value == "[unknown]":
        return UNKNOWN_STRING_VALUE
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_wire(v) for v in value]
    return value


def _props(graph: GraphDoc, record: dict[str, Any]) -> Any:
    if record["type"] == ROOT_TYPE:
        raw = graph.outputs
    elif record.get("custom"):
        raw = record.get("inputs") or {}
    else:
        raw = record.get("outputs") or {}
    return unknown_checking_proxy(_wire(json.loads(json.dumps(raw))))


def _provider(graph: GraphDoc, record: dict[str, Any]) -> PolicyProviderResource | None:
    """The provider the engine names: the record's, or the package's default provider (every
    custom resource has one); none for providers and components."""
    if not record.get("custom") or record["type"].startswith("pulumi:providers:"):
        return None
    package = record["type"].split(":")[0]
    urn = record.get("provider") or (
        f"urn:pulumi:{graph.stack}::{graph.project}::pulumi:providers:{package}::default"
    )
    found = graph.get(urn)
    if found is None:
        return PolicyProviderResource(f"pulumi:providers:{package}", {}, urn, urn.split("::")[-1])
    return PolicyProviderResource(found["type"], _props(graph, found), urn, found["name"])


def policy_resources(graph: GraphDoc) -> list[PolicyResource]:
    """Every record of ``graph`` as the SDK's PolicyResource, linked as the SDK links them."""
    by_urn: dict[str, PolicyResource] = {}
    for record in graph.resources:
        assert record["urn"] not in by_urn, (
            f"the graph has two resources with the URN {record['urn']}; the Pulumi engine refuses "
            "that, so no stack can hand it to the pack (give them different names)"
        )
        options = PolicyResourceOptions(
            protect=bool(record.get("protect")),
            ignore_changes=[],
            delete_before_replace=None,
            aliases=list(record.get("aliases") or []),
            custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
            additional_secret_outputs=list(record.get("additional_secret_outputs") or []),
        )
        by_urn[record["urn"]] = PolicyResource(
            resource_type=record["type"],
            props=_props(graph, record),
            urn=record["urn"],
            name=record["name"],
            opts=options,
            provider=_provider(graph, record),
            parent=None,
            dependencies=[],
            property_dependencies={},
        )
    for record in graph.resources:
        resource = by_urn[record["urn"]]
        resource.parent = by_urn.get(record.get("parent") or "")
        resource.dependencies = [by_urn[d] for d in record.get("dependencies") or [] if d in by_urn]
    return list(by_urn.values())


def stack_args(graph: GraphDoc) -> StackValidationArgs:
    return StackValidationArgs(policy_resources(graph), config={}, stack_tags={})


def as_observed(graph: GraphDoc) -> GraphDoc:
    """``graph`` without the fields the SDK does not carry: what the pack can judge at best."""
    doc = json.loads(json.dumps(graph.doc))
    for record in doc["resources"]:
        record.update(json.loads(json.dumps(UNOBSERVED)))
    return GraphDoc({**doc, "diagnostics": []})


# -- running the pack ---------------------------------------------------------------------------
def run(policy: StackValidationPolicy, args: StackValidationArgs) -> list[tuple[str, str | None]]:
    reported: list[tuple[str, str | None]] = []
    policy.validate(args, lambda message, urn=None: reported.append((message, urn)))
    return reported


def run_pack(graph: GraphDoc) -> list[tuple[str, str, str]]:
    """``(policy name, urn, message)`` of every violation the whole pack reports over ``graph``."""
    args = stack_args(graph)
    found: list[tuple[str, str, str]] = []
    for name, policy in policies().items():
        if RULES[policy.display_name or ""].offline_only:
            continue
        for message, urn in run(policy, args):
            assert urn is not None, f"{name} reported a violation without a resource"
            found.append((name, urn, message))
    return sorted(found)


def _id(case: Case) -> str:
    return f"{case.rule_id}:{case.label}" if case.label else case.rule_id


CASES = all_cases()


def _judged_with(rule: Rule) -> list[Rule]:
    """The rules whose findings ``rule``'s are judged with: a suppression is judged against the
    rule it names, so for the unused-suppression rule every enforceable rule runs (as in the
    pack, which runs them all once per stack)."""
    if rule.id != UNUSED_SUPPRESSION:
        return [rule]
    return [r for r in rules_for() if not r.offline_only]


def _enforced(case: Case) -> Rule | None:
    """The case's rule, or ``None`` after showing that an offline-only rule's policy declares
    itself not applicable on the case's graph (the pack cannot see what it reads)."""
    from pulumi_policy.policy import _NotApplicableError  # pyright: ignore[reportPrivateUsage]

    rules_for()
    rule = RULES[case.rule_id]
    if not rule.offline_only:
        return rule
    with pytest.raises(_NotApplicableError) as raised:
        run(policies()[rule.id.lower()], stack_args(case.bad()))
    assert "infra-kit check" in str(raised.value.reason)
    return None


# -- the pack's policies ------------------------------------------------------------------------
def test_the_pack_has_one_policy_per_registered_rule_named_after_its_id() -> None:
    rules = rules_for()
    made = policies()
    assert sorted(made) == sorted(r.id.lower() for r in rules)
    for rule in rules:
        policy = made[rule.id.lower()]
        assert (policy.display_name, policy.description) == (rule.id, rule.title)


def test_errors_are_mandatory_and_warnings_advisory() -> None:
    made = policies()
    for rule in rules_for():
        expected = (
            EnforcementLevel.MANDATORY
            if rule.severity is Severity.ERROR
            else EnforcementLevel.ADVISORY
        )
        assert made[rule.id.lower()].enforcement_level is expected, rule.id


def test_every_rule_has_a_case() -> None:
    covered = {c.rule_id for c in CASES}
    missing = sorted({r.id for r in rules_for()} - covered)
    assert missing == [], f"rules without a bad/good case: {missing}"


def test_an_offline_only_rule_declares_itself_not_applicable() -> None:
    from pulumi_policy.policy import _NotApplicableError  # pyright: ignore[reportPrivateUsage]

    offline = Rule(
        id="IK-IAC-1-OFFLINE", prescription="IAC-1", severity=Severity.ERROR,
        title="Only the offline engine sees this", rationale="r", fix="f",
        check=lambda graph: iter(()), offline_only=True,
    )  # fmt: skip
    (policy,) = pack().build_policies([offline])
    with pytest.raises(_NotApplicableError) as raised:
        run(policy, StackValidationArgs([]))
    assert "infra-kit check" in str(raised.value.reason)


# -- every rule's shared cases, through the SDK's types -----------------------------------------
@pytest.mark.parametrize("case", CASES, ids=_id)
def test_the_pack_reports_the_offending_resources_of_each_bad_graph(case: Case) -> None:
    rule = _enforced(case)
    if rule is None:
        return
    bad = case.bad()
    observable = sorted(
        {
            f.urn
            for f in check_graph(as_observed(bad), _judged_with(rule)).failed
            if f.rule.id == rule.id
        }
    )
    # Without the fields the SDK does not carry, a rule may miss a finding, never invent one.
    assert set(observable) <= set(case.offending), "the rule fires on a field it cannot see"

    reported = run(policies()[rule.id.lower()], stack_args(bad))

    assert sorted({urn or "" for _, urn in reported}) == observable
    if observable != sorted(case.offending):
        pytest.xfail(f"{rule.id}: this case needs {sorted(UNOBSERVED)}, which the pack cannot see")


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_the_pack_is_quiet_on_each_good_graph(case: Case) -> None:
    rule = _enforced(case)
    if rule is None:
        return
    assert run(policies()[rule.id.lower()], stack_args(case.good())) == []


def _first_case_with_offenders() -> Case:
    case = next((c for c in CASES if c.offending and not RULES[c.rule_id].offline_only), None)
    if case is None:
        pytest.skip("no rule case with an offending resource is registered yet")
    return case


def test_a_violation_names_the_rule_its_fix_and_its_documentation() -> None:
    case = _first_case_with_offenders()
    rule = RULES[case.rule_id]
    reported = run(policies()[rule.id.lower()], stack_args(case.bad()))
    assert reported, f"{rule.id} reported nothing on its bad graph"
    for message, urn in reported:
        assert urn in case.offending
        assert message.startswith(f"{rule.id}: ")
        assert f"docs/rules.md#{rule.anchor}" in message
        assert rule.fix in message


def test_a_suppression_accepts_a_finding_in_the_pack_too() -> None:
    from tests.policy.graphs import suppression

    case = _first_case_with_offenders()
    bad = case.bad()
    markers = [
        suppression(urn, case.rule_id, "accepted for this test case") for urn in case.offending
    ]
    accepted = GraphDoc({**bad.doc, "resources": [*bad.resources, *markers]})

    assert run(policies()[case.rule_id.lower()], stack_args(accepted)) == []


def test_the_pack_reports_the_stack_it_is_given_not_the_one_before() -> None:
    case = _first_case_with_offenders()
    policy = policies()[case.rule_id.lower()]
    assert run(policy, stack_args(case.bad()))
    assert run(policy, stack_args(case.good())) == []
    assert run(policy, stack_args(case.bad()))


# -- what the SDK hands the pack ----------------------------------------------------------------
def test_the_pack_sees_the_records_of_the_offline_graph_except_what_the_sdk_omits() -> None:
    from tests.policy.graphs import doc, k8s, resource, suppression

    bucket = resource("aws:s3/bucketV2:BucketV2", "b", {"bucket": "b", "tags": {"team": "t"}},
                      protect=True)  # fmt: skip
    role = resource("aws:iam/role:Role", "r", {"assumeRolePolicy": "[unknown]", "name": "r"})
    web = k8s("Deployment", "web", {"replicas": 2, "template": {"spec": {"containers": []}}})
    marker = suppression(bucket["urn"], "IK-SEC-5-UNUSED-SUPPRESSION", "kept for this test")
    graph = doc(bucket, role, web, marker)

    seen = graph_from_stack(policy_resources(graph), project="p", stack="prod")

    keys = ("type", "name", "parent", "custom", "inputs", "outputs", "protect", "aliases")
    for record in graph.resources:
        got = seen.get(record["urn"])
        assert got is not None, record["urn"]
        assert {k: got[k] for k in keys} == {k: record.get(k) for k in keys}, record["urn"]
        assert got["retain_on_delete"] is None
    assert seen.get(role["urn"])["inputs"]["assumeRolePolicy"] == "[unknown]"  # pyright: ignore[reportOptionalSubscript]
    assert seen.environment == graph.environment
    assert [s.rule for s in seen.suppressions] == [s.rule for s in graph.suppressions]


def test_every_policy_runs_on_a_preview_full_of_unknowns_without_raising() -> None:
    from tests.policy.graphs import doc, k8s, resource

    graph = doc(
        resource("aws:iam/role:Role", "r", {"assumeRolePolicy": "[unknown]", "tags": "[unknown]"}),
        resource("aws:iam/rolePolicy:RolePolicy", "rp", {"policy": "[unknown]", "role": "r"}),
        resource("aws:s3/bucketV2:BucketV2", "b", {"bucket": "[unknown]"}, protect=True),
        k8s("Deployment", "web", {"replicas": "[unknown]", "template": "[unknown]"}),
    )
    args = stack_args(graph)
    for policy in policies().values():
        if not RULES[policy.display_name or ""].offline_only:
            run(policy, args)  # an UnknownValueError from the SDK's proxies would fail here


# -- real synthesized graphs --------------------------------------------------------------------
def _graph_files() -> Iterator[Path]:
    root = os.environ.get(GRAPHS_ENV)
    if root:
        yield from sorted(Path(root).rglob("graph.json"))


GRAPH_FILES = list(_graph_files())


def test_the_graphs_ci_names_are_there() -> None:
    # CI sets the variable; a directory with no graph.json in it is a broken pipeline, not a skip.
    if os.environ.get(GRAPHS_ENV):
        assert GRAPH_FILES, f"{GRAPHS_ENV}={os.environ[GRAPHS_ENV]} holds no graph.json"


@pytest.mark.skipif(not GRAPH_FILES, reason=f"{GRAPHS_ENV} names no directory of graph.json files")
@pytest.mark.parametrize("path", GRAPH_FILES, ids=lambda p: str(p.parent.name))
def test_the_whole_pack_reports_what_the_check_reports_on_a_synthesized_graph(path: Path) -> None:
    graph = GraphDoc.load(path)
    enforced = [r for r in rules_for() if not r.offline_only]

    def violations(g: GraphDoc) -> list[tuple[str, str, str]]:
        return sorted(
            (f.rule.id.lower(), f.urn, pack().violation_message(f.rule, f.message))
            for f in check_graph(g, enforced).failed
        )

    reported = run_pack(graph)
    # What the SDK does not carry may hide a finding from the pack; it must never add one.
    invented = sorted(set(reported) - set(violations(graph)))
    assert invented == [], "the pack reports what infra-kit check does not"
    assert reported == violations(as_observed(graph))


# -- through the SDK's analyzer, as the engine calls it -------------------------------------------
def _struct(value: dict[str, Any]) -> Any:
    from google.protobuf import struct_pb2

    message = struct_pb2.Struct()
    message.update(value)
    return message


def analyze_stack(graph: GraphDoc) -> list[Any]:
    """The diagnostics the SDK's analyzer returns for ``graph`` sent as the engine sends it:
    properties in a protobuf Struct, unknowns as the engine's sentinels."""
    from pulumi.runtime.proto import analyzer_pb2
    from pulumi_policy.policy import (
        _PolicyAnalyzerServicer,  # pyright: ignore[reportPrivateUsage]
    )

    requests = []
    for resource in policy_resources(graph):
        props = json.loads(json.dumps(_wire(_plain_props(graph, resource.urn))))
        provider = resource.provider
        requests.append(
            analyzer_pb2.AnalyzerResource(
                type=resource.resource_type,
                properties=_struct(props),
                urn=resource.urn,
                name=resource.name,
                options=analyzer_pb2.AnalyzerResourceOptions(protect=resource.opts.protect),
                provider=analyzer_pb2.AnalyzerProviderResource(
                    type=provider.resource_type,
                    properties=_struct(json.loads(json.dumps(_wire(_unproxy(provider.props))))),
                    urn=provider.urn,
                    name=provider.name,
                )
                if provider is not None
                else None,
                parent=resource.parent.urn if resource.parent is not None else "",
                dependencies=[d.urn for d in resource.dependencies],
            )
        )
    servicer = _PolicyAnalyzerServicer(
        "infra-kit", "0.0.1", pack().build_policies(), EnforcementLevel.ADVISORY
    )
    response = servicer.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=requests), None)
    return list(response.diagnostics)


def _unproxy(value: Any) -> Any:
    from infra_kit.policy._pack import _Plain  # pyright: ignore[reportPrivateUsage]

    return _Plain().value(value, "")


def _plain_props(graph: GraphDoc, urn: str) -> Any:
    record = graph.get(urn)
    assert record is not None
    if record["type"] == ROOT_TYPE:
        return graph.outputs
    return record["inputs"] if record.get("custom") else record["outputs"]


def test_the_sdks_analyzer_reports_each_bad_case_through_the_wire_format() -> None:
    enforced = [c for c in CASES if c.offending and not RULES[c.rule_id].offline_only]
    if not enforced:
        pytest.skip("no rule case with an offending resource is registered yet")
    for case in enforced:
        bad = case.bad()
        expected = {
            (case.rule_id.lower(), f.urn)
            for f in check_graph(as_observed(bad), _judged_with(RULES[case.rule_id])).failed
            if f.rule.id == case.rule_id
        }
        diagnostics = analyze_stack(bad)
        got = {(d.policyName, d.urn) for d in diagnostics if d.policyName == case.rule_id.lower()}
        assert got == expected, case.rule_id
        for d in diagnostics:
            assert d.policyPackName == "infra-kit"
            assert "can't run policy" not in d.message, d.message
