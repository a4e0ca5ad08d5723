"""The values of the required tags only the stack's owner can know (TAG-1), validated for every
place they land: AWS tags everywhere, and the ``team`` Kubernetes label."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from infra_kit.core.profile._base import Frozen
from infra_kit.core.tags import validate_label_value, validate_tag_value

__all__ = ["TagValues"]


class TagValues(Frozen):
    """Values of the required tags that only the stack's owner can know (TAG-1).

    ``environment``, ``managed-by`` and ``stack`` are filled in by infra-kit itself.
    Exactly one of ``service`` (a long-lived service) or ``feature`` (a preview environment's
    feature) must be set.
    """

    team: str
    cost_center: str
    repository: str
    service: str | None = None
    feature: str | None = None
    extra: dict[str, str] = Field(default_factory=dict)

    @field_validator("team", "cost_center", "repository", "service", "feature")
    @classmethod
    def _valid_value(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if not value.strip():
            raise PydanticCustomError("tag_empty", "must not be empty")
        problem = validate_tag_value(value)
        if problem:
            raise PydanticCustomError("tag_value", "{problem}", {"problem": problem})
        return value

    @field_validator("team")
    @classmethod
    def _valid_label(cls, value: str) -> str:
        # Where each value lands beyond AWS tags: the team is also the `team` label of every
        # Kubernetes object the environment creates, so it must be a valid label value too.
        problem = validate_label_value(value)
        if problem:
            raise PydanticCustomError(
                "label_value",
                "it is also the Kubernetes label 'team' of every workload, and {problem}",
                {"problem": problem},
            )
        return value

    @model_validator(mode="after")
    def _service_or_feature(self) -> TagValues:
        if (self.service is None) == (self.feature is None):
            raise PydanticCustomError(
                "service_or_feature",
                "tags.service / tags.feature: set exactly one of them "
                "(service for a long-lived stack, feature for a preview environment)",
            )
        return self
