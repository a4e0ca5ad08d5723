"""The architecture document and its diagram, generated from a stack's graph (``infra-kit docs``).

Pure Python over graph documents (a synthesized stack or a graph.json from CI); only the SVG
needs Graphviz's ``dot`` binary.
"""

from __future__ import annotations

from infra_kit.architecture._model import Architecture, derive, top_level_components
from infra_kit.architecture.diagram import (
    Diagram,
    GraphvizMissingError,
    build_diagram,
    render_dot,
    render_mermaid,
    render_svg,
)
from infra_kit.architecture.document import find_docs, render_document, write_documents

__all__ = [
    "Architecture",
    "Diagram",
    "GraphvizMissingError",
    "build_diagram",
    "derive",
    "find_docs",
    "render_document",
    "render_dot",
    "render_mermaid",
    "render_svg",
    "top_level_components",
    "write_documents",
]
