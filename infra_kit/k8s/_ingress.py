"""An Ingress for the AWS Load Balancer Controller: HTTPS with a managed certificate (EDGE-1, SEC-3).

Pure logic: no Pulumi runtime. The controller turns the Ingress into an Application Load
Balancer that:

- is internal unless ``internet_facing=True``;
- sends traffic straight to pod IPs (``target-type: ip``), so the pods' NetworkPolicy admits the
  ALB by address: the subnets the controller puts it in (see :func:`alb_source_cidrs`);
- listens on 80 and 443, redirects HTTP to HTTPS, terminates TLS with an ACM certificate and the
  TLS 1.3/1.2 policy ``ELBSecurityPolicy-TLS13-1-2-2021-06``;
- health-checks the readiness path, drops invalid header fields, can sit behind a WAF web ACL,
  and carries the stack's required tags (TAG-1: the controller creates it on our behalf).
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from infra_kit.aws._cidr import SubnetTier
from infra_kit.errors import ValidationError
from infra_kit.k8s._network import tier_cidrs

__all__ = [
    "ALB_PREFIX",
    "DEFAULT_SSL_POLICY",
    "AlbIngress",
    "alb_annotations",
    "alb_source_cidrs",
    "ingress_spec",
]

ALB_PREFIX = "alb.ingress.kubernetes.io/"
DEFAULT_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
#: ELB security policies that allow nothing older than TLS 1.2.
_TLS12_PLUS = (
    "ELBSecurityPolicy-TLS13-",
    "ELBSecurityPolicy-TLS-1-2-",
    "ELBSecurityPolicy-FS-1-2-",
)
_HOST = re.compile(r"^(\*\.)?([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_ACM_ARN = re.compile(r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[A-Za-z0-9-]+$")
_GROUP = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$")


@dataclass(frozen=True)
class AlbIngress:
    """An ALB in front of a :class:`~infra_kit.k8s.WebService`.

    Args:
        certificate_arn: the ACM certificate for the hosts. Required: there is no plain-HTTP ALB.
        hosts: host names routed to the service. Default: every host the ALB receives.
        internet_facing: put the ALB in the public subnets. Default: False (internal).
        ssl_policy: the listener's TLS policy; TLS 1.2 and newer only.
            Default: ``ELBSecurityPolicy-TLS13-1-2-2021-06``.
        waf_acl_arn: a WAFv2 web ACL to attach. Default: none.
        group_name: share one ALB between Ingresses of the same group (cheaper). Default: an
            ALB of its own.
        source_cidrs: the addresses the pods' NetworkPolicy admits on the container port,
            which must hold the ALB's network interfaces. Default (:func:`alb_source_cidrs`):
            the subnets the AWS Load Balancer Controller places the ALB in, i.e. the public
            tier's CIDRs for an internet-facing ALB and the private tier's for an internal one,
            in each of the profile's ``network.az_count`` AZs (dev and preview 2, stage and prod
            3) of a Network built on the profile's ``network.vpc_cidr`` (its default; pass the
            subnets' CIDRs here if it was given another ``cidr``). The private tier is also
            where the pods take their addresses, so the default of an internal ALB admits every
            pod of the cluster on that port as well; pass the CIDRs of dedicated ALB subnets
            here to shut them out.
    """

    certificate_arn: pulumi.Input[str]
    hosts: Sequence[str] = field(default_factory=tuple)
    internet_facing: bool = False
    ssl_policy: str = DEFAULT_SSL_POLICY
    waf_acl_arn: pulumi.Input[str] | None = None
    group_name: str | None = None
    source_cidrs: Sequence[str] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        arn = self.certificate_arn
        if not arn or (isinstance(arn, str) and not _ACM_ARN.match(arn)):
            raise ValidationError(
                "ingress.certificate_arn",
                arn,
                "an HTTPS listener needs an ACM certificate ARN (EDGE-1)",
                "pass the ARN of an ACM certificate covering the hosts",
            )
        if not self.ssl_policy.startswith(_TLS12_PLUS):
            raise ValidationError(
                "ingress.ssl_policy",
                self.ssl_policy,
                "the policy allows TLS versions older than 1.2 (SEC-3)",
                f"use {DEFAULT_SSL_POLICY} (the default) or another TLS 1.2+ policy",
            )
        for host in self.hosts:
            if not isinstance(host, str) or not _HOST.match(host):
                raise ValidationError(
                    "ingress.hosts", host, "not a DNS host name", "use e.g. 'api.example.com'"
                )
        if self.group_name is not None and not _GROUP.match(self.group_name):
            raise ValidationError(
                "ingress.group_name", self.group_name, "not a valid group name", "use e.g. 'public'"
            )
        for cidr in self.source_cidrs:
            try:
                net = ipaddress.ip_network(cidr, strict=True)
            except (TypeError, ValueError) as exc:
                raise ValidationError(
                    "ingress.source_cidrs", cidr, f"not a CIDR ({exc})", "e.g. 10.0.0.0/20"
                ) from None
            if net.prefixlen == 0:
                raise ValidationError(
                    "ingress.source_cidrs",
                    cidr,
                    "the ALB's interfaces live in the VPC, so every address is never needed",
                    "list the ALB subnets' CIDRs, or leave it unset for its subnet tier's",
                )


def alb_source_cidrs(ingress: AlbIngress, vpc_cidr: str, az_count: int) -> tuple[str, ...]:
    """What the pods behind ``ingress`` admit from: ``source_cidrs`` when given, else the
    subnets of the tier the controller picks for the ALB's scheme (NET-1, NET-5).

    The controller places an internet-facing ALB in the subnets tagged
    ``kubernetes.io/role/elb`` (the Network's public tier) and an internal one in those tagged
    ``kubernetes.io/role/internal-elb`` (the private tier); ``vpc_cidr`` and ``az_count`` (the
    profile's ``network`` section) give those subnets' CIDRs. The public tier holds only load
    balancers and NAT gateways. The private tier also holds every pod (VPC CNI), which is why
    an internal ALB's default admits the whole cluster on the port: the honest limit of
    addressing the ALB by subnet without subnets of its own.
    """
    if ingress.source_cidrs:
        return tuple(ingress.source_cidrs)
    tier = SubnetTier.PUBLIC if ingress.internet_facing else SubnetTier.PRIVATE
    return tier_cidrs(vpc_cidr, az_count, tier)


def alb_annotations(
    ingress: AlbIngress, *, health_check_path: str, tags: Mapping[str, str]
) -> dict[str, pulumi.Input[str]]:
    """The controller's annotations for ``ingress``; ``tags`` become the ALB's AWS tags."""
    annotations: dict[str, pulumi.Input[str]] = {
        "scheme": "internet-facing" if ingress.internet_facing else "internal",
        "target-type": "ip",
        "listen-ports": json.dumps([{"HTTP": 80}, {"HTTPS": 443}]),
        "ssl-redirect": "443",
        # prescription: EDGE-1 -- TLS terminated with a managed certificate.
        "certificate-arn": ingress.certificate_arn,
        "ssl-policy": ingress.ssl_policy,
        "backend-protocol": "HTTP",
        "healthcheck-path": health_check_path,
        "load-balancer-attributes": "routing.http.drop_invalid_header_fields.enabled=true",
        "tags": ",".join(f"{k}={v}" for k, v in sorted(tags.items())),
    }
    if ingress.waf_acl_arn is not None:
        annotations["wafv2-acl-arn"] = ingress.waf_acl_arn
    if ingress.group_name is not None:
        annotations["group.name"] = ingress.group_name
    return {ALB_PREFIX + key: value for key, value in annotations.items()}


def ingress_spec(service: str, hosts: Sequence[str]) -> k8s.networking.v1.IngressSpecArgs:
    """Every path of ``hosts`` (or of any host) to the ``http`` port of Service ``service``."""
    backend = k8s.networking.v1.IngressBackendArgs(
        service=k8s.networking.v1.IngressServiceBackendArgs(
            name=service, port=k8s.networking.v1.ServiceBackendPortArgs(name="http")
        )
    )
    path = k8s.networking.v1.HTTPIngressPathArgs(path="/", path_type="Prefix", backend=backend)
    return k8s.networking.v1.IngressSpecArgs(
        ingress_class_name="alb",
        rules=[
            k8s.networking.v1.IngressRuleArgs(
                host=host, http=k8s.networking.v1.HTTPIngressRuleValueArgs(paths=[path])
            )
            for host in (list(hosts) or [None])
        ],
    )
