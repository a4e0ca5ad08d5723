"""The EKS cluster's arguments, their validation, and the values it renders (pure).

Nothing here registers a resource: :func:`plan_cluster` checks every argument against the
environment profile before the component creates anything (ENV-3); the ``*_args`` functions
build the typed pulumi_aws ``*Args`` of the control plane, launch template and node groups, and
the other functions the add-on configurations and StorageClass parameters that carry the
prescriptions (the controllers' Helm values are in :mod:`infra_kit.aws._controller_charts`).
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi_aws as aws
import pulumi_kubernetes as k8s

from infra_kit.aws import _cluster_policies as policies
from infra_kit.aws import _cluster_versions as pins
from infra_kit.aws._access_grants import AccessGrant, grants_cluster_admin, validate_grants
from infra_kit.aws._cluster_security import NodeEgress, SecurityRule, plan_security_rules
from infra_kit.aws._launch_template import IMDSV2_ONLY, encrypted_root_volume, tag_specifications
from infra_kit.errors import ValidationError

if TYPE_CHECKING:
    import pulumi

    from infra_kit.aws.key import Key
    from infra_kit.core.environment import Environment
    from infra_kit.core.profile import ClusterProfile

__all__ = [
    "AUTOSCALER_SERVICE_ACCOUNT",
    "CONTROLLER_NAMESPACE",
    "LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT",
    "LOG_TYPES",
    "ROLE_ANNOTATION",
    "ClusterArgs",
    "ClusterPlan",
    "admin_labels",
    "cni_configuration",
    "control_plane_args",
    "ebs_csi_configuration",
    "launch_template_args",
    "log_group_name",
    "node_group_args",
    "oidc_issuer",
    "plan_cluster",
    "release_args",
    "storage_class_parameters",
]

#: Every control-plane log type EKS offers; all are on (OBS-2).
LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
#: The service-account annotation that binds a pod to its IRSA role.
ROLE_ANNOTATION = "eks.amazonaws.com/role-arn"
#: Where the platform's controllers run: the Cluster's IRSA roles trust their service accounts
#: there, and ClusterServices installs the charts that create those service accounts there.
CONTROLLER_NAMESPACE = "kube-system"
AUTOSCALER_SERVICE_ACCOUNT = "cluster-autoscaler"
LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT = "aws-load-balancer-controller"
_MAX_NAME = 30  # so "<name>-cni-role" stays a valid component name
_CLUSTER_NAME = re.compile(r"^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/.+$")


@dataclass(frozen=True, kw_only=True)
class ClusterArgs:
    """Arguments of :class:`~infra_kit.aws.cluster.Cluster`.

    Args:
        vpc_id: the VPC of the private subnets (``Network.vpc_id``).
        vpc_cidr: that VPC's IPv4 CIDR (``Network.vpc_cidr``): nodes reach every TCP port and
            DNS inside it, and only HTTPS outside it (NET-2, ADR 0006).
        private_subnet_ids: one private subnet per AZ, ordered by AZ index. At least 2, and at
            least ``network.az_count`` where the profile has 3 AZs or more (HA-1).
        key: the environment's KMS key, created with ``via_services`` including ``"eks"`` and
            ``"ec2"`` and ``log_group_access=True``; it encrypts Kubernetes secrets, the
            control-plane log group and every node and persistent volume (SEC-3).
        availability_zones: the AZ of each private subnet, same order, as plain strings.
            Default: unknown; used only for the node groups' ``infra-kit.io/zone`` tag
            (``az-<index>`` when omitted) and to check the count.
        admin_role_arns: break-glass IAM roles given cluster admin through EKS access entries.
            Default: ``cluster.admin_role_arns`` of the profile (empty in every built-in
            profile). With ``access_grants``, at least one of them must make a role cluster
            admin: the cluster grants no one access implicitly, and the role running the
            deployment must be among them.
        access_grants: more principals' access (:class:`~infra_kit.aws.cluster_access.
            AccessGrant`), created by a ``ClusterAccess`` child ``<name>-access`` before any
            Kubernetes object, e.g. the CI roles of ``load_platform_access``. Default: none.
        public_access_cidrs: ranges allowed to the public API endpoint; empty means a private
            endpoint only. Default: ``cluster.public_access_cidrs`` of the profile (empty in
            every built-in profile; prod refuses any). May only narrow the profile's list.
        kubernetes_version: default ``cluster.kubernetes_version`` of the profile (1.34).
        kubeconfig_role_arn: a role of ``admin_role_arns`` that ``aws eks get-token`` assumes
            in the kubeconfig. Default: none, the deploying credentials are used as they are.
        enable_pod_identity_agent: install the ``eks-pod-identity-agent`` add-on. Default:
            False: every controller here uses IRSA, and the agent is a privileged host-network
            DaemonSet that would run on every node unused. Turn it on when workloads use EKS
            Pod Identity associations.
        control_plane_webhook_ports: more ports on which the control plane may call pods, for
            the admission webhooks and aggregated APIs of what you install (e.g. 8443).
            Default: none; 443, the kubelet (10250), the metrics-server add-on (10251) and the
            load balancer controller's webhook (9443) are always open to it. A webhook on
            another port times out, and with ``failurePolicy: Fail`` blocks what it admits.
        allow_node_egress: destinations outside HTTPS and the VPC that every pod on the nodes
            may reach (widens NET-2), each a :class:`NodeEgress` with a written reason kept as
            the rule's description, e.g. an external database on 5432. Default: none.
    """

    vpc_id: pulumi.Input[str]
    private_subnet_ids: Sequence[pulumi.Input[str]]
    key: Key
    availability_zones: Sequence[str] | None = None
    admin_role_arns: Sequence[str] | None = None
    access_grants: Sequence[AccessGrant] = ()
    public_access_cidrs: Sequence[str] | None = None
    kubernetes_version: str | None = None
    kubeconfig_role_arn: str | None = None
    enable_pod_identity_agent: bool = False
    vpc_cidr: str
    control_plane_webhook_ports: Sequence[int] = ()
    allow_node_egress: Sequence[NodeEgress] = ()


@dataclass(frozen=True)
class ClusterPlan:
    """What :func:`plan_cluster` resolved from the arguments and the profile."""

    cluster_name: str
    versions: pins.ClusterVersions
    #: Admin role ARNs by the stable label that names their access entries.
    admins: Mapping[str, str]
    public_cidrs: tuple[str, ...]
    ami_type: str
    #: What EKS does when the version leaves standard support: ``cluster.support_type``.
    support_type: str
    #: The control plane's and nodes' security-group rules.
    security_rules: tuple[SecurityRule, ...]


def plan_cluster(name: str, args: ClusterArgs, env: Environment) -> ClusterPlan:
    """Validate everything before any resource exists (ENV-3); raise ValidationError."""
    profile = env.profile
    if len(name) > _MAX_NAME:
        raise ValidationError(
            "name", name, f"a cluster's name is at most {_MAX_NAME} characters", "shorten it"
        )
    cluster_name = f"{env.project}-{env.stack}-{name}"
    if not _CLUSTER_NAME.match(cluster_name):
        raise ValidationError(
            "cluster name",
            cluster_name,
            "EKS names are 1 to 100 letters, digits, '-' and '_'",
            "rename the project, stack or component",
        )
    subnets = list(args.private_subnet_ids)
    needed = profile.network.az_count if profile.network.az_count >= 3 else 2
    if len(subnets) < needed:
        raise ValidationError(
            "private_subnet_ids",
            subnets,
            f"{len(subnets)} subnet(s): the control plane and node groups need one private "
            f"subnet in each of at least {needed} AZs (HA-1)",
            "pass Network.private_subnet_ids, one per AZ",
        )
    plain = [s for s in subnets if isinstance(s, str)]
    if len(set(plain)) != len(plain):
        raise ValidationError(
            "private_subnet_ids", subnets, "lists a subnet twice", "pass one subnet per AZ"
        )
    zones = args.availability_zones
    if zones is not None and (len(zones) != len(subnets) or len(set(zones)) != len(zones)):
        raise ValidationError(
            "availability_zones",
            list(zones),
            f"must name {len(subnets)} distinct AZs, one per private subnet",
            "pass the AZ of each subnet in the same order, or omit it",
        )
    missing = sorted({"eks", "ec2"} - set(args.key.via_services))
    if missing:
        raise ValidationError(
            "key",
            f"{args.key.component_name} (via_services={list(args.key.via_services)})",
            f"the key is not usable through {', '.join(missing)}, so it cannot encrypt "
            "Kubernetes secrets and EBS volumes (SEC-3)",
            "create it with KeyArgs(via_services=('eks', 'ec2', ...))",
        )
    if not args.key.log_group_access:
        raise ValidationError(
            "key",
            f"{args.key.component_name} (log_group_access=False)",
            "CloudWatch Logs may not use the key, so the control-plane log group cannot be "
            "encrypted (OBS-2)",
            "create it with KeyArgs(log_group_access=True)",
        )
    args.key.require_log_group(log_group_name(cluster_name), what="the control-plane log group")
    security_rules = plan_security_rules(
        args.vpc_cidr,
        webhook_ports=tuple(args.control_plane_webhook_ports),
        allow_node_egress=tuple(args.allow_node_egress),
    )
    version = args.kubernetes_version or profile.cluster.kubernetes_version
    versions = pins.versions_for(version)
    ami_type = pins.ami_type_for(profile.cluster.node_instance_types)
    arns = tuple(
        profile.cluster.admin_role_arns if args.admin_role_arns is None else args.admin_role_arns
    )
    admins = admin_labels(arns)
    grants = validate_grants(args.access_grants, "access_grants")
    if not admins and not any(grants_cluster_admin(g) for g in grants):
        raise ValidationError(
            "admin_role_arns",
            [],
            "no IAM role would have access to the cluster (authentication mode API, no implicit "
            "creator admin), so the add-ons installed through the Kubernetes API would fail",
            "pass access_grants with the deploying role as cluster admin (the platform reads "
            "them from its identities_stack), or set environment.cluster.admin_role_arns to "
            "break-glass roles",
        )
    if args.kubeconfig_role_arn is not None and args.kubeconfig_role_arn not in arns:
        raise ValidationError(
            "kubeconfig_role_arn",
            args.kubeconfig_role_arn,
            "has no access entry on the cluster",
            "pick one of admin_role_arns",
        )
    return ClusterPlan(
        cluster_name,
        versions,
        admins,
        _public_cidrs(args, env),
        ami_type,
        profile.cluster.support_type.value,
        security_rules,
    )


def log_group_name(cluster_name: str) -> str:
    """The log group EKS writes the control-plane logs of ``cluster_name`` to."""
    return f"/aws/eks/{cluster_name}/cluster"


def admin_labels(arns: Sequence[str]) -> dict[str, str]:
    """Each admin role ARN by the label naming its access entry: the role's name, lower case,
    ``-`` for other characters; so reordering the list replaces nothing. Refuses duplicates."""
    out: dict[str, str] = {}
    for arn in arns:
        if not _ROLE_ARN.match(arn):
            raise ValidationError(
                "admin_role_arns", arn, "not an IAM role ARN", "use arn:aws:iam::<id>:role/<name>"
            )
        label = re.sub(r"[^a-z0-9]+", "-", arn.rsplit("/", 1)[1].lower()).strip("-")
        if not label:
            raise ValidationError(
                "admin_role_arns",
                arn,
                "the role's name has no letter or digit to name its access entry with",
                "use a role whose name has letters or digits",
            )
        if label in out:
            problem = (
                "lists the role twice"
                if out[label] == arn
                else f"its access entry would have the same name as that of {out[label]!r}"
                f" (admin-{label})"
            )
            raise ValidationError(
                "admin_role_arns", arn, problem, "list each role once, with distinct role names"
            )
        out[label] = arn
    return out


def _public_cidrs(args: ClusterArgs, env: Environment) -> tuple[str, ...]:
    allowed = [ipaddress.ip_network(c) for c in env.profile.cluster.public_access_cidrs]
    if args.public_access_cidrs is None:
        return tuple(str(n) for n in allowed)
    out = []
    for cidr in args.public_access_cidrs:
        try:
            net = ipaddress.ip_network(cidr, strict=True)
        except ValueError as exc:
            raise ValidationError(
                "public_access_cidrs", cidr, f"not a CIDR ({exc})", "write it like 203.0.113.0/24"
            ) from None
        if not any(net.version == a.version and net.subnet_of(a) for a in allowed):  # type: ignore[arg-type] -- same IP version checked first
            raise ValidationError(
                "public_access_cidrs",
                cidr,
                "opens the public API endpoint wider than environment.cluster.public_access_cidrs",
                "add the range to the stack's profile (prod allows none) or pass a narrower one",
            )
        out.append(str(net))
    return tuple(out)


def cni_configuration(tags: Mapping[str, str]) -> dict[str, Any]:
    """vpc-cni add-on values: NetworkPolicies enforced (NET-5), tags on the ENIs it adds (TAG-1)."""
    return {
        "enableNetworkPolicy": "true",
        "env": {"ADDITIONAL_ENI_TAGS": json.dumps(dict(tags), sort_keys=True)},
    }


def ebs_csi_configuration(tags: Mapping[str, str]) -> dict[str, Any]:
    """aws-ebs-csi-driver add-on values: every volume it creates carries the tags (TAG-1)."""
    return {"controller": {"extraVolumeTags": dict(tags)}}


def storage_class_parameters(
    tags: Mapping[str, str], key_arn: pulumi.Input[str]
) -> dict[str, pulumi.Input[str]]:
    """Parameters of the default gp3 StorageClass: encrypted with the key, tagged (SEC-3, TAG-1)."""
    parameters: dict[str, pulumi.Input[str]] = {
        "type": "gp3",
        "encrypted": "true",
        "kmsKeyId": key_arn,
        "csi.storage.k8s.io/fstype": "ext4",
    }
    for i, (key, value) in enumerate(sorted(tags.items()), start=1):
        parameters[f"tagSpecification_{i}"] = f"{key}={value}"
    return parameters


def control_plane_args(
    plan: ClusterPlan,
    *,
    role_arn: pulumi.Input[str],
    subnet_ids: Sequence[pulumi.Input[str]],
    security_group_id: pulumi.Input[str],
    key_arn: pulumi.Input[str],
    deletion_protection: bool,
) -> aws.eks.ClusterArgs:
    """The EKS control plane: private subnets and endpoint (public only for listed CIDRs, NET-1),
    all log types (OBS-2), secrets encrypted with the key (SEC-3), access entries only, and an
    explicit upgrade policy: left unset, EKS bills extended support once the version leaves
    standard support (COST-2)."""
    public = bool(plan.public_cidrs)
    return aws.eks.ClusterArgs(
        name=plan.cluster_name,
        version=plan.versions.kubernetes_version,
        role_arn=role_arn,
        vpc_config=aws.eks.ClusterVpcConfigArgs(
            subnet_ids=list(subnet_ids),
            security_group_ids=[security_group_id],
            endpoint_private_access=True,
            endpoint_public_access=public,
            public_access_cidrs=list(plan.public_cidrs) if public else None,
        ),
        enabled_cluster_log_types=list(LOG_TYPES),
        encryption_config=aws.eks.ClusterEncryptionConfigArgs(
            provider=aws.eks.ClusterEncryptionConfigProviderArgs(key_arn=key_arn),
            resources=["secrets"],
        ),
        access_config=aws.eks.ClusterAccessConfigArgs(
            authentication_mode="API", bootstrap_cluster_creator_admin_permissions=False
        ),
        # vpc-cni, kube-proxy and coredns are installed as pinned EKS add-ons instead.
        bootstrap_self_managed_addons=False,
        deletion_protection=deletion_protection,
        upgrade_policy=aws.eks.ClusterUpgradePolicyArgs(support_type=plan.support_type),
    )


def launch_template_args(
    plan: ClusterPlan,
    *,
    security_group_id: pulumi.Input[str],
    key_arn: pulumi.Input[str],
    tags: Mapping[str, str],
    root_volume_gib: int,
) -> aws.ec2.LaunchTemplateArgs:
    """The nodes' launch template: IMDSv2 only with hop limit 1 (pods cannot reach the node's
    credentials), an encrypted gp3 root volume (SEC-3), and the required tags on the instances,
    volumes and network interfaces node groups launch, which provider default tags miss (TAG-1)."""
    return aws.ec2.LaunchTemplateArgs(
        description=f"Managed node groups of {plan.cluster_name}",
        update_default_version=True,
        vpc_security_group_ids=[security_group_id],
        metadata_options=IMDSV2_ONLY,
        block_device_mappings=encrypted_root_volume(key_arn, root_volume_gib),
        tag_specifications=tag_specifications(tags),
    )


def node_group_args(
    plan: ClusterPlan,
    profile: ClusterProfile,
    *,
    index: int,
    zone: str | None,
    cluster_name: pulumi.Input[str],
    subnet_id: pulumi.Input[str],
    role_arn: pulumi.Input[str],
    template_id: pulumi.Input[str],
    template_version: pulumi.Input[str],
) -> aws.eks.NodeGroupArgs:
    """One AZ's managed node group: sizes, instance types and capacity type from the profile
    (HA-1, SCALE-2, COST-3), rolling one node at a time, tagged for autoscaler discovery."""
    return aws.eks.NodeGroupArgs(
        cluster_name=cluster_name,
        node_role_arn=role_arn,
        subnet_ids=[subnet_id],
        ami_type=plan.ami_type,
        instance_types=list(profile.node_instance_types),
        capacity_type=profile.capacity_type.value,
        scaling_config=aws.eks.NodeGroupScalingConfigArgs(
            min_size=profile.nodes_min_per_az,
            desired_size=profile.nodes_desired_per_az,
            max_size=profile.nodes_max_per_az,
        ),
        update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable=1),
        launch_template=aws.eks.NodeGroupLaunchTemplateArgs(
            id=template_id, version=template_version
        ),
        labels={"infra-kit.io/node-pool": "general"},
        tags={
            **policies.autoscaler_tags(plan.cluster_name),
            "Name": f"{plan.cluster_name}-nodes-{index}",
            "infra-kit.io/zone": zone or f"az-{index}",
        },
    )


def oidc_issuer(identities: Sequence[aws.eks.outputs.ClusterIdentity]) -> str:
    """The OIDC issuer URL EKS reports for the cluster (one identity, one issuer)."""
    oidcs = identities[0].oidcs if identities else None
    issuer = oidcs[0].issuer if oidcs else None
    if not issuer:
        raise ValueError("EKS reported no OIDC issuer for the cluster")
    return issuer


def release_args(
    chart: str, version: str, chart_values: Mapping[str, Any], *, namespace: str
) -> k8s.helm.v3.ReleaseArgs:
    """A Helm release of ``chart`` at its pinned ``version`` from its known repository; atomic,
    so a release that does not become ready is rolled back (K8S-4)."""
    return k8s.helm.v3.ReleaseArgs(
        name=chart,
        chart=chart,
        version=version,
        namespace=namespace,
        repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=pins.CHART_REPOSITORIES[chart]),
        values=dict(chart_values),
        atomic=True,
        cleanup_on_fail=True,
    )
