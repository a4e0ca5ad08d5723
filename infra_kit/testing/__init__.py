"""Testing app programs offline, the way infra-kit tests its own.

- ``run_offline(lambda env: ..., environment="prod")`` runs components built in a function.
- ``run_project(project_dir, "prod")`` runs a whole Pulumi project's program for one stack and
  checks it, returning the graph and every rule's findings (:class:`ProjectRun`).
- :class:`PlatformStandIn` answers the program's StackReference to the platform when the
  repository has no ``platform`` project, as an app team's repository has not.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infra_kit.core.engine import Graph, OfflineEngine
from infra_kit.core.environment import CONFIG_KEY, Environment
from infra_kit.core.profile import BUILTIN_PROFILES, first_availability_zones
from infra_kit.testing._platform import PLATFORM_OUTPUTS, PlatformStandIn

if TYPE_CHECKING:
    from infra_kit.core.engine._stand_ins import StandIn
    from infra_kit.policy import Finding, Report

__all__ = [
    "PLATFORM_OUTPUTS",
    "TEST_TAGS",
    "PlatformStandIn",
    "ProjectRun",
    "run_offline",
    "run_project",
]

#: Tag values used when a test does not give its own.
TEST_TAGS: dict[str, str] = {
    "team": "platform",
    "service": "test",
    "cost_center": "cc-0000",
    "repository": "infra-kit",
}


def run_offline(
    build: Callable[[Environment], Any],
    *,
    environment: str = "dev",
    overrides: Mapping[str, Any] | None = None,
    project: str = "test",
    region: str = "us-east-1",
    directory: Path | None = None,
) -> Graph:
    """Load ``environment``'s profile (plus ``overrides``), call ``build(env)`` offline, return the graph.

    The stack is named after the environment, so a ``prod`` run sees the prod profile. Where the
    profile protects state (stage, prod) and ``overrides`` pin no AZs, the region's first AZs
    are pinned, as such a stack file must.
    """
    given = dict(overrides or {})
    profile_overrides: dict[str, Any] = {"name": environment, **given}
    profile_overrides["tags"] = {**TEST_TAGS, **dict(given.get("tags") or {})}
    network = dict(given.get("network") or {})
    builtin = BUILTIN_PROFILES.get(environment, BUILTIN_PROFILES["dev"])
    protects = given.get("protect_stateful", builtin["protect_stateful"])
    if protects and "availability_zones" not in network:
        # Pin the region's first AZs, as a stack file that protects state must.
        count = int(network.get("az_count", builtin["network"]["az_count"]))
        network["availability_zones"] = first_availability_zones(region, count)
        profile_overrides["network"] = network

    def program() -> None:
        build(Environment.load())

    config = {f"{project}:{CONFIG_KEY}": json.dumps(profile_overrides), "aws:region": region}
    engine = OfflineEngine.for_function(
        program, project=project, stack=environment, config=config, directory=directory
    )
    return engine.run()


@dataclass(frozen=True)
class ProjectRun:
    """One stack of a project, synthesized offline and checked.

    Attributes:
        graph: every resource the program registered, with its stack outputs.
        report: every rule's findings over the graph, suppressions applied, as
            ``infra-kit check`` reports them.
        stand_ins: the StackReferences a stand-in answered (``organization/platform/dev``),
            in the order the program read them; empty when every project referenced was present.
        failed: the findings that fail ``infra-kit check`` (errors not accepted); ``[]`` passes.
        warnings: the warnings not accepted, which ``infra-kit check --fail-on warning`` would
            fail.
    """

    graph: Graph
    report: Report
    stand_ins: tuple[str, ...]

    @property
    def failed(self) -> list[Finding]:
        """The findings that fail ``infra-kit check`` (errors not accepted); ``[]`` passes."""
        from infra_kit.policy import Severity

        return [f for f in self.report.failed if f.rule.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        """The warnings not accepted, which ``infra-kit check --fail-on warning`` would fail."""
        from infra_kit.policy import Severity

        return [f for f in self.report.failed if f.rule.severity is Severity.WARNING]


def run_project(
    directory: Path | str,
    stack: str,
    *,
    stand_ins: Mapping[str, StandIn] | None = None,
    timeout: float | None = None,
) -> ProjectRun:
    """Synthesize ``stack`` of the Pulumi project in ``directory`` offline and check it.

    The program runs as ``infra-kit synth --stack STACK --project-dir DIRECTORY`` runs it, with
    its ``Pulumi.<stack>.yaml``. A StackReference to a project of the same repository is
    answered by synthesizing that project; one to ``<org>/platform/<stack>`` where the
    repository has no ``platform`` project, by :class:`PlatformStandIn`. ``stand_ins`` replaces
    projects by name (``{"platform": PlatformStandIn(domain="acme.io")}``), present or not.

    Args:
        directory: the project's directory, the one holding ``Pulumi.yaml``.
        stack: the stack to synthesize (``dev``, ``prod``, ``pr-7``...).
        stand_ins: stand-ins by project name, used instead of synthesizing that project;
            default none (only the platform's, where it is missing).
        timeout: the engine watchdog's limit in seconds without progress; default 20 (or
            ``$INFRA_KIT_WATCHDOG_SECONDS``).

    Raises:
        infra_kit.errors.InfraKitError: the program failed or was refused (a ``SynthError`` or
            ``ValidationError`` naming the program's line), as ``infra-kit synth`` reports it.
    """
    from infra_kit.policy import GraphDoc, check_graph

    engine = OfflineEngine.for_project(directory, stack, stand_ins=stand_ins, timeout=timeout)
    graph = engine.run()
    report = check_graph(GraphDoc(graph.to_contract()))
    return ProjectRun(graph=graph, report=report, stand_ins=tuple(engine.stood_in))
