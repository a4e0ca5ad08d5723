"""What the engine notices about a program while it runs, recorded as graph diagnostics.

``secret-config-read-in-clear``: a ``secure:`` config value read with a plain getter.
``secret-in-clear``: a secure value's placeholder reached an input or output not marked secret.
``unimitated-output``: an output the engine had to invent reached an input or output.
``stand-in-stack-reference``: a StackReference was answered by a stand-in, not by a project.
Each is also a warning line for ``infra-kit synth``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from infra_kit.core._paths import join_path
from infra_kit.core.engine._project import SECRET_PLACEHOLDER
from infra_kit.core.engine._schema import Placeholders

__all__ = ["Diagnostics"]


class Diagnostics:
    """The diagnostics of one run, and the warnings they print."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.warnings: list[str] = []
        self._seen: set[tuple[str, ...]] = set()

    def _add(self, identity: tuple[str, ...], item: dict[str, Any]) -> None:
        if identity in self._seen:
            return
        self._seen.add(identity)
        self.items.append(item)
        self.warnings.append(f"warning: {item['message']}")

    def clear_read(self, key: str, getter: str, site: str) -> None:
        """A ``secure:`` ``key`` was read at ``site`` with a plain getter; ``getter`` is the
        secret getter that should have been used."""
        name = key.split(":", 1)[-1]
        message = (
            f"config {key!r} is a secure: value but {site} reads it with a plain getter, so it "
            f"reaches inputs and outputs in clear (and into state in a real run). Fix: read it "
            f"with config.{getter}({name!r})"
            + (f" or config.require_secret({name!r})" if getter == "get_secret" else "")
        )
        self._add(
            ("read", key, site),
            {"code": "secret-config-read-in-clear", "key": key, "source": site,
             "message": message},
        )  # fmt: skip

    def stand_in(self, name: str, project: str, stand_in: str, root: object) -> None:
        """The StackReference ``name`` was answered by a stand-in (of class ``stand_in``) rather
        than by synthesizing ``project``, which ``root`` does not hold or the caller replaced."""
        message = (
            f"StackReference {name!r} was answered by the {stand_in} stand-in, not by the "
            f"{project!r} project (not in {root}, or replaced by the caller): its outputs are "
            "placeholders of the right type, so this graph shows the program's shape, with no "
            "real ids"
        )
        self._add(
            ("stand-in", name),
            {"code": "stand-in-stack-reference", "reference": name, "project": project,
             "stand_in": stand_in, "message": message},
        )  # fmt: skip

    def scan(
        self,
        records: Iterable[dict[str, Any]],
        outputs: dict[str, Any],
        output_secret_paths: list[str],
        *,
        secret_keys: Iterable[str],
        placeholders: Placeholders,
    ) -> None:
        """Report secrets that reached values in clear, and outputs the engine had to invent."""
        secrets = {SECRET_PLACEHOLDER.format(key=k): k for k in secret_keys}
        places: list[tuple[str, Any, list[str]]] = []
        for r in records:
            places.append((r["urn"], r["inputs"], r["secret_paths"]))
            places.append((r["urn"], r["outputs"], r["output_secret_paths"]))
        places.append(("stack outputs", outputs, output_secret_paths))
        for where, value, secret in places:
            for path, text, is_secret in strings(value, "", set(secret)):
                shown = path or "."
                for placeholder, key in secrets.items():
                    if is_secret or placeholder not in text:
                        continue
                    message = (
                        f"the secure: config value {key!r} reaches {where} at {shown} in clear; "
                        "read it with get_secret/require_secret so it stays secret"
                    )
                    self._add(
                        ("clear", where, path),
                        {"code": "secret-in-clear", "key": key, "urn": where, "path": path,
                         "message": message},
                    )  # fmt: skip
                for type_, name, prop in placeholders.find(text):
                    message = (
                        f"{where} at {shown} uses the output {prop!r} of {type_} {name!r}, "
                        "which the offline engine does not imitate; it got a fake placeholder "
                        "(offline-unimitated-…). Teach infra_kit/core/engine/_cloud.py its value"
                    )
                    self._add(
                        ("fake", where, type_, name, prop),
                        {"code": "unimitated-output", "urn": where, "path": path,
                         "resource": f"{type_}::{name}", "property": prop, "message": message},
                    )  # fmt: skip


def strings(value: Any, path: str, secret: set[str]) -> list[tuple[str, str, bool]]:
    """``(path, text, is_secret)`` of every string inside ``value``; ``is_secret`` when it is at
    or under one of the ``secret`` paths."""
    found = []
    stack: list[tuple[str, Any, bool]] = [(path, value, path in secret)]
    while stack:
        where, item, hidden = stack.pop()
        if isinstance(item, str):
            found.append((where, item, hidden))
        elif isinstance(item, dict):
            for k, v in item.items():
                child = join_path(where, str(k))
                stack.append((child, v, hidden or child in secret))
        elif isinstance(item, list):
            for i, v in enumerate(item):
                child = join_path(where, i)
                stack.append((child, v, hidden or child in secret))
    return found
