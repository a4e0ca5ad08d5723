"""Internal entry point: print a stack's raw outputs as JSON, for StackReference resolution.

Like the console command, this process is short-lived: no cyclic garbage collection, and no
interpreter teardown once the outputs are flushed.
"""

import gc
import json
import sys

from infra_kit.cli._common import exit_without_teardown
from infra_kit.core.engine._run import raw_outputs
from infra_kit.errors import InfraKitError

if __name__ == "__main__":
    gc.disable()
    code = 0
    try:
        print(json.dumps(raw_outputs(sys.argv[1], sys.argv[2])))
    except InfraKitError as exc:
        print(str(exc), file=sys.stderr)
        code = 1
    exit_without_teardown(code)
