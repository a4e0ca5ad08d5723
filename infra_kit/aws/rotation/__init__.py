"""The Secrets Manager rotation function infra-kit ships (SEC-2), and the secret-age publisher.

:mod:`infra_kit.aws.rotation.handler` is the function's code. :class:`~infra_kit.aws.secret.Secret`
packages that one file as ``handler.py`` at the root of the function's archive, so the handler
imports only the standard library and, when it makes its own client, boto3.
"""

from __future__ import annotations

from pathlib import Path

from infra_kit.aws.rotation.handler import (
    STEPS,
    RotationError,
    RotationEvent,
    RotationSettings,
    Rotator,
    handle,
    lambda_handler,
)

__all__ = [
    "AGE_FILE",
    "AGE_HANDLER",
    "AGE_PATH",
    "HANDLER",
    "HANDLER_FILE",
    "HANDLER_PATH",
    "STEPS",
    "RotationError",
    "RotationEvent",
    "RotationSettings",
    "Rotator",
    "handle",
    "lambda_handler",
]

#: The handler's source file, packaged as the function's code.
HANDLER_PATH: Path = Path(__file__).with_name("handler.py")
#: The name of the handler's file inside the function's archive.
HANDLER_FILE = "handler.py"
#: The function's handler setting: ``<module>.<function>`` inside the archive.
HANDLER = "handler.lambda_handler"

#: The secret-age publisher's source file (:mod:`infra_kit.aws.rotation.age`), its name in the
#: publisher's archive, and the publisher's handler setting.
AGE_PATH: Path = Path(__file__).with_name("age.py")
AGE_FILE = "age.py"
AGE_HANDLER = "age.lambda_handler"
