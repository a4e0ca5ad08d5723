"""The graphs a review reads, from a synthesized stack or graph files.

Besides the stack and the stacks it references (:func:`infra_kit.core.stack_graphs.load_stack_graphs`),
a review reads the cluster-services stack of the platform's environment: it holds the
collectors, the controllers and the container log group that both the platform's and an app's
answers cite, and neither of their graphs holds. With ``--stack`` it is synthesized from the
repository's ``cluster-services`` project (the same stack name as the platform's); with graph
files it is the ``--with-graph`` file that holds the cluster services of that stack.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from infra_kit.core.stack_graphs import load_graph, load_stack_graphs, synth_graph
from infra_kit.errors import SynthError
from infra_kit.policy._graph import GraphDoc
from infra_kit.review._subject import Subject, holds_cluster, holds_cluster_services

__all__ = ["CLUSTER_SERVICES_PROJECT", "load_subject", "subject_of"]

#: The project that deploys what runs on each environment's cluster (docs/stack-outputs.md).
CLUSTER_SERVICES_PROJECT = "cluster-services"


def subject_of(
    graph: GraphDoc,
    others: Sequence[GraphDoc] = (),
    *,
    unresolved: Sequence[str] = (),
    cluster_hint: str = "",
) -> Subject:
    """The review's subject: ``graph``, with its platform and cluster-services graphs found
    among ``others`` by what they hold (node groups; the cluster services)."""
    platform = graph if holds_cluster(graph) else None
    if platform is None:
        platform = next((g for g in others if holds_cluster(g)), None)
    cluster = graph if holds_cluster_services(graph) else None
    if cluster is None:
        cluster = next(
            (
                g
                for g in others
                if holds_cluster_services(g) and (platform is None or g.stack == platform.stack)
            ),
            None,
        )
    return Subject(graph, platform, cluster, tuple(unresolved), cluster_hint)


def load_subject(
    *,
    project_dir: Path,
    stack: str | None = None,
    graph_file: Path | None = None,
    with_graphs: Sequence[Path] = (),
    timeout: float | None = None,
    progress: Callable[[str], None] | None = None,
    hard_exit: bool = False,
) -> Subject:
    """Load ``stack`` of ``project_dir`` (synthesized) or ``graph_file``, with the graphs of the
    stacks it references and the cluster services of its environment."""
    loaded = load_stack_graphs(
        project_dir=project_dir,
        stack=stack,
        graph_file=graph_file,
        reference_files=with_graphs,
        timeout=timeout,
        progress=progress,
        hard_exit=hard_exit,
    )
    given = [load_graph(path) for path in with_graphs]
    others = [*loaded.references.values(), *given]
    subject = subject_of(loaded.graph, others, unresolved=loaded.missing)
    if subject.cluster is not None or subject.platform is None:
        return subject
    env = subject.platform.stack
    if graph_file is not None:
        hint = (
            f"the cluster-services graph of {env} (the collectors and controllers): pass "
            f"--with-graph <{CLUSTER_SERVICES_PROJECT}-{env} graph.json>"
        )
        return subject_of(loaded.graph, others, unresolved=loaded.missing, cluster_hint=hint)
    from infra_kit.core.engine._project import find_projects

    project = find_projects(loaded.root).get(CLUSTER_SERVICES_PROJECT)
    if project is None:
        hint = (
            f"the cluster-services graph of {env}: no project {CLUSTER_SERVICES_PROJECT!r} "
            f"under {loaded.root}; pass --graph with --with-graph <its graph.json>"
        )
        return subject_of(loaded.graph, others, unresolved=loaded.missing, cluster_hint=hint)
    try:
        cluster, _ = synth_graph(project, env, timeout=timeout, progress=progress)
    except SynthError as error:
        hint = f"the cluster-services graph of {env} could not be synthesized: {error}"
        return subject_of(loaded.graph, others, unresolved=loaded.missing, cluster_hint=hint)
    return subject_of(loaded.graph, [*others, cluster], unresolved=loaded.missing)
