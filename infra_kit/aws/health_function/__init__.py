"""The function behind an environment's ``/health/infrastructure`` (OBS-4).

:mod:`infra_kit.aws.health_function.handler` is the function's code.
:class:`~infra_kit.aws.health.HealthEndpoint` packages that one file as ``handler.py`` at the
root of the function's archive, so the handler imports only the standard library and, when it
makes its clients, boto3.
"""

from __future__ import annotations

from pathlib import Path

from infra_kit.aws.health_function.handler import (
    DEGRADED,
    FAILING,
    HEALTHY,
    PATH,
    HealthSettings,
    check,
    handle,
    lambda_handler,
)

__all__ = [
    "DEGRADED",
    "FAILING",
    "HANDLER",
    "HANDLER_FILE",
    "HANDLER_PATH",
    "HEALTHY",
    "PATH",
    "HealthSettings",
    "check",
    "handle",
    "lambda_handler",
]

#: The handler's source file, packaged as the function's code.
HANDLER_PATH: Path = Path(__file__).with_name("handler.py")
#: The name of the handler's file inside the function's archive.
HANDLER_FILE = "handler.py"
#: The function's handler setting: ``<module>.<function>`` inside the archive.
HANDLER = "handler.lambda_handler"
