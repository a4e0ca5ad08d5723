"""The API reference is complete: every public component says what it takes, makes and exposes.

The reference (``mkdocs.yml``, ``docs/reference/``) is rendered from the docstrings, so what a
docstring leaves out the reference leaves out. Public means exported by ``infra_kit.aws``,
``infra_kit.k8s`` or ``infra_kit.testing``, plus the few public classes the reference names
from their modules (:data:`EXTRA`). For each public class:

- every public attribute its code sets (``self.<name> = ...`` in the class or an infra-kit base,
  found in the source's syntax tree), every public property and every dataclass field is named
  in an ``Attributes:`` or ``Args:`` section;
- a component (a ``pulumi.ComponentResource``) names every parameter of ``__init__`` in an
  ``Args:`` section and lists its child resources in a ``Children`` paragraph;
- an ``...Args`` dataclass names every field in its ``Args:`` section, and says what each
  optional one defaults to.

Sections are read by griffe's Google-style parser, the one mkdocstrings renders with.
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import importlib
import inspect
import logging
import re
import textwrap
from functools import cache, cached_property
from pathlib import Path

import griffe
import pulumi
import pytest

from infra_kit.core.component import Component

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("infra_kit.aws", "infra_kit.k8s", "infra_kit.testing")
#: Public classes that the reference shows though no package's ``__all__`` exports them.
EXTRA = (
    "infra_kit.core.environment.Environment",
    "infra_kit.aws.alarms.AlarmTopics",
    "infra_kit.aws.public_name.PublicName",
    "infra_kit.aws.public_name.PublicNameArgs",
    "infra_kit.aws.web_acl.WebAcl",
    "infra_kit.aws.web_acl.WebAclArgs",
)
#: What every component has from :class:`Component` (documented there), and pulumi's own.
INHERITED = frozenset({"component_name", "env", "urn"})
#: Attributes a shared base sets only for some of its subclasses: ``_Workload._serve`` creates a
#: web service's Service and Ingress, and a Worker never calls it.
NOT_SET = {"infra_kit.k8s.Worker": frozenset({"host", "ingress", "load_balancer_name", "service"})}
_CHILDREN = re.compile(r"^\s*Children\b", re.MULTILINE)
# Parsing a docstring outside a loaded package logs that annotations are unknown; not a defect.
logging.getLogger("griffe").setLevel(logging.ERROR)


def _public_classes() -> dict[str, type]:
    found: dict[str, type] = {}
    for package in PACKAGES:
        module = importlib.import_module(package)
        for name in module.__all__:
            value = getattr(module, name)
            if inspect.isclass(value) and not issubclass(value, enum.Enum):
                found[f"{package}.{name}"] = value
    for path in EXTRA:
        module_name, _, name = path.rpartition(".")
        found[path] = getattr(importlib.import_module(module_name), name)
    return found


PUBLIC = _public_classes()


@cache
def _sections(doc: str | None) -> dict[str, set[str]]:
    """The names each Google-style section of ``doc`` documents, by section kind."""
    if not doc:
        return {}
    parsed = griffe.Docstring(inspect.cleandoc(doc)).parse("google")
    names: dict[str, set[str]] = {}
    for section in parsed:
        if isinstance(section.value, list):
            items = {getattr(item, "name", "") for item in section.value}
            names.setdefault(section.kind.value, set()).update(items - {""})
    return names


def _documented(cls: type, kind: str) -> set[str]:
    """Names documented by ``cls`` and by the public classes it derives from (the reference
    links to those: ``WebServiceArgs`` is ``WorkloadArgs``, plus its own fields)."""
    public = set(PUBLIC.values())
    found: set[str] = set()
    for klass in cls.__mro__:
        if klass is not cls and klass not in public:
            continue
        init = vars(klass).get("__init__")
        for doc in (klass.__doc__, getattr(init, "__doc__", None)):
            found |= _sections(doc).get(kind, set())
    return found


def _descriptions(cls: type) -> dict[str, str]:
    """Each ``Args:`` entry's description, by name, from ``cls`` and its public bases."""
    public = set(PUBLIC.values())
    found: dict[str, str] = {}
    for klass in cls.__mro__:
        if (klass is cls or klass in public) and klass.__doc__:
            parsed = griffe.Docstring(inspect.cleandoc(klass.__doc__)).parse("google")
            for section in parsed:
                if section.kind is griffe.DocstringSectionKind.parameters:
                    for item in section.value:
                        found.setdefault(item.name, item.description)
    return found


def _set_attributes(cls: type) -> set[str]:
    """Public names assigned as ``self.<name>`` in ``cls`` and its infra-kit bases."""
    names: set[str] = set()
    for klass in cls.__mro__:
        if klass in (Component, object) or not klass.__module__.startswith("infra_kit."):
            continue
        tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        for node in ast.walk(tree):
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AnnAssign | ast.AugAssign):
                targets = [node.target]
            for target in targets:
                for part in ast.walk(target):
                    if (
                        isinstance(part, ast.Attribute)
                        and isinstance(part.value, ast.Name)
                        and part.value.id == "self"
                        and not part.attr.startswith("_")
                    ):
                        names.add(part.attr)
        for name, value in vars(klass).items():
            if isinstance(value, property | cached_property) and not name.startswith("_"):
                names.add(name)
    if dataclasses.is_dataclass(cls):
        names |= {f.name for f in dataclasses.fields(cls) if not f.name.startswith("_")}
    return names - INHERITED


def _is_component(cls: type) -> bool:
    return issubclass(cls, pulumi.ComponentResource)


@pytest.mark.parametrize("path", sorted(PUBLIC))
def test_every_public_attribute_is_documented(path: str) -> None:
    cls = PUBLIC[path]
    documented = _documented(cls, "attributes") | _documented(cls, "parameters")
    missing = sorted(_set_attributes(cls) - documented - NOT_SET.get(path, frozenset()))
    assert not missing, f"{path}: add these to its docstring's Attributes: section: {missing}"


@pytest.mark.parametrize("path", sorted(p for p, c in PUBLIC.items() if _is_component(c)))
def test_a_component_documents_its_arguments_and_children(path: str) -> None:
    cls = PUBLIC[path]
    parameters = set(inspect.signature(cls.__init__).parameters) - {"self"}
    missing = sorted(parameters - _documented(cls, "parameters"))
    assert not missing, f"{path}: add these to its docstring's Args: section: {missing}"
    assert _CHILDREN.search(cls.__doc__ or ""), f"{path}: its docstring has no Children paragraph"


@pytest.mark.parametrize(
    "path",
    sorted(p for p, c in PUBLIC.items() if dataclasses.is_dataclass(c) and p.endswith("Args")),
)
def test_an_args_class_documents_every_field(path: str) -> None:
    cls = PUBLIC[path]
    assert dataclasses.is_dataclass(cls)
    fields = {f.name for f in dataclasses.fields(cls)}
    missing = sorted(fields - _documented(cls, "parameters"))
    assert not missing, f"{path}: add these to its docstring's Args: section: {missing}"


@pytest.mark.parametrize(
    "path",
    sorted(p for p, c in PUBLIC.items() if dataclasses.is_dataclass(c) and p.endswith("Args")),
)
def test_an_args_class_states_what_each_optional_field_defaults_to(path: str) -> None:
    """The signature shows ``None`` or ``()``; the entry says what that means, or which profile
    key decides it, in a "Default: ..." sentence."""
    cls = PUBLIC[path]
    assert dataclasses.is_dataclass(cls)
    descriptions = _descriptions(cls)
    optional = [
        f.name
        for f in dataclasses.fields(cls)
        if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
    ]
    silent = sorted(name for name in optional if "default" not in descriptions[name].lower())
    assert not silent, f"{path}: say 'Default: ...' for these fields: {silent}"


def test_what_every_component_inherits_is_documented_once_on_the_base() -> None:
    documented = _sections(Component.__doc__).get("attributes", set())
    assert documented >= INHERITED - {"urn"}  # urn is pulumi's own


def test_ci_builds_the_reference_so_that_a_warning_fails() -> None:
    """``--quiet`` would hide the warnings, and ``--strict`` would then pass a broken reference."""
    (command,) = [
        line for line in (REPO / ".ci" / "run").read_text().splitlines() if "mkdocs build" in line
    ]
    words = command.split()
    assert "--strict" in words
    assert not {"--quiet", "-q"} & set(words)


def test_the_reference_pages_render_every_public_class() -> None:
    pages = "\n".join(p.read_text() for p in (REPO / "docs" / "reference").glob("*.md"))
    rendered = set(re.findall(r"^::: (\S+)", pages, re.MULTILINE))
    missing = sorted(set(PUBLIC) - rendered)
    assert not missing, f"add a '::: <path>' block to docs/reference/ for: {missing}"
