"""Question 5 of the Definition of Done: the largest cost driver and its levers, from the cost
model (:mod:`infra_kit.cost`) over the stack's graph."""

from __future__ import annotations

from typing import Any

from infra_kit.policy._graph import GraphDoc
from infra_kit.review._model import Answer, Section
from infra_kit.review._subject import Subject

__all__ = ["q5_cost"]

QUESTION = "What is the single largest cost driver, and which levers control it?"


def _estimate(graph: GraphDoc) -> Any:
    from infra_kit.cost import estimate

    return estimate(graph)


def q5_cost(subject: Subject) -> Answer:
    try:
        est = _estimate(subject.graph)
    except Exception as error:  # the model's own refusal is the answer's failure
        return Answer(Section.DONE, "DOD-5", QUESTION, "The cost model could not price the graph.",
                      missing=(f"the cost model failed on {subject.name}: {error}; run "
                               "infra-kit cost for the details",))  # fmt: skip
    total = float(est.total_monthly_usd)
    driver = est.largest_driver
    if total <= 0 or driver is None:
        return Answer(Section.DONE, "DOD-5", QUESTION, "The cost model priced nothing.",
                      missing=(f"no priced resource in {subject.name}: the price table "
                               "(infra_kit/cost) has no row for any of its types",))  # fmt: skip
    evidence = [
        f"estimated total ${total:,.2f}/month; largest driver {driver.label}: "
        f"${driver.monthly_usd:,.2f}/month ({driver.share:.0%})"
    ]
    levers = list(driver.levers) or list(est.levers)
    evidence += [f"lever: {lv.description} ({lv.monthly_delta_usd:+,.2f} $/month)" for lv in levers]
    missing = () if levers else (
        f"no lever for {driver.label}: the cost model names none; add one to its levers "
        "(infra_kit/cost)",
    )  # fmt: skip
    answer = f"{driver.label} costs the most; the levers below move it."
    return Answer(Section.DONE, "DOD-5", QUESTION, answer, tuple(evidence), missing)
