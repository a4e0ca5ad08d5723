"""What the EKS API tunnel may reach, and who may open it, as data (pure).

:class:`~infra_kit.aws.api_tunnel.ApiTunnel` turns these into resources; ADR 0017
(docs/adr/0017-reaching-the-private-eks-api.md) records why the tunnel exists.

The tunnel instance runs the SSM Agent and nothing else. The agent calls the ``ssm``,
``ssmmessages`` and ``ec2messages`` endpoints over HTTPS, and a port-forwarding session opens a
TCP connection from the instance to the cluster endpoint's network interfaces in the VPC on 443.
DNS (the VPC resolver) and the instance metadata service are not filtered by security groups,
so they need no rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from infra_kit.aws import actions
from infra_kit.aws._cidr import parse_vpc_cidr
from infra_kit.aws._policy import Statement
from infra_kit.core.profile.network import NatStrategy, NetworkProfile
from infra_kit.errors import ValidationError

__all__ = [
    "AMI_PARAMETER",
    "IMAGE_ID",
    "PORT_FORWARDING_DOCUMENT",
    "SSM_SERVICES",
    "TUNNEL_TAG_KEY",
    "TUNNEL_TAG_VALUE",
    "TunnelEgress",
    "plan_egress",
    "session_statements",
]

#: The tag every tunnel instance carries; the CI roles may start sessions only on instances
#: that have it, and the composite action finds instances by it.
TUNNEL_TAG_KEY = "infra-kit:role"
TUNNEL_TAG_VALUE = "api-tunnel"
#: AWS's public parameter naming the newest Amazon Linux 2023 arm64 AMI. The standard variant,
#: not the minimal one: it comes with the SSM Agent installed and running.
AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
#: EC2 resolves the parameter each time the group launches an instance, so a replacement starts
#: from the newest AMI and the launch template never changes when AWS publishes one.
IMAGE_ID = f"resolve:ssm:{AMI_PARAMETER}"
#: The AWS-owned session document that forwards a local port to a host the instance reaches.
PORT_FORWARDING_DOCUMENT = "AWS-StartPortForwardingSessionToRemoteHost"
#: The endpoints the SSM Agent calls to register and to carry sessions.
SSM_SERVICES = ("ssm", "ssmmessages", "ec2messages")
_ANYWHERE = "0.0.0.0/0"
_HTTPS = 443


@dataclass(frozen=True)
class TunnelEgress:
    """One egress rule of the tunnel's security group: TCP 443 to ``cidr``."""

    suffix: str
    cidr: str
    description: str


def _ssm_through_endpoints(network: NetworkProfile) -> bool:
    services = set(network.interface_endpoint_services)
    return network.enable_interface_endpoints and all(s in services for s in SSM_SERVICES)


def plan_egress(vpc_cidr: str, network: NetworkProfile) -> tuple[TunnelEgress, ...]:
    """The tunnel's egress rules, all TCP 443; raise ValidationError if SSM is unreachable.

    Always HTTPS to the VPC (the cluster endpoint's network interfaces and the interface
    endpoints). Where the network has no interface endpoints for all of :data:`SSM_SERVICES`,
    the agent reaches their public endpoints through NAT, whose addresses no CIDR narrower than
    0.0.0.0/0 names, so HTTPS anywhere is added too (IK-NET-2-OPEN-EGRESS accepts TCP 443).
    """
    vpc = str(parse_vpc_cidr(vpc_cidr, key="vpc_cidr"))
    rules = [TunnelEgress("egress-vpc-https", vpc, "EKS API endpoint and interface endpoints")]
    if _ssm_through_endpoints(network):
        return tuple(rules)
    if network.nat_strategy is NatStrategy.NONE:
        raise ValidationError(
            "network.nat_strategy",
            network.nat_strategy.value,
            "the API tunnel's SSM Agent reaches Systems Manager through NAT or through interface "
            "endpoints for " + ", ".join(SSM_SERVICES) + ", and this network has neither",
            "set network.nat_strategy to single or one_per_az, or enable interface endpoints "
            "and add " + ", ".join(SSM_SERVICES) + " to network.interface_endpoint_services",
        )
    rules.append(TunnelEgress("egress-ssm-https", _ANYWHERE, "Systems Manager endpoints via NAT"))
    return tuple(rules)


# prescription: SEC-1 -- a read-only CI role may open a port forward to the tunnel, nothing else.
def session_statements(
    partition: str, region: str, account_id: pulumi.Input[str]
) -> Sequence[Statement]:
    """What a role needs to open a port forward through the tunnel, and no more.

    Sessions start only on instances tagged ``infra-kit:role=api-tunnel`` in this account and
    region, only with :data:`PORT_FORWARDING_DOCUMENT` (the document check forbids a shell), and
    end only when the caller started them (the session's ``aws:ssmmessages:session-id`` tag is
    the starter's user id).
    """
    document_check = {"BoolIfExists": {"ssm:SessionDocumentAccessCheck": "true"}}
    instances = pulumi.Output.concat(
        "arn:", partition, ":ec2:", region, ":", account_id, ":instance/*"
    )
    sessions = pulumi.Output.concat(
        "arn:", partition, ":ssm:", region, ":", account_id, ":session/*"
    )
    return [
        Statement(
            actions=actions.SSM_START_SESSION,
            resources=[instances],
            conditions={
                "StringEquals": {f"aws:ResourceTag/{TUNNEL_TAG_KEY}": TUNNEL_TAG_VALUE},
                **document_check,
            },
            sid="TunnelSessionTarget",
        ),
        Statement(
            actions=actions.SSM_START_SESSION,
            # AWS-owned documents have no account in their ARN.
            resources=[f"arn:{partition}:ssm:{region}::document/{PORT_FORWARDING_DOCUMENT}"],
            conditions=document_check,
            sid="TunnelSessionDocument",
        ),
        Statement(
            actions=actions.SSM_TERMINATE_SESSION,
            resources=[sessions],
            conditions={
                "StringLike": {"ssm:resourceTag/aws:ssmmessages:session-id": "${aws:userid}*"}
            },
            justification="a session id is known only once started and the starter's tag scopes it",
        ),
        Statement(
            actions=[*actions.EC2_DESCRIBE_INSTANCES, *actions.SSM_DESCRIBE_INSTANCE_INFORMATION],
            resources=["*"],
            justification=(
                "finding the tunnel instance by tag, and waiting until its agent is online, "
                "accept no resource ARN"
            ),
        ),
    ]
