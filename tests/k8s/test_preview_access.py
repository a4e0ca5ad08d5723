"""Preview deployers manage pr-* namespaces and no other, enforced by RBAC plus admission
(SEC-1, SEC-4).

The admission policy's CEL is evaluated here by a small evaluator for the subset the policy uses
(``&&``, ``||``, ``==``, ``in``, ``has()``, ``startsWith``, field and map access), translated to
Python over the AdmissionRequest and object as CEL sees them; it is not a full CEL
implementation, so the test also pins the expressions' text.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from infra_kit.core.engine import Graph
from infra_kit.errors import ValidationError
from infra_kit.k8s.preview_access import PreviewNamespaceGuard, PreviewNamespaceGuardArgs
from tests.k8s.helpers import obj, synth
from tests.support import validate_manifests

GROUP = "infra-kit:preview-deployers"


def _build(env: Any, provider: Any) -> None:
    PreviewNamespaceGuard("previews", PreviewNamespaceGuardArgs(), env, provider=provider)


@pytest.fixture(scope="module")
def graph() -> Graph:
    return synth(_build)


class _MissingFieldError(Exception):
    pass


class _View:
    """A mapping seen as a CEL message: ``a.b`` reads a field and fails when it is absent."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def __getattr__(self, name: str) -> Any:
        if name not in self._data:
            raise _MissingFieldError(name)
        value = self._data[name]
        return _View(value) if isinstance(value, dict) and name != "labels" else value


def _has(read: Any) -> bool:
    try:
        read()
    except _MissingFieldError:
        return False
    return True


def cel(expression: str, **variables: Any) -> bool:
    """Evaluate the CEL subset the policy uses; anything else raises, so nothing passes unseen."""
    python = re.sub(r"has\(([\w.]+)\)", r"_has(lambda: \1)", expression)
    python = python.replace("&&", " and ").replace("||", " or ")
    python = python.replace(".startsWith(", ".startswith(")
    if re.search(r"[?!]|\bsize\(|\bmatches\(", python):
        raise AssertionError(f"outside the evaluated subset: {expression}")
    names = {k: _View(v) if isinstance(v, dict) else v for k, v in variables.items()}
    scope = {"__builtins__": {}, "_has": _has, **names}
    result = eval(python, scope)
    assert isinstance(result, bool)
    return result


def _admits(
    graph: Graph,
    *,
    name: str,
    operation: str,
    groups: list[str],
    labels: Any,
    resource: str = "namespaces",
    namespace_of: str = "",
) -> bool:
    spec = obj(graph, "ValidatingAdmissionPolicy", "infra-kit-preview-namespaces")["spec"]
    request = {
        "name": name,
        "namespace": namespace_of,
        "operation": operation,
        "resource": {"resource": resource},
        "userInfo": {"groups": groups},
    }
    namespace = None if operation == "DELETE" else {"metadata": {"name": name, **labels}}
    variables = {"request": request, "object": namespace}
    if not all(cel(c["expression"], **variables) for c in spec["matchConditions"]):
        return True  # the policy does not judge requests of anyone else
    return all(cel(v["expression"], **variables) for v in spec["validations"])


RESTRICTED = {"labels": {"pod-security.kubernetes.io/enforce": "restricted"}}


@pytest.mark.parametrize("operation", ["CREATE", "UPDATE", "DELETE"])
def test_the_group_may_manage_a_pr_namespace(graph: Graph, operation: str) -> None:
    assert _admits(graph, name="pr-7", operation=operation, groups=[GROUP], labels=RESTRICTED)


@pytest.mark.parametrize("name", ["kube-system", "apps", "default", "prod-7", "xpr-7", ""])
@pytest.mark.parametrize("operation", ["CREATE", "UPDATE", "DELETE"])
def test_the_group_is_refused_every_other_namespace(
    graph: Graph, name: str, operation: str
) -> None:
    assert not _admits(graph, name=name, operation=operation, groups=[GROUP], labels=RESTRICTED)


@pytest.mark.parametrize(
    "labels",
    [{}, {"labels": {}}, {"labels": {"pod-security.kubernetes.io/enforce": "privileged"}}],
)
def test_the_group_cannot_create_or_loosen_a_namespace_that_is_not_restricted(
    graph: Graph, labels: dict[str, Any]
) -> None:
    for operation in ("CREATE", "UPDATE"):
        assert not _admits(graph, name="pr-7", operation=operation, groups=[GROUP], labels=labels)


@pytest.mark.parametrize("resource", ["resourcequotas", "limitranges"])
@pytest.mark.parametrize("operation", ["CREATE", "UPDATE", "DELETE"])
def test_the_group_may_set_quotas_and_limits_inside_a_pr_namespace_only(
    graph: Graph, resource: str, operation: str
) -> None:
    # Namespace admin only reads them, and the Namespace component creates both.
    def admits(namespace: str) -> bool:
        return _admits(
            graph,
            name="pr-7-quota",
            operation=operation,
            groups=[GROUP],
            labels={},
            resource=resource,
            namespace_of=namespace,
        )

    assert admits("pr-7")
    assert not admits("apps")
    assert not admits("kube-system")


def test_requests_of_other_users_are_not_judged(graph: Graph) -> None:
    assert _admits(graph, name="kube-system", operation="DELETE", groups=["ops"], labels={})


def test_the_expressions_are_the_ones_evaluated(graph: Graph) -> None:
    spec = obj(graph, "ValidatingAdmissionPolicy", "infra-kit-preview-namespaces")["spec"]
    assert [c["expression"] for c in spec["matchConditions"]] == [
        f"'{GROUP}' in request.userInfo.groups"
    ]
    assert spec["validations"][0]["expression"] == (
        "(request.resource.resource == 'namespaces' && request.name.startsWith('pr-')) || "
        "(request.resource.resource in ['resourcequotas', 'limitranges'] && "
        "request.namespace.startsWith('pr-'))"
    )
    assert spec["failurePolicy"] == "Fail"
    assert spec["matchConstraints"]["resourceRules"] == [
        {
            "apiGroups": [""],
            "apiVersions": ["v1"],
            "operations": ["CREATE", "UPDATE", "DELETE"],
            "resources": ["namespaces", "resourcequotas", "limitranges"],
        }
    ]


def test_the_binding_denies_and_names_the_policy(graph: Graph) -> None:
    spec = obj(graph, "ValidatingAdmissionPolicyBinding", "infra-kit-preview-namespaces")["spec"]
    assert spec == {"policyName": "infra-kit-preview-namespaces", "validationActions": ["Deny"]}


def test_rbac_grants_the_group_namespaces_their_quotas_and_nothing_else(graph: Graph) -> None:
    role = obj(graph, "ClusterRole", "infra-kit-preview-namespaces")
    assert role["rules"] == [
        {
            "apiGroups": [""],
            "resources": ["namespaces", "resourcequotas", "limitranges"],
            "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"],
        }
    ]
    binding = obj(graph, "ClusterRoleBinding", "infra-kit-preview-namespaces")
    assert binding["subjects"] == [
        {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": GROUP}
    ]
    assert binding["roleRef"]["name"] == "infra-kit-preview-namespaces"


def test_children_are_policy_binding_role_and_role_binding(graph: Graph) -> None:
    component = graph.named("previews", "infra-kit:k8s:PreviewNamespaceGuard")
    assert sorted((r["type"], r["name"]) for r in graph.children(component["urn"])) == [
        ("kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy", "previews-policy"),
        (
            "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding",
            "previews-policy-binding",
        ),
        ("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "previews-role"),
        ("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "previews-binding"),
    ]


def test_manifests_are_valid_for_the_pinned_kubernetes_version(graph: Graph) -> None:
    assert validate_manifests(graph) == []


@pytest.mark.parametrize(
    ("args", "key"),
    [
        (PreviewNamespaceGuardArgs(namespace_prefix="pr-')||true||('"), "namespace_prefix"),
        (PreviewNamespaceGuardArgs(namespace_prefix=""), "namespace_prefix"),
        (PreviewNamespaceGuardArgs(group="system:masters"), "group"),
        (PreviewNamespaceGuardArgs(group="a'b"), "group"),
    ],
)
def test_a_prefix_or_group_that_would_change_the_expression_is_refused(
    args: PreviewNamespaceGuardArgs, key: str
) -> None:
    with pytest.raises(ValidationError, match=rf"^{key}="):
        synth(lambda env, provider: PreviewNamespaceGuard("p", args, env, provider=provider))
