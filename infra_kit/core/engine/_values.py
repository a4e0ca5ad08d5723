"""Turning the wire form of Pulumi properties into plain, deterministic JSON values.

The SDK sends inputs as a protobuf ``Struct`` in which secrets, assets, archives, resource
references and unknowns are maps tagged with a signature key. This module walks that form once,
returns plain values and the paths of every secret, and never lets a secret through in clear.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi.runtime import rpc

from infra_kit.core._paths import join_path, parse_path

__all__ = ["REDACTED", "UNKNOWN", "decode_struct", "engine_urn", "redact", "to_plain"]

REDACTED = "[secret]"
UNKNOWN = "[unknown]"

_SIG = rpc._special_sig_key  # pyright: ignore[reportPrivateUsage] -- wire-format constant
_SECRET = rpc._special_secret_sig  # pyright: ignore[reportPrivateUsage]
_ASSET = rpc._special_asset_sig  # pyright: ignore[reportPrivateUsage]
_ARCHIVE = rpc._special_archive_sig  # pyright: ignore[reportPrivateUsage]
_RESOURCE = rpc._special_resource_sig  # pyright: ignore[reportPrivateUsage]
_OUTPUT = rpc._special_output_value_sig  # pyright: ignore[reportPrivateUsage]


_STACK_QUALIFIER = "::pulumi:pulumi:Stack$"


def engine_urn(urn: str) -> str:
    """The URN the Pulumi engine gives a resource.

    The SDK's mock monitor qualifies the type of a top-level resource with the root stack's type
    (``pulumi:pulumi:Stack$aws:kms/key:Key``); the engine does not, and aliases must match the
    engine's form.
    """
    return urn.replace(_STACK_QUALIFIER, "::", 1)


class _Decoder:
    def __init__(self, roots: tuple[Path, ...]) -> None:
        self.roots = roots
        self.secret_paths: list[str] = []

    def value(self, v: Any, path: str) -> Any:
        if isinstance(v, float):
            return int(v) if v.is_integer() else v
        if isinstance(v, str):
            return UNKNOWN if v == rpc.UNKNOWN else v
        if isinstance(v, list):
            return [self.value(item, join_path(path, i)) for i, item in enumerate(v)]
        if isinstance(v, dict):
            sig = v.get(_SIG)
            if sig == _SECRET:
                self.secret_paths.append(path)
                return self.value(v.get("value"), path)
            if sig == _OUTPUT:
                if v.get("secret"):
                    self.secret_paths.append(path)
                return self.value(v["value"], path) if "value" in v else UNKNOWN
            if sig == _RESOURCE:
                return engine_urn(str(v.get("urn", "")))
            if sig == _ASSET:
                return self.asset(v)
            if sig == _ARCHIVE:
                return self.archive(v, path)
            return {k: self.value(item, join_path(path, k)) for k, item in sorted(v.items())}
        return v

    def _relative(self, raw: str) -> str:
        p = Path(raw).resolve()
        for root in self.roots:
            try:
                return p.relative_to(root).as_posix()
            except ValueError:
                continue
        return p.name

    def _digest(self, raw: str) -> str:
        p = Path(raw)
        h = hashlib.sha256()
        files = sorted(q for q in p.rglob("*") if q.is_file()) if p.is_dir() else [p]
        for f in files:
            if "__pycache__" in f.parts:
                continue
            h.update(f.relative_to(p).as_posix().encode() if p.is_dir() else b"")
            h.update(f.read_bytes() if f.exists() else b"<missing>")
        return "sha256:" + h.hexdigest()

    def asset(self, v: dict[str, Any]) -> dict[str, Any]:
        if "path" in v:
            return {"asset": {"path": self._relative(v["path"]), "digest": self._digest(v["path"])}}
        if "text" in v:
            digest = hashlib.sha256(str(v["text"]).encode()).hexdigest()
            return {"asset": {"text": v["text"], "digest": "sha256:" + digest}}
        return {"asset": {"uri": v.get("uri", "")}}

    def archive(self, v: dict[str, Any], path: str) -> dict[str, Any]:
        if "path" in v:
            return {
                "archive": {"path": self._relative(v["path"]), "digest": self._digest(v["path"])}
            }
        if "assets" in v:
            return {
                "archive": {
                    "assets": {
                        k: self.value(item, join_path(path, k))
                        for k, item in sorted(v["assets"].items())
                    }
                }
            }
        return {"archive": {"uri": v.get("uri", "")}}


def to_plain(struct: struct_pb2.Struct | dict[str, Any]) -> dict[str, Any]:
    """The wire form as JSON-shaped Python values (numbers still floats, signatures intact)."""
    if isinstance(struct, dict):
        return struct
    return json_format.MessageToDict(struct)


def decode_struct(
    struct: struct_pb2.Struct | dict[str, Any], roots: tuple[Path, ...] = ()
) -> tuple[dict[str, Any], list[str]]:
    """Decode ``struct`` into plain values; return them with the sorted paths of every secret.

    File paths of assets and archives are written relative to the first of ``roots`` that holds
    them, with a content digest, so the result does not depend on where the repository lives.
    """
    decoder = _Decoder(roots)
    plain = decoder.value(to_plain(struct), "")
    return plain, sorted(set(decoder.secret_paths))


def redact(value: Any, secret_paths: list[str]) -> Any:
    """A copy of ``value`` with the value at every secret path replaced by ``"[secret]"``."""
    if "" in secret_paths:
        return REDACTED
    out = _copy(value)
    for path in secret_paths:
        parts = parse_path(path)
        node = out
        for part in parts[:-1]:
            node = node[part]
        node[parts[-1]] = REDACTED
    return out


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
