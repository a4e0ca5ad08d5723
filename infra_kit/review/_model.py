"""The review's result: answers, each with its evidence or with what is missing and how to add it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["Answer", "Review", "Section", "Status"]


class Status(StrEnum):
    """``pass``: the graph answers it. ``fail``: the graph lacks the evidence, or shows the
    opposite. ``not shown``: a checklist item the graph has nothing to judge by (never fails)."""

    PASS = "pass"
    FAIL = "fail"
    NOT_SHOWN = "not shown"


class Section(StrEnum):
    DONE = "Definition of Done"
    SCENARIOS = "Runbook scenarios"
    TWELVE_FACTOR = "12-factor checklist"


@dataclass(frozen=True)
class Answer:
    """One question and its answer: what the graph shows (``evidence``), or, when it does not
    stand, what is missing and how to add it (``missing``)."""

    section: Section
    key: str
    question: str
    answer: str
    evidence: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    runbook: str | None = None

    @property
    def status(self) -> Status:
        if self.missing:
            return Status.FAIL
        if not self.evidence:
            return Status.NOT_SHOWN
        return Status.PASS

    def to_json(self) -> dict[str, object]:
        return {
            "section": self.section.value,
            "key": self.key,
            "question": self.question,
            "status": self.status.value,
            "answer": self.answer,
            "evidence": list(self.evidence),
            "missing": list(self.missing),
            "runbook": self.runbook,
        }


@dataclass(frozen=True)
class Review:
    """Every answer for one stack, with the graphs they were read from."""

    stack: str
    scope: str
    graphs: tuple[str, ...]
    answers: tuple[Answer, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return all(a.status is not Status.FAIL for a in self.answers)

    @property
    def failures(self) -> list[Answer]:
        return [a for a in self.answers if a.status is Status.FAIL]

    def answer(self, key: str) -> Answer:
        for a in self.answers:
            if a.key == key:
                return a
        raise KeyError(key)

    def summary(self) -> str:
        counts = {s: sum(1 for a in self.answers if a.status is s) for s in Status}
        verdict = "ready" if self.passed else "NOT ready"
        return (
            f"review of {self.stack}: {verdict}: {counts[Status.PASS]} answered, "
            f"{counts[Status.FAIL]} failed, {counts[Status.NOT_SHOWN]} not shown"
        )

    def to_json(self) -> dict[str, object]:
        return {
            "stack": self.stack,
            "scope": self.scope,
            "graphs": list(self.graphs),
            "passed": self.passed,
            "notes": list(self.notes),
            "answers": [a.to_json() for a in self.answers],
        }
