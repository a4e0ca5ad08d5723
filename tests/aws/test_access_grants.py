"""Cluster access grants are validated before anything exists, and name their children stably
(SEC-1)."""

from __future__ import annotations

import pytest

from infra_kit.aws._access_grants import (
    PREVIEW_DEPLOYERS_GROUP,
    AccessGrant,
    AccessPolicy,
    AccessScope,
    Tenant,
    grants_cluster_admin,
    platform_grants,
    tenant_grants,
    validate_grants,
    validate_namespace_pattern,
)
from infra_kit.errors import ValidationError

ROLE = "arn:aws:iam::123456789012:role/deployer"
VIEW = AccessPolicy("AmazonEKSViewPolicy")


@pytest.mark.parametrize("name", ["apps", "pr-*", "a", "team-1", "x" * 63, "orders-*"])
def test_namespace_names_and_prefix_patterns_are_accepted(name: str) -> None:
    assert validate_namespace_pattern(name) == name


@pytest.mark.parametrize(
    "name", ["", "*", "Apps", "-apps", "apps-", "a_b", "x" * 64, "pr*-x", "pr-**", "a.b"]
)
def test_other_namespace_names_are_refused_naming_the_argument(name: str) -> None:
    with pytest.raises(ValidationError, match=r"^namespaces=.*RFC 1123 label"):
        validate_namespace_pattern(name)


def test_a_policy_outside_the_aws_managed_list_is_refused_with_the_list() -> None:
    grant = AccessGrant(label="x", principal_arn=ROLE, policies=[AccessPolicy("AmazonEKSAdmin")])
    with pytest.raises(ValidationError) as exc:
        validate_grants([grant])
    assert "grants['x'].policies[0].name='AmazonEKSAdmin'" in str(exc.value)
    assert "AmazonEKSClusterAdminPolicy, AmazonEKSAdminPolicy, AmazonEKSEditPolicy" in str(
        exc.value
    )


@pytest.mark.parametrize(
    ("policy", "problem"),
    [
        (AccessPolicy("AmazonEKSViewPolicy", AccessScope.CLUSTER, ("apps",)), "cluster-scoped"),
        (AccessPolicy("AmazonEKSViewPolicy", AccessScope.NAMESPACES, ()), "at least one"),
        (
            AccessPolicy("AmazonEKSClusterAdminPolicy", AccessScope.NAMESPACES, ("apps",)),
            "AmazonEKSAdminPolicy for admin inside namespaces",
        ),
        (AccessPolicy("AmazonEKSEditPolicy", AccessScope.NAMESPACES, ("a", "a")), "twice"),
        (AccessPolicy("AmazonEKSEditPolicy", AccessScope.NAMESPACES, ("Bad",)), "RFC 1123"),
    ],
)
def test_contradictory_scopes_are_refused(policy: AccessPolicy, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        validate_grants([AccessGrant(label="x", principal_arn=ROLE, policies=[policy])])


def test_labels_and_literal_principals_are_unique() -> None:
    a = AccessGrant(label="a", principal_arn=ROLE, policies=[VIEW])
    with pytest.raises(ValidationError, match="share the label"):
        validate_grants([a, a])
    with pytest.raises(ValidationError, match="one access entry per principal"):
        validate_grants([a, AccessGrant(label="b", principal_arn=ROLE, policies=[VIEW])])


@pytest.mark.parametrize("label", ["", "Deploy", "-x", "a_b", "x" * 41])
def test_a_label_that_cannot_name_a_child_is_refused(label: str) -> None:
    with pytest.raises(ValidationError, match=r"^grants\.label="):
        validate_grants([AccessGrant(label=label, principal_arn=ROLE, policies=[VIEW])])


@pytest.mark.parametrize("group", ["system:masters", "", "a b"])
def test_system_and_malformed_kubernetes_groups_are_refused(group: str) -> None:
    grant = AccessGrant(label="x", principal_arn=ROLE, policies=[VIEW], kubernetes_groups=[group])
    with pytest.raises(ValidationError, match="kubernetes_groups"):
        validate_grants([grant])


def test_an_entry_granting_nothing_is_refused() -> None:
    with pytest.raises(ValidationError, match="grants nothing"):
        validate_grants([AccessGrant(label="x", principal_arn=ROLE)])


def test_a_literal_principal_must_be_a_role_arn() -> None:
    with pytest.raises(ValidationError, match="not an IAM role ARN"):
        validate_grants(
            [AccessGrant(label="x", principal_arn="arn:aws:iam::1:user/u", policies=[VIEW])]
        )


def test_the_platform_grants_admin_to_deploy_view_to_pr_preview_and_pr_namespaces_to_previews() -> (
    None
):
    grants = {
        g.label: g
        for g in platform_grants(
            deploy_role_arn="d",
            pr_preview_role_arn="p",
            preview_env_deploy_role_arn="e",
            hosts_previews=True,
        )
    }
    assert [g.label for g in grants.values() if grants_cluster_admin(g)] == ["deploy"]
    assert grants["pr-preview"].policies == (AccessPolicy("AmazonEKSViewPolicy"),)
    preview = grants["preview-deployer"]
    assert preview.policies == (
        AccessPolicy("AmazonEKSAdminPolicy", AccessScope.NAMESPACES, ("pr-*",)),
    )
    assert preview.kubernetes_groups == (PREVIEW_DEPLOYERS_GROUP,)


def test_a_cluster_without_previews_gives_the_preview_deployer_nothing() -> None:
    labels = [
        g.label
        for g in platform_grants(
            deploy_role_arn="d",
            pr_preview_role_arn="p",
            preview_env_deploy_role_arn="e",
            hosts_previews=False,
        )
    ]
    assert labels == ["deploy", "pr-preview"]


def test_a_tenant_role_is_admin_inside_exactly_its_namespace() -> None:
    (grant,) = tenant_grants(Tenant("apps", "orders"), {"": ROLE})
    assert grant.label == "tenant-apps"
    assert grant.policies == (
        AccessPolicy("AmazonEKSAdminPolicy", AccessScope.NAMESPACES, ("apps",)),
    )
    assert grant.kubernetes_groups == ()
    assert not grants_cluster_admin(grant)


def test_tenant_labels_do_not_depend_on_the_order_of_roles() -> None:
    roles = {"b": "arn:aws:iam::1:role/b", "a": "arn:aws:iam::1:role/a"}
    first = [g.label for g in tenant_grants(Tenant("apps", "t"), roles)]
    second = [g.label for g in tenant_grants(Tenant("apps", "t"), dict(reversed(roles.items())))]
    assert first == second == ["tenant-apps-a", "tenant-apps-b"]


def test_a_tenant_owns_a_namespace_not_a_pattern() -> None:
    with pytest.raises(ValidationError, match="not a pattern"):
        tenant_grants(Tenant("apps-*", "t"), {"": ROLE})
