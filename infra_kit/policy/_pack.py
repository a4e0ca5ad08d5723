"""The resources ``pulumi preview`` hands a CrossGuard stack policy, as a graph document.

The policy pack (``policy-pack/``) runs the rules of :data:`infra_kit.policy.RULES` inside
``pulumi preview``. The engine gives a stack policy every resource of the deployment, custom and
component alike, with each resource's *outputs* as its ``props``. :func:`graph_from_stack` turns
those resources into the graph.json contract that the rules read, so no rule is written twice.

This module is duck-typed over the policy SDK's ``PolicyResource`` (``resource_type``, ``props``,
``urn``, ``name``, ``opts``, ``provider``, ``parent``, ``dependencies``) and never imports it: it
runs and is tested without the SDK. What the SDK does not say, and how it is decided here:

- Custom or component: the SDK does not say. Providers (``pulumi:providers:*``) are custom; the
  root ``pulumi:pulumi:Stack`` and infra-kit's own ``infra-kit:*`` components are components;
  any other resource is custom when the engine gave it a provider (every custom resource has
  one, a default provider at least) and a component otherwise.
- ``retain_on_delete``: the SDK's resource options do not carry it, so it is ``None`` ("not
  observed"), never ``False``.
- Unknowns: during preview a value that is not known yet is one of the engine's sentinel strings,
  behind proxies that raise on access. The proxies are unwrapped and the sentinel becomes
  ``"[unknown]"``, as in a synthesized graph.
- Secrets: a value the SDK still marks as secret, and every output named in
  ``additional_secret_outputs``, becomes ``"[secret]"`` and its path joins ``secret_paths``. The
  SDK hands stack policies other secret values in clear, unmarked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from infra_kit.core._paths import join_path
from infra_kit.policy._graph import GraphDoc

__all__ = [
    "COMPONENT_PACKAGES",
    "ROOT_TYPE",
    "SECRET",
    "UNKNOWN",
    "graph_from_stack",
    "is_custom",
    "stack_identity",
]

UNKNOWN = "[unknown]"
SECRET = "[secret]"
#: The type of the root resource of every stack; its outputs are the stack's outputs.
ROOT_TYPE = "pulumi:pulumi:Stack"
_PROVIDER_PREFIX = "pulumi:providers:"
#: Packages whose types are component resources (``infra-kit:<area>:<Name>``).
COMPONENT_PACKAGES = frozenset({"infra-kit"})

# The engine's markers for values not known during preview, one per kind of value (boolean,
# number, string, array, asset, archive, object); they are fixed by the Pulumi wire protocol.
_UNKNOWN_SENTINELS = frozenset(
    {
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
        "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
        "030794c1-ac77-496b-92df-f27374a8bd58",
        "e48ece36-62e2-4504-bad9-02848725956a",
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
    }
)
# A secret still in its wire form: {SIG_KEY: SECRET_SIG, "value": ...}.
_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_ASSET_TYPES = {"FileAsset", "StringAsset", "RemoteAsset"}
_ARCHIVE_TYPES = {"FileArchive", "AssetArchive", "RemoteArchive"}


def _unwrap(value: Any) -> Any:
    """The list or dict behind one of the SDK's proxies (which raise when an unknown is read)."""
    if isinstance(value, (dict, list, str, bytes)) or not isinstance(value, (Mapping, Sequence)):
        return value
    try:
        return value["__target"]  # pyright: ignore[reportArgumentType,reportCallIssue] -- proxy protocol
    except (KeyError, TypeError, IndexError):
        return value


def _is_secret(value: Any) -> bool:
    return type(value).__name__ == "Secret" and hasattr(value, "value")


class _Plain:
    """Turns SDK property values into plain JSON values, collecting the paths of secrets."""

    def __init__(self) -> None:
        self.secret_paths: list[str] = []

    def value(self, raw: Any, path: str) -> Any:
        v = _unwrap(raw)
        if _is_secret(v):
            self.secret_paths.append(path)
            return SECRET
        if isinstance(v, str):
            return UNKNOWN if v in _UNKNOWN_SENTINELS else v
        if isinstance(v, float):
            return int(v) if v.is_integer() else v
        if v is None or isinstance(v, (bool, int)):
            return v
        if isinstance(v, Mapping):
            items = {str(k): item for k, item in v.items()}  # pyright: ignore[reportUnknownVariableType,reportUnknownArgumentType]
            if items.get(_SIG_KEY) == _SECRET_SIG:
                self.secret_paths.append(path)
                return SECRET
            return {k: self.value(item, join_path(path, k)) for k, item in items.items()}
        if isinstance(v, Sequence) and not isinstance(v, bytes):
            return [self.value(item, join_path(path, i)) for i, item in enumerate(v)]
        kind = type(v).__name__
        if kind in _ASSET_TYPES or kind in _ARCHIVE_TYPES:
            fields = {f: getattr(v, f) for f in ("path", "text", "uri") if hasattr(v, f)}
            key = "asset" if kind in _ASSET_TYPES else "archive"
            return {key: {k: self.value(f, join_path(path, k)) for k, f in fields.items()}}
        return str(v)

    def props(self, raw: Any, secret_outputs: Iterable[str]) -> dict[str, Any]:
        plain = self.value(raw, "")
        if not isinstance(plain, dict):
            return {}
        for key in secret_outputs:
            if key in plain and plain[key] != SECRET:
                plain[key] = SECRET
                self.secret_paths.append(key)
        return plain


def is_custom(resource_type: str, has_provider: bool) -> bool:
    """Whether a resource of ``resource_type`` is a custom resource (see the module's notes)."""
    if resource_type.startswith(_PROVIDER_PREFIX):
        return True
    if resource_type == ROOT_TYPE or resource_type.split(":", maxsplit=1)[0] in COMPONENT_PACKAGES:
        return False
    return has_provider


def stack_identity(resources: Iterable[Any]) -> tuple[str, str]:
    """``(project, stack)`` read from the resources' URNs (``urn:pulumi:<stack>::<project>::…``);
    empty strings when there is no resource."""
    for resource in resources:
        parts = str(getattr(resource, "urn", "")).split("::")
        if len(parts) >= 2 and parts[0].startswith("urn:pulumi:"):
            return parts[1], parts[0].removeprefix("urn:pulumi:")
    return "", ""


def _strings(value: Any) -> list[str]:
    value = _unwrap(value)
    if isinstance(value, str) or not isinstance(value, Iterable):
        return []
    return sorted(str(v) for v in value)  # pyright: ignore[reportUnknownVariableType,reportUnknownArgumentType]


def _record(resource: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The resource's record, and its outputs when it is the root stack (else ``{}``)."""
    type_ = str(resource.resource_type)
    opts = getattr(resource, "opts", None)
    provider = getattr(resource, "provider", None)
    parent = getattr(resource, "parent", None)
    secret_outputs = _strings(getattr(opts, "additional_secret_outputs", None) or [])
    plain = _Plain()
    props = plain.props(getattr(resource, "props", None) or {}, secret_outputs)
    custom = is_custom(type_, provider is not None)
    parent_urn = getattr(parent, "urn", None) or getattr(opts, "parent", None) or None
    record = {
        "urn": str(resource.urn),
        "type": type_,
        "name": str(getattr(resource, "name", "") or str(resource.urn).rsplit("::", 1)[-1]),
        "parent": str(parent_urn) if parent_urn else None,
        "custom": custom,
        "inputs": props if custom else {},
        "outputs": props if not custom and type_ != ROOT_TYPE else {},
        "dependencies": sorted({str(d.urn) for d in getattr(resource, "dependencies", None) or []}),
        "provider": str(provider.urn) if provider is not None else None,
        "protect": bool(getattr(opts, "protect", False)),
        "retain_on_delete": None,
        "additional_secret_outputs": secret_outputs,
        "secret_paths": sorted(set(plain.secret_paths)),
        "aliases": _strings(getattr(opts, "aliases", None) or []),
        "source": [],
    }
    return record, props if type_ == ROOT_TYPE else {}


def _provider_record(provider: Any) -> dict[str, Any]:
    plain = _Plain()
    props = plain.props(getattr(provider, "props", None) or {}, ())
    return {
        "urn": str(provider.urn),
        "type": str(provider.resource_type),
        "name": str(getattr(provider, "name", "")),
        "parent": None,
        "custom": True,
        "inputs": props,
        "outputs": {},
        "dependencies": [],
        "provider": None,
        "protect": False,
        "retain_on_delete": None,
        "additional_secret_outputs": [],
        "secret_paths": sorted(set(plain.secret_paths)),
        "aliases": [],
        "source": [],
    }


def graph_from_stack(resources: Iterable[Any], *, project: str, stack: str) -> GraphDoc:
    """The graph document of the resources a stack policy receives.

    Custom resources get their props as ``inputs``; components as ``outputs``; the root stack's
    props become the graph's ``outputs``. A provider that the engine names on a resource but does
    not list (a snapshot may leave providers out) is added from the resource's provider
    information, so default tags still resolve. Resources are sorted by URN, as in graph.json.
    """
    records: dict[str, dict[str, Any]] = {}
    providers: dict[str, Any] = {}
    outputs: dict[str, Any] = {}
    for resource in resources:
        record, root_outputs = _record(resource)
        records[record["urn"]] = record
        if record["type"] == ROOT_TYPE:
            outputs = root_outputs
        provider = getattr(resource, "provider", None)
        if provider is not None and getattr(provider, "urn", None):
            providers.setdefault(str(provider.urn), provider)
    for urn, provider in providers.items():
        if urn not in records:
            records[urn] = _provider_record(provider)
    return GraphDoc(
        {
            "project": project,
            "stack": stack,
            "resources": [records[urn] for urn in sorted(records)],
            "outputs": outputs,
            "diagnostics": [],
        }
    )
