"""Write infra_kit/policy/data/aws-taggable-types.json from the installed pulumi_aws.

The TAG-1 rule must know which AWS resource types take a ``tags`` input (and so receive the
provider's default tags), without importing pulumi_aws: the policy pack runs where it is not
installed. This script walks every module of pulumi_aws, takes every resource class, and records
its type token when its constructor accepts ``tags``. Run it after upgrading pulumi_aws:

    .venv/bin/python scripts/refresh_taggable_types.py

tests/policy/test_taggable_types.py fails while the file and the installed version disagree.
"""

from __future__ import annotations

import datetime
import importlib
import importlib.metadata
import inspect
import json
import pkgutil
import re
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "infra_kit/policy/data/aws-taggable-types.json"
#: Packages that hold no resources (the provider's own configuration).
_NOT_RESOURCES = frozenset({"pulumi_aws.config"})
_TOKEN = re.compile(r"""__init__\(\s*['"](aws:[^'"]+)['"]""")


def _resource_classes(module: Any) -> list[type]:
    import pulumi

    found = []
    for _, value in vars(module).items():
        if (
            inspect.isclass(value)
            and issubclass(value, pulumi.CustomResource)
            and value.__module__ == module.__name__
        ):
            found.append(value)
    return found


def _type_token(cls: type) -> str | None:
    """The type token the class registers, read from the source of its ``_internal_init``."""
    init = getattr(cls, "_internal_init", None)
    if init is None:
        return None
    try:
        source = inspect.getsource(init)
    except (OSError, TypeError):
        return None
    match = _TOKEN.search(source)
    return match.group(1) if match else None


def taggable_types() -> tuple[list[str], list[str]]:
    """``(taggable, all)``: type tokens of every pulumi_aws resource, and those taking ``tags``."""
    import pulumi_aws

    taggable: set[str] = set()
    every: set[str] = set()
    classes: list[type] = []
    for info in pkgutil.iter_modules(pulumi_aws.__path__, "pulumi_aws."):
        if not info.ispkg or info.name in _NOT_RESOURCES:
            continue
        package = importlib.import_module(info.name)
        for sub in pkgutil.iter_modules(package.__path__, f"{info.name}."):
            if sub.ispkg or sub.name.rsplit(".", 1)[-1].startswith("_"):
                continue
            classes.extend(_resource_classes(importlib.import_module(sub.name)))
    for cls in classes:
        token = _type_token(cls)
        if token is None:
            continue
        every.add(token)
        if "tags" in inspect.signature(cls._internal_init).parameters:  # pyright: ignore[reportAttributeAccessIssue] -- every generated resource class has it
            taggable.add(token)
    return sorted(taggable), sorted(every)


def build() -> dict[str, Any]:
    taggable, every = taggable_types()
    return {
        "source": "the installed pulumi_aws SDK: resource classes whose constructor takes tags",
        "generator": "scripts/refresh_taggable_types.py",
        "pulumi_aws_version": importlib.metadata.version("pulumi_aws"),
        "generated": datetime.date.today().isoformat(),
        "resource_type_count": len(every),
        "taggable": taggable,
    }


def main() -> int:
    if sys.argv[1:] == ["--print"]:  # the tests read the installed SDK in a process of its own
        taggable, every = taggable_types()
        print(json.dumps({"taggable": taggable, "every": every}))
        return 0
    data = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(
        f"wrote {OUT}: {len(data['taggable'])} taggable of {data['resource_type_count']} "
        f"resource types (pulumi_aws {data['pulumi_aws_version']})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
