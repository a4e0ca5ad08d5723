"""``python -m infra_kit.cli``: the same as the ``infra-kit`` command."""

from infra_kit.cli import run

run()
