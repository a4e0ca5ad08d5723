"""Preview environments, one per pull request, on the shared dev platform (ENV-1, ADR 0018).

- :func:`write_stack_file` writes a pull request's ``Pulumi.pr-<n>.yaml`` from the project's
  ``preview.stack.yaml`` (``infra-kit preview init``);
- :func:`collect` decides which preview stacks the garbage collector destroys, and why;
- :func:`gather` asks ``pulumi`` and ``gh`` what :func:`collect` needs, through an injectable
  :data:`Run`, and :func:`plan` does both (``infra-kit preview gc``,
  ``.github/workflows/preview-gc.yml``).

The expiry every preview records is :mod:`infra_kit.core.expiry`. Nothing here touches the
Pulumi runtime; only :func:`gather` runs commands.
"""

from __future__ import annotations

from infra_kit.preview._gather import CommandResult, Facts, Run, gather, plan
from infra_kit.preview._gc import (
    PREVIEW_STACK,
    PreviewStack,
    PullRequestState,
    Verdict,
    collect,
    parse_last_update,
    pull_request_number,
)
from infra_kit.preview._stack_file import (
    NUMBER_PLACEHOLDER,
    TEMPLATE_FILE,
    check_number,
    preview_stack_name,
    render_stack_file,
    stack_file_path,
    write_stack_file,
)

__all__ = [
    "NUMBER_PLACEHOLDER",
    "PREVIEW_STACK",
    "TEMPLATE_FILE",
    "CommandResult",
    "Facts",
    "PreviewStack",
    "PullRequestState",
    "Run",
    "Verdict",
    "check_number",
    "collect",
    "gather",
    "parse_last_update",
    "plan",
    "preview_stack_name",
    "pull_request_number",
    "render_stack_file",
    "stack_file_path",
    "write_stack_file",
]
