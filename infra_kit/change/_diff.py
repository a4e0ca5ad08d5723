"""What applying NEW over BASE would do, read from two graph documents (pure logic).

Resources are matched by URN; a resource of NEW whose ``aliases`` name a URN of BASE is that same
resource under a new name (Pulumi moves it; nothing is deleted). Each matched pair is compared
input by input; a change to a property the provider cannot update in place (see
:mod:`infra_kit.change._replace`) makes it a replacement. A resource of BASE that nothing in NEW
matches is deleted, and one of NEW that matches nothing in BASE is created.

What holds data is the list the DR-1 rule keeps (``STATEFUL_FAMILIES``): deleting or replacing
one of those is flagged, and so is a stateful resource that disappears while one of its type
appears under another name with no alias, which Pulumi runs as a delete and a create.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from infra_kit.change._replace import forced_replacement
from infra_kit.core._paths import join_path
from infra_kit.policy._graph import GraphDoc
from infra_kit.policy.rules.state import STATEFUL_FAMILIES, StatefulFamily

__all__ = [
    "ABSENT",
    "ACTIONS",
    "Change",
    "ChangeSet",
    "PropertyChange",
    "diff_graphs",
]

#: Shown for a property one side does not set.
ABSENT = "(not set)"
#: How the graph document writes a secret and a value known only after apply.
SECRET = "[secret]"
UNKNOWN = "[unknown]"
#: Actions in the order they are listed.
ACTIONS = ("replace", "delete", "create", "update", "rename")

_FAMILY_OF: dict[str, StatefulFamily] = {t: f for f in STATEFUL_FAMILIES for t in f.types}
_OPTIONS = ("protect", "retain_on_delete", "provider")


@dataclass(frozen=True)
class PropertyChange:
    """One input that differs: its path, both values (``[secret]`` under a secret path), and
    whether the provider replaces the resource for it."""

    path: str
    old: Any
    new: Any
    forces_replacement: bool = False
    secret: bool = False


@dataclass(frozen=True)
class Change:
    """What happens to one resource."""

    action: str
    urn: str
    type: str
    name: str
    #: The URN in BASE when the resource was renamed with an alias.
    old_urn: str | None = None
    properties: tuple[PropertyChange, ...] = ()
    #: Option changes (protect, retain_on_delete, provider) as PropertyChanges.
    options: tuple[PropertyChange, ...] = ()
    #: The DR-1 family when the type holds data.
    family: str | None = None
    protected: bool = False
    retained: bool = False
    #: Why this change loses data (empty when it does not).
    warnings: tuple[str, ...] = ()
    #: What else a reader should know (a protected resource stops the apply, ...).
    notes: tuple[str, ...] = ()

    @property
    def stateful(self) -> bool:
        return self.family is not None

    @property
    def loses_data(self) -> bool:
        return bool(self.warnings)


@dataclass
class ChangeSet:
    """Every change from BASE to NEW, and what was compared."""

    base: GraphDoc
    new: GraphDoc
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0

    def of(self, action: str) -> list[Change]:
        return [c for c in self.changes if c.action == action]

    def counts(self) -> dict[str, int]:
        return {action: len(self.of(action)) for action in ACTIONS}

    @property
    def data_loss(self) -> list[Change]:
        """Changes that delete or replace a stateful resource."""
        return [c for c in self.changes if c.loses_data]

    @property
    def empty(self) -> bool:
        return not self.changes


def _secret(path: str, secret_paths: list[str]) -> bool:
    for secret in secret_paths:
        if secret in ("", path):
            return True
        for outer, inner in ((secret, path), (path, secret)):
            if inner.startswith(outer) and inner[len(outer)] in ".[":
                return True
    return False


def _walk(old: Any, new: Any, path: str) -> Iterator[tuple[str, Any, Any]]:
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in sorted(set(old) | set(new)):
            yield from _walk(old.get(key, ABSENT), new.get(key, ABSENT), join_path(path, key))
    elif (
        isinstance(old, list)
        and isinstance(new, list)
        and len(old) == len(new)
        and any(isinstance(v, Mapping | list) for v in (*old, *new))
    ):
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            yield from _walk(a, b, join_path(path, index))
    elif old != new:
        yield path, old, new


def _property_changes(old: dict[str, Any], new: dict[str, Any]) -> list[PropertyChange]:
    secrets = [*(old.get("secret_paths") or []), *(new.get("secret_paths") or [])]
    found = []
    for path, a, b in _walk(GraphDoc.inputs(old), GraphDoc.inputs(new), ""):
        hidden = _secret(path, secrets) or SECRET in (a, b)
        if hidden and a == b:
            continue
        found.append(
            PropertyChange(
                path,
                SECRET if hidden and a != ABSENT else a,
                SECRET if hidden and b != ABSENT else b,
                secret=hidden,
            )
        )
    forced = set(forced_replacement(new["type"], [p.path for p in found])) if found else set()
    return [
        PropertyChange(p.path, p.old, p.new, forces_replacement=True, secret=p.secret)
        if p.path in forced
        else p
        for p in found
    ]


def _option_changes(old: dict[str, Any], new: dict[str, Any]) -> list[PropertyChange]:
    return [
        PropertyChange(option, old.get(option), new.get(option))
        for option in _OPTIONS
        if old.get(option) != new.get(option)
    ]


def _name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _qualified_type(urn: str) -> str:
    """The URN's type with its parents' types (``infra-kit:aws:Database$aws:rds/...``)."""
    parts = urn.split("::")
    return parts[2] if len(parts) >= 4 else ""


def _losses(change: Change, record: dict[str, Any], hint: str = "") -> tuple[str, ...]:
    """Why deleting or replacing ``record`` (as BASE has it) loses data; empty if it does not."""
    family = _FAMILY_OF.get(change.type)
    if family is None or not record.get("custom") or change.action not in ("delete", "replace"):
        return ()
    verb = "replaces" if change.action == "replace" else "deletes"
    said = [f"{verb} a stateful resource ({family.name}): {family.reason}"]
    if hint:
        said.append(hint)
    return tuple(said)


def _notes(change: Change, record: dict[str, Any]) -> tuple[str, ...]:
    """What the apply does besides the change itself, from BASE's resource options."""
    said = []
    if change.action in ("delete", "replace") and record.get("protect"):
        said.append(
            "protected (protect=True): pulumi up stops with an error here; the change needs "
            "the protection lifted first, on purpose"
        )
    if change.action == "delete" and record.get("retain_on_delete"):
        said.append(
            "retain_on_delete keeps the cloud resource, but it leaves the stack and nothing "
            "manages it any more"
        )
    if change.old_urn:
        said.append(f"renamed with an alias from {change.old_urn}: the same cloud resource")
    return tuple(said)


def diff_graphs(base: GraphDoc, new: GraphDoc) -> ChangeSet:
    """Compare ``base`` with ``new``: what ``pulumi up`` of NEW would do to a stack at BASE.

    Component resources (``custom`` false) hold no cloud state and are not listed; their
    children are.
    """
    result = ChangeSet(base, new)
    base_by_urn = {r["urn"]: r for r in base.resources}
    matched: set[str] = set()
    pairs: list[tuple[dict[str, Any], dict[str, Any]]] = []
    created: list[dict[str, Any]] = []
    new_urns = {r["urn"] for r in new.resources}
    for record in new.resources:
        old = base_by_urn.get(record["urn"])
        if old is None:
            old = next(
                (
                    base_by_urn[alias]
                    for alias in record.get("aliases") or []
                    if alias in base_by_urn and alias not in new_urns and alias not in matched
                ),
                None,
            )
        if old is None:
            created.append(record)
            continue
        matched.add(old["urn"])
        pairs.append((old, record))
    deleted = [r for r in base.resources if r["urn"] not in matched]

    for old, record in pairs:
        if not record.get("custom"):
            continue
        properties = _property_changes(old, record)
        options = _option_changes(old, record)
        renamed = old["urn"] != record["urn"]
        if any(p.forces_replacement for p in properties):
            action = "replace"
        elif properties or options:
            action = "update"
        elif renamed:
            action = "rename"
        else:
            result.unchanged += 1
            continue
        change = _change(action, record, old_urn=old["urn"] if renamed else None)
        change = _with(change, properties=tuple(properties), options=tuple(options))
        result.changes.append(
            _with(change, warnings=_losses(change, old), notes=_notes(change, old))
        )

    created_custom = [r for r in created if r.get("custom")]
    for record in deleted:
        if not record.get("custom"):
            continue
        change = _change("delete", record)
        hint = _rename_hint(record, created_custom)
        result.changes.append(
            _with(change, warnings=_losses(change, record, hint), notes=_notes(change, record))
        )
    for record in created_custom:
        result.changes.append(_change("create", record))
    order = {action: i for i, action in enumerate(ACTIONS)}
    result.changes.sort(key=lambda c: (not c.loses_data, order[c.action], c.urn))
    return result


def _rename_hint(record: dict[str, Any], created: list[dict[str, Any]]) -> str:
    """For a deleted stateful resource: the created ones it may have been renamed to."""
    if record["type"] not in _FAMILY_OF:
        return ""
    same = [r for r in created if r["type"] == record["type"]]
    close = [r for r in same if _qualified_type(r["urn"]) == _qualified_type(record["urn"])]
    candidates = sorted(close or same, key=lambda r: -_likeness(record["name"], r["name"]))
    if not candidates:
        return ""
    best = [
        r
        for r in candidates
        if _likeness(record["name"], r["name"]) == _likeness(record["name"], candidates[0]["name"])
    ]
    names = ", ".join(repr(r["name"]) for r in best[:3])
    return (
        f"{record['type']} {names} is created at the same time: if that is this "
        f"resource renamed, Pulumi still deletes {record['name']!r} and creates an empty one. "
        f"Keep the old identity with ResourceOptions(aliases=[{record['urn']!r}])"
    )


def _likeness(old: str, new: str) -> int:
    """How many characters two names share at their start and at their end."""

    def shared(a: str, b: str) -> int:
        return next(
            (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
        )

    return min(shared(old, new) + shared(old[::-1], new[::-1]), len(old), len(new))


def _change(action: str, record: dict[str, Any], *, old_urn: str | None = None) -> Change:
    family = _FAMILY_OF.get(record["type"])
    return Change(
        action=action,
        urn=record["urn"],
        type=record["type"],
        name=record.get("name") or _name(record["urn"]),
        old_urn=old_urn,
        family=family.name if family and record.get("custom") else None,
        protected=bool(record.get("protect")),
        retained=bool(record.get("retain_on_delete")),
    )


def _with(change: Change, **fields: Any) -> Change:
    from dataclasses import replace

    return replace(change, **fields)
