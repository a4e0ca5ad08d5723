"""``infra-kit new service NAME --kind web|worker``: a complete app-team project.

Bad input (a NAME that is not a short lowercase DNS label, a --dir that exists and is not empty,
an option value no tag accepts) is one line naming the argument and the fix, exit 2, and
nothing is written. Files are rendered into a temporary directory beside the target and moved
into place last: a failed or interrupted run (exit 1, 130) leaves nothing behind.
"""

from __future__ import annotations

from pathlib import Path

import click

from infra_kit.cli._common import EXIT_USAGE, echo, run_command, traceback_option

__all__ = ["new"]


@click.group()
def new() -> None:
    """Generate a new project from infra-kit's templates."""


@new.command(
    epilog="\b\nExamples:\n"
    "  infra-kit new service orders --kind web\n"
    "  infra-kit new service billing-jobs --kind worker --dir services/billing-jobs "
    "--team billing --cost-center cc-2002"
)
@click.argument("name")
@click.option(
    "--kind",
    type=click.Choice(["web", "worker"]),
    required=True,
    help="web: a public HTTP API behind the platform's ALB and web ACL. "
    "worker: a consumer of its own SQS queue.",
)
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path),
    default=None,
    show_default="./NAME",
    help="Where to create the project: a new or empty directory.",
)
@click.option("--team", default=None, help="The team tag and label (default: app-team).")
@click.option("--cost-center", default=None, help="The cost_center tag (default: cc-0000).")
@click.option(
    "--infra-kit-repository",
    default=None,
    metavar="URL",
    help="The infra-kit GitHub repository the project depends on and whose workflows it calls "
    "(default: https://github.com/example-org/infra-kit).",
)
@click.option(
    "--infra-kit-ref",
    default=None,
    metavar="COMMIT",
    help="The infra-kit commit the workflows call, a full SHA (default: the commit the "
    "installed infra-kit came from).",
)
@traceback_option
def service(
    *,
    name: str,
    kind: str,
    directory: Path | None,
    team: str | None,
    cost_center: str | None,
    infra_kit_repository: str | None,
    infra_kit_ref: str | None,
    show_traceback: bool,
) -> None:
    """Create the project of the service NAME: its Pulumi program and stacks (dev, stage, prod,
    and a preview template), tests that run offline, CI workflows, a service skeleton with its
    Dockerfile, and a README.

    NAME is a lowercase DNS label (e.g. orders); it names the project, its resources and,
    in the stack files, its host NAME.<stack>.example.com.
    """

    def body() -> int:
        from infra_kit.errors import ValidationError
        from infra_kit.scaffold import create_service
        from infra_kit.scaffold._plan import (
            DEFAULT_COST_CENTER,
            DEFAULT_REPOSITORY,
            DEFAULT_TEAM,
            ServiceKind,
            ServiceRequest,
            check_commit,
            check_repository,
            check_service_name,
            check_tag_option,
            check_target,
        )
        from infra_kit.scaffold._source import installed_commit, installed_version

        try:
            check_service_name(name)
            target = directory if directory is not None else Path(name)
            check_target(target)
            request_team = check_tag_option("--team", team or DEFAULT_TEAM, label=True)
            request_cost = check_tag_option("--cost-center", cost_center or DEFAULT_COST_CENTER)
            repository = check_repository(infra_kit_repository or DEFAULT_REPOSITORY)
            version = installed_version()
            ref = infra_kit_ref or installed_commit(version)
            if ref is None:
                raise ValidationError(
                    "--infra-kit-ref",
                    None,
                    f"the installed infra-kit {version} records no commit to pin the workflows to",
                    f"give the commit of tag v{version}: git ls-remote {repository} v{version}",
                )
            check_commit(ref)
        except ValidationError as error:
            echo(f"infra-kit new service: error: {error}", err=True)
            return EXIT_USAGE
        request = ServiceRequest(
            name=name,
            kind=ServiceKind(kind),
            team=request_team,
            cost_center=request_cost,
            repository=repository,
            version=version,
            commit=ref,
        )
        written = create_service(request, target)
        echo(f"created {target}/ ({len(written)} files), a {kind} service on infra-kit {version}")
        echo(f"next: cd {target} && uv lock && uv run pytest   (README.md says the rest)")
        return 0

    run_command(
        "new service", body, show_traceback=show_traceback,
        interrupted="interrupted; nothing was created",
    )  # fmt: skip
