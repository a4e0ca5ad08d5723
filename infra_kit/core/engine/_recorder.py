"""The recording monitor: sees every RegisterResource the program sends, through the SDK's mock API."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from pulumi.runtime import MockCallArgs, MockResourceArgs, Mocks
from pulumi.runtime.mocks import MockMonitor

from infra_kit.core.engine._cloud import FakeCloud
from infra_kit.core.engine._values import decode_struct, engine_urn

__all__ = ["OfflineMocks", "RecordingMonitor"]


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


def _provider_urn(ref: str) -> str | None:
    return engine_urn(ref.rsplit("::", 1)[0]) if ref else None


class RecordingMonitor(MockMonitor):
    """A ``MockMonitor`` that records each registration in the graph contract's shape."""

    def __init__(self, mocks: Mocks, roots: tuple[Path, ...]) -> None:
        super().__init__(mocks)
        self.roots = roots
        self.records: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def _record(self, urn: str, request: Any, custom: bool) -> None:
        inputs, secret_paths = decode_struct(
            request.object if hasattr(request, "object") else request.properties, self.roots
        )
        record = {
            "urn": engine_urn(urn),
            "type": request.type,
            "name": request.name,
            "parent": engine_urn(request.parent) if request.parent else None,
            "custom": custom,
            "inputs": inputs,
            "dependencies": sorted({engine_urn(d) for d in getattr(request, "dependencies", [])}),
            "provider": _provider_urn(request.provider),
            "protect": bool(getattr(request, "protect", False)),
            "retain_on_delete": bool(getattr(request, "retainOnDelete", False)),
            "additional_secret_outputs": sorted(getattr(request, "additionalSecretOutputs", [])),
            "secret_paths": secret_paths,
        }
        with self._lock:
            self.records[urn] = record

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 -- the gRPC method name
        response = super().RegisterResource(request)
        self._record(response.urn, request, bool(request.custom))
        return response

    def ReadResource(self, request: Any) -> Any:  # noqa: N802 -- the gRPC method name
        response = super().ReadResource(request)
        self._record(response.urn, request, True)
        return response
