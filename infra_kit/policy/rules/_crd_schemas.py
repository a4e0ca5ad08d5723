"""Strict validation of custom resources against their CRD's schema (pure, no Pulumi runtime).

``infra_kit/policy/data/crd-schemas.json.gz`` holds the ``openAPIV3Schema`` of each custom kind
infra-kit creates (cert-manager's, Argo Rollouts'), from the CRDs of the version the cluster
pins (written by ``scripts/refresh_crd_schemas.py``; the file names each chart's source and the
date it was read).

The API server prunes fields a structural schema does not declare, so a misspelt field of a
``Certificate`` is dropped without a word. Validation is therefore strict, as kubernetes-validate
is for built-in kinds: every object schema that declares ``properties`` and does not preserve
unknown fields gets ``additionalProperties: false``. The Kubernetes extensions
(``x-kubernetes-*``) and ``nullable`` are not JSON Schema keywords and are ignored.

:class:`CrdValidator` has the ``validate``/``ValidationError`` shape of the kubernetes_validate
module, so :func:`infra_kit.policy.rules.manifests.schema_errors` treats both alike. It needs
``jsonschema``, which kubernetes-validate brings (``pip install 'infra-kit[check]'``).
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["CRD_SCHEMAS", "CrdValidator", "crd_schema", "crd_source"]

CRD_SCHEMAS = Path(__file__).resolve().parent.parent / "data" / "crd-schemas.json.gz"


@cache
def _document() -> dict[str, Any]:
    return json.loads(gzip.decompress(CRD_SCHEMAS.read_bytes()))


def _strict(schema: Any) -> Any:
    """``schema`` with ``additionalProperties: false`` wherever properties are closed."""
    if isinstance(schema, list):
        return [_strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _strict(v) for k, v in schema.items()}
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


@cache
def crd_schema(api_version: str, kind: str) -> dict[str, Any] | None:
    """The strict schema of ``kind`` in ``api_version`` (``cert-manager.io/v1``), or ``None``."""
    schema = _document()["schemas"].get(f"{api_version}/{kind}")
    return _strict(schema) if schema is not None else None


def crd_source() -> str:
    """Where the schemas come from and when they were read, chart by chart."""
    sources = _document()["sources"]
    return "; ".join(
        f"{entry['source']}, read {entry['read']}" for _, entry in sorted(sources.items())
    )


class CrdValidator:
    """Validates a custom resource against its CRD schema, like ``kubernetes_validate``."""

    def __init__(self) -> None:
        import jsonschema

        self.ValidationError = jsonschema.ValidationError
        self._jsonschema = jsonschema
        from jsonschema.exceptions import best_match

        self._best_match = best_match
        # One compiled validator per kind.
        self._validators: dict[tuple[str, str], Any] = {}

    @staticmethod
    def knows(obj: dict[str, Any]) -> bool:
        return crd_schema(str(obj.get("apiVersion")), str(obj.get("kind"))) is not None

    def validate(self, obj: dict[str, Any], _version: str, *, strict: bool = True) -> None:
        """Raise ``ValidationError`` (the most relevant one) if ``obj`` fails its schema."""
        del strict  # always strict: the schemas are made strict when loaded
        schema = crd_schema(str(obj.get("apiVersion")), str(obj.get("kind")))
        if schema is None:
            raise KeyError(f"no CRD schema for {obj.get('apiVersion')} {obj.get('kind')}")
        key = (str(obj.get("apiVersion")), str(obj.get("kind")))
        validator = self._validators.get(key)
        if validator is None:
            # The vendored schemas are checked against the metaschema by the tests, not here.
            validator = self._validators[key] = self._jsonschema.Draft7Validator(schema)
        error = self._best_match(validator.iter_errors(obj))
        if error is not None:
            raise error
