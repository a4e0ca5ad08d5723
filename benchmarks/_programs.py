"""The programs the synth benchmark measures besides the platform: floors and a scaling project.

The floors are what any Pulumi program of the same size costs under the SDK's own mocks, without
infra-kit: a synth can't be cheaper than its floor, so the ratio to it is what infra-kit adds.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["FLOOR_PROGRAM", "IMPORT_INFRA_KIT", "IMPORT_SDKS", "write_scaling_project"]

#: ``python -c`` bodies whose process times compare infra-kit's import with the SDKs' own.
IMPORT_SDKS = "import pulumi, pulumi_aws, pulumi_kubernetes"
IMPORT_INFRA_KIT = "import infra_kit, infra_kit.aws, infra_kit.k8s"

#: ``python - N MODULE...``: import the three SDKs and MODULEs, then register N custom resources
#: with a few tagged inputs under plain SDK mocks, and wait for every registration, as the engine
#: does. A resource of a generic type needs no provider subpackage, so the modules imported are
#: exactly the ones named.
FLOOR_PROGRAM = """
import asyncio
import importlib
import sys

import pulumi
import pulumi_aws
import pulumi_kubernetes
from pulumi.runtime.stack import run_pulumi_func

count = int(sys.argv[1])
for module in sys.argv[2:]:
    importlib.import_module(module)


class Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args):
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args):
        return {}


def program():
    for i in range(count):
        pulumi.CustomResource(
            "floor:index:Thing",
            f"thing-{i}",
            {"name": f"thing-{i}", "size": i, "tags": {"team": "floor", "environment": "prod"}},
        )


loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
pulumi.runtime.set_mocks(Mocks(), project="floor", stack="prod", preview=False)
loop.run_until_complete(run_pulumi_func(program))
"""

_SCALING_MAIN = '''
"""N web services on one cluster, each a WebService with its default children."""

import pulumi
import pulumi_kubernetes as k8s

from infra_kit.core.environment import Environment
from infra_kit.k8s import WebService, WebServiceArgs

env = Environment.load()
count = pulumi.Config().require_int("services")
provider = k8s.Provider("cluster", k8s.ProviderArgs(kubeconfig="{}"))
for i in range(count):
    WebService(
        f"svc-{i}",
        WebServiceArgs(namespace="apps", image="ghcr.io/example/api:1.0.0"),
        env,
        provider=provider,
    )
'''

_SCALING_CONFIG = """config:
  aws:region: us-east-1
  pulumi:disable-default-providers: ["aws", "kubernetes"]
  scaling:services: {count}
  scaling:environment:
    tags:
      team: bench
      service: bench
      cost_center: cc-0001
      repository: infra-kit
"""


def write_scaling_project(directory: Path, services: int) -> Path:
    """A project of ``services`` WebServices in ``directory``, for its ``dev`` stack."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text(
        "name: scaling\nruntime: python\nconfig:\n  services:\n    type: integer\n"
    )
    (directory / "Pulumi.dev.yaml").write_text(_SCALING_CONFIG.format(count=services))
    (directory / "__main__.py").write_text(_SCALING_MAIN)
    return directory
