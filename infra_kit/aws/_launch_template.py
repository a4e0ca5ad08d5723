"""The launch-template settings every instance infra-kit launches shares: node groups' and the
API tunnel's. Pure argument builders; no resources are created here."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_aws as aws

__all__ = ["IMDSV2_ONLY", "encrypted_root_volume", "tag_specifications"]

#: IMDSv2 only, hop limit 1: a container on the instance cannot reach its credentials.
IMDSV2_ONLY = aws.ec2.LaunchTemplateMetadataOptionsArgs(
    http_endpoint="enabled", http_tokens="required", http_put_response_hop_limit=1
)


def encrypted_root_volume(
    key_arn: pulumi.Input[str], size_gib: int | None = None
) -> list[aws.ec2.LaunchTemplateBlockDeviceMappingArgs]:
    """A gp3 root volume encrypted with ``key_arn`` (SEC-3), deleted with its instance. Without
    ``size_gib``, the AMI snapshot's size: the least the image boots from."""
    return [
        aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
            device_name="/dev/xvda",
            ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                volume_size=size_gib,
                volume_type="gp3",
                encrypted="true",
                kms_key_id=key_arn,
                delete_on_termination="true",
            ),
        )
    ]


def tag_specifications(tags: Mapping[str, str]) -> list[aws.ec2.LaunchTemplateTagSpecificationArgs]:
    """The tags on what an Auto Scaling group launches, which provider default tags miss
    (TAG-1): instances, their volumes and network interfaces."""
    return [
        aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type=kind, tags=dict(tags))
        for kind in ("instance", "volume", "network-interface")
    ]
