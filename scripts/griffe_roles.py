"""A griffe extension for the API reference (``mkdocs.yml``): the docstrings' Sphinx roles.

Docstrings name other objects with Sphinx roles (``:class:`Key```, ``:meth:`~Key.grant_decrypt```),
which Markdown does not read. After infra_kit is loaded, each role becomes code that links to
its target where the reference renders that target, and stays plain code where it does not (a
private module, a helper left out of the reference). A role whose target names nothing in
infra_kit, a misspelt class say, is a warning, which fails ``mkdocs build --strict``, as does a
Markdown cross-reference (``[Key][infra_kit.aws.Key]``) that no page renders.

It also mends what griffe's Google-style parser does to an ``Attributes:`` section: an entry
griffe knows no member for (an attribute set outside ``__init__``) takes the type of the entry
before it. Such an entry is shown without a type instead.
"""

from __future__ import annotations

import builtins
import html
import logging
import re
from typing import Any

import griffe

__all__ = ["SphinxRoles"]

# Under "mkdocs.", so that `mkdocs build --strict` counts the warnings.
_log = logging.getLogger("mkdocs.plugins.infra_kit.griffe_roles")

_ROLE = re.compile(
    r":(?:py:)?(?P<role>class|meth|func|mod|attr|data|obj|exc|const):`(?P<target>[^`]+)`"
)
_TITLED = re.compile(r"^(?P<title>.+?)\s*<(?P<target>[^>]+)>$")
_PACKAGE = "infra_kit"


class SphinxRoles(griffe.Extension):
    """Rewrites the Sphinx roles of every docstring of infra_kit into Markdown."""

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        if pkg.name != _PACKAGE:
            return
        for obj in _objects(pkg):
            if obj.docstring is not None:
                obj.docstring.value = _ROLE.sub(
                    lambda match, obj=obj: _markdown(match, obj, loader), obj.docstring.value
                )
                if obj.is_class and "Attributes:" in obj.docstring.value:
                    _untyped_unknown_attributes(obj)


def _untyped_unknown_attributes(cls: griffe.Object) -> None:
    """Drop the type griffe carried over to an attribute entry that names no known member."""
    assert cls.docstring is not None
    for section in cls.docstring.parsed:  # parsed once, with the handler's options, and kept
        if isinstance(section, griffe.DocstringSectionAttributes):
            for item in section.value:
                try:
                    cls[item.name]
                except (KeyError, griffe.AliasResolutionError):
                    item.annotation = None


def _objects(obj: griffe.Object) -> list[griffe.Object]:
    """``obj`` and every object defined in it (aliases are someone else's)."""
    found = [obj]
    for member in obj.members.values():
        if not member.is_alias and isinstance(member, griffe.Object):
            found += _objects(member)
    return found


def _markdown(match: re.Match[str], obj: griffe.Object, loader: griffe.GriffeLoader) -> str:
    # A role may be wrapped across lines: "infra_kit.aws.cluster_access.\n    ClusterAccess".
    written = re.sub(r"\.\s+", ".", match["target"].strip())
    titled = _TITLED.match(written)
    target = titled["target"] if titled else written
    short = target.startswith("~")
    target = target.lstrip("~.").removesuffix("()")
    title = titled["title"] if titled else (target.rsplit(".", 1)[-1] if short else target)
    path = _resolve(target, obj, loader)
    code = f"<code>{html.escape(title)}</code>"
    if path is None:
        return code
    # Optional: a target that exists but is not in the reference is shown as plain code.
    return f'<autoref identifier="{html.escape(path)}" optional>{code}</autoref>'


def _resolve(target: str, obj: griffe.Object, loader: griffe.GriffeLoader) -> str | None:
    """The full path of ``target`` seen from ``obj``; None for what is outside infra_kit."""
    first, _, rest = target.partition(".")
    if first == _PACKAGE:
        path = target
    else:
        try:
            base = obj.resolve(first)
        except griffe.NameResolutionError:
            if hasattr(builtins, first) or first in {"pulumi", "pulumi_aws", "pulumi_kubernetes"}:
                return None
            _log.warning("%s: the role target %r names nothing in scope", obj.path, target)
            return None
        if not base.startswith(f"{_PACKAGE}.") and base != _PACKAGE:
            return None
        path = f"{base}.{rest}" if rest else base
    try:
        loader.modules_collection[path]
    except (KeyError, griffe.AliasResolutionError, griffe.CyclicAliasError):
        _log.warning("%s: the role target %r (%s) does not exist", obj.path, target, path)
        return None
    return path
