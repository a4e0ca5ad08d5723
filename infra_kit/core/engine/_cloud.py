"""A deterministic imitation of what AWS and Kubernetes return, for the offline engine.

Every computed output (ids, ARNs, endpoints, certificate data, OIDC issuers) is derived from the
resource type and logical name by hashing, so the same program and config always produce the
same values, and they have the shape real code expects: an ARN with the right service,
partition, region and account.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from infra_kit.core.engine._schema import Placeholders
from infra_kit.errors import SynthError

__all__ = ["ACCOUNT_ID", "FakeCloud"]

#: The documented example account id; no real account is ever implied.
ACCOUNT_ID = "123456789012"
_ALB_NAME_ANNOTATION = "alb.ingress.kubernetes.io/load-balancer-name"
_ALB_SCHEME_ANNOTATION = "alb.ingress.kubernetes.io/scheme"


def _hex(*parts: str, n: int = 17) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:n]


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


@dataclass(frozen=True)
class _Rule:
    """How one resource type gets its id and ARN. ``{name}`` is the physical name."""

    id: str
    arn: str | None = None
    name_key: str | None = "name"


_RULES: dict[str, _Rule] = {
    "aws:ec2/vpc:Vpc": _Rule("vpc-{h}", "arn:{p}:ec2:{r}:{a}:vpc/{id}", None),
    "aws:ec2/subnet:Subnet": _Rule("subnet-{h}", "arn:{p}:ec2:{r}:{a}:subnet/{id}", None),
    "aws:ec2/internetGateway:InternetGateway": _Rule(
        "igw-{h}", "arn:{p}:ec2:{r}:{a}:internet-gateway/{id}", None
    ),
    "aws:ec2/natGateway:NatGateway": _Rule("nat-{h}", None, None),
    "aws:ec2/eip:Eip": _Rule("eipalloc-{h}", "arn:{p}:ec2:{r}:{a}:elastic-ip/{id}", None),
    "aws:ec2/routeTable:RouteTable": _Rule("rtb-{h}", "arn:{p}:ec2:{r}:{a}:route-table/{id}", None),
    "aws:ec2/route:Route": _Rule("r-rtb-{h}", None, None),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": _Rule("rtbassoc-{h}", None, None),
    "aws:ec2/securityGroup:SecurityGroup": _Rule(
        "sg-{h}", "arn:{p}:ec2:{r}:{a}:security-group/{id}"
    ),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": _Rule(
        "sg-{h}", "arn:{p}:ec2:{r}:{a}:security-group/{id}", None
    ),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": _Rule(
        "sgr-{h}", "arn:{p}:ec2:{r}:{a}:security-group-rule/{id}", None
    ),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": _Rule(
        "sgr-{h}", "arn:{p}:ec2:{r}:{a}:security-group-rule/{id}", None
    ),
    "aws:ec2/vpcEndpoint:VpcEndpoint": _Rule(
        "vpce-{h}", "arn:{p}:ec2:{r}:{a}:vpc-endpoint/{id}", None
    ),
    "aws:ec2/flowLog:FlowLog": _Rule("fl-{h}", "arn:{p}:ec2:{r}:{a}:vpc-flow-log/{id}", None),
    "aws:ec2/launchTemplate:LaunchTemplate": _Rule(
        "lt-{h}", "arn:{p}:ec2:{r}:{a}:launch-template/{id}"
    ),
    "aws:autoscaling/group:Group": _Rule(
        "{name}", "arn:{p}:autoscaling:{r}:{a}:autoScalingGroup:{uuid}:autoScalingGroupName/{name}"
    ),
    "aws:kms/key:Key": _Rule("{uuid}", "arn:{p}:kms:{r}:{a}:key/{id}", None),
    "aws:kms/alias:Alias": _Rule("{name}", "arn:{p}:kms:{r}:{a}:{name}"),
    "aws:iam/role:Role": _Rule("{name}", "arn:{p}:iam::{a}:role/{name}"),
    "aws:iam/policy:Policy": _Rule(
        "arn:{p}:iam::{a}:policy/{name}", "arn:{p}:iam::{a}:policy/{name}"
    ),
    "aws:iam/rolePolicy:RolePolicy": _Rule("{role}:{name}", None),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _Rule("{role}-{h}", None, None),
    "aws:iam/instanceProfile:InstanceProfile": _Rule(
        "{name}", "arn:{p}:iam::{a}:instance-profile/{name}"
    ),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": _Rule(
        "arn:{p}:iam::{a}:oidc-provider/{oidc}", "arn:{p}:iam::{a}:oidc-provider/{oidc}", None
    ),
    "aws:cloudwatch/logGroup:LogGroup": _Rule("{name}", "arn:{p}:logs:{r}:{a}:log-group:{name}"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": _Rule(
        "{name}", "arn:{p}:cloudwatch:{r}:{a}:alarm:{name}"
    ),
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": _Rule(
        "{alarmName}", "arn:{p}:cloudwatch:{r}:{a}:alarm:{alarmName}", "alarmName"
    ),
    "aws:cloudwatch/dashboard:Dashboard": _Rule(
        "{dashboardName}", "arn:{p}:cloudwatch::{a}:dashboard/{dashboardName}", "dashboardName"
    ),
    "aws:sns/topic:Topic": _Rule("arn:{p}:sns:{r}:{a}:{name}", "arn:{p}:sns:{r}:{a}:{name}"),
    "aws:s3/bucket:Bucket": _Rule("{bucket}", "arn:{p}:s3:::{bucket}", "bucket"),
    "aws:s3/bucketV2:BucketV2": _Rule("{bucket}", "arn:{p}:s3:::{bucket}", "bucket"),
    "aws:secretsmanager/secret:Secret": _Rule(
        "arn:{p}:secretsmanager:{r}:{a}:secret:{name}-{h6}",
        "arn:{p}:secretsmanager:{r}:{a}:secret:{name}-{h6}",
    ),
    "aws:lambda/function:Function": _Rule("{name}", "arn:{p}:lambda:{r}:{a}:function:{name}"),
    "aws:rds/instance:Instance": _Rule(
        "{identifier}", "arn:{p}:rds:{r}:{a}:db:{identifier}", "identifier"
    ),
    "aws:rds/subnetGroup:SubnetGroup": _Rule("{name}", "arn:{p}:rds:{r}:{a}:subgrp:{name}"),
    "aws:rds/parameterGroup:ParameterGroup": _Rule("{name}", "arn:{p}:rds:{r}:{a}:pg:{name}"),
    "aws:eks/cluster:Cluster": _Rule("{name}", "arn:{p}:eks:{r}:{a}:cluster/{name}"),
    "aws:eks/nodeGroup:NodeGroup": _Rule(
        "{clusterName}:{nodeGroupName}",
        "arn:{p}:eks:{r}:{a}:nodegroup/{clusterName}/{nodeGroupName}/{uuid}",
        "nodeGroupName",
    ),
    "aws:eks/addon:Addon": _Rule(
        "{clusterName}:{addonName}",
        "arn:{p}:eks:{r}:{a}:addon/{clusterName}/{addonName}/{uuid}",
        None,
    ),
    "aws:eks/accessEntry:AccessEntry": _Rule(
        "{clusterName}:{principalArn}",
        "arn:{p}:eks:{r}:{a}:access-entry/{clusterName}/{uuid}",
        None,
    ),
    "aws:budgets/budget:Budget": _Rule("{a}:{name}", "arn:{p}:budgets::{a}:budget/{name}"),
    "aws:backup/vault:Vault": _Rule("{name}", "arn:{p}:backup:{r}:{a}:backup-vault:{name}"),
    "aws:backup/plan:Plan": _Rule("{uuid}", "arn:{p}:backup:{r}:{a}:backup-plan:{id}"),
    "aws:sqs/queue:Queue": _Rule(
        "https://sqs.{r}.amazonaws.com/{a}/{name}", "arn:{p}:sqs:{r}:{a}:{name}"
    ),
    "aws:acm/certificate:Certificate": _Rule(
        "arn:{p}:acm:{r}:{a}:certificate/{uuid}", "arn:{p}:acm:{r}:{a}:certificate/{uuid}", None
    ),
    "aws:sqs/queuePolicy:QueuePolicy": _Rule("{queueUrl}", None, None),
    "aws:sns/topicSubscription:TopicSubscription": _Rule("{topic}:{uuid}", "{topic}:{uuid}", None),
    "aws:ecr/repository:Repository": _Rule("{name}", "arn:{p}:ecr:{r}:{a}:repository/{name}"),
    "aws:route53/zone:Zone": _Rule("Z{H}", "arn:{p}:route53:::hostedzone/Z{H}", None),
    "aws:route53/record:Record": _Rule("Z{H}_{name}_{type}", None, None),
    "aws:lb/loadBalancer:LoadBalancer": _Rule(
        "arn:{p}:elasticloadbalancing:{r}:{a}:loadbalancer/app/{name}/{h16}",
        "arn:{p}:elasticloadbalancing:{r}:{a}:loadbalancer/app/{name}/{h16}",
    ),
    "aws:lb/targetGroup:TargetGroup": _Rule(
        "arn:{p}:elasticloadbalancing:{r}:{a}:targetgroup/{name}/{h16}",
        "arn:{p}:elasticloadbalancing:{r}:{a}:targetgroup/{name}/{h16}",
    ),
    "aws:lb/listener:Listener": _Rule(
        "arn:{p}:elasticloadbalancing:{r}:{a}:listener/app/{h8}/{h16}",
        "arn:{p}:elasticloadbalancing:{r}:{a}:listener/app/{h8}/{h16}",
        None,
    ),
    "aws:dynamodb/table:Table": _Rule("{name}", "arn:{p}:dynamodb:{r}:{a}:table/{name}"),
    "aws:efs/fileSystem:FileSystem": _Rule(
        "fs-{h}", "arn:{p}:elasticfilesystem:{r}:{a}:file-system/{id}", None
    ),
    "aws:ebs/volume:Volume": _Rule("vol-{h}", "arn:{p}:ec2:{r}:{a}:volume/{id}", None),
    "aws:elasticache/replicationGroup:ReplicationGroup": _Rule(
        "{replicationGroupId}",
        "arn:{p}:elasticache:{r}:{a}:replicationgroup:{replicationGroupId}",
        "replicationGroupId",
    ),
    "aws:elasticache/subnetGroup:SubnetGroup": _Rule(
        "{name}", "arn:{p}:elasticache:{r}:{a}:subnetgroup:{name}"
    ),
    "aws:elasticache/serverlessCache:ServerlessCache": _Rule(
        "{name}", "arn:{p}:elasticache:{r}:{a}:serverlesscache:{name}"
    ),
    "aws:ssm/parameter:Parameter": _Rule("{name}", "arn:{p}:ssm:{r}:{a}:parameter/{name}"),
    "aws:iam/user:User": _Rule("{name}", "arn:{p}:iam::{a}:user/{name}"),
    "aws:iam/group:Group": _Rule("{name}", "arn:{p}:iam::{a}:group/{name}"),
    "aws:cloudwatch/eventRule:EventRule": _Rule("{name}", "arn:{p}:events:{r}:{a}:rule/{name}"),
    "aws:cloudwatch/eventBus:EventBus": _Rule("{name}", "arn:{p}:events:{r}:{a}:event-bus/{name}"),
    "aws:scheduler/schedule:Schedule": _Rule(
        "default/{name}", "arn:{p}:scheduler:{r}:{a}:schedule/default/{name}"
    ),
    "aws:sfn/stateMachine:StateMachine": _Rule(
        "arn:{p}:states:{r}:{a}:stateMachine:{name}", "arn:{p}:states:{r}:{a}:stateMachine:{name}"
    ),
    "aws:kinesis/stream:Stream": _Rule(
        "arn:{p}:kinesis:{r}:{a}:stream/{name}", "arn:{p}:kinesis:{r}:{a}:stream/{name}"
    ),
    "aws:wafv2/webAcl:WebAcl": _Rule(
        "{uuid}", "arn:{p}:wafv2:{r}:{a}:regional/webacl/{name}/{uuid}"
    ),
    "aws:ecs/cluster:Cluster": _Rule(
        "arn:{p}:ecs:{r}:{a}:cluster/{name}", "arn:{p}:ecs:{r}:{a}:cluster/{name}"
    ),
    "aws:cognito/userPool:UserPool": _Rule(
        "{r}_{h8}", "arn:{p}:cognito-idp:{r}:{a}:userpool/{r}_{h8}"
    ),
    "aws:cloudfront/distribution:Distribution": _Rule(
        "E{H}", "arn:{p}:cloudfront::{a}:distribution/E{H}", None
    ),
    "aws:lambda/permission:Permission": _Rule("{statementId}", None, "statementId"),
    "aws:apigatewayv2/api:Api": _Rule("{h10}", "arn:{p}:apigateway:{r}::/apis/{h10}"),
    "aws:s3/bucketPolicy:BucketPolicy": _Rule("{bucket}", None, None),
}


class _Fields(dict[str, Any]):
    """Format fields where an input the program left unset reads as ``unset``, not a KeyError."""

    def __missing__(self, key: str) -> str:
        return "unset"


def _uuid(h: str) -> str:
    h = (h * 2)[:32]
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


class FakeCloud:
    """Computes outputs for resources and answers invokes, all deterministically."""

    def __init__(
        self,
        region: str,
        resolve_stack: Callable[[str], tuple[dict[str, Any], list[str]]],
        classes: Callable[[str], type | None] = lambda typ: None,
    ):
        self.region = region
        self.partition = partition_of(region)
        self.resolve_stack = resolve_stack
        self.classes = classes
        self.placeholders = Placeholders(self.partition, region, ACCOUNT_ID)

    # -- resources ----------------------------------------------------------------------------
    def resource(
        self, typ: str, name: str, inputs: dict[str, Any], read_id: str | None
    ) -> tuple[str, dict[str, Any]]:
        if typ == "pulumi:pulumi:StackReference":
            outputs, secret_names = self.resolve_stack(str(inputs.get("name") or read_id))
            return str(read_id), {**inputs, "outputs": outputs, "secretOutputNames": secret_names}
        if typ.startswith("pulumi:providers:"):
            return _uuid(_hex(typ, name, n=32)), dict(inputs)
        if typ.startswith("kubernetes:"):
            resource_id, state = self._kubernetes(typ, name, inputs)
        elif typ.startswith("aws:"):
            resource_id, state = self._aws(typ, name, inputs)
        else:
            resource_id, state = f"{name}-{_hex(typ, name, n=8)}", dict(inputs)
        # Never a silent null: every output the SDK declares gets a typed value.
        self.placeholders.fill(self.classes(typ), typ, name, state)
        return resource_id, state

    def _aws(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        rule = _RULES.get(typ) or _Rule("{name}-{h8}", None)
        state = dict(inputs)
        h = _hex(typ, name)
        physical = f"{name}-{_hex(typ, name, n=7)}"
        if rule.name_key and not state.get(rule.name_key):
            prefix = state.get(f"{rule.name_key}Prefix")
            state[rule.name_key] = f"{prefix}{h[:8]}" if prefix else physical
        issuer_id = _hex("oidc", name, n=32).upper()
        fields: dict[str, Any] = {
            "h": h,
            "H": h.upper()[:13],
            "h6": h[:6],
            "h8": h[:8],
            "h10": h[:10],
            "h16": (h + _hex(h))[:16],
            "uuid": _uuid(h + _hex(h)),
            "p": self.partition,
            "r": self.region,
            "a": ACCOUNT_ID,
            "name": state.get("name", physical),
            "oidc": str(state.get("url", "")).removeprefix("https://"),
            "role": str(state.get("role", "")),
            **{k: v for k, v in state.items() if isinstance(v, str)},
        }
        fields["name"] = state.get("name", physical)
        known = _Fields(fields)
        resource_id = rule.id.format_map(known)
        known["id"] = resource_id
        if rule.arn and "arn" not in state:
            state["arn"] = rule.arn.format_map(known)
        state.update(self._extras(typ, state, resource_id, h, issuer_id))
        return resource_id, state

    def _extras(
        self, typ: str, s: dict[str, Any], rid: str, h: str, issuer_id: str
    ) -> dict[str, Any]:
        r = self.region
        if typ == "aws:ec2/vpc:Vpc":
            return {
                "defaultSecurityGroupId": f"sg-{_hex('default-sg', h)}",
                "defaultNetworkAclId": f"acl-{_hex('acl', h)}",
                "defaultRouteTableId": f"rtb-{_hex('main', h)}",
                "mainRouteTableId": f"rtb-{_hex('main', h)}",
                "ownerId": ACCOUNT_ID,
            }
        if typ == "aws:ec2/eip:Eip":
            n = int(h[:6], 16)
            return {"publicIp": f"203.0.113.{n % 250 + 1}", "allocationId": rid}
        if typ == "aws:ec2/natGateway:NatGateway":
            return {"privateIp": "10.0.0.10", "networkInterfaceId": f"eni-{h}"}
        if typ == "aws:kms/key:Key":
            return {"keyId": rid}
        if typ == "aws:kms/alias:Alias":
            return {"targetKeyArn": s.get("targetKeyId", "")}
        if typ == "aws:iam/role:Role":
            return {"uniqueId": "AROA" + h.upper()[:17], "id": rid}
        if typ == "aws:ec2/launchTemplate:LaunchTemplate":
            return {"latestVersion": 1, "defaultVersion": 1}
        if typ == "aws:autoscaling/group:Group":
            # A list of enum values: a placeholder string would not parse as a Metric.
            return {"enabledMetrics": list(s.get("enabledMetrics") or [])}
        if typ in {"aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"}:
            b = s["bucket"]
            return {
                "bucketDomainName": f"{b}.s3.amazonaws.com",
                "bucketRegionalDomainName": f"{b}.s3.{r}.amazonaws.com",
                "region": r,
            }
        if typ == "aws:rds/instance:Instance":
            host = f"{rid}.c{_hex('rds', h, n=11)}.{r}.rds.amazonaws.com"
            port = int(s.get("port") or 5432)
            secret = {
                "secretArn": f"arn:{self.partition}:secretsmanager:{r}:{ACCOUNT_ID}:secret:rds!db-{_uuid(h)}-{h[:6]}",
                "kmsKeyId": s.get("masterUserSecretKmsKeyId", ""),
                "secretStatus": "active",
            }
            return {
                "address": host,
                "endpoint": f"{host}:{port}",
                "port": port,
                "resourceId": "db-" + h.upper()[:26],
                "hostedZoneId": "Z2R2ITUGPM61AM",
                "masterUserSecrets": [secret] if s.get("manageMasterUserPassword") else [],
            }
        if typ == "aws:eks/cluster:Cluster":
            endpoint_id = _hex("endpoint", h, n=32).upper()
            ca = base64.b64encode(
                b"-----BEGIN CERTIFICATE-----\nOFFLINE-PLACEHOLDER-CA-"
                + h.encode()
                + b"\n-----END CERTIFICATE-----\n"
            ).decode()
            return {
                "endpoint": f"https://{endpoint_id}.gr7.{r}.eks.amazonaws.com",
                "certificateAuthority": {"data": ca},
                "identities": [
                    {"oidcs": [{"issuer": f"https://oidc.eks.{r}.amazonaws.com/id/{issuer_id}"}]}
                ],
                "platformVersion": "eks.1",
                "status": "ACTIVE",
                "clusterId": _uuid(h),
                "vpcConfig": {
                    **(s.get("vpcConfig") or {}),
                    "clusterSecurityGroupId": f"sg-{_hex('cluster-sg', h)}",
                    "vpcId": "vpc-" + _hex("cluster-vpc", h),
                },
            }
        if typ == "aws:eks/nodeGroup:NodeGroup":
            return {
                "status": "ACTIVE",
                "resources": [{"autoscalingGroups": [{"name": f"eks-{_uuid(h)}"}]}],
            }
        if typ == "aws:sqs/queue:Queue":
            return {"url": rid}
        if typ == "aws:ecr/repository:Repository":
            return {
                "registryId": ACCOUNT_ID,
                "repositoryUrl": f"{ACCOUNT_ID}.dkr.ecr.{r}.amazonaws.com/{s['name']}",
            }
        if typ == "aws:route53/zone:Zone":
            return {
                "zoneId": rid,
                "nameServers": [f"ns-{n}.awsdns-{n:02d}.org" for n in (1, 2, 3, 4)],
            }
        if typ == "aws:route53/record:Record":
            return {"fqdn": s.get("name", "")}
        if typ == "aws:lb/loadBalancer:LoadBalancer":
            kind = "internal-" if s.get("internal") else ""
            return {
                "dnsName": f"{kind}{s['name']}-{int(h[:8], 16) % 10**10}.{r}.elb.amazonaws.com",
                "zoneId": "Z35SXDOTRQ7X7K",
                "arnSuffix": rid.split(":loadbalancer/", 1)[-1],
            }
        if typ == "aws:lb/targetGroup:TargetGroup":
            return {"arnSuffix": rid.split(":", 5)[-1]}
        if typ == "aws:acm/certificate:Certificate":
            names = [s.get("domainName", ""), *(s.get("subjectAlternativeNames") or [])]
            return {
                "domainValidationOptions": [
                    {
                        "domainName": n,
                        "resourceRecordName": f"_{_hex('acm', n, n=32)}.{n.lstrip('*.')}.",
                        "resourceRecordType": "CNAME",
                        "resourceRecordValue": f"_{_hex('acm-v', n, n=32)}.acm-validations.aws.",
                    }
                    for n in dict.fromkeys(names)
                    if n
                ],
                "status": "ISSUED",
            }
        if typ == "aws:dynamodb/table:Table":
            arn = s.get("arn", "")
            return {"streamArn": f"{arn}/stream/2026-01-01T00:00:00.000"}
        if typ == "aws:efs/fileSystem:FileSystem":
            return {"dnsName": f"{rid}.efs.{r}.amazonaws.com"}
        if typ == "aws:elasticache/replicationGroup:ReplicationGroup":
            host = f"master.{rid}.{h[:6]}.use1.cache.amazonaws.com"
            return {
                "primaryEndpointAddress": host,
                "readerEndpointAddress": host.replace("master.", "replica.", 1),
                "port": int(s.get("port") or 6379),
            }
        if typ == "aws:cloudfront/distribution:Distribution":
            return {"domainName": f"d{h[:13]}.cloudfront.net", "hostedZoneId": "Z2FDTNDATAQYW2"}
        if typ == "aws:lambda/functionUrl:FunctionUrl":
            url_id = _hex("function-url", h, n=32)
            return {"functionUrl": f"https://{url_id}.lambda-url.{r}.on.aws/", "urlId": url_id}
        if typ == "aws:lambda/function:Function":
            arn = s.get("arn", "")
            return {
                "invokeArn": f"arn:{self.partition}:apigateway:{r}:lambda:path/2015-03-31/functions/{arn}/invocations",
                "version": "$LATEST",
                "qualifiedArn": f"{arn}:$LATEST",
            }
        return {}

    def _kubernetes(
        self, typ: str, name: str, inputs: dict[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        state = dict(inputs)
        meta = dict(state.get("metadata") or {})
        if typ.startswith("kubernetes:helm.sh/"):
            release = state.get("name") or name
            ns = state.get("namespace") or "default"
            state["status"] = {"name": release, "namespace": ns, "status": "deployed", "version": 1}
            return f"{ns}/{release}", state
        meta.setdefault("name", f"{name}-{_hex(typ, name, n=8)}")
        meta.setdefault("uid", _uuid(_hex("uid", typ, name, n=32)))
        state["metadata"] = meta
        if typ == "kubernetes:networking.k8s.io/v1:Ingress":
            # What the AWS Load Balancer Controller reports once it has created the ALB.
            state["status"] = {"loadBalancer": {"ingress": [{"hostname": self._alb_host(meta)}]}}
        ns = meta.get("namespace")
        return (f"{ns}/{meta['name']}" if ns else str(meta["name"])), state

    def _alb_host(self, meta: dict[str, Any]) -> str:
        annotations = meta.get("annotations") or {}
        name = annotations.get(_ALB_NAME_ANNOTATION) or f"k8s-{_hex('alb', str(meta['name']), n=8)}"
        kind = "" if annotations.get(_ALB_SCHEME_ANNOTATION) == "internet-facing" else "internal-"
        return f"{kind}{name}-{int(_hex('alb', name)[:8], 16) % 10**10}.{self.region}.elb.amazonaws.com"

    def _load_balancer(self, args: dict[str, Any]) -> dict[str, Any]:
        """An ALB looked up by name, as the controller created it (``aws.lb.get_load_balancer``)."""
        name = args.get("name")
        if not name:
            raise SynthError(
                "the offline engine answers aws.lb.get_load_balancer by name only; pass name="
            )
        r, p, h = self.region, self.partition, _hex("alb", str(name))
        suffix = f"app/{name}/{(h + _hex(h))[:16]}"
        arn = f"arn:{p}:elasticloadbalancing:{r}:{ACCOUNT_ID}:loadbalancer/{suffix}"
        return {
            "id": arn,
            "arn": arn,
            "arnSuffix": suffix,
            "name": name,
            "loadBalancerType": "application",
            "dnsName": f"{name}-{int(h[:8], 16) % 10**10}.{r}.elb.amazonaws.com",
            "zoneId": "Z35SXDOTRQ7X7K",
        }

    # -- invokes ------------------------------------------------------------------------------
    def invoke(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        handler = self._invokes().get(token)
        if handler is None:
            raise SynthError(
                f"the offline engine has no answer for the function {token!r}; compute the value "
                "in the program, or teach infra_kit/core/engine/_cloud.py to answer it"
            )
        return handler(args)

    def _invokes(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        r, p = self.region, self.partition
        letters = "abcdef"
        prefix = "".join(w[0] for w in r.split("-")[:-1]) + r.split("-")[-1]
        return {
            "aws:index/getAvailabilityZones:getAvailabilityZones": lambda a: {
                "id": r,
                "names": [f"{r}{c}" for c in letters],
                "zoneIds": [f"{prefix}-az{i + 1}" for i in range(len(letters))],
                "groupNames": [r] * len(letters),
                "state": "available",
            },
            "aws:index/getCallerIdentity:getCallerIdentity": lambda a: {
                "id": ACCOUNT_ID,
                "accountId": ACCOUNT_ID,
                "arn": f"arn:{p}:sts::{ACCOUNT_ID}:assumed-role/offline-synth/offline",
                "userId": "AROAOFFLINESYNTH:offline",
            },
            "aws:index/getRegion:getRegion": lambda a: {
                "id": r,
                "name": r,
                "region": r,
                "description": r,
                "endpoint": f"ec2.{r}.amazonaws.com",
            },
            "aws:lb/getLoadBalancer:getLoadBalancer": self._load_balancer,
            "aws:index/getPartition:getPartition": lambda a: {
                "id": p,
                "partition": p,
                "dnsSuffix": "amazonaws.com",
                "reverseDnsPrefix": "com.amazonaws",
            },
        }
