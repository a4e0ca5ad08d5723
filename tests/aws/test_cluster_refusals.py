"""The EKS Cluster refuses arguments that would weaken a prescription, before creating anything."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra_kit.aws.cluster import Cluster, ClusterArgs
from infra_kit.aws.key import Key, KeyArgs
from infra_kit.core.environment import Environment
from infra_kit.errors import ConfigError, ValidationError
from infra_kit.testing import run_offline
from tests.aws.cluster_fixtures import ADMIN, OPERATOR, SUBNETS, cluster_overrides, synth


def refuse(environment: str, match: str, **kwargs: Any) -> ValidationError:
    with pytest.raises(ValidationError, match=match) as caught:
        synth(environment, **kwargs)
    return caught.value


@pytest.mark.parametrize(
    ("environment", "subnets"), [("dev", ["subnet-a"]), ("prod", ["subnet-a", "subnet-b"])]
)
def test_too_few_private_subnets_are_refused(environment: str, subnets: list[str]) -> None:
    needed = 3 if environment == "prod" else 2
    error = refuse(
        environment,
        rf"private_subnet_ids=.*{len(subnets)} subnet\(s\).*at least {needed} AZs \(HA-1\).*Fix: pass Network.private_subnet_ids",
        subnets=subnets,
    )
    assert error.key == "private_subnet_ids"


def test_a_subnet_listed_twice_is_refused() -> None:
    refuse("dev", r"private_subnet_ids=.*lists a subnet twice", subnets=["subnet-a", "subnet-a"])


def test_availability_zones_that_do_not_match_the_subnets_are_refused() -> None:
    refuse(
        "dev",
        r"availability_zones=\['us-east-1a'\]: must name 2 distinct AZs",
        availability_zones=["us-east-1a"],
    )


@pytest.mark.parametrize(
    ("via", "missing"), [(("eks",), "ec2"), (("ec2",), "eks"), ((), "ec2, eks")]
)
def test_a_key_not_usable_through_eks_and_ec2_is_refused(
    via: tuple[str, ...], missing: str
) -> None:
    error = refuse(
        "prod",
        rf"key=.*not usable through {missing}.*Fix: create it with KeyArgs\(via_services=\('eks', 'ec2'",
        via=via,
    )
    assert error.key == "key"


def test_a_key_cloudwatch_logs_may_not_use_is_refused() -> None:
    refuse(
        "dev",
        r"key=.*log_group_access=False.*cannot be encrypted \(OBS-2\).*KeyArgs\(log_group_access=True\)",
        log_group_access=False,
    )


def test_an_unsupported_kubernetes_version_override_is_refused() -> None:
    refuse(
        "dev",
        r"kubernetes_version='1.31': not a Kubernetes version infra-kit supports.*1.32, 1.33, 1.34",
        kubernetes_version="1.31",
    )


def test_an_unsupported_kubernetes_version_in_the_profile_is_refused_by_the_profile() -> None:
    with pytest.raises(ConfigError, match=r"cluster.kubernetes_version='1.29'"):
        synth("dev", overrides={"cluster": {"kubernetes_version": "1.29"}})


def test_a_cluster_nobody_could_reach_is_refused() -> None:
    refuse(
        "dev",
        r"admin_role_arns=\[\]: no IAM role would have access.*environment.cluster.admin_role_arns",
        admin_role_arns=[],
    )


def test_an_admin_that_is_not_a_role_arn_is_refused() -> None:
    refuse(
        "dev",
        r"admin_role_arns='arn:aws:iam::123456789012:user/bob': not an IAM role ARN",
        admin_role_arns=["arn:aws:iam::123456789012:user/bob"],
    )


def test_an_admin_role_listed_twice_is_refused() -> None:
    refuse(
        "dev",
        rf"^admin_role_arns='{ADMIN}': lists the role twice\. "
        r"Fix: list each role once, with distinct role names$",
        admin_role_arns=[ADMIN, OPERATOR, ADMIN],
    )


def test_admin_roles_whose_access_entries_would_share_a_name_are_refused() -> None:
    # The same role name in another account, or spelt with other capitals or punctuation.
    other = "arn:aws:iam::210987654321:role/Platform_Admin"
    refuse(
        "dev",
        rf"^admin_role_arns='{other}': its access entry would have the same name as that of "
        rf"'{ADMIN}' \(admin-platform-admin\)\. Fix: list each role once, with distinct role names$",
        admin_role_arns=[ADMIN, other],
    )


def test_an_admin_role_whose_name_has_no_letter_or_digit_is_refused() -> None:
    arn = "arn:aws:iam::123456789012:role/+=@"
    refuse(
        "dev",
        r"^admin_role_arns='arn:aws:iam::123456789012:role/\+=@': the role's name has no letter "
        r"or digit to name its access entry with",
        admin_role_arns=[arn],
    )


def test_a_key_whose_log_prefixes_leave_out_the_control_plane_log_group_is_refused() -> None:
    def build(env: Environment) -> None:
        key = Key(
            "platform",
            KeyArgs(
                description="platform",
                via_services=("eks", "ec2"),
                log_group_access=True,
                log_group_prefixes=("/aws/eks/other-",),
            ),
            env,
        )
        Cluster(
            "core",
            ClusterArgs(
                vpc_id="vpc-1", vpc_cidr="10.0.0.0/16", private_subnet_ids=SUBNETS["dev"], key=key
            ),
            env,
        )

    with pytest.raises(
        ValidationError,
        match=r"^key=\"platform \(log_group_prefixes=\['/aws/eks/other-'\]\)\": CloudWatch Logs "
        r"may use the key only for those prefixes, so the control-plane log group "
        r"'/aws/eks/test-dev-core/cluster' cannot be encrypted \(OBS-2\)\. "
        r"Fix: add a prefix of that name to KeyArgs.log_group_prefixes",
    ):
        run_offline(build, environment="dev", overrides=cluster_overrides("dev"))


def test_a_public_range_wider_than_the_profiles_is_refused() -> None:
    refuse(
        "prod",
        r"public_access_cidrs='198.51.100.0/24': opens the public API endpoint wider.*prod allows none",
        public_access_cidrs=["198.51.100.0/24"],
    )
    refuse(
        "dev",
        r"public_access_cidrs='203.0.112.0/23': opens the public API endpoint wider",
        overrides={"cluster": {"public_access_cidrs": ["203.0.113.0/24"]}},
        public_access_cidrs=["203.0.112.0/23"],
    )


def test_a_malformed_public_range_is_refused() -> None:
    refuse(
        "dev", r"public_access_cidrs='10.0.0.1/8': not a CIDR", public_access_cidrs=["10.0.0.1/8"]
    )


def test_a_kubeconfig_role_without_an_access_entry_is_refused() -> None:
    refuse(
        "dev",
        r"kubeconfig_role_arn=.*operators.*has no access entry.*pick one of admin_role_arns",
        kubeconfig_role_arn=OPERATOR,
    )


def test_a_kubeconfig_role_among_the_admins_is_assumed_by_get_token() -> None:
    g = synth("dev", admin_role_arns=[ADMIN, OPERATOR], kubeconfig_role_arn=OPERATOR)
    config = json.loads(g.named("core", "infra-kit:aws:Cluster")["outputs"]["kubeconfig"])
    assert config["users"][0]["user"]["exec"]["args"][-2:] == ["--role-arn", OPERATOR]


def test_a_name_too_long_for_its_irsa_roles_is_refused() -> None:
    refuse(
        "dev",
        r"name='a-very-long-cluster-name-over-limit': a cluster's name is at most 30",
        name="a-very-long-cluster-name-over-limit",
    )


def test_mixed_cpu_architectures_are_refused() -> None:
    refuse(
        "dev",
        r"cluster.node_instance_types=.*mixes arm64 \(Graviton\) and x86_64",
        overrides={"cluster": {"node_instance_types": ["m7g.large", "m6i.large"]}},
    )
