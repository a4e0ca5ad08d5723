#!/usr/bin/env bash
# Run the policy pack's tests in the pack's own environment.
#
#   policy-pack/run-tests.sh [VENV]     (VENV defaults to .policy-venv at the repository root)
#
# Creates VENV if it is missing, installs requirements.txt and pytest into it, and runs
# policy-pack/tests from the repository root. Set INFRA_KIT_PACK_GRAPHS to a directory of
# synthesized graph.json files to also compare the whole pack with `infra-kit check` on them.
# Exits non-zero if the environment cannot be built or a test fails.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
venv="${1:-$repo/.policy-venv}"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r "$here/requirements.txt" pytest

cd "$repo"
PYTHONPATH="$repo${PYTHONPATH:+:$PYTHONPATH}" exec "$venv/bin/python" -m pytest -q policy-pack/tests
