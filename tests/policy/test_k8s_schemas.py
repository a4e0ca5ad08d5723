"""The cached schema validator judges exactly as kubernetes_validate does, reading each file once."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import kubernetes_validate
import pytest

from infra_kit.policy.rules._k8s_schemas import KubernetesSchemas

DEPLOYMENT: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "apps"},
    "spec": {
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
        },
    },
}


def _misspelt() -> dict[str, Any]:
    bad = copy.deepcopy(DEPLOYMENT)
    bad["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always"
    return bad


def test_a_valid_object_passes_both() -> None:
    KubernetesSchemas().validate(DEPLOYMENT, "1.34.0", strict=True)
    kubernetes_validate.validate(DEPLOYMENT, "1.34.0", strict=True)


def test_a_misspelt_field_fails_both_with_the_same_message_and_path() -> None:
    with pytest.raises(jsonschema.ValidationError) as ours:
        KubernetesSchemas().validate(_misspelt(), "1.34.0", strict=True)
    with pytest.raises(kubernetes_validate.ValidationError) as theirs:
        kubernetes_validate.validate(_misspelt(), "1.34.0", strict=True)
    assert (ours.value.message, list(ours.value.path)) == (
        theirs.value.message,
        list(theirs.value.path),
    )


def test_an_unknown_kind_and_an_unknown_version_raise_the_packages_errors() -> None:
    schemas = KubernetesSchemas()
    with pytest.raises(kubernetes_validate.SchemaNotFoundError):
        schemas.validate({**DEPLOYMENT, "kind": "Nonexistent"}, "1.34.0", strict=True)
    with pytest.raises(kubernetes_validate.utils.VersionNotSupportedError):
        schemas.validate(DEPLOYMENT, "9.99.0", strict=True)


def test_each_schema_file_is_read_once() -> None:
    schemas = KubernetesSchemas()
    for _ in range(3):
        schemas.validate(DEPLOYMENT, "1.34.0", strict=True)
    files = dict(schemas._documents)  # pyright: ignore[reportPrivateUsage] -- what was read
    assert sorted(name.rsplit("/", 1)[-1] for name in files) == [
        "_definitions.json",
        "deployment-apps-v1.json",
    ]
