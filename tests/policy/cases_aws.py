"""Bad and good graphs for each rule of this area (see tests/policy/cases.py)."""

from __future__ import annotations

from tests.policy.cases import Case

CASES: list[Case] = []
