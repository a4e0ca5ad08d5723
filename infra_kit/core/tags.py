"""Required tags and Kubernetes labels (TAG-1).

Tags reach AWS resources through the ``default_tags`` of the explicit ``aws.Provider`` every stack
builds (see :mod:`infra_kit.core.environment`). Where default tags do not reach (launch-template
tag specifications, EBS volumes created by the CSI driver, Auto Scaling groups) callers merge them
explicitly with :func:`merge_tags`.

This module never touches the Pulumi runtime.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from infra_kit.errors import ValidationError

__all__ = [
    "BACKUP_TAG",
    "COST_ALLOCATION_TAG_KEYS",
    "MAX_TAGS",
    "REQUIRED_TAG_KEYS",
    "backup_tags",
    "check_tags",
    "decode_default_tags",
    "kubernetes_labels",
    "merge_tags",
    "missing_required_tags",
    "validate_label_value",
    "validate_tag_key",
    "validate_tag_value",
]

#: Keys every taggable resource carries. ``service`` may be replaced by ``feature``.
REQUIRED_TAG_KEYS: tuple[str, ...] = (
    "environment",
    "team",
    "service",
    "cost-center",
    "managed-by",
    "stack",
    "repository",
)

#: Tag keys budgets and cost reports group costs by; each is activated as a cost-allocation tag
#: (``infra-kit cost-tags --activate``). ``environment`` filters the budget; ``team``,
#: ``service`` and ``cost-center`` split Cost Explorer reports.
COST_ALLOCATION_TAG_KEYS: tuple[str, ...] = ("environment", "team", "service", "cost-center")

#: The tag AWS Backup selects an environment's data by; its value is the environment's name.
#: Only what holds data carries it (never node root volumes or access-log buckets), so it is
#: set by :func:`backup_tags` where stateful resources are created, not by default tags.
BACKUP_TAG = "infra-kit:backup"

#: AWS allows at most 50 user tags on a resource.
MAX_TAGS = 50
_KEY_MAX, _VALUE_MAX = 128, 256
# Letters and digits in any script, the space, and the punctuation AWS accepts: _ . : / = + - @
# (a space, not any whitespace: a tab or a newline is refused).
_ALLOWED = re.compile(r"^[\w .:/=+\-@]*$", re.UNICODE)
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_LABEL_MAX = 63


def validate_tag_key(key: str) -> str | None:
    """Return why ``key`` is not a valid AWS tag key, or ``None`` when it is."""
    if not 1 <= len(key) <= _KEY_MAX:
        return f"a tag key is 1 to {_KEY_MAX} characters long (got {len(key)})"
    if key.lower().startswith("aws:"):
        return "the aws: prefix is reserved for AWS"
    if not _ALLOWED.match(key):
        return "a tag key may hold letters, digits, spaces and _ . : / = + - @ only"
    return None


def validate_tag_value(value: str) -> str | None:
    """Return why ``value`` is not a valid AWS tag value, or ``None`` when it is."""
    if len(value) > _VALUE_MAX:
        return f"a tag value is at most {_VALUE_MAX} characters long (got {len(value)})"
    if not _ALLOWED.match(value):
        return "a tag value may hold letters, digits, spaces and _ . : / = + - @ only"
    return None


def validate_label_value(value: str) -> str | None:
    """Return why ``value`` is not a valid Kubernetes label value, or ``None`` when it is."""
    if len(value) > _LABEL_MAX or not _LABEL_VALUE.match(value):
        return (
            f"a Kubernetes label value is at most {_LABEL_MAX} characters of ASCII letters, "
            "digits, - _ . and starts and ends with a letter or digit"
        )
    return None


def check_tags(tags: Mapping[str, str], *, argument: str = "tags") -> dict[str, str]:
    """Validate ``tags`` against AWS limits; return them as a plain dict or raise ValidationError."""
    if len(tags) > MAX_TAGS:
        raise ValidationError(
            argument,
            f"{len(tags)} tags",
            f"AWS allows at most {MAX_TAGS} tags on a resource",
            "drop the tags that are not needed for cost allocation or ownership",
        )
    for key, value in tags.items():
        problem = validate_tag_key(key)
        if problem:
            raise ValidationError(f"{argument}[{key!r}]", key, problem, "rename the tag key")
        if not isinstance(value, str):
            raise ValidationError(
                f"{argument}[{key!r}]", value, "tag values are strings", "quote the value"
            )
        problem = validate_tag_value(value)
        if problem:
            raise ValidationError(f"{argument}[{key!r}]", value, problem, "change the tag value")
    return dict(tags)


def missing_required_tags(tags: Mapping[str, str]) -> list[str]:
    """The required keys ``tags`` lacks; ``feature`` stands in for ``service``."""
    missing = []
    for key in REQUIRED_TAG_KEYS:
        if key == "service" and ("service" in tags or "feature" in tags):
            continue
        if not tags.get(key):
            missing.append(key)
    return missing


# prescription: DR-1 -- the one tag that puts a stateful resource in its environment's backups.
def backup_tags(environment: str) -> dict[str, str]:
    """The tag that puts a resource in the backup plan of ``environment`` (:data:`BACKUP_TAG`).

    Data buckets, databases and the volumes of the default StorageClass carry it; the
    ``Backups`` component's selection picks every resource of a supported type that does.
    """
    return check_tags({BACKUP_TAG: environment}, argument="backup_tags")


def merge_tags(*layers: Mapping[str, str] | None) -> dict[str, str]:
    """Merge tag mappings left to right (later layers win) and validate the result.

    Use it where provider default tags do not reach: launch-template tag specifications,
    Auto Scaling group tags, and the ``tagSpecification_*`` parameters of the EBS CSI driver.
    """
    merged: dict[str, str] = {}
    for layer in layers:
        if layer:
            merged.update(layer)
    return check_tags(merged)


def kubernetes_labels(
    *,
    name: str,
    environment: str,
    team: str,
    instance: str | None = None,
    component: str | None = None,
    part_of: str | None = None,
    version: str | None = None,
) -> dict[str, str]:
    """Recommended ``app.kubernetes.io/*`` labels plus environment and team labels (TAG-1).

    Raises ValidationError when a value is not a valid Kubernetes label value.
    """
    labels = {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/instance": instance or name,
        "app.kubernetes.io/managed-by": "pulumi",
        "environment": environment,
        "team": team,
    }
    if component:
        labels["app.kubernetes.io/component"] = component
    if part_of:
        labels["app.kubernetes.io/part-of"] = part_of
    if version:
        labels["app.kubernetes.io/version"] = version
    for key, value in labels.items():
        problem = validate_label_value(value)
        if problem:
            raise ValidationError(key, value, problem, "shorten or rename it")
    return labels


def decode_default_tags(raw: Any) -> dict[str, str]:
    """The tags of a provider's recorded ``defaultTags`` input (JSON text or a mapping), read
    tolerantly: anything malformed gives no tags. The engine's graph and ``infra-kit check``
    both read them here."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            return {}
    tags = raw.get("tags") if isinstance(raw, Mapping) else None
    if not isinstance(tags, Mapping):
        return {}
    return {str(k): str(v) for k, v in tags.items()}
