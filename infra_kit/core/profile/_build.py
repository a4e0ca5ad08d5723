"""Building a profile from a stack file: merge over the built-in values, validate, and say
every problem at once with its key, value and fix (ENV-3)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from infra_kit.core.profile._model import (
    MODEL_LEVEL_ERRORS,
    PROBLEM_SEPARATOR,
    EnvironmentProfile,
)
from infra_kit.core.profile.builtin import BUILTIN_PROFILES
from infra_kit.errors import ConfigError

__all__ = [
    "PREVIEW_STACK_PREFIX",
    "bound_profile_name",
    "build_profile",
    "default_profile_name",
]


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``override`` into a copy of ``base``: mappings merge, everything else replaces."""
    out = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _loc(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc)


def _describe(error: Mapping[str, Any], overrides: Mapping[str, Any]) -> list[str]:
    key = _loc(tuple(error["loc"]))
    kind = error["type"]
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind == "extra_forbidden":
        parent = tuple(error["loc"][:-1])
        known = _known_keys(parent)
        return [f"{key}: unknown key. Fix: remove it or use one of: {', '.join(known)}"]
    if kind == "missing":
        return [f"{key}: required but not set. Fix: add {key} to the stack file"]
    if kind in {"environment_rules", "backup"}:
        return message.split(PROBLEM_SEPARATOR)
    if kind in {"service_or_feature", "headroom", "zones"}:
        return [message]
    value = error.get("input")
    if isinstance(value, Mapping):
        return [f"{key}: {message}"]
    if kind == "string_type" and isinstance(value, (bool, int, float)):
        return [
            f"{key}={value!r}: YAML read this value as a {type(value).__name__}, not text "
            f"(yes, no, on, off and numbers are read that way). Fix: quote it in the stack "
            f'file, e.g. {error["loc"][-1]}: "{value}"'
        ]
    shown = key or "environment"
    return [f"{shown}={value!r}: {message}. Fix: correct {shown} in the stack file"]


_STAND_IN_TAG_VALUE = "stand-in"


def _with_builtin_values(
    merged: Mapping[str, Any], builtin: Mapping[str, Any], errors: list[Any]
) -> dict[str, Any] | None:
    """``merged`` with each value a field error names replaced by the built-in profile's, so the
    environment's own rules can still judge everything else; ``None`` if one cannot be."""
    repaired = copy.deepcopy(dict(merged))
    for error in errors:
        loc = tuple(error["loc"])
        if not loc or error["type"] in {"environment_rules", "extra_forbidden"}:
            if error["type"] == "extra_forbidden" and loc:
                parent: Any = repaired
                for part in loc[:-1]:
                    parent = parent.get(part, {}) if isinstance(parent, dict) else {}
                if isinstance(parent, dict):
                    parent.pop(loc[-1], None)
            continue
        source: Any = builtin
        target: Any = repaired
        for part in loc[:-1]:
            source = source.get(part) if isinstance(source, Mapping) else None
            target = target.get(part) if isinstance(target, dict) else None
        if isinstance(target, dict) and loc[0] == "tags" and len(loc) == 2:
            # Built-in profiles hold no tag values; any valid one lets the rules run.
            target[loc[-1]] = _STAND_IN_TAG_VALUE
            continue
        if not isinstance(target, dict) or not isinstance(source, Mapping) or loc[-1] not in source:
            return None
        target[loc[-1]] = copy.deepcopy(source[loc[-1]])
    return repaired


def _known_keys(loc: tuple[int | str, ...]) -> list[str]:
    model: type[BaseModel] = EnvironmentProfile
    for part in loc:
        field = model.model_fields.get(str(part))
        annotation = field.annotation if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return sorted(model.model_fields)


#: Stacks named after a long-lived environment use its profile unless their file names another.
_STACKS_NAMED_AFTER_THEIR_PROFILE = frozenset({"dev", "stage", "prod"})


#: Preview stacks, one per pull request, are named ``pr-<number>`` and are always previews.
PREVIEW_STACK_PREFIX = "pr-"


def default_profile_name(stack: str) -> str | None:
    """The profile a stack uses when its file sets no ``name``: ``dev``, ``stage`` and ``prod``
    stacks use theirs, ``pr-*`` stacks the preview profile; any other stack must say ``name``."""
    return bound_profile_name(stack)


def bound_profile_name(stack: str) -> str | None:
    """The only profile a stack may use, or ``None`` when its name binds none (ENV-3).

    A stack named ``prod`` is prod, whatever its file says: one line of config must never turn
    prod into something with weaker protections.
    """
    if stack in _STACKS_NAMED_AFTER_THEIR_PROFILE:
        return stack
    if stack.startswith(PREVIEW_STACK_PREFIX):
        return "preview"
    return None


def _zone_region_problems(merged: Mapping[str, Any], region: str | None) -> list[str]:
    """Pinned AZs outside ``region`` would fail only once the first subnet is created (ENV-3)."""
    network = merged.get("network")
    zones = network.get("availability_zones") if isinstance(network, Mapping) else None
    if region is None or not isinstance(zones, (list, tuple)):
        return []
    wrong = [
        z
        for z in zones
        if not (isinstance(z, str) and z.startswith(region) and len(z) == len(region) + 1)
        or not str(z)[-1:].isalpha()
    ]
    if not wrong:
        return []
    return [
        f"network.availability_zones={list(zones)}: {', '.join(map(str, wrong))} "
        f"{'is' if len(wrong) == 1 else 'are'} not an AZ of aws:region={region}. Fix: name AZs "
        f"of {region}, e.g. {region}a, {region}b, {region}c, or change aws:region"
    ]


def build_profile(
    overrides: Mapping[str, Any],
    *,
    default_name: str | None = None,
    source: str = "config",
    stack: str | None = None,
    region: str | None = None,
) -> EnvironmentProfile:
    """Merge stack-file ``overrides`` over the built-in profile of their ``name`` and validate.

    ``name`` comes from ``overrides["name"]`` or else ``default_name`` (the stack's name). Where
    ``stack`` binds a profile (:func:`bound_profile_name`), any other ``name`` is refused.
    ``region``, when given, is the stack's ``aws:region``: pinned AZs must be in it.
    ``source`` names the stack file in error messages. Raises :class:`ConfigError` listing every
    offending key, with its value and the fix.
    """
    if not isinstance(overrides, Mapping):
        raise ConfigError(source, [f"environment: expected a mapping, got {overrides!r}"])
    name = overrides.get("name", default_name)
    bound = bound_profile_name(stack) if stack is not None else None
    # prescription: ENV-3 -- a stack's name binds its environment.
    if bound is not None and name != bound:
        raise ConfigError(
            source,
            [
                f"name={name!r}: the stack {stack!r} is the {bound} environment and cannot use "
                f"the {name} profile (ENV-3). Fix: remove name from the stack file, or give this "
                f"configuration a stack of its own"
            ],
        )
    if name not in BUILTIN_PROFILES:
        raise ConfigError(
            source,
            [
                f"name={name!r}: not an environment infra-kit knows. Fix: set name to one of "
                f"{', '.join(sorted(BUILTIN_PROFILES))} (a preview stack sets name: preview)"
            ],
        )
    builtin = BUILTIN_PROFILES[str(name)]
    merged = _merge(builtin, overrides)
    region_problems = _zone_region_problems(merged, region)
    try:
        profile = EnvironmentProfile.model_validate(merged)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
    else:
        if region_problems:
            raise ConfigError(source, region_problems)
        return profile
    problems = [line for err in errors for line in _describe(err, overrides)]
    problems += region_problems
    # Field errors stop pydantic before the environment's own rules run; judge those rules too,
    # on the config with the faulty values set aside, so every problem is reported at once.
    # Only field errors are set aside: a model-level error (AZs that do not match the count)
    # says nothing about which value to trust, so the rules are then left to the next run.
    leaf_only = all(
        len(err["loc"]) >= 2 and err["type"] not in MODEL_LEVEL_ERRORS for err in errors
    )
    repaired = _with_builtin_values(merged, builtin, errors) if leaf_only else None
    if repaired is not None:
        try:
            EnvironmentProfile.model_validate(repaired)
        except ValidationError as again:
            for err in again.errors(include_url=False):
                if err["type"] == "environment_rules":
                    problems += _describe(err, overrides)
    raise ConfigError(source, list(dict.fromkeys(problems)))


def first_availability_zones(region: str, count: int) -> list[str]:
    """The region's first ``count`` AZ names (``us-east-1a``, ``us-east-1b``...): what a stack
    file that protects state pins when nothing else says which AZs, and what offline runs use."""
    return [f"{region}{letter}" for letter in "abcdef"[:count]]
