"""How a web service's new version reaches its users: canary steps and their analysis (DEP-1,
DEP-2, K8S-4).

``rollouts.enable_canary`` decides whether an environment runs canaries at all: a program passes
``canary=Canary()`` to :class:`~infra_kit.k8s.WebService` in every environment, and where the
profile says no (dev and previews, whose traffic is too thin for an analysis to judge) the
service keeps its surge-only rolling Deployment. The other keys are the defaults of
:class:`~infra_kit.k8s.Canary`; :mod:`infra_kit.k8s._canary` judges them together with a
service's own values (steps in order, an analysis that can fail the canary before it is
promoted).
"""

from __future__ import annotations

from pydantic import Field

from infra_kit.core.profile._base import Frozen, same, table

__all__ = ["ROLLOUT_ROWS", "CanaryStep", "RolloutProfile"]


class CanaryStep(Frozen):
    """One canary step: scale the new version to ``weight_percent`` of the pods, then wait."""

    weight_percent: int = Field(ge=1, le=99)
    pause_seconds: int = Field(ge=60, le=86_400)


class RolloutProfile(Frozen):
    """Canary defaults (DEP-1, DEP-2).

    ``steps``: the canary's weights and the pause after each. ``analysis_interval_seconds``:
    how often the analysis measures; ``analysis_lookback_seconds``: how far back each
    measurement reads the load balancer's one-minute metrics (ALB metrics reach CloudWatch a
    minute or two late, so a window of one interval would often be empty).
    Each measurement is one data point over the whole lookback, so a burst of a minute is diluted
    over it. ``failure_limit``: failed measurements tolerated; one more aborts the rollout.
    ``max_error_rate_percent``: the 5xx share of requests a measurement may see. The latency
    threshold is the service's SLO (``slo.latency_threshold_ms`` at
    ``slo.latency_target_percent``), not a key of its own.
    """

    enable_canary: bool
    steps: tuple[CanaryStep, ...] = Field(min_length=1, max_length=10)
    analysis_interval_seconds: int = Field(ge=30, le=600)
    analysis_lookback_seconds: int = Field(ge=120, le=3600)
    failure_limit: int = Field(ge=0, le=10)
    max_error_rate_percent: float = Field(gt=0, lt=100)


# fmt: off
ROLLOUT_ROWS = table(
    # key                                     dev    preview  stage  prod
    # DEP-1: dev and previews carry too little traffic for an analysis to judge; they keep the
    # surge-only rolling Deployment, and a canary there would only slow every change down.
    ("rollouts.enable_canary",                False, False,   True,  True),
    # 10%, 25% and 50% of the pods, five minutes each: about 15 minutes to full promotion.
    ("rollouts.steps",                        *same((
        {"weight_percent": 10, "pause_seconds": 300},
        {"weight_percent": 25, "pause_seconds": 300},
        {"weight_percent": 50, "pause_seconds": 300},
    ))),
    ("rollouts.analysis_interval_seconds",    *same(60)),
    ("rollouts.analysis_lookback_seconds",    *same(300)),
    # The third failed measurement aborts; a single bad minute, averaged over five, rarely fails one.
    ("rollouts.failure_limit",                *same(2)),
    ("rollouts.max_error_rate_percent",       *same(1.0)),
)
# fmt: on
