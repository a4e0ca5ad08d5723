"""``python -m infra_kit.cli``: the same as the ``infra-kit`` command."""

import sys

from infra_kit.cli import main

sys.exit(main())
