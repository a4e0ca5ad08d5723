"""Offline synthesis of infra-kit's Pulumi programs (the ``infra-kit synth`` command).

``synthesize(project_dir, stack)`` runs the program of a Pulumi project for one stack through the
SDK's public mock API and returns a :class:`Graph`; ``Graph.write(out)`` writes ``graph.json`` and
``k8s/*.yaml``. The contract of graph.json is documented on :class:`Graph`.
"""

from infra_kit.core.engine import Graph, OfflineEngine, synthesize

__all__ = ["Graph", "OfflineEngine", "synthesize"]
