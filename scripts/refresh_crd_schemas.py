"""Write infra_kit/policy/data/crd-schemas.json.gz from the CRDs of the charts the cluster pins.

kubernetes-validate knows only Kubernetes' own kinds. The custom resources infra-kit creates
(cert-manager's issuers and certificates) are validated against the ``openAPIV3Schema`` of their
CRD at the chart version :mod:`infra_kit.aws._cluster_versions` pins. This script reads those CRD
files from a local clone of the chart's repository and keeps, for each kind, the schema of its
served storage version:

    {"source": ..., "read": "YYYY-MM-DD", "schemas": {"cert-manager.io/v1/Certificate": {...}}}

Usage, from a clone of github.com/cert-manager/cert-manager::

    git -C CLONE checkout v1.21.1
    .venv/bin/python scripts/refresh_crd_schemas.py CLONE/deploy/crds [--check]

``--check`` exits 1 when the vendored file differs from what the clone gives. The gzip bytes are
deterministic (mtime 0, sorted keys), and ``read`` keeps its old value when the schemas did not
change, so running the script twice changes nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import io
import json
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "infra_kit" / "policy" / "data" / "crd-schemas.json.gz"
#: The CRD files of each chart, and where they come from.
CHARTS = {
    "cert-manager": (
        "github.com/cert-manager/cert-manager deploy/crds at tag v1.21.1",
        (
            "cert-manager.io_certificates.yaml",
            "cert-manager.io_clusterissuers.yaml",
            "cert-manager.io_issuers.yaml",
        ),
    )
}


def schemas_of(crd: dict[str, Any]) -> dict[str, Any]:
    """``{"<group>/<version>/<Kind>": openAPIV3Schema}`` of the served storage version."""
    spec = crd["spec"]
    found = {}
    for version in spec["versions"]:
        if version.get("served") and version.get("storage"):
            key = f"{spec['group']}/{version['name']}/{spec['names']['kind']}"
            found[key] = version["schema"]["openAPIV3Schema"]
    return found


def render(directory: Path, read: str) -> bytes:
    source, files = CHARTS["cert-manager"]
    schemas: dict[str, Any] = {}
    for name in files:
        schemas.update(schemas_of(yaml.safe_load((directory / name).read_text(encoding="utf-8"))))
    document = {"source": source, "read": read, "schemas": schemas}
    text = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as stream:
        stream.write(text)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("crds", type=Path, help="the deploy/crds directory of a clone")
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = parser.parse_args(argv)
    read = dt.date.today().isoformat()
    if TARGET.exists():
        old = json.loads(gzip.decompress(TARGET.read_bytes()))
        if render(args.crds, old["read"]) == TARGET.read_bytes():
            print(f"{TARGET.relative_to(ROOT)} is up to date")
            return 0
        read = old["read"] if args.check else read
    if args.check:
        print(f"{TARGET.relative_to(ROOT)} differs from {args.crds}", file=sys.stderr)
        return 1
    TARGET.write_bytes(render(args.crds, read))
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
