"""scripts/griffe_roles.py: the docstrings' Sphinx roles become links in the API reference."""

from __future__ import annotations

import importlib.util
import logging
import re
from types import ModuleType

import griffe
import pytest

from tests.conftest import REPO


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "griffe_roles", REPO / "scripts" / "griffe_roles.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


roles = _script()


@pytest.fixture(scope="module")
def loaded() -> tuple[griffe.Module, griffe.GriffeLoader]:
    """infra_kit as the reference loads it, its docstrings still as written (roles and all)."""
    extensions = griffe.load_extensions("dataclasses")
    loader = griffe.GriffeLoader(
        extensions=extensions, search_paths=[str(REPO)], docstring_parser="google"
    )
    package = loader.load("infra_kit")
    assert isinstance(package, griffe.Module)
    return package, loader


def _convert(text: str, obj: griffe.Object, loader: griffe.GriffeLoader) -> str:
    return roles._ROLE.sub(lambda match: roles._markdown(match, obj, loader), text)


def test_every_role_in_infra_kit_names_something_that_exists(
    loaded: tuple[griffe.Module, griffe.GriffeLoader], caplog: pytest.LogCaptureFixture
) -> None:
    package, loader = loaded
    caplog.set_level(logging.WARNING)
    converted = 0
    for obj in roles._objects(package):
        if obj.docstring is not None and roles._ROLE.search(obj.docstring.value):
            _convert(obj.docstring.value, obj, loader)
            converted += 1
    assert converted > 100  # the docstrings as written, not already converted
    assert [r.getMessage() for r in caplog.records if "role target" in r.getMessage()] == []


def test_a_role_becomes_a_link_to_its_full_path_shown_as_code(
    loaded: tuple[griffe.Module, griffe.GriffeLoader],
) -> None:
    package, loader = loaded
    key = package["aws.key.Key"]
    assert _convert(":meth:`grant_decrypt`", key, loader) == (
        '<autoref identifier="infra_kit.aws.key.Key.grant_decrypt" optional>'
        "<code>grant_decrypt</code></autoref>"
    )
    # "~" shows the last name only; a role wrapped across lines is read as one path.
    assert _convert(":class:`~infra_kit.k8s.\n    WebService`", key, loader) == (
        '<autoref identifier="infra_kit.k8s.WebService" optional><code>WebService</code></autoref>'
    )
    # What is outside infra_kit is plain code.
    assert _convert(":class:`pulumi.Output`", key, loader) == "<code>pulumi.Output</code>"


def test_a_role_that_names_nothing_is_a_warning_that_fails_the_strict_build(
    loaded: tuple[griffe.Module, griffe.GriffeLoader], caplog: pytest.LogCaptureFixture
) -> None:
    package, loader = loaded
    key = package["aws.key.Key"]
    caplog.set_level(logging.WARNING)
    assert _convert(":class:`Kye`", key, loader) == "<code>Kye</code>"
    assert _convert(":func:`infra_kit.aws.key.no_such`", key, loader) == (
        "<code>infra_kit.aws.key.no_such</code>"
    )
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    # Under "mkdocs.", which `mkdocs build --strict` counts.
    assert [r.name for r in warnings] == [roles._log.name] * 2
    assert roles._log.name.startswith("mkdocs.")
    assert re.search(r"'Kye' names nothing in scope", warnings[0].getMessage())
    assert "does not exist" in warnings[1].getMessage()


def test_the_reference_loads_infra_kit_with_the_extension() -> None:
    config = (REPO / "mkdocs.yml").read_text()
    assert "- scripts/griffe_roles.py:SphinxRoles" in config
