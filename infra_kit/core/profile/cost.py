"""The monthly cost budget (COST-1)."""

from __future__ import annotations

from pydantic import Field

from infra_kit.core.profile._base import Frozen, table

__all__ = ["COST_ROWS", "BudgetProfile"]


class BudgetProfile(Frozen):
    """Monthly cost budget (COST-1)."""

    monthly_limit_usd: int = Field(ge=1)


# fmt: off
COST_ROWS = table(
    # key                        dev   preview  stage  prod
    ("budget.monthly_limit_usd", 500,  100,     2000,  8000),
)
# fmt: on
