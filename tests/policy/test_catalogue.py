"""docs/rules.md is what the registry generates, and its links land on real anchors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra_kit.policy import RULES, GraphDoc, Hit, Severity, rule, rules_for
from infra_kit.policy._registry import Rule
from infra_kit.policy.catalogue import FAMILIES, main, ordered_rules, render_rules_markdown

DOCS = Path(__file__).parents[2] / "docs"
RULES_MD = DOCS / "rules.md"
PRESCRIPTIONS_MD = DOCS / "prescriptions.md"
ANCHOR = re.compile(r'<a id="([^"]+)"></a>')
LINK = re.compile(r"\]\(([^)#]*)#([^)]+)\)")
TEST_IDS = ("IK-CICD-1-ZZCATALOGUE", "IK-IAC-1-ZZCATALOGUE", "IK-SEC-2-ZZCATALOGUE")


def _anchors(text: str) -> set[str]:
    return set(ANCHOR.findall(text))


@pytest.fixture
def test_rules() -> Iterator[list[Rule]]:
    """Three rules from three families, registered (in an order unlike the catalogue's) for the
    test only."""
    rules_for()

    def nothing(graph: GraphDoc) -> Iterator[Hit]:
        return iter(())

    for rule_id, severity, offline in zip(
        TEST_IDS, (Severity.WARNING, Severity.ERROR, Severity.ERROR), (False, True, False),
        strict=True,
    ):  # fmt: skip
        prescription = rule_id.removeprefix("IK-").removesuffix("-ZZCATALOGUE")
        rule(
            id=rule_id,
            prescription=prescription,
            severity=severity,
            title=f"Catalogue test rule for {prescription} | with a pipe",
            rationale="Registered by the catalogue test only.",
            fix=f"Nothing; the test removes {rule_id} again.",
            offline_only=offline,
        )(nothing)
    try:
        yield [RULES[i] for i in TEST_IDS]
    finally:
        for i in TEST_IDS:
            RULES.pop(i, None)


def test_the_committed_rule_catalogue_is_what_the_registry_generates() -> None:
    assert RULES_MD.read_text(encoding="utf-8") == render_rules_markdown(), (
        "docs/rules.md is stale: run `python -m infra_kit.policy.catalogue`"
    )


def test_every_registered_rule_has_its_anchor_in_the_committed_catalogue() -> None:
    anchors = _anchors(RULES_MD.read_text(encoding="utf-8"))
    missing = sorted(r.id for r in rules_for() if r.anchor not in anchors)
    assert missing == []


def test_every_prescription_a_rule_cites_is_in_the_prescription_catalogue() -> None:
    anchors = _anchors(PRESCRIPTIONS_MD.read_text(encoding="utf-8"))
    missing = sorted(
        f"{r.id} cites {r.prescription}"
        for r in rules_for()
        if r.prescription.lower() not in anchors
    )
    assert missing == []


def test_every_prescription_entry_has_an_anchor_of_its_own_id() -> None:
    text = PRESCRIPTIONS_MD.read_text(encoding="utf-8")
    entries = re.findall(r'^- <a id="([^"]+)"></a>\*\*([A-Z][A-Z0-9]*-\d+)\*\*:', text, re.M)
    bullets = re.findall(r'^- (?:<a id="[^"]*"></a>)?\**([A-Z][A-Z0-9]*-\d+)\**:', text, re.M)
    assert len(entries) == len(bullets) >= 30
    assert all(anchor == pid.lower() for anchor, pid in entries)
    assert {pid.split("-")[0] for _, pid in entries} == set(FAMILIES)


def test_a_generated_section_carries_the_rule_anchor_and_its_facts(
    test_rules: list[Rule],
) -> None:
    text = render_rules_markdown(test_rules)
    iac = text.split('<a id="ik-iac-1-zzcatalogue"></a>', 1)[1].split("<a id=", 1)[0]
    assert "### IK-IAC-1-ZZCATALOGUE" in iac
    assert "- Prescription: [IAC-1](prescriptions.md#iac-1)" in iac
    assert "- Severity: error" in iac
    assert "- Enforced by the policy pack: no" in iac
    assert "**Why.** Registered by the catalogue test only." in iac
    assert "**Fix.** Nothing; the test removes IK-IAC-1-ZZCATALOGUE again." in iac
    sec = text.split('<a id="ik-sec-2-zzcatalogue"></a>', 1)[1]
    assert "- Enforced by the policy pack: yes" in sec
    assert (
        "| [IK-CICD-1-ZZCATALOGUE](#ik-cicd-1-zzcatalogue) | [CICD-1](prescriptions.md#cicd-1)"
        " | warning | Catalogue test rule for CICD-1 \\| with a pipe |"
    ) in text


def test_rules_are_grouped_by_family_in_catalogue_order(test_rules: list[Rule]) -> None:
    text = render_rules_markdown(test_rules)
    headings = re.findall(r"^## (.+)$", text, re.MULTILINE)
    families = [h for h in headings if h.endswith(")")]
    assert families == [
        "Infrastructure as code (IAC)", "Security (SEC)", "Delivery pipeline (CICD)",
    ]  # fmt: skip
    assert [r.id for r in ordered_rules(test_rules)] == sorted(
        TEST_IDS, key=lambda i: ["IAC", "SEC", "CICD"].index(i.split("-")[1])
    )
    positions = [text.index(f"### {i}") for i in ("IK-IAC-1-ZZCATALOGUE", "IK-SEC-2-ZZCATALOGUE")]
    assert positions == sorted(positions)


def test_the_suppression_example_names_a_rule_that_exists(test_rules: list[Rule]) -> None:
    text = render_rules_markdown(test_rules)
    example = re.search(r'suppress\(bucket, "([^"]+)", reason=', text)
    assert example is not None
    assert example[1] == "IK-SEC-2-ZZCATALOGUE"


def test_every_link_inside_the_catalogue_lands_on_an_anchor(test_rules: list[Rule]) -> None:
    text = render_rules_markdown()
    targets = {"": _anchors(text), "prescriptions.md": _anchors(PRESCRIPTIONS_MD.read_text())}
    broken = [f"{doc}#{anchor}" for doc, anchor in LINK.findall(text)
              if anchor not in targets.get(doc, set())]  # fmt: skip
    assert broken == []


def test_check_mode_fails_on_a_stale_file_and_passes_after_writing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "docs" / "rules.md"
    assert main(["--check", "--path", str(path)]) == 1
    assert main(["--path", str(path)]) == 0
    assert path.read_text(encoding="utf-8") == render_rules_markdown()
    assert main(["--check", "--path", str(path)]) == 0
    path.write_text(path.read_text(encoding="utf-8") + "edited by hand\n", encoding="utf-8")
    assert main(["--check", "--path", str(path)]) == 1
    assert "is stale" in capsys.readouterr().err
    assert not list(path.parent.glob("*.tmp"))
