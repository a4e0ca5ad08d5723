"""``infra-kit check`` on the command line: exit codes, formats and what it reads."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from infra_kit.cli import main
from tests.policy.graphs import doc, resource, suppression

SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"


def _write(tmp_path: Path, name: str, graph: object) -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(graph.doc))  # type: ignore[attr-defined]
    return path


@pytest.fixture
def graphs(tmp_path: Path) -> dict[str, Path]:
    queue = resource("aws:sqs/queue:Queue", "jobs", {"kmsMasterKeyId": "arn:aws:kms:k"})
    accepted = suppression(queue["urn"], "IK-DR-1-UNPROTECTED", "scratch queue, data is disposable")
    short = suppression(queue["urn"], "IK-DR-1-UNPROTECTED", "fine")
    short["urn"] += "-short"  # a second suppression of its own
    return {
        "failing": _write(tmp_path, "failing", doc(queue)),
        "accepted": _write(tmp_path, "accepted", doc(queue, accepted)),
        "warning-only": _write(tmp_path, "warning", doc(queue, accepted, short)),
    }


def test_a_failing_rule_exits_1_and_names_the_rule_and_the_resource(
    graphs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--graph", str(graphs["failing"]), "--rule", "IK-DR-1-UNPROTECTED"]) == 1
    out = capsys.readouterr().out
    assert "IK-DR-1-UNPROTECTED" in out
    assert "aws:sqs/queue:Queue jobs" in out
    assert "docs/rules.md#ik-dr-1-unprotected" in out


def test_an_accepted_finding_passes_and_shows_its_reason(
    graphs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--graph", str(graphs["accepted"]), "--rule", "IK-DR-1-UNPROTECTED"]) == 0
    out = capsys.readouterr().out
    assert "accepted" in out
    assert "scratch queue, data is disposable" in out


def test_warnings_fail_only_when_asked(graphs: dict[str, Path]) -> None:
    path = str(graphs["warning-only"])
    rules = ["--rule", "IK-DR-1-UNPROTECTED", "--rule", "IK-SEC-5-UNUSED-SUPPRESSION"]
    assert main(["check", "--graph", path, *rules]) == 0
    assert main(["check", "--graph", path, *rules, "--fail-on", "warning"]) == 1


def test_json_lists_every_finding_with_its_status(
    graphs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    main(["check", "--graph", str(graphs["accepted"]), "--json", "--rule", "IK-DR-1-UNPROTECTED"])
    report = json.loads(capsys.readouterr().out)
    (finding,) = report["findings"]
    assert (finding["rule"], finding["status"]) == ("IK-DR-1-UNPROTECTED", "accepted")


def test_sarif_output_validates_and_marks_accepted_findings_suppressed(
    graphs: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "check.sarif"
    code = main(
        ["check", "--graph", str(graphs["accepted"]), "--format", "sarif", "--output", str(out)]
    )
    assert code == 0
    log = json.loads(out.read_text())
    schema = json.loads(SCHEMA.read_text())
    jsonschema.validators.validator_for(schema)(schema).validate(log)
    results = log["runs"][0]["results"]
    accepted = [r for r in results if r["ruleId"] == "IK-DR-1-UNPROTECTED"]
    assert accepted
    assert all(r["suppressions"][0]["kind"] == "inSource" for r in accepted)


@pytest.mark.parametrize(
    "args",
    [[], ["--stack", "dev", "--graph", "x.json"], ["--graph", "missing.json"]],
    ids=["neither", "both", "no-such-file"],
)
def test_usage_errors_exit_2(args: list[str], tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("{}")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        assert main(["check", *args]) == 2


def test_an_unknown_rule_id_is_a_usage_error(graphs: dict[str, Path]) -> None:
    assert main(["check", "--graph", str(graphs["failing"]), "--rule", "IK-NOPE-1-X"]) == 2


def test_a_file_that_is_no_graph_is_refused_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "graph.json"
    path.write_text("not json")
    assert main(["check", "--graph", str(path)]) == 1
    err = capsys.readouterr().err
    assert "is not a graph.json document" in err
    assert "Traceback" not in err
