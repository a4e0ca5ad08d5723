"""Internal entry point: print a stack's raw outputs as JSON, for StackReference resolution."""

import json
import sys

from infra_kit.core.engine._run import raw_outputs
from infra_kit.errors import InfraKitError

if __name__ == "__main__":
    try:
        print(json.dumps(raw_outputs(sys.argv[1], sys.argv[2])))
    except InfraKitError as exc:
        print(str(exc), file=sys.stderr)
        sys.exit(1)
