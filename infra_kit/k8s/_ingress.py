"""An Ingress for the AWS Load Balancer Controller: HTTPS with a managed certificate (EDGE-1, SEC-3).

Pure logic: no Pulumi runtime. The controller turns the Ingress into an Application Load
Balancer that:

- is internal or internet-facing as the caller says (:class:`Exposure`; there is no default);
- sends traffic straight to pod IPs (``target-type: ip``), so the pods' NetworkPolicy admits the
  ALB by address: the subnets the controller puts it in (see :func:`alb_source_cidrs`);
- listens on 80 and 443, redirects HTTP to HTTPS, terminates TLS with an ACM certificate and the
  TLS 1.3/1.2 policy ``ELBSecurityPolicy-TLS13-1-2-2021-06``, and speaks HTTP or HTTPS to the
  pods (:class:`BackendProtocol`);
- when internet-facing, sits behind a WAFv2 web ACL, which the controller associates with each
  ALB it creates (``wafv2-acl-arn``), unless a written reason turns the WAF off;
- writes access logs to an S3 bucket (``load-balancer-attributes``), health-checks the readiness
  path, drops invalid header fields, and carries the stack's required tags (TAG-1: the
  controller creates it on our behalf).

Annotation names and attribute keys: AWS Load Balancer Controller, docs/guide/ingress/
annotations.md (kubernetes-sigs/aws-load-balancer-controller, read 2026-12-02).
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import pulumi
import pulumi_kubernetes as k8s

from infra_kit.aws._cidr import SubnetTier
from infra_kit.errors import ValidationError
from infra_kit.k8s._network import tier_cidrs

__all__ = [
    "ALB_PREFIX",
    "DEFAULT_SSL_POLICY",
    "WAF_DISABLED_ANNOTATION",
    "AlbIngress",
    "BackendProtocol",
    "Exposure",
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
_PREFIX = re.compile(r"^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*$")
#: Where an Ingress whose WAF is turned off says why (EDGE-1).
WAF_DISABLED_ANNOTATION = "infra-kit.io/waf-disabled-reason"
#: Where an Ingress whose access logs are turned off says why (EDGE-1).
ACCESS_LOGS_DISABLED_ANNOTATION = "infra-kit.io/access-logs-disabled-reason"
_MIN_REASON_WORDS = 4


class Exposure(StrEnum):
    """Who can reach the ALB: the value of the controller's ``scheme`` annotation."""

    INTERNAL = "internal"
    """In the private subnets: reachable from the VPC (and what is peered or routed to it)."""
    INTERNET_FACING = "internet-facing"
    """In the public subnets, with a public address: reachable by anyone. Needs a WAF web ACL
    and access logs, or a written reason for each one left out (EDGE-1)."""


class BackendProtocol(StrEnum):
    """How the ALB speaks to the pods (ADR 0024)."""

    HTTP = "HTTP"
    """Plain HTTP inside the VPC: TLS ends at the ALB. Any app works."""
    HTTPS = "HTTPS"
    """TLS to the pod as well. The app must listen with TLS on its port; the ALB does not
    verify the pod's certificate, so a self-signed one is enough. Health checks use HTTPS."""


def _reason_problem(reason: str | None) -> str | None:
    if reason is None:
        return None
    if len(" ".join(str(reason).split()).split()) < _MIN_REASON_WORDS:
        return f"a reason is at least {_MIN_REASON_WORDS} words a reviewer can judge"
    return None


@dataclass(frozen=True)
class AlbIngress:
    """An ALB in front of a :class:`~infra_kit.k8s.WebService`.

    Args:
        certificate_arn: the ACM certificate for the hosts, usually
            :attr:`~infra_kit.aws.public_name.PublicName.certificate_arn`, which resolves only
            once the certificate is validated. Required: there is no plain-HTTP ALB.
        exposure: :attr:`Exposure.INTERNAL` or :attr:`Exposure.INTERNET_FACING`. Required, with
            no default: a copied example never turns an API public, or private, by accident.
        hosts: host names routed to the service. Default: every host the ALB receives.
        ssl_policy: the listener's TLS policy; TLS 1.2 and newer only.
            Default: ``ELBSecurityPolicy-TLS13-1-2-2021-06``.
        waf_acl_arn: a REGIONAL WAFv2 web ACL that the controller associates with the ALB
            (:class:`~infra_kit.aws.web_acl.WebAcl`, the platform's ``web_acl_arn``). Required
            when internet-facing unless ``disable_waf_reason`` is given. Default: none.
        disable_waf_reason: leave an internet-facing ALB without a WAF, losing the managed rule
            groups and the rate limit. A sentence (4 words or more) saying why; it is kept in
            the ``infra-kit.io/waf-disabled-reason`` annotation and as a suppression of
            ``IK-EDGE-1-WAF`` in the graph. Default: none.
        access_log_bucket: the name of an S3 bucket, in the ALB's region, with a policy that
            lets ELB deliver logs (the platform's ``alb_access_log_bucket``). Required when
            internet-facing unless ``disable_access_logs_reason`` is given. Default: none.
        access_log_prefix: the key prefix of this ALB's logs in the bucket. Default: the
            service's namespace and name (``<namespace>/<service>``).
        disable_access_logs_reason: leave an internet-facing ALB without access logs, losing the
            record of who called it. A sentence (4 words or more), kept in the
            ``infra-kit.io/access-logs-disabled-reason`` annotation and as a suppression of
            ``IK-EDGE-1-ALB-ACCESS-LOGS``. Default: none.
        backend_protocol: how the ALB reaches the pods: :attr:`BackendProtocol.HTTPS` where the
            app serves TLS on its port, so traffic is encrypted inside the VPC too (ADR 0024).
            Default: :attr:`BackendProtocol.HTTP`.
        group_name: share one ALB between Ingresses of the same group (cheaper). Every member
            must then name the same web ACL and access-log settings. Default: an ALB of its own.
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

    Attributes:
        internet_facing: whether the ALB is in the public subnets.
    """

    certificate_arn: pulumi.Input[str]
    exposure: Exposure | None = None
    hosts: Sequence[str] = field(default_factory=tuple)
    ssl_policy: str = DEFAULT_SSL_POLICY
    waf_acl_arn: pulumi.Input[str] | None = None
    disable_waf_reason: str | None = None
    access_log_bucket: pulumi.Input[str] | None = None
    access_log_prefix: str | None = None
    disable_access_logs_reason: str | None = None
    backend_protocol: BackendProtocol = BackendProtocol.HTTP
    group_name: str | None = None
    source_cidrs: Sequence[str] = field(default_factory=tuple)

    @property
    def internet_facing(self) -> bool:
        """Whether the ALB is in the public subnets."""
        return self.exposure is Exposure.INTERNET_FACING

    def __post_init__(self) -> None:
        arn = self.certificate_arn
        if not arn or (isinstance(arn, str) and not _ACM_ARN.match(arn)):
            raise ValidationError(
                "ingress.certificate_arn",
                arn,
                "an HTTPS listener needs an ACM certificate ARN (EDGE-1)",
                "pass the ARN of an ACM certificate covering the hosts, e.g. "
                "PublicName(...).certificate_arn",
            )
        if not isinstance(self.exposure, Exposure):
            raise ValidationError(
                "ingress.exposure",
                self.exposure,
                "an ALB's exposure is never assumed: say whether it is internal or faces the "
                "internet (EDGE-1)",
                "pass exposure=Exposure.INTERNAL (reachable from the VPC only) or "
                "exposure=Exposure.INTERNET_FACING with waf_acl_arn= and access_log_bucket= "
                "(from infra_kit.k8s import Exposure)",
            )
        if not isinstance(self.backend_protocol, BackendProtocol):
            raise ValidationError(
                "ingress.backend_protocol",
                self.backend_protocol,
                "not a BackendProtocol",
                "pass BackendProtocol.HTTP (the default) or BackendProtocol.HTTPS",
            )
        self._check_waf()
        self._check_access_logs()
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

    def _check_waf(self) -> None:
        reason = self.disable_waf_reason
        if reason is not None and self.waf_acl_arn is not None:
            raise ValidationError(
                "ingress.disable_waf_reason",
                reason,
                "a web ACL is given as well, so the WAF is not disabled",
                "drop disable_waf_reason, or drop waf_acl_arn to run without a WAF",
            )
        if reason is not None and not self.internet_facing:
            raise ValidationError(
                "ingress.disable_waf_reason",
                reason,
                "an internal ALB needs no WAF, so there is nothing to disable",
                "drop disable_waf_reason",
            )
        problem = _reason_problem(reason)
        if problem is not None:
            raise ValidationError(
                "ingress.disable_waf_reason",
                reason,
                problem,
                "say why this public ALB runs without a WAF, e.g. 'the partner API gateway in "
                "front already applies the managed rule groups'",
            )
        if self.internet_facing and self.waf_acl_arn is None and reason is None:
            raise ValidationError(
                "ingress.waf_acl_arn",
                None,
                "an internet-facing ALB is put behind a WAFv2 web ACL (EDGE-1)",
                "pass waf_acl_arn= (the platform's web_acl_arn output, or WebAcl(...).arn), or "
                "disable_waf_reason='<why this ALB needs none>'",
            )

    def _check_access_logs(self) -> None:
        reason = self.disable_access_logs_reason
        if reason is not None and self.access_log_bucket is not None:
            raise ValidationError(
                "ingress.disable_access_logs_reason",
                reason,
                "an access-log bucket is given as well, so access logs are not disabled",
                "drop disable_access_logs_reason, or drop access_log_bucket",
            )
        problem = _reason_problem(reason)
        if problem is not None:
            raise ValidationError(
                "ingress.disable_access_logs_reason",
                reason,
                problem,
                "say why this ALB's requests need no record",
            )
        if self.internet_facing and self.access_log_bucket is None and reason is None:
            raise ValidationError(
                "ingress.access_log_bucket",
                None,
                "an internet-facing ALB writes access logs, the record of who called it (EDGE-1)",
                "pass access_log_bucket= (the platform's alb_access_log_bucket output), or "
                "disable_access_logs_reason='<why>'",
            )
        prefix = self.access_log_prefix
        if prefix is not None and (
            not _PREFIX.match(prefix) or "AWSLogs" in prefix or len(prefix) > 200
        ):
            raise ValidationError(
                "ingress.access_log_prefix",
                prefix,
                "a log prefix is S3 key segments without 'AWSLogs' (ELB adds that itself), "
                "no leading or trailing slash",
                "use e.g. 'apps/orders-api', or leave it unset",
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
    ingress: AlbIngress,
    *,
    health_check_path: str,
    tags: Mapping[str, str],
    log_prefix: str,
) -> dict[str, pulumi.Input[str]]:
    """The controller's annotations for ``ingress``; ``tags`` become the ALB's AWS tags and
    ``log_prefix`` is the access logs' prefix unless ``ingress.access_log_prefix`` says."""
    attributes: list[pulumi.Input[str]] = ["routing.http.drop_invalid_header_fields.enabled=true"]
    if ingress.access_log_bucket is not None:
        prefix = ingress.access_log_prefix or log_prefix
        # prescription: EDGE-1 -- every request through the edge is recorded.
        attributes += [
            "access_logs.s3.enabled=true",
            _prefixed("access_logs.s3.bucket=", ingress.access_log_bucket),
            f"access_logs.s3.prefix={prefix}",
        ]
    annotations: dict[str, pulumi.Input[str]] = {
        "scheme": str(ingress.exposure),
        "target-type": "ip",
        "listen-ports": json.dumps([{"HTTP": 80}, {"HTTPS": 443}]),
        # prescription: SEC-3 -- HTTP is redirected to HTTPS.
        "ssl-redirect": "443",
        # prescription: EDGE-1 -- TLS terminated with a managed certificate.
        "certificate-arn": ingress.certificate_arn,
        "ssl-policy": ingress.ssl_policy,
        "backend-protocol": str(ingress.backend_protocol),
        "healthcheck-protocol": str(ingress.backend_protocol),
        "healthcheck-path": health_check_path,
        "load-balancer-attributes": _joined(attributes),
        "tags": ",".join(f"{k}={v}" for k, v in sorted(tags.items())),
    }
    if ingress.waf_acl_arn is not None:
        # prescription: EDGE-1 -- the controller associates the web ACL with each ALB it makes.
        annotations["wafv2-acl-arn"] = ingress.waf_acl_arn
    elif ingress.disable_waf_reason is not None:
        # Absent, the annotation leaves an ACL associated before in place; "none" removes it.
        annotations["wafv2-acl-arn"] = "none"
    if ingress.group_name is not None:
        annotations["group.name"] = ingress.group_name
    result = {ALB_PREFIX + key: value for key, value in annotations.items()}
    if ingress.disable_waf_reason is not None:
        result[WAF_DISABLED_ANNOTATION] = " ".join(ingress.disable_waf_reason.split())
    if ingress.disable_access_logs_reason is not None:
        result[ACCESS_LOGS_DISABLED_ANNOTATION] = " ".join(
            ingress.disable_access_logs_reason.split()
        )
    return result


def _prefixed(prefix: str, value: pulumi.Input[str]) -> pulumi.Input[str]:
    return prefix + value if isinstance(value, str) else pulumi.Output.concat(prefix, value)


def _joined(parts: Sequence[pulumi.Input[str]]) -> pulumi.Input[str]:
    """``parts`` joined by commas: a string when every part is one, else an Output."""
    if all(isinstance(part, str) for part in parts):
        return ",".join(str(part) for part in parts)
    separated: list[pulumi.Input[str]] = []
    for i, part in enumerate(parts):
        separated += [",", part] if i else [part]
    return pulumi.Output.concat(*separated)


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
