"""The recording monitor: sees every RegisterResource the program sends, through the SDK's mock API."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pulumi.runtime import MockCallArgs, MockResourceArgs, Mocks
from pulumi.runtime.mocks import MockMonitor

from infra_kit.core.engine._cloud import FakeCloud
from infra_kit.core.engine._values import decode_struct
from infra_kit.errors import SynthError

__all__ = ["OfflineMocks", "RecordingMonitor"]

_ROOT_TYPE = "pulumi:pulumi:Stack"


class OfflineMocks(Mocks):
    """Answers resource registrations and invokes from the deterministic :class:`FakeCloud`."""

    def __init__(self, cloud: FakeCloud) -> None:
        self.cloud = cloud

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        if args.custom is False:
            return "", {}
        return self.cloud.resource(args.typ, args.name, args.inputs, args.resource_id)

    def call(self, args: MockCallArgs) -> dict[Any, Any]:  # pyright: ignore[reportIncompatibleMethodOverride] -- the monitor accepts a bare dict
        return self.cloud.invoke(args.token, args.args)


def _split(urn: str) -> tuple[str, str]:
    """``(qualified type, name)`` of a URN."""
    parts = urn.split("::", 3)
    return (parts[2], parts[3]) if len(parts) == 4 else ("", urn)


class RecordingMonitor(MockMonitor):
    """A ``MockMonitor`` that records each registration in the graph contract's shape.

    The SDK's mock monitor qualifies a child's type with its parent's last type only; the Pulumi
    engine qualifies it with the parent's whole chain of types, and refuses a second registration
    of the same URN. The recorder gives every resource the engine's URN and refuses duplicates.
    """

    def __init__(
        self,
        mocks: Mocks,
        roots: tuple[Path, ...],
        *,
        project: str,
        stack: str,
        sources: Callable[[str], list[str]] = lambda urn: [],
    ) -> None:
        super().__init__(mocks)
        self.roots = roots
        self.project = project
        self.stack = stack
        self.sources = sources
        self.records: dict[str, dict[str, Any]] = {}
        self.calls = 0
        self._engine_urns: dict[str, str] = {}
        self._lock = threading.Lock()

    # -- URNs -----------------------------------------------------------------------------------
    def engine_urn(self, mock_urn: str) -> str:
        """The engine's URN of a resource the mock monitor knows as ``mock_urn``."""
        return self._engine_urns.get(mock_urn, mock_urn)

    def _qualified(self, parent_urn: str, type_: str) -> str:
        if not parent_urn:
            return type_
        parent_type = _split(parent_urn)[0]
        if parent_type == _ROOT_TYPE:
            return type_
        return f"{parent_type}${type_}"

    def _make(self, parent_engine_urn: str, type_: str, name: str) -> str:
        qualified = self._qualified(parent_engine_urn, type_)
        return f"urn:pulumi:{self.stack}::{self.project}::{qualified}::{name}"

    def _aliases(self, request: Any, urn: str, parent: str) -> list[str]:
        """The URNs the engine would accept as this resource's former identities."""
        own_type, own_name = request.type, request.name
        found: set[str] = set()
        for alias in getattr(request, "aliases", []):
            if alias.HasField("urn"):
                found.add(alias.urn)
                continue
            spec = alias.spec
            name = spec.name or own_name
            type_ = spec.type or own_type
            if spec.noParent:
                alias_parent = ""
            elif spec.parentUrn:
                alias_parent = self.engine_urn(spec.parentUrn)
            else:
                alias_parent = parent
            stack = spec.stack or self.stack
            project = spec.project or self.project
            qualified = self._qualified(alias_parent, type_)
            found.add(f"urn:pulumi:{stack}::{project}::{qualified}::{name}")
        # A child of a renamed parent is also known under each of the parent's old URNs.
        parent_record = self.records.get(parent)
        for parent_alias in (parent_record or {}).get("aliases", []):
            found.add(self._make(parent_alias, own_type, own_name))
        found.discard(urn)
        return sorted(found)

    # -- recording ------------------------------------------------------------------------------
    def _record(self, mock_urn: str, request: Any, custom: bool) -> None:
        parent = self.engine_urn(request.parent) if request.parent else ""
        urn = self._make(parent, request.type, request.name)
        inputs, secret_paths = decode_struct(
            request.object if hasattr(request, "object") else request.properties, self.roots
        )
        provider_ref = getattr(request, "provider", "")
        record = {
            "urn": urn,
            "type": request.type,
            "name": request.name,
            "parent": parent or None,
            "custom": custom,
            "inputs": inputs,
            "outputs": {},
            "output_secret_paths": [],
            "dependencies": sorted(
                {self.engine_urn(d) for d in getattr(request, "dependencies", [])}
            ),
            "provider": self.engine_urn(provider_ref.rsplit("::", 1)[0]) if provider_ref else None,
            "protect": bool(getattr(request, "protect", False)),
            "retain_on_delete": bool(getattr(request, "retainOnDelete", False)),
            "additional_secret_outputs": sorted(getattr(request, "additionalSecretOutputs", [])),
            "secret_paths": secret_paths,
            "aliases": [],
            "source": self.sources(urn),
        }
        with self._lock:
            record["aliases"] = self._aliases(request, urn, parent)
            if urn in self.records:
                raise SynthError(
                    f"duplicate URN {urn}: two resources of type {request.type} are named "
                    f"{request.name!r} under the same parent; the Pulumi engine refuses this. "
                    "Give one of them another name"
                )
            self._engine_urns[mock_urn] = urn
            self.records[urn] = record

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 -- the gRPC method name
        self.calls += 1
        response = super().RegisterResource(request)
        if request.type == _ROOT_TYPE:
            root = self._make("", request.type, request.name)
            self._engine_urns[response.urn] = root
        self._record(response.urn, request, bool(request.custom))
        return response

    def ReadResource(self, request: Any) -> Any:  # noqa: N802 -- the gRPC method name
        self.calls += 1
        response = super().ReadResource(request)
        self._record(response.urn, request, True)
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802 -- the gRPC method name
        self.calls += 1
        urn = self.engine_urn(request.urn)
        outputs, secret_paths = decode_struct(request.outputs, self.roots)
        with self._lock:
            record = self.records.get(urn)
            if record is not None and record["type"] != _ROOT_TYPE:
                record["outputs"] = outputs
                record["output_secret_paths"] = secret_paths
        return super().RegisterResourceOutputs(request)

    def Invoke(self, request: Any) -> Any:  # noqa: N802 -- the gRPC method name
        self.calls += 1
        return super().Invoke(request)
