"""Every prescription ID leads, in one search, to the code that encodes it and the test that proves it.

For each ID in docs/prescriptions.md, the code carries at least one ``# prescription: <ID>``
marker where the practice is encoded, and a test under tests/ cites the ID. IDs listed under
"Not yet encoded" in that file are the exception, and must have no marker: when one gains its
code, its entry there is removed and both citations follow.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from tests.conftest import REPO

DOC = REPO / "docs" / "prescriptions.md"
CODE_ROOTS = ("infra_kit", "stacks", "cluster-services", "examples")
#: The pipeline encodes its prescriptions in workflow YAML, with the same comment markers.
WORKFLOW_ROOT = ".github"
_ANCHOR = re.compile(r'<a id="[a-z0-9-]+"></a>\*\*([A-Z0-9]+-\d+)\*\*')
_PENDING = re.compile(r"^- \[([A-Z0-9]+-\d+)\]\(#[a-z0-9-]+\):", re.MULTILINE)
_MARKER = re.compile(r"#\s*prescription:\s*([A-Z0-9, -]+?)(?:\s+--|$)", re.MULTILINE)


def _ids() -> list[str]:
    return _ANCHOR.findall(DOC.read_text())


@cache
def _pending() -> set[str]:
    text = DOC.read_text()
    section = text.split("## Not yet encoded", 1)[1] if "## Not yet encoded" in text else ""
    return set(_PENDING.findall(section.split("\n## ", 1)[0]))


def _python_files(*roots: str) -> list[Path]:
    return [p for root in roots for p in (REPO / root).rglob("*.py") if ".venv" not in p.parts]


@cache
def _markers() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    workflows = sorted((REPO / WORKFLOW_ROOT).rglob("*.yml"))
    for path in [*_python_files(*CODE_ROOTS), *workflows]:
        for match in _MARKER.finditer(path.read_text()):
            for pid in re.findall(r"[A-Z0-9]+-\d+", match.group(1)):
                found.setdefault(pid, []).append(str(path.relative_to(REPO)))
    return found


@cache
def _test_citations() -> dict[str, int]:
    text = "\n".join(
        p.read_text() for p in _python_files("tests") if p.name != "test_traceability.py"
    )
    return {pid: len(re.findall(rf"\b{re.escape(pid)}\b", text)) for pid in _ids()}


def test_the_catalogue_lists_every_prescription_once() -> None:
    ids = _ids()
    assert len(ids) == len(set(ids)) >= 30
    assert _pending() <= set(ids)


@pytest.mark.parametrize("pid", _ids())
def test_each_prescription_is_marked_where_encoded_and_cited_where_proven(pid: str) -> None:
    markers, cited = _markers().get(pid, []), _test_citations()[pid]
    if pid in _pending():
        assert not markers, (
            f"{pid} is listed as not yet encoded in docs/prescriptions.md but is marked in "
            f"{markers}: remove it from that list"
        )
        return
    assert markers, (
        f"no `# prescription: {pid}` marker in {', '.join((*CODE_ROOTS, WORKFLOW_ROOT))}"
    )
    assert cited, f"no test under tests/ cites {pid}"
