"""Write infra_kit/policy/data/crd-schemas.json.gz from the CRDs of the charts the cluster pins.

kubernetes-validate knows only Kubernetes' own kinds. The custom resources infra-kit creates
(cert-manager's issuers and certificates, Argo Rollouts' rollouts and analysis templates) are
validated against the ``openAPIV3Schema`` of their CRD at the version the platform pins. This
script reads those CRD files from local clones of the projects' repositories and keeps, for
each kind, the schema of its served storage version, with where each chart's came from:

    {"sources": {"cert-manager": {"source": ..., "read": "YYYY-MM-DD", "kinds": [...]}, ...},
     "schemas": {"cert-manager.io/v1/Certificate": {...}, ...}}

Usage, from clones checked out at the pinned tags (see ``CHARTS``), one ``NAME=DIR`` per chart
to refresh; a chart not named keeps the schemas, source and date already in the file::

    git -C CERT_MANAGER checkout v1.21.1
    git -C ARGO_ROLLOUTS checkout v1.9.0
    .venv/bin/python scripts/refresh_crd_schemas.py \
        cert-manager=CERT_MANAGER/deploy/crds argo-rollouts=ARGO_ROLLOUTS/manifests/crds [--check]

``--check`` exits 1 when the vendored file differs from what the clones give. The gzip bytes
are deterministic (mtime 0, sorted keys), and a chart's ``read`` keeps its old value when its
schemas did not change, so running the script twice changes nothing.
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
CHARTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "cert-manager": (
        "github.com/cert-manager/cert-manager deploy/crds at tag v1.21.1",
        (
            "cert-manager.io_certificates.yaml",
            "cert-manager.io_clusterissuers.yaml",
            "cert-manager.io_issuers.yaml",
        ),
    ),
    # The appVersion of the argo-helm argo-rollouts chart 2.41.0 (read 2026-12-02).
    "argo-rollouts": (
        "github.com/argoproj/argo-rollouts manifests/crds at tag v1.9.0",
        ("rollout-crd.yaml", "analysis-template-crd.yaml"),
    ),
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


def chart_schemas(chart: str, directory: Path) -> dict[str, Any]:
    """The schemas of ``chart``'s CRD files in ``directory``."""
    schemas: dict[str, Any] = {}
    for name in CHARTS[chart][1]:
        schemas.update(schemas_of(yaml.safe_load((directory / name).read_text(encoding="utf-8"))))
    return schemas


def split(document: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """``{chart: (read, schemas)}`` of a vendored document."""
    return {
        chart: (entry["read"], {k: document["schemas"][k] for k in entry["kinds"]})
        for chart, entry in document["sources"].items()
    }


def render(charts: dict[str, tuple[str, dict[str, Any]]]) -> bytes:
    """The gzip bytes of ``{chart: (read, schemas)}``."""
    document: dict[str, Any] = {"sources": {}, "schemas": {}}
    for chart, (read, schemas) in sorted(charts.items()):
        document["sources"][chart] = {
            "source": CHARTS[chart][0],
            "read": read,
            "kinds": sorted(schemas),
        }
        document["schemas"].update(schemas)
    text = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as stream:
        stream.write(text)
    return out.getvalue()


def _chart_dir(value: str) -> tuple[str, Path]:
    chart, sep, directory = value.partition("=")
    if not sep or chart not in CHARTS:
        raise argparse.ArgumentTypeError(
            f"{value!r}: expected NAME=DIR with NAME one of {', '.join(sorted(CHARTS))}"
        )
    return chart, Path(directory)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "crds", type=_chart_dir, nargs="+", help="NAME=DIR: a chart and its clone's CRD directory"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = parser.parse_args(argv)
    today = dt.date.today().isoformat()
    old = split(json.loads(gzip.decompress(TARGET.read_bytes()))) if TARGET.exists() else {}
    charts = dict(old)
    for chart, directory in args.crds:
        schemas = chart_schemas(chart, directory)
        unchanged = chart in old and old[chart][1] == schemas
        charts[chart] = (old[chart][0] if unchanged else today, schemas)
    new = render(charts)
    if TARGET.exists() and new == TARGET.read_bytes():
        print(f"{TARGET.relative_to(ROOT)} is up to date")
        return 0
    if args.check:
        names = ", ".join(chart for chart, _ in args.crds)
        print(f"{TARGET.relative_to(ROOT)} differs from the CRDs of {names}", file=sys.stderr)
        return 1
    TARGET.write_bytes(new)
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
