"""Graphs to review: a stack synthesized offline, a graph.json file, and the stacks it references.

The review commands (``cost``, ``review``, ``docs``, ``diff``) read a stack the way ``check``
does: synthesized offline from its project (``--stack``) or read from a ``graph.json`` a
``synth`` wrote (``--graph``). An app's stack reads the platform through a StackReference; what
the platform provides (node groups, the network) is in the platform's graph, not the app's, so
:func:`referenced_graphs` synthesizes each referenced stack of the same repository as well.

Nothing here touches a cloud: every graph comes from the offline engine or a file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from infra_kit.errors import SynthError
from infra_kit.policy._graph import GraphDoc

__all__ = [
    "StackGraphs",
    "load_graph",
    "load_stack_graphs",
    "reference_names",
    "referenced_graphs",
    "synth_graph",
]

STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"


def synth_graph(
    project_dir: Path | str,
    stack: str,
    *,
    timeout: float | None = None,
    progress: Callable[[str], None] | None = None,
    hard_exit: bool = False,
) -> tuple[GraphDoc, Path]:
    """Synthesize ``stack`` of the project in ``project_dir`` offline; returns its graph and the
    repository root the engine found (where its StackReferences are resolved)."""
    from infra_kit.core.engine import OfflineEngine

    engine = OfflineEngine.for_project(
        project_dir, stack, timeout=timeout, progress=progress, hard_exit=hard_exit
    )
    return GraphDoc(engine.run().to_contract()), engine.root


def load_graph(path: Path) -> GraphDoc:
    """Read a graph.json; a :class:`SynthError` naming the file if it is not one."""
    try:
        return GraphDoc.load(path)
    except (ValueError, OSError) as exc:
        raise SynthError(f"{path} is not a graph.json document: {exc}") from None


def reference_names(graph: GraphDoc) -> list[str]:
    """The ``org/project/stack`` names the graph's StackReferences read, in graph order."""
    names: list[str] = []
    for record in graph.of_type(STACK_REFERENCE_TYPE):
        name = GraphDoc.inputs(record).get("name") or record["urn"].rsplit("::", 1)[-1]
        if isinstance(name, str) and name not in names:
            names.append(name)
    return names


def referenced_graphs(
    graph: GraphDoc,
    root: Path,
    *,
    timeout: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, GraphDoc]:
    """The graph of every stack ``graph`` references through a StackReference, by reference
    name, synthesized from the projects under ``root``; one level deep (a referenced stack's
    own references are only resolved for its outputs, as in any synth)."""
    return {
        name: _synth_reference(name, root, timeout=timeout, progress=progress)
        for name in reference_names(graph)
    }


def _synth_reference(
    name: str,
    root: Path,
    *,
    timeout: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> GraphDoc:
    from infra_kit.core.engine._project import find_projects

    projects = find_projects(root)
    project, stack = name.split("/")[-2:]
    if project not in projects:
        raise SynthError(
            f"StackReference {name!r}: no project named {project!r} under {root} to "
            "synthesize; pass its graph.json (--with-graph FILE), or run from the repository "
            "that holds it"
        )
    graph, _ = synth_graph(projects[project], stack, timeout=timeout, progress=progress)
    return graph


@dataclass(frozen=True)
class StackGraphs:
    """A stack's graph, the repository root it came from, and the graphs it references."""

    graph: GraphDoc
    root: Path
    references: dict[str, GraphDoc] = field(default_factory=dict)
    #: References of a graph file that no ``reference_files`` entry matched.
    missing: tuple[str, ...] = ()

    def all(self) -> list[GraphDoc]:
        """The stack's graph first, then each referenced graph."""
        return [self.graph, *self.references.values()]


def _matching(name: str, graphs: list[GraphDoc]) -> GraphDoc | None:
    project, stack = name.split("/")[-2:]
    for graph in graphs:
        if (graph.project, graph.stack) == (project, stack):
            return graph
    return None


def load_stack_graphs(
    *,
    project_dir: Path,
    stack: str | None = None,
    graph_file: Path | None = None,
    reference_files: Sequence[Path] = (),
    with_references: bool = True,
    timeout: float | None = None,
    progress: Callable[[str], None] | None = None,
    hard_exit: bool = False,
) -> StackGraphs:
    """The graphs a review command reads: ``stack`` synthesized from ``project_dir``, or the
    graph in ``graph_file`` (exactly one of them), and, with ``with_references``, the stacks it
    references.

    A referenced stack is read from ``reference_files`` (graph.json files, matched to a
    reference by their project and stack) when one of them is that stack; otherwise it is
    synthesized, except with ``graph_file``: a graph file's other references stay unresolved,
    and the returned :attr:`StackGraphs.missing` names them.
    """
    if (stack is None) == (graph_file is None):
        raise ValueError("give exactly one of stack or graph_file")
    given = [load_graph(path) for path in reference_files]
    if graph_file is not None:
        graph, root = load_graph(graph_file), project_dir.resolve()
    else:
        graph, root = synth_graph(
            project_dir, stack or "", timeout=timeout, progress=progress, hard_exit=hard_exit
        )
    references: dict[str, GraphDoc] = {}
    missing: list[str] = []
    for name in reference_names(graph) if with_references else []:
        match = _matching(name, given)
        if match is not None:
            references[name] = match
        elif graph_file is not None:
            missing.append(name)
        else:
            references[name] = _synth_reference(name, root, timeout=timeout, progress=progress)
    return StackGraphs(graph, root, references, tuple(missing))
