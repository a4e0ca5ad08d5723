"""Readiness, answered from the graph (PRESCRIPTIONS.md, "Readiness (Definition of Done)").

:func:`review` answers the five Definition-of-Done questions, the five runbook scenarios and
the 12-factor checklist for one stack, each with the resources, settings and numbers it read,
or with what the graph lacks and how to add it. Pure Python over graph documents: it works on a
graph.json from CI as well as on a stack synthesized offline. ADR 0029 says what counts as
evidence for each answer.

    from infra_kit.review import load_subject, review
    result = review(load_subject(project_dir=Path("."), stack="prod"))
    print(result.passed, result.summary())
"""

from __future__ import annotations

from infra_kit.review._cost import q5_cost
from infra_kit.review._done import q1_node_dies, q2_ten_x, q3_failed_deploy, q4_diagnose
from infra_kit.review._load import CLUSTER_SERVICES_PROJECT, load_subject, subject_of
from infra_kit.review._model import Answer, Review, Section, Status
from infra_kit.review._render import render_json, render_markdown, render_text
from infra_kit.review._scenarios import SCENARIO_RUNBOOKS, scenarios
from infra_kit.review._subject import Subject
from infra_kit.review._twelve import twelve_factor

__all__ = [
    "CLUSTER_SERVICES_PROJECT",
    "SCENARIO_RUNBOOKS",
    "Answer",
    "Review",
    "Section",
    "Status",
    "Subject",
    "load_subject",
    "render_json",
    "render_markdown",
    "render_text",
    "review",
    "subject_of",
]


def review(subject: Subject) -> Review:
    """Every readiness answer for ``subject``."""
    answers = [
        q1_node_dies(subject),
        q2_ten_x(subject),
        q3_failed_deploy(subject),
        q4_diagnose(subject),
        q5_cost(subject),
        *scenarios(subject),
        *twelve_factor(subject),
    ]
    notes = []
    if subject.is_platform and subject.cluster is not None:
        notes.append(
            f"the platform's graph holds no workloads: its availability answers read what "
            f"{subject.cluster.project}/{subject.cluster.stack} runs on its cluster"
        )
    if subject.unresolved:
        notes.append(f"unresolved StackReferences: {', '.join(subject.unresolved)}")
    return Review(
        stack=subject.name,
        scope=subject.scope,
        graphs=tuple(f"{g.project}/{g.stack}" for g in subject.graphs()),
        answers=tuple(answers),
        notes=tuple(notes),
    )
