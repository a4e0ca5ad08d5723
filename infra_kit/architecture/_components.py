"""Each component's purpose and configuration, read from the component's own docstring and from
the inputs of its children in the graph.

A component's purpose is the first sentence of the docstring of the class whose ``TYPE`` is its
type token, found by parsing infra-kit's source (never importing it, so no Pulumi runtime is
needed). Its configuration is what its children's inputs say: sizes, versions, retention,
protections; children of other types are counted.

Pure Python over plain JSON values.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from infra_kit.core._records import ENVIRONMENT_TYPE
from infra_kit.policy._graph import GraphDoc

__all__ = ["component_purpose", "key_settings", "short_type"]

_PACKAGE = Path(__file__).resolve().parents[1]

#: Purposes of the records that are no component class of their own.
_RECORD_PURPOSES = {
    ENVIRONMENT_TYPE: "The environment profile the stack was synthesized with, recorded in the "
    "graph so that every check and this document read the same values.",
}


@cache
def _purposes() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted(_PACKAGE.rglob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError):
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            token = _type_token(node)
            doc = ast.get_docstring(node)
            if token and doc:
                found.setdefault(token, _first_sentence(doc))
    return found


def _type_token(node: ast.ClassDef) -> str | None:
    for statement in node.body:
        if isinstance(statement, ast.Assign | ast.AnnAssign):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            value = statement.value
            if (
                any(isinstance(t, ast.Name) and t.id == "TYPE" for t in targets)
                and isinstance(value, ast.Constant)
                and isinstance(value.value, str)
            ):
                return value.value
    return None


def _first_sentence(doc: str) -> str:
    paragraph = " ".join(doc.split("\n\n", 1)[0].split())
    paragraph = paragraph.replace("``", "`")
    if ". " in paragraph:
        return paragraph.split(". ", 1)[0] + "."
    return paragraph if paragraph.endswith(".") else paragraph + "."


def component_purpose(type_token: str) -> str:
    """The purpose of a component type, from its class docstring; what it is, if it has none."""
    if type_token in _RECORD_PURPOSES:
        return _RECORD_PURPOSES[type_token]
    return _purposes().get(type_token, f"A `{type_token}` component (its class has no docstring).")


def short_type(type_token: str) -> str:
    """``aws:ec2/subnet:Subnet`` -> ``Subnet``; ``kubernetes:apps/v1:Deployment`` -> ``Deployment``."""
    return type_token.rsplit(":", 1)[-1]


def _obj(inputs: Mapping[str, Any]) -> Mapping[str, Any]:
    return inputs.get("spec") or {}


def _vpc(i: Mapping[str, Any]) -> str:
    return f"VPC CIDR {i.get('cidrBlock')}"


def _subnet(i: Mapping[str, Any]) -> str:
    tier = (i.get("tags") or {}).get("tier", "")
    return f"{tier} subnet {i.get('cidrBlock')} in {i.get('availabilityZone')}".strip()


def _cluster(i: Mapping[str, Any]) -> str:
    vpc = i.get("vpcConfig") or {}
    endpoint = "public and private" if vpc.get("endpointPublicAccess") else "private only"
    logs = ", ".join(i.get("enabledClusterLogTypes") or []) or "none"
    secrets = (
        "KMS-encrypted secrets" if i.get("encryptionConfig") else "secrets not envelope-encrypted"
    )
    return (
        f"EKS {i.get('name')}: Kubernetes {i.get('version')}, API endpoint {endpoint}, "
        f"control-plane logs: {logs}, {secrets}, "
        f"support {(i.get('upgradePolicy') or {}).get('supportType', 'default')}"
    )


def _node_group(i: Mapping[str, Any]) -> str:
    s = i.get("scalingConfig") or {}
    zone = (i.get("tags") or {}).get("infra-kit.io/zone", "")
    return (
        f"node group {(i.get('tags') or {}).get('Name', '')} ({zone}): {i.get('capacityType')} "
        f"{'/'.join(i.get('instanceTypes') or [])}, {s.get('minSize')}..{s.get('maxSize')} nodes, "
        f"desired {s.get('desiredSize')}"
    )


def _log_group(i: Mapping[str, Any]) -> str:
    encrypted = ", KMS-encrypted" if i.get("kmsKeyId") else ""
    return f"log group `{i.get('name')}` kept {i.get('retentionInDays', 'forever')} days{encrypted}"


def _key(i: Mapping[str, Any]) -> str:
    rotation = "on" if i.get("enableKeyRotation") else "off"
    return f"KMS key: rotation {rotation}, deletion window {i.get('deletionWindowInDays')} days"


def _rds(i: Mapping[str, Any]) -> str:
    return (
        f"RDS {i.get('engine')} {i.get('engineVersion')} `{i.get('identifier')}`: "
        f"{i.get('instanceClass')}, {'Multi-AZ' if i.get('multiAz') else 'single-AZ'}, "
        f"{i.get('allocatedStorage')}..{i.get('maxAllocatedStorage')} GiB {i.get('storageType', '')}, "
        f"backups kept {i.get('backupRetentionPeriod')} days, deletion protection "
        f"{'on' if i.get('deletionProtection') else 'off'}, "
        f"{'encrypted' if i.get('storageEncrypted') else 'unencrypted'}"
    )


def _backup_plan(i: Mapping[str, Any]) -> str:
    parts = []
    for rule in i.get("rules") or []:
        life = rule.get("lifecycle") or {}
        cold = (
            f", cold after {life['coldStorageAfter']} days" if life.get("coldStorageAfter") else ""
        )
        parts.append(f"`{rule.get('schedule')}` kept {life.get('deleteAfter')} days{cold}")
    return "backup plan: " + "; ".join(parts)


def _vault_lock(i: Mapping[str, Any]) -> str:
    return (
        f"vault lock: {i.get('minRetentionDays')}..{i.get('maxRetentionDays')} days, "
        f"immutable after {i.get('changeableForDays')} days"
    )


def _budget(i: Mapping[str, Any]) -> str:
    return (
        f"budget {i.get('limitAmount')} {i.get('limitUnit')}, {str(i.get('timeUnit', '')).lower()}"
    )


def _web_acl(i: Mapping[str, Any]) -> str:
    rules = []
    for rule in i.get("rules") or []:
        rate = ((rule.get("statement") or {}).get("rateBasedStatement") or {}).get("limit")
        rules.append(
            f"{rule.get('name')} (limit {rate} per 5 min)" if rate else str(rule.get("name"))
        )
    return f"WAF web ACL {i.get('name')} ({i.get('scope')}): " + ", ".join(rules)


def _addon(i: Mapping[str, Any]) -> str:
    return f"add-on {i.get('addonName')} {i.get('addonVersion', '')}".strip()


def _release(i: Mapping[str, Any]) -> str:
    return f"Helm chart {i.get('chart')} {i.get('version')} in `{i.get('namespace', 'default')}`"


def _hpa(i: Mapping[str, Any]) -> str:
    spec = _obj(i)
    targets = [
        f"{(m.get('resource') or {}).get('name')} {((m.get('resource') or {}).get('target') or {}).get('averageUtilization')}%"
        for m in spec.get("metrics") or []
        if m.get("type") == "Resource"
    ]
    return (
        f"HPA {(i.get('metadata') or {}).get('name')}: {spec.get('minReplicas')}..{spec.get('maxReplicas')} "
        f"replicas at {', '.join(targets) or 'custom metrics'}"
    )


def _workload(i: Mapping[str, Any]) -> str:
    spec = _obj(i)
    replicas = spec.get("replicas")
    if i.get("kind") == "DaemonSet":
        size = "one pod on every node"
    else:
        size = f"{replicas} replicas" if replicas is not None else "replicas set by its HPA"
    return f"{i.get('kind')} {(i.get('metadata') or {}).get('name')}: {size}"


def _pdb(i: Mapping[str, Any]) -> str:
    spec = _obj(i)
    bound = (
        f"maxUnavailable {spec['maxUnavailable']}"
        if "maxUnavailable" in spec
        else f"minAvailable {spec.get('minAvailable')}"
    )
    return f"PodDisruptionBudget {(i.get('metadata') or {}).get('name')}: {bound}"


def _rotation(i: Mapping[str, Any]) -> str:
    rules = i.get("rotationRules") or {}
    every = rules.get("automaticallyAfterDays") or rules.get("scheduleExpression")
    return (
        f"secret rotation every {every} days"
        if isinstance(every, int)
        else f"secret rotation {every}"
    )


def _zone(i: Mapping[str, Any]) -> str:
    return f"Route 53 zone {i.get('name')}"


def _bucket_versioning(i: Mapping[str, Any]) -> str:
    return f"versioning {(i.get('versioningConfiguration') or {}).get('status', '').lower()}"


def _lambda(i: Mapping[str, Any]) -> str:
    return f"Lambda function: {i.get('runtime')}, {i.get('architectures', ['x86_64'])[0]}"


#: Child type -> the one line that states its key settings.
_SETTINGS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "aws:ec2/vpc:Vpc": _vpc,
    "aws:ec2/subnet:Subnet": _subnet,
    "aws:eks/cluster:Cluster": _cluster,
    "aws:eks/nodeGroup:NodeGroup": _node_group,
    "aws:eks/addon:Addon": _addon,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:kms/key:Key": _key,
    "aws:rds/instance:Instance": _rds,
    "aws:backup/plan:Plan": _backup_plan,
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration": _vault_lock,
    "aws:budgets/budget:Budget": _budget,
    "aws:wafv2/webAcl:WebAcl": _web_acl,
    "aws:route53/zone:Zone": _zone,
    "aws:s3/bucketVersioning:BucketVersioning": _bucket_versioning,
    "aws:secretsmanager/secretRotation:SecretRotation": _rotation,
    "aws:lambda/function:Function": _lambda,
    "kubernetes:helm.sh/v3:Release": _release,
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": _hpa,
    "kubernetes:apps/v1:Deployment": _workload,
    "kubernetes:apps/v1:DaemonSet": _workload,
    "kubernetes:argoproj.io/v1alpha1:Rollout": _workload,
    "kubernetes:policy/v1:PodDisruptionBudget": _pdb,
}

#: Children summarized in one line however many there are.
_ONE_LINE = {"aws:ec2/subnet:Subnet"}


def key_settings(graph: GraphDoc, component: Mapping[str, Any]) -> list[str]:
    """The component's key settings, one line each, from its descendants' inputs, then a count
    of the descendants of every other type."""
    lines: list[str] = []
    counted: Counter[str] = Counter()
    subnets: list[str] = []
    for child in graph.descendants(component["urn"]):
        kind = child["type"]
        if kind.startswith("infra-kit:"):
            continue
        reader = _SETTINGS.get(kind)
        if reader is None:
            counted[short_type(kind)] += 1
            continue
        try:
            line = reader(GraphDoc.inputs(child))
        except (AttributeError, KeyError, TypeError, IndexError, ValueError):
            counted[short_type(kind)] += 1
            continue
        if kind in _ONE_LINE:
            subnets.append(line)
        elif line not in lines:
            lines.append(line)
    if subnets:
        lines.insert(1 if lines else 0, f"{len(subnets)} subnets: " + "; ".join(subnets))
    if component["type"] == ENVIRONMENT_TYPE:
        profile = (component.get("outputs") or {}).get("profile") or {}
        sections = ", ".join(k for k, v in sorted(profile.items()) if isinstance(v, dict))
        lines.append(f"environment `{profile.get('name', graph.stack)}`; sections: {sections}")
    if counted:
        lines.append("also: " + ", ".join(f"{n} {t}" for t, n in sorted(counted.items())))
    return lines
