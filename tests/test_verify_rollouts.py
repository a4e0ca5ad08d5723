"""The deploy's verify step waits for canaries (DEP-2): the script _deploy.yml writes, run against
a stand-in kubectl that plays a Rollout's status changes.

A Rollout passes once the controller has seen its new spec (``observedGeneration`` equals
``generation``) and its phase is Healthy; Degraded or aborted fails at once, naming the
controller's message; a canary that is neither by the deadline fails too.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

_DEPLOY = REPO / ".github" / "workflows" / "_deploy.yml"
_ROLLOUT = "kubernetes:argoproj.io/v1alpha1:Rollout"


def _verify_script() -> str:
    steps = yaml.safe_load(_DEPLOY.read_text(encoding="utf-8"))["jobs"]["deploy"]["steps"]
    (step,) = [s for s in steps if "VERIFY_SCRIPT" in (s.get("env") or {})]
    return step["env"]["VERIFY_SCRIPT"]


_KUBECTL = """#!/usr/bin/env bash
echo "$*" >> "$FAKE/calls"
case "$*" in
  "api-resources --api-group=argoproj.io -o name") cat "$FAKE/kinds" ;;
  "get deployments,daemonsets,statefulsets -n apps -o name") ;;
  "get rollouts.argoproj.io -n apps -o name") echo rollout.argoproj.io/orders-api ;;
  "get -n apps rollout.argoproj.io/orders-api -o jsonpath="*)
    head -n 1 "$FAKE/states"
    if [ "$(wc -l < "$FAKE/states")" -gt 1 ]; then sed -i 1d "$FAKE/states"; fi ;;
  wait*) exit 1 ;;
  *) echo "unexpected kubectl $*" >&2; exit 2 ;;
esac
"""


def _run(tmp_path: Path, states: list[str], *, kinds: str = "rollouts.argoproj.io\n",
         timeout: int = 600) -> subprocess.CompletedProcess[str]:  # fmt: skip
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (tmp_path / "states").write_text("".join(f"{s}\n" for s in states))
    (tmp_path / "kinds").write_text(kinds)
    export = {
        "deployment": {
            "resources": [{"type": _ROLLOUT, "outputs": {"metadata": {"namespace": "apps"}}}]
        }
    }
    (tmp_path / "export.json").write_text(json.dumps(export))
    fakes = {
        "kubectl": _KUBECTL,
        "aws": "#!/usr/bin/env bash\nexit 0\n",
        "pulumi": '#!/usr/bin/env bash\ncat "$FAKE/export.json"\n',
    }
    for name, text in fakes.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    script = tmp_path / "verify-rollouts.sh"
    script.write_text(_verify_script())
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "FAKE": str(tmp_path),
        "RUNNER_TEMP": str(tmp_path),
        "STACK": "prod",
        "CLUSTER_NAME": "platform-prod",
        "EXTRA_NAMESPACES": "",
        "ROLLOUT_TIMEOUT": "10m",
        "CANARY_TIMEOUT": str(timeout),
    }
    return subprocess.run(
        ["bash", str(script)], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def _status_reads(tmp_path: Path) -> int:
    calls = (tmp_path / "calls").read_text().splitlines()
    return sum(c.startswith("get -n apps rollout.argoproj.io/orders-api") for c in calls)


def test_a_canary_passes_once_the_controller_reports_its_new_spec_healthy(tmp_path: Path) -> None:
    # A Healthy left from the previous revision (generation 3, observed 2) does not count.
    result = _run(tmp_path, ["3/2/Healthy//", "3/3/Paused//CanaryPauseStep", "3/3/Healthy//"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "apps/orders-api is Healthy" in result.stdout
    assert _status_reads(tmp_path) == 3


@pytest.mark.parametrize(
    "final",
    [
        '3/3/Degraded/true/RolloutAborted: Metric "error-rate" assessed Failed',
        "3/3/Progressing/true/RolloutAborted: aborted by hand",
    ],
)
def test_an_aborted_or_degraded_canary_fails_at_once_with_the_controllers_message(
    tmp_path: Path, final: str
) -> None:
    result = _run(tmp_path, ["3/3/Progressing//", final, "3/3/Healthy//"])
    assert result.returncode == 1
    message = final.split("/", 4)[4]
    assert (
        f"::error::apps/orders-api was aborted and rolled back to its stable version: {message}"
        in result.stdout
    )
    assert _status_reads(tmp_path) == 2


def test_a_canary_still_paused_at_the_deadline_fails(tmp_path: Path) -> None:
    result = _run(tmp_path, ["3/3/Paused//CanaryPauseStep"], timeout=0)
    assert result.returncode == 1
    assert "::error::apps/orders-api is still Paused after 0s: CanaryPauseStep" in result.stdout


def test_a_cluster_without_the_rollout_kind_has_no_canary_to_wait_for(tmp_path: Path) -> None:
    result = _run(tmp_path, ["3/3/Degraded/true/never read"], kinds="")
    assert result.returncode == 0
    assert "no Rollout kind on the cluster" in result.stdout
    assert _status_reads(tmp_path) == 0
