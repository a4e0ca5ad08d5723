"""``infra-kit cost`` on the command line: formats, comparisons, deltas and refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra_kit.cli import main
from tests.cost.graphs import graph, resource

NAT = "aws:ec2/natGateway:NatGateway"


def _write(tmp_path: Path, name: str, *resources: dict, stack: str = "prod", **usage) -> str:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(graph(*resources, stack=stack, **usage).doc))
    return str(path)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    return {
        "one-nat": _write(tmp_path, "one", resource(NAT, "nat-0"), nat_processed_gb=0),
        "two-nats": _write(
            tmp_path, "two", resource(NAT, "nat-0"), resource(NAT, "nat-1"), nat_processed_gb=0
        ),
        "dev": _write(
            tmp_path, "dev", resource(NAT, "nat-0", stack="dev"), stack="dev", nat_processed_gb=0
        ),
        "unpriced": _write(tmp_path, "unpriced", resource("aws:dynamodb/table:Table", "t")),
    }


def test_the_table_gives_the_total_each_resource_and_the_largest_driver(
    files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cost", "--graph", files["two-nats"]]) == 0
    out = capsys.readouterr().out
    # 2 x $0.045 x 730 h
    assert out.startswith("Monthly cost of shop/prod (prod): $65.70\n")
    assert "nat-1" in out
    assert "Largest cost driver: NAT gateways, $65.70/month (100% of the total)" in out
    assert "one NAT gateway instead of one per AZ (2)" in out


def test_json_and_markdown(files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cost", "--graph", files["one-nat"], "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total_monthly_usd"] == pytest.approx(32.85)
    assert main(["cost", "--graph", files["one-nat"], "--format", "markdown"]) == 0
    assert capsys.readouterr().out.startswith("### Monthly cost of `shop/prod`: $32.85\n")


def test_usage_overrides_change_the_estimate(
    files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["cost", "--graph", files["one-nat"], "--json", "--usage", "nat_processed_gb=1000"])
        == 0
    )
    # $32.85 + 1000 GB x $0.045
    assert json.loads(capsys.readouterr().out)["total_monthly_usd"] == pytest.approx(77.85)


def test_graphs_given_twice_or_more_are_compared(
    files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cost", "--graph", files["dev"], "--graph", files["two-nats"], "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [
        (e["environment"], e["total_monthly_usd"], e["ratio_to_last"])
        for e in report["environments"]
    ] == [("dev", 32.85, 0.5), ("prod", 65.70, 1.0)]


def test_base_shows_the_monthly_delta_of_a_change(
    files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "cost",
        "--graph",
        files["two-nats"],
        "--base",
        files["one-nat"],
        "--format",
        "markdown",
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("### Monthly cost change of `shop/prod`: +$32.85\n")
    assert "| added | `nat-1` | ec2/natGateway | $0.00 | $32.85 | +$32.85 |" in out


def test_output_writes_the_report_and_leaves_stdout_empty(
    files: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "reports" / "cost.md"
    assert (
        main(["cost", "--graph", files["one-nat"], "--format", "markdown", "--output", str(target)])
        == 0
    )
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"wrote {target}" in captured.err
    assert target.read_text().startswith("### Monthly cost of `shop/prod`")


def test_an_unpriced_type_fails_and_is_named(
    files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cost", "--graph", files["unpriced"]]) == 1
    err = capsys.readouterr().err
    assert "neither prices nor lists as free: aws:dynamodb/table:Table" in err
    assert "infra_kit/cost/data/prices.json" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give exactly one of --stack NAME, --compare STACKS or --graph FILE"),
        (["--stack", "prod", "--graph", "{one-nat}"], "give exactly one of"),
        (["--compare", "prod"], "name at least two stacks"),
        (["--graph", "{one-nat}", "--usage", "nat=1"], "give KEY=NUMBER with KEY one of"),
        (["--graph", "{one-nat}", "--usage", "nat_processed_gb=lots"], "is not a number"),
        (["--graph", "{one-nat}", "--usage", "nat_processed_gb=-1"], "give a number >= 0"),
        (["--graph", "{one-nat}", "--graph", "{dev}", "--base", "{one-nat}"], "drop --compare"),
    ],
    ids=[
        "no-source",
        "two-sources",
        "one-stack-compared",
        "unknown-usage",
        "usage-not-a-number",
        "negative-usage",
        "base-with-comparison",
    ],
)
def test_bad_input_is_a_usage_error_naming_the_option(
    files: dict[str, str], capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["cost", *(a.format(**files) for a in args)]) == 2
    assert message in capsys.readouterr().err


def test_a_file_that_is_not_a_graph_fails_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "graph.json"
    path.write_text("[]")
    assert main(["cost", "--graph", str(path)]) == 1
    err = capsys.readouterr().err
    assert "infra-kit cost: error:" in err
    assert "is not a graph.json document" in err
    assert "Traceback" not in err
