"""The monthly cost budget (COST-1)."""

from __future__ import annotations

from pydantic import Field

from infra_kit.core.profile._base import Frozen, table

__all__ = ["BUDGET_ALERTS", "COST_ROWS", "BudgetProfile"]

#: When an environment's budget alerts: ``(percent of the limit, ACTUAL or FORECASTED)``. The
#: ``Budget`` component builds its notifications from it and ``IK-COST-1-BUDGET-ALERTS`` checks
#: every budget against it.
BUDGET_ALERTS: tuple[tuple[int, str], ...] = (
    (80, "ACTUAL"),
    (80, "FORECASTED"),
    (100, "ACTUAL"),
    (100, "FORECASTED"),
)


class BudgetProfile(Frozen):
    """Monthly cost budget (COST-1)."""

    monthly_limit_usd: int = Field(ge=1)


# fmt: off
COST_ROWS = table(
    # key                        dev   preview  stage  prod
    ("budget.monthly_limit_usd", 500,  100,     2000,  8000),
)
# fmt: on
