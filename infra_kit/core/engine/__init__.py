"""The offline engine: runs infra-kit's Pulumi programs through the SDK's public mock API.

See :mod:`infra_kit.synth` for the public entry points and the output contract.
"""

from infra_kit.core.engine._graph import Graph
from infra_kit.core.engine._run import OfflineEngine, synthesize

__all__ = ["Graph", "OfflineEngine", "synthesize"]
