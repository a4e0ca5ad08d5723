"""A Session Manager target inside the VPC through which CI reaches the private EKS API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra_kit.aws import _cluster_policies as policies
from infra_kit.aws._api_tunnel_plan import (
    IMAGE_ID,
    TUNNEL_TAG_KEY,
    TUNNEL_TAG_VALUE,
    TunnelEgress,
    plan_egress,
)
from infra_kit.aws._launch_template import IMDSV2_ONLY, encrypted_root_volume, tag_specifications
from infra_kit.aws.key import Key
from infra_kit.core.component import Component
from infra_kit.core.environment import Environment
from infra_kit.core.tags import merge_tags
from infra_kit.policy.suppress import suppress

__all__ = ["INSTANCE_TYPE", "MAX_INSTANCE_LIFETIME_SECONDS", "ApiTunnel", "ApiTunnelArgs"]

#: The smallest Graviton size: the instance only relays TCP for one session at a time.
INSTANCE_TYPE = "t4g.nano"
#: A week: the group replaces the instance at least this often, on the newest AMI.
MAX_INSTANCE_LIFETIME_SECONDS = 7 * 24 * 3600
_SSM_POLICY = "AmazonSSMManagedInstanceCore"
_SSM_POLICY_REASON = (
    "AWS prescribes AmazonSSMManagedInstanceCore as the minimum for an instance to be a Session "
    "Manager target: the SSM Agent registers, reports and carries sessions with it. Its wildcard "
    "statements (ssm, ssmmessages and ec2messages channel actions) name no ARN because the agent "
    "addresses the service, not a resource. The role is held by one instance that runs nothing "
    "but the agent (ADR 0017)."
)


@dataclass(frozen=True)
class ApiTunnelArgs:
    """Arguments of :class:`ApiTunnel`.

    Args:
        vpc_id: the VPC of the cluster (``Network.vpc_id``).
        vpc_cidr: that VPC's IPv4 CIDR (``Network.vpc_cidr``): the tunnel sends HTTPS there only,
            plus HTTPS anywhere when Systems Manager is reached through NAT (see
            :func:`~infra_kit.aws._api_tunnel_plan.plan_egress`).
        private_subnet_ids: where the instance may run, one AZ each (``Network.private_subnet_ids``).
        key: the environment's KMS key, which encrypts the root volume; Auto Scaling's
            service-linked role must be one of its users.
        cluster_security_group_id: the cluster's control-plane security group
            (``Cluster.cluster_security_group_id``), which gains an ingress rule on 443 from the
            tunnel's group.
    """

    vpc_id: pulumi.Input[str]
    vpc_cidr: str
    private_subnet_ids: Sequence[pulumi.Input[str]]
    key: Key
    cluster_security_group_id: pulumi.Input[str]


class ApiTunnel(Component):
    """One always-replaced instance in the private subnets that CI port-forwards through (ADR 0017).

    Children (``<name>-<suffix>``):

    - ``aws.iam.Role`` ``role`` (trusted by EC2 only) with ``aws.iam.RolePolicyAttachment``
      ``role-ssm`` of AmazonSSMManagedInstanceCore (accepted with its reason), and
      ``aws.iam.InstanceProfile`` ``profile``.
    - ``aws.ec2.SecurityGroup`` ``sg`` with no ingress, and ``aws.vpc.SecurityGroupEgressRule``
      ``sg-egress-vpc-https`` (TCP 443 to the VPC) and, where Systems Manager is reached through
      NAT, ``sg-egress-ssm-https`` (TCP 443 anywhere); ``aws.vpc.SecurityGroupIngressRule``
      ``api-from-tunnel`` on the cluster's control-plane group (TCP 443 from ``sg``).
    - ``aws.ec2.LaunchTemplate`` ``template``: Amazon Linux 2023 arm64 resolved from AWS's public
      SSM parameter at each launch, ``t4g.nano``, IMDSv2 only with hop limit 1, no key pair, no
      public IP, a gp3 root volume encrypted with ``key``, tags on the instance, volume and
      network interface including ``infra-kit:role=api-tunnel``.
    - ``aws.autoscaling.Group`` ``asg``: exactly one instance across the private subnets,
      replaced when unhealthy, after a week, or when the template changes, the new instance
      launched before the old one ends.

    Prescriptions: NET-1 (private subnets, no public address), NET-2 (no ingress; egress on
    HTTPS only, to named destinations), SEC-1 (only the SSM core policy; instance credentials
    behind IMDSv2), SEC-3 (volume encrypted with the CMK), TAG-1 (tag specifications), COST-3
    (the smallest Graviton size).

    Args:
        name: the component's name; every child's logical name starts with it.
        args: its settings, [ApiTunnelArgs][infra_kit.aws.ApiTunnelArgs].
        env: the stack's [Environment][infra_kit.core.environment.Environment]: profile, tags and
            AWS provider.
        opts: Pulumi options for the component; every child is parented to it.

    Attributes:
        group: the tunnel host's ``aws.autoscaling.Group``.
        group_name: its name.
        security_group_id: the tunnel host's security group id, which the cluster's control plane
            admits on 443.
        tag: the tag (``key``, ``value``) that marks the tunnel's instances, by which CI finds one
            to start a session on.
    """

    TYPE = "infra-kit:aws:ApiTunnel"

    def __init__(
        self,
        name: str,
        args: ApiTunnelArgs,
        env: Environment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        egress = plan_egress(args.vpc_cidr, env.profile.network)
        super().__init__(name, env, opts)
        self.tag: dict[str, str] = {"key": TUNNEL_TAG_KEY, "value": TUNNEL_TAG_VALUE}
        profile = self._instance_profile()
        self._security_group(args, egress)
        tags = merge_tags(
            env.tags,
            {"Name": f"{env.project}-{env.stack}-{name}", TUNNEL_TAG_KEY: TUNNEL_TAG_VALUE},
        )
        template = aws.ec2.LaunchTemplate(
            self.child("template"),
            _launch_template_args(
                profile_arn=profile.arn,
                security_group_id=self.security_group_id,
                key_arn=args.key.arn,
                tags=tags,
                description=f"EKS API tunnel of {env.project}/{env.stack}",
            ),
            opts=self.child_opts(),
        )
        self.group = aws.autoscaling.Group(
            self.child("asg"),
            aws.autoscaling.GroupArgs(
                min_size=1,
                max_size=1,
                desired_capacity=1,
                vpc_zone_identifiers=list(args.private_subnet_ids),
                launch_template=aws.autoscaling.GroupLaunchTemplateArgs(
                    id=template.id, version=template.latest_version.apply(str)
                ),
                health_check_type="EC2",
                max_instance_lifetime=MAX_INSTANCE_LIFETIME_SECONDS,
                # Launch the replacement before ending the old instance.
                instance_maintenance_policy=aws.autoscaling.GroupInstanceMaintenancePolicyArgs(
                    min_healthy_percentage=100, max_healthy_percentage=200
                ),
                instance_refresh=aws.autoscaling.GroupInstanceRefreshArgs(
                    strategy="Rolling",
                    preferences=aws.autoscaling.GroupInstanceRefreshPreferencesArgs(
                        min_healthy_percentage=100, max_healthy_percentage=200
                    ),
                ),
                # Instances carry the template's tags; these tag the group itself (TAG-1).
                tags=[
                    aws.autoscaling.GroupTagArgs(key=k, value=v, propagate_at_launch=False)
                    for k, v in sorted(tags.items())
                ],
            ),
            opts=self.child_opts(),
        )
        self.group_name: pulumi.Output[str] = self.group.name
        self.register_outputs(
            {
                "group_name": self.group_name,
                "security_group_id": self.security_group_id,
                "tag": self.tag,
            }
        )

    def _instance_profile(self) -> aws.iam.InstanceProfile:
        role = aws.iam.Role(
            self.child("role"),
            aws.iam.RoleArgs(
                assume_role_policy=policies.service_trust_policy("ec2.amazonaws.com").to_json(),
                description=f"EKS API tunnel of {self.env.project}/{self.env.stack}: SSM Agent only",
            ),
            opts=self.child_opts(),
        )
        # prescription: SEC-1 -- AWS's minimum for an SSM target, accepted with its reason.
        attachment = aws.iam.RolePolicyAttachment(
            self.child("role", "ssm"),
            aws.iam.RolePolicyAttachmentArgs(
                role=role.name,
                policy_arn=f"arn:{self.env.partition}:iam::aws:policy/{_SSM_POLICY}",
            ),
            opts=self.child_opts(),
        )
        suppress(attachment, "IK-SEC-1-MANAGED-POLICY", reason=_SSM_POLICY_REASON)
        return aws.iam.InstanceProfile(
            self.child("profile"),
            aws.iam.InstanceProfileArgs(role=role.name),
            opts=self.child_opts(depends_on=[attachment]),
        )

    # prescription: NET-2 -- no ingress; HTTPS out to the VPC and, through NAT, to SSM only.
    def _security_group(self, args: ApiTunnelArgs, egress: Sequence[TunnelEgress]) -> None:
        group = aws.ec2.SecurityGroup(
            self.child("sg"),
            aws.ec2.SecurityGroupArgs(
                vpc_id=args.vpc_id,
                description="EKS API tunnel: no ingress, HTTPS egress only",
                revoke_rules_on_delete=True,
                tags={"Name": f"{self.env.project}-{self.env.stack}-{self.component_name}"},
            ),
            opts=self.child_opts(),
        )
        self.security_group_id: pulumi.Output[str] = group.id
        for rule in egress:
            aws.vpc.SecurityGroupEgressRule(
                self.child("sg", rule.suffix),
                security_group_id=group.id,
                cidr_ipv4=rule.cidr,
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                description=rule.description,
                opts=self.child_opts(),
            )
        aws.vpc.SecurityGroupIngressRule(
            self.child("api-from-tunnel"),
            security_group_id=args.cluster_security_group_id,
            referenced_security_group_id=group.id,
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            description="EKS API tunnel to the API server",
            opts=self.child_opts(),
        )


def _launch_template_args(
    *,
    profile_arn: pulumi.Input[str],
    security_group_id: pulumi.Input[str],
    key_arn: pulumi.Input[str],
    tags: dict[str, str],
    description: str,
) -> aws.ec2.LaunchTemplateArgs:
    """No key pair, no public IP, IMDSv2 with hop limit 1, encrypted gp3 root, tagged (TAG-1)."""
    return aws.ec2.LaunchTemplateArgs(
        description=description,
        update_default_version=True,
        image_id=IMAGE_ID,
        instance_type=INSTANCE_TYPE,
        iam_instance_profile=aws.ec2.LaunchTemplateIamInstanceProfileArgs(arn=profile_arn),
        network_interfaces=[
            aws.ec2.LaunchTemplateNetworkInterfaceArgs(
                device_index=0,
                associate_public_ip_address="false",
                security_groups=[security_group_id],
                delete_on_termination="true",
            )
        ],
        metadata_options=IMDSV2_ONLY,
        # No size: the AMI's snapshot size, the least it can boot from.
        block_device_mappings=encrypted_root_volume(key_arn),
        tag_specifications=tag_specifications(tags),
    )
