"""The table, JSON and SARIF renderings of a check report, with rules registered for the test."""

from __future__ import annotations

import importlib.metadata
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for

from infra_kit.policy import (
    RULES,
    GraphDoc,
    Hit,
    Report,
    Severity,
    check_graph,
    rule,
    rules_for,
)
from infra_kit.policy._registry import Rule
from infra_kit.policy.report import render_json, render_table, resource_of, source_frames
from infra_kit.policy.sarif import SARIF_SCHEMA, render_sarif
from tests.policy.graphs import doc, resource, suppression

SCHEMA_PATH = Path(__file__).parents[1] / "data" / "sarif-schema-2.1.0.json"
ANSI = re.compile(r"\x1b\[[0-9;]*m")

BUCKET = "aws:s3/bucketV2:BucketV2"
ROLE = "aws:iam/role:Role"
COMPONENT = "infra-kit:aws:Thing"
LONG_MESSAGE = (
    "This message is deliberately long so that the table has to wrap it over several lines "
    "instead of running past the hundred columns a reader's terminal shows."
)
ERROR_ID = "IK-SEC-1-ZZREPORTERROR"
WARNING_ID = "IK-TAG-1-ZZREPORTWARNING"
NETWORK_ID = "IK-NET-2-ZZREPORTQUIET"


def _flagged(graph: GraphDoc, type_: str, message: str) -> Iterator[Hit]:
    for record in graph.of_type(type_):
        if graph.inputs(record).get("flagged"):
            yield Hit(record["urn"], message)


@pytest.fixture
def test_rules() -> Iterator[dict[str, Rule]]:
    """Three rules that exist only for these tests: an error on flagged buckets, a warning on
    flagged roles, and a network rule that never fires."""

    @rule(
        id=ERROR_ID,
        prescription="SEC-1",
        severity=Severity.ERROR,
        title="A flagged bucket is found",
        rationale="Test rule. It fires on every bucket whose inputs say flagged.",
        fix="Unflag the bucket.",
    )
    def error_rule(graph: GraphDoc) -> Iterator[Hit]:
        return _flagged(graph, BUCKET, "The bucket is flagged.")

    @rule(
        id=WARNING_ID,
        prescription="TAG-1",
        severity=Severity.WARNING,
        title="A flagged role is found",
        rationale="Test rule. It fires on every role whose inputs say flagged.",
        fix="Unflag the role.",
    )
    def warning_rule(graph: GraphDoc) -> Iterator[Hit]:
        return _flagged(graph, ROLE, LONG_MESSAGE)

    @rule(
        id=NETWORK_ID,
        prescription="NET-2",
        severity=Severity.ERROR,
        title="Nothing is ever found",
        rationale="Test rule. It never fires.",
        fix="Nothing to do.",
    )
    def quiet_rule(graph: GraphDoc) -> Iterator[Hit]:
        return iter(())

    ids = (ERROR_ID, WARNING_ID, NETWORK_ID)
    try:
        yield {i: RULES[i] for i in ids}
    finally:
        for i in ids:
            RULES.pop(i, None)


def _bucket(name: str, *, flagged: bool = True, **kw: Any) -> dict[str, Any]:
    return resource(BUCKET, name, {"flagged": flagged}, **kw)


def _role(name: str, *, flagged: bool = True) -> dict[str, Any]:
    return resource(ROLE, name, {"flagged": flagged})


def _graph_with_accepted() -> GraphDoc:
    """Two flagged buckets (one accepted by a suppression), one flagged role, one clean bucket."""
    logs = _bucket("logs")
    logs["source"] = ["stacks/__main__.py:12", "stacks/storage.py:40"]
    data = _bucket("data")
    clean = _bucket("clean", flagged=False)
    accept = suppression(data["urn"], ERROR_ID, "shared test data, holds nothing sensitive")
    accept["source"] = ["stacks/__main__.py:20"]
    return doc(logs, data, clean, _role("app"), accept)


def _report(graph: GraphDoc, rules: dict[str, Rule]) -> Report:
    return check_graph(graph, list(rules.values()))


def _validator() -> Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _valid_sarif(text: str) -> dict[str, Any]:
    log = json.loads(text)
    errors = sorted(_validator().iter_errors(log), key=lambda e: list(e.absolute_path))
    assert errors == [], [f"{list(e.absolute_path)}: {e.message}" for e in errors]
    return log


# -- URNs and sources -----------------------------------------------------------------------------
def test_the_resource_type_and_name_are_read_from_the_urn() -> None:
    urn = "urn:pulumi:prod::p::infra-kit:aws:Db$aws:rds/instance:Instance::orders::db"
    assert resource_of(urn) == ("aws:rds/instance:Instance", "orders::db")
    assert resource_of("not-a-urn") == ("", "not-a-urn")


def test_source_frames_come_from_the_nearest_ancestor_when_the_resource_has_none(
    tmp_path: Path,
) -> None:
    parent = resource(COMPONENT, "thing", custom=False)
    parent["source"] = [f"{tmp_path}/stacks/app.py:7", "/usr/lib/python3/site.py:1", "x:y"]
    child = _bucket("child", parent=parent["urn"])
    graph = doc(parent, child)
    frames = source_frames(graph, child["urn"], tmp_path)
    assert [str(f) for f in frames] == ["stacks/app.py:7", "x:y"]
    assert source_frames(graph, child["urn"]) == source_frames(graph, child["urn"], None)
    assert [str(f) for f in source_frames(graph, child["urn"])] == ["x:y"]


def test_source_paths_that_leave_the_repository_are_dropped() -> None:
    record = _bucket("b")
    record["source"] = ["../elsewhere.py:3", "./stacks/ok.py:9", 42, ""]
    graph = doc(record)
    assert [str(f) for f in source_frames(graph, record["urn"])] == ["stacks/ok.py:9"]


# -- table ------------------------------------------------------------------------------------------
def test_the_table_lists_errors_then_warnings_then_accepted_findings_then_the_summary(
    test_rules: dict[str, Rule],
) -> None:
    report = _report(_graph_with_accepted(), test_rules)
    text = render_table(report)
    lines = text.splitlines()
    failed_at = lines.index("Failed (2)")
    accepted_at = lines.index("Accepted (1)")
    error_at = next(i for i, line in enumerate(lines) if line.startswith(f"error    {ERROR_ID}"))
    warning_at = next(i for i, line in enumerate(lines) if line.startswith("warning  "))
    assert failed_at < error_at < warning_at < accepted_at
    assert f"{BUCKET} logs" in lines[error_at]
    assert lines[error_at + 1].strip() == "The bucket is flagged."
    assert f"docs/rules.md#{ERROR_ID.lower()}" in text
    assert f"docs/rules.md#{WARNING_ID.lower()}" in text
    accepted = "\n".join(lines[accepted_at:])
    assert f"accepted {ERROR_ID}  {BUCKET} data" in accepted
    assert "reason: shared test data, holds nothing sensitive" in accepted
    assert lines[-1] == report.summary()
    assert "1 error(s), 1 warning(s), 1 accepted" in lines[-1]


def test_the_table_fits_in_a_hundred_columns_and_has_no_colour_unless_asked(
    test_rules: dict[str, Rule],
) -> None:
    report = _report(_graph_with_accepted(), test_rules)
    plain = render_table(report)
    assert ANSI.search(plain) is None
    assert max(len(line) for line in plain.splitlines()) <= 100
    assert "deliberately long" in plain
    assert "hundred columns" in plain
    coloured = render_table(report, color=True)
    assert ANSI.search(coloured) is not None
    assert ANSI.sub("", coloured) == plain


def test_the_table_shows_urns_only_when_verbose_and_sources_when_given_the_graph(
    test_rules: dict[str, Rule],
) -> None:
    graph = _graph_with_accepted()
    report = _report(graph, test_rules)
    logs_urn = next(r["urn"] for r in graph if r["name"] == "logs")
    assert logs_urn not in render_table(report)
    assert f"         {logs_urn}" in render_table(report, verbose=True).splitlines()
    assert "         at stacks/__main__.py:12" in render_table(report, graph=graph).splitlines()


def test_a_report_without_findings_says_so(test_rules: dict[str, Rule]) -> None:
    report = _report(doc(_bucket("clean", flagged=False)), test_rules)
    report.notes.append("kubernetes-validate is not installed; manifests were not validated")
    lines = render_table(report).splitlines()
    assert "No findings." in lines
    assert not any(line.startswith(("Failed", "Accepted")) for line in lines)
    assert "note: kubernetes-validate is not installed; manifests were not validated" in lines
    assert lines[-1].startswith("check: 0 error(s), 0 warning(s), 0 accepted (3 rules")


# -- JSON -------------------------------------------------------------------------------------------
def test_the_json_document_has_the_stable_shape(test_rules: dict[str, Rule]) -> None:
    graph = _graph_with_accepted()
    report = _report(graph, test_rules)
    document = json.loads(render_json(report))
    assert sorted(document) == [
        "findings", "notes", "project", "rules", "seconds", "stack", "summary",
    ]  # fmt: skip
    assert (document["project"], document["stack"]) == ("p", "prod")
    assert document["summary"] == {
        "error": 1, "warning": 1, "accepted": 1, "failed": 2, "findings": 3, "rules": 3,
        "resources": report.resources,
    }  # fmt: skip
    assert [r["id"] for r in document["rules"]] == sorted(test_rules)
    assert document["rules"][1] == {
        "id": ERROR_ID, "prescription": "SEC-1", "severity": "error",
        "title": "A flagged bucket is found",
    }  # fmt: skip
    by_name = {f["name"]: f for f in document["findings"]}
    assert by_name["logs"] == {
        "rule": ERROR_ID, "prescription": "SEC-1", "severity": "error", "status": "failed",
        "urn": by_name["logs"]["urn"], "type": BUCKET, "name": "logs",
        "message": "The bucket is flagged.", "help": f"docs/rules.md#{ERROR_ID.lower()}",
    }  # fmt: skip
    data = by_name["data"]
    assert data["status"] == "accepted"
    assert data["reason"] == "shared test data, holds nothing sensitive"
    assert data["suppression"] == graph.suppressions[0].urn
    assert by_name["app"]["severity"] == "warning"


def test_the_json_document_does_not_depend_on_finding_order_or_timing(
    test_rules: dict[str, Rule],
) -> None:
    report = _report(_graph_with_accepted(), test_rules)
    shuffled = Report(
        project=report.project,
        stack=report.stack,
        rules=list(reversed(report.rules)),
        findings=list(reversed(report.findings)),
        seconds=report.seconds,
        resources=report.resources,
    )
    assert render_json(shuffled) == render_json(report)
    assert "T" not in str(json.loads(render_json(report))["seconds"])


# -- SARIF ------------------------------------------------------------------------------------------
def test_the_vendored_schema_is_the_oasis_sarif_2_1_0_schema() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["id"] == SARIF_SCHEMA
    assert schema["properties"]["version"]["enum"] == ["2.1.0"]


def test_sarif_with_failed_and_accepted_findings_is_valid_sarif_2_1_0(
    test_rules: dict[str, Rule],
) -> None:
    graph = _graph_with_accepted()
    log = _valid_sarif(render_sarif(_report(graph, test_rules), graph=graph))
    assert log["version"] == "2.1.0"
    assert log["$schema"] == SARIF_SCHEMA
    assert len(log["runs"]) == 1
    assert len(log["runs"][0]["results"]) == 3


def test_sarif_without_findings_is_valid_and_still_lists_the_rules(
    test_rules: dict[str, Rule],
) -> None:
    graph = doc(_bucket("clean", flagged=False))
    log = _valid_sarif(render_sarif(_report(graph, test_rules), graph=graph))
    run = log["runs"][0]
    assert run["results"] == []
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == sorted(test_rules)


def test_the_sarif_driver_describes_each_rule(test_rules: dict[str, Rule]) -> None:
    log = json.loads(render_sarif(_report(_graph_with_accepted(), test_rules)))
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "infra-kit"
    assert driver["version"] == importlib.metadata.version("infra-kit")
    rules = {r["id"]: r for r in driver["rules"]}
    error = rules[ERROR_ID]
    assert error["name"] == "AFlaggedBucketIsFound"
    assert error["shortDescription"]["text"] == "A flagged bucket is found"
    assert error["fullDescription"]["text"].startswith("Test rule. It fires on every bucket")
    assert "Unflag the bucket." in error["help"]["text"]
    assert f"docs/rules.md#{ERROR_ID.lower()}" in error["help"]["text"]
    assert "docs/prescriptions.md#sec-1" in error["help"]["markdown"]
    assert error["defaultConfiguration"]["level"] == "error"
    assert rules[WARNING_ID]["defaultConfiguration"]["level"] == "warning"
    assert {"SEC-1", "security"} <= set(error["properties"]["tags"])
    assert error["properties"]["security-severity"] == "7.5"
    assert "TAG-1" in rules[WARNING_ID]["properties"]["tags"]
    assert "security" not in rules[WARNING_ID]["properties"]["tags"]


def test_sarif_results_point_at_the_declaring_source_and_name_the_urn(
    test_rules: dict[str, Rule],
) -> None:
    graph = _graph_with_accepted()
    log = json.loads(render_sarif(_report(graph, test_rules), graph=graph))
    run = log["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    logs_urn = next(r["urn"] for r in graph if r["name"] == "logs")
    result = next(
        r for r in run["results"] if r["locations"][0]["logicalLocations"][0]["name"] == "logs"
    )
    assert rule_ids[result["ruleIndex"]] == result["ruleId"] == ERROR_ID
    assert result["level"] == "error"
    assert result["message"]["text"] == f"{BUCKET} logs: The bucket is flagged."
    location = result["locations"][0]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": "stacks/__main__.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 12},
    }
    assert location["logicalLocations"] == [
        {"name": "logs", "fullyQualifiedName": logs_urn, "kind": "resource"}
    ]
    assert result["relatedLocations"] == [
        {
            "id": 1,
            "physicalLocation": {
                "artifactLocation": {"uri": "stacks/storage.py", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 40},
            },
            "message": {"text": "called from stacks/storage.py:40"},
        }
    ]
    assert "suppressions" not in result
    for each in run["results"]:  # code scanning refuses a file with one result it cannot place
        assert each["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]


def test_a_finding_without_a_recorded_source_points_at_the_project_file(
    test_rules: dict[str, Rule], tmp_path: Path
) -> None:
    graph = doc(_role("app"))
    report = _report(graph, test_rules)
    project = tmp_path / "examples" / "svc" / "Pulumi.yaml"
    log = json.loads(render_sarif(report, graph=graph, root=tmp_path, project_file=project))
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location == {
        "artifactLocation": {"uri": "examples/svc/Pulumi.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 1},
    }
    default = json.loads(render_sarif(report))["runs"][0]["results"][0]
    assert default["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "Pulumi.yaml"


def test_accepted_findings_are_suppressed_in_source_with_their_reason(
    test_rules: dict[str, Rule],
) -> None:
    graph = _graph_with_accepted()
    log = json.loads(render_sarif(_report(graph, test_rules), graph=graph))
    suppressed = [r for r in log["runs"][0]["results"] if "suppressions" in r]
    assert len(suppressed) == 1
    location = suppressed[0]["locations"][0]
    assert location["logicalLocations"][0]["name"] == "data"
    # The bucket has no recorded source, so the finding sits where it was accepted.
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "stacks/__main__.py"
    assert location["physicalLocation"]["region"] == {"startLine": 20}
    assert suppressed[0]["suppressions"] == [
        {
            "kind": "inSource",
            "status": "accepted",
            "justification": "shared test data, holds nothing sensitive",
        }
    ]


def test_fingerprints_follow_the_rule_and_urn_not_the_line(test_rules: dict[str, Rule]) -> None:
    graph = _graph_with_accepted()
    first = json.loads(render_sarif(_report(graph, test_rules), graph=graph))
    moved = _graph_with_accepted()
    for record in moved:
        if record["name"] == "logs":
            record["source"] = ["stacks/__main__.py:99"]
    second = json.loads(render_sarif(_report(moved, test_rules), graph=moved))

    def prints(log: dict[str, Any]) -> list[dict[str, str]]:
        return [r["partialFingerprints"] for r in log["runs"][0]["results"]]

    assert prints(first) == prints(second)
    keys = [p["infraKitFinding/v1"] for p in prints(first)]
    assert len(set(keys)) == len(keys) == 3
    assert first["runs"][0]["results"] != second["runs"][0]["results"]


def test_each_stack_is_its_own_code_scanning_analysis(test_rules: dict[str, Rule]) -> None:
    prod = json.loads(render_sarif(_report(doc(stack="prod"), test_rules)))
    dev = json.loads(render_sarif(_report(doc(stack="dev"), test_rules)))
    assert prod["runs"][0]["automationDetails"] == {"id": "infra-kit/p/prod/"}
    assert dev["runs"][0]["automationDetails"] == {"id": "infra-kit/p/dev/"}


def test_rules_link_to_the_repository_when_the_package_names_one(
    test_rules: dict[str, Rule], monkeypatch: pytest.MonkeyPatch
) -> None:
    from infra_kit.policy import sarif as module

    home = "https://github.com/acme/infra"
    monkeypatch.setattr(module, "_information_uri", lambda: home)
    log = _valid_sarif(render_sarif(_report(_graph_with_accepted(), test_rules)))
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == home
    error = next(r for r in driver["rules"] if r["id"] == ERROR_ID)
    assert error["helpUri"] == f"{home}/blob/HEAD/docs/rules.md#{ERROR_ID.lower()}"
    assert f"({home}/blob/HEAD/docs/prescriptions.md#sec-1)" in error["help"]["markdown"]


def test_sarif_describing_every_registered_rule_is_valid() -> None:
    report = check_graph(doc(_bucket("b")), rules_for())
    log = _valid_sarif(render_sarif(report))
    described = [r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]]
    assert described == sorted(r.id for r in rules_for())
