"""Strict Kubernetes schema validation with each schema read and compiled once per process.

``kubernetes_validate.validate`` reads and parses two JSON files (the kind's schema and the
shared definitions, a few megabytes) for every object it validates; at a few hundred services
that was half of a synth. :class:`KubernetesSchemas` resolves the same files the same way and
keeps one compiled validator per kind, API version and Kubernetes version. It raises the
package's own exceptions, so callers handle it exactly like the module.
"""

from __future__ import annotations

import re
from typing import Any

import jsonschema
import kubernetes_validate
from jsonschema import Draft202012Validator
from kubernetes_validate import utils
from referencing import Registry, Resource

__all__ = ["KubernetesSchemas"]

_API_GROUP = re.compile(r"^([^./]*)(?:\.[^/]*)?/")


class KubernetesSchemas:
    """Validates like ``kubernetes_validate.validate``; one instance keeps its schemas."""

    ValidationError = jsonschema.ValidationError
    SchemaNotFoundError = kubernetes_validate.SchemaNotFoundError

    def __init__(self) -> None:
        self._validators: dict[tuple[str, str, str, bool], Any] = {}
        self._documents: dict[str, Any] = {}

    def _contents(self, filename: str, version: str) -> Any:
        if filename not in self._documents:
            self._documents[filename] = utils.schema_contents(filename, version)
        return self._documents[filename]

    def _validator(self, kind: str, api_version: str, desired: str, strict: bool) -> Any:
        if utils.major_minor(desired) > utils.latest_version():
            raise utils.VersionNotSupportedError(version=utils.major_minor(desired))
        version = [
            v for v in utils.all_versions() if utils.major_minor(v) <= utils.major_minor(desired)
        ][-1]
        key = (kind, api_version, version, strict)
        if key not in self._validators:
            folder = f"v{version}-local" + ("-strict" if strict else "")
            group = _API_GROUP.sub(r"\1-", api_version)
            try:
                schema = self._contents(
                    f"kubernetes-json-schema/{folder}/{kind.lower()}-{group}.json", desired
                )
            except FileNotFoundError:
                raise kubernetes_validate.SchemaNotFoundError(
                    version=utils.major_minor(desired), kind=kind, api_version=api_version
                ) from None
            definitions = self._contents(
                f"kubernetes-json-schema/{folder}/_definitions.json", desired
            )
            registry: Registry[Any] = Resource.from_contents(definitions) @ (
                Resource.from_contents(schema) @ Registry()
            )
            self._validators[key] = Draft202012Validator(schema, registry=registry)
        return self._validators[key]

    def validate(self, data: dict[str, Any], version: str, strict: bool = False) -> None:
        """Raise ``ValidationError`` (jsonschema's) for the first error of ``data``."""
        desired = version[1:] if version.startswith("v") else version
        self._validator(str(data["kind"]), str(data["apiVersion"]), desired, strict).validate(data)
