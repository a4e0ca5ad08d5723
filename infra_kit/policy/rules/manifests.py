"""ENV-3 rules over rendered manifests: every Kubernetes object validates strictly against the
JSON schemas of the cluster's Kubernetes version.

Schemas come from the optional ``kubernetes-validate`` package (``pip install 'infra-kit[check]'``).
Custom resources infra-kit creates (cert-manager's issuers and certificates) are validated as
strictly against their CRD's schema, vendored at the chart version the cluster pins
(:mod:`infra_kit.policy.rules._crd_schemas`); other custom resources are skipped. A value the graph redacts
(``"[secret]"``, ``"[unknown]"``) is assumed to have the type the schema wants there: it stands for
a value the engine will fill in, so only the rest of the object is judged.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

from infra_kit.policy._graph import GraphDoc
from infra_kit.policy._registry import Hit, Severity, rule
from infra_kit.policy.rules._crd_schemas import CrdValidator
from infra_kit.policy.rules._values import as_dict, is_redacted

__all__ = ["INSTALL_COMMAND", "schema_errors"]

INSTALL_COMMAND = "pip install 'infra-kit[check]'"
_STACK_TYPE = "pulumi:pulumi:Stack"
_VERSION = re.compile(r"^v?(\d+)\.(\d+)(?:\.\d+)?$")
_STAND_INS: dict[str, Any] = {
    "integer": 1,
    "number": 1,
    "boolean": False,
    "object": {},
    "array": [],
    "string": "",
}


class _UnjudgeableError(Exception):
    """The object's only errors concern redacted values: it cannot be judged."""


def _set(obj: Any, path: list[Any], value: Any) -> None:
    node = obj
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def _count_redacted(value: Any) -> int:
    if isinstance(value, dict):
        return sum(_count_redacted(v) for v in value.values())
    if isinstance(value, list):
        return sum(_count_redacted(v) for v in value)
    return 1 if is_redacted(value) else 0


def _stand_in(error: Any) -> Any:
    """A value of the type the schema asked for where a redacted value failed it."""
    if error.validator == "enum" and error.validator_value:
        return error.validator_value[0]
    if error.validator == "type":
        wanted = error.validator_value
        names = [wanted] if isinstance(wanted, str) else [w for w in wanted if w != "null"]
        if names and names[0] in _STAND_INS:
            return copy.deepcopy(_STAND_INS[names[0]])
    raise _UnjudgeableError


def schema_errors(validator: Any, obj: dict[str, Any], version: str) -> str | None:
    """The first strict schema error of ``obj`` (``"<message> at <path>"``), or ``None``.

    ``validator`` is the ``kubernetes_validate`` module or a validator that behaves like it
    (:class:`~infra_kit.policy.rules._k8s_schemas.KubernetesSchemas`). Raises its ``SchemaNotFoundError`` for
    a kind it has no schema of, ``VersionNotSupportedError`` for a version it does not know,
    and :class:`_UnjudgeableError` when only redacted values fail.
    """
    redacted = _count_redacted(obj)
    # Stand-ins are written into a copy; an object with nothing redacted is validated as it is.
    candidate = copy.deepcopy(obj) if redacted else obj
    stood_in: list[list[Any]] = []
    for _ in range(redacted + 1):
        try:
            validator.validate(candidate, version, strict=True)
            return None
        except validator.ValidationError as error:
            path = list(error.path)
            if any(path[: len(done)] == done for done in stood_in):
                raise _UnjudgeableError from error
            if not is_redacted(error.instance):
                where = ".".join(str(p) for p in path) or "(top level)"
                return f"{error.message} at {where}"
            _set(candidate, path, _stand_in(error))
            stood_in.append(path)
    raise _UnjudgeableError


def _anchor(graph: GraphDoc, fallback: str) -> str:
    stacks = graph.of_type(_STACK_TYPE)
    return str(stacks[0]["urn"]) if stacks else fallback


@rule(
    id="IK-ENV-3-MANIFEST-SCHEMA",
    prescription="ENV-3",
    severity=Severity.ERROR,
    title="A Kubernetes manifest does not validate against the cluster's API schemas",
    rationale="""A misspelt or misplaced field is dropped or refused by the API server only when
    the change is applied, halfway through a deployment, or silently ignored, so a security
    context or probe never takes effect. Strict validation against the cluster version's
    schemas catches it before anything is created.""",
    fix=f"""Correct the field the message names (the provider's typed *Args catch most of these
    in the editor). To run this check, install the schemas: {INSTALL_COMMAND}.""",
)
def manifest_schema(graph: GraphDoc) -> Iterator[Hit]:
    objects = graph.kubernetes
    if not objects:
        return
    anchor = _anchor(graph, str(objects[0][0]["urn"]))
    try:
        import kubernetes_validate
        from kubernetes_validate.utils import VersionNotSupportedError

        from infra_kit.policy.rules._k8s_schemas import KubernetesSchemas
    except ImportError:
        yield Hit(
            anchor,
            f"{len(objects)} Kubernetes manifest(s) were not validated: the kubernetes-validate "
            f"package is not installed; install it with: {INSTALL_COMMAND}",
        )
        return
    raw = graph.environment.kubernetes_version
    match = _VERSION.match(raw)
    if match is None:
        yield Hit(
            anchor,
            f"Kubernetes manifests were not validated: cluster.kubernetes_version {raw!r} is not "
            "a version like '1.34'",
        )
        return
    version = f"{match[1]}.{match[2]}.0"
    custom = CrdValidator()
    builtin = KubernetesSchemas()
    for record, obj in objects:
        meta = as_dict(obj.get("metadata"))
        label = f"{obj.get('kind')} {meta.get('namespace') or '-'}/{meta.get('name')}"
        try:
            if custom.knows(obj):  # a custom resource: its schema is its CRD's
                error = schema_errors(custom, obj, version)
            else:
                error = schema_errors(builtin, obj, version)
        except kubernetes_validate.SchemaNotFoundError:
            continue  # a custom resource of a CRD infra-kit does not vendor
        except VersionNotSupportedError:
            yield Hit(
                anchor,
                f"Kubernetes manifests were not validated: kubernetes-validate "
                f"{kubernetes_validate.__version__} has no schemas for Kubernetes "
                f"{match[1]}.{match[2]}; upgrade it: pip install -U 'infra-kit[check]'",
            )
            return
        except _UnjudgeableError:
            continue
        except Exception:  # an unreadable object is skipped, never a crash
            continue
        if error:
            yield Hit(
                str(record["urn"]),
                f"{label} does not validate against Kubernetes {match[1]}.{match[2]}: {error}",
            )
