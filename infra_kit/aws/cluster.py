"""An EKS cluster with managed node groups and add-ons, from AWS primitives only."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from infra_kit.aws import _cluster_plan as values
from infra_kit.aws import _cluster_policies as policies
from infra_kit.aws import _cluster_versions as pins
from infra_kit.aws._cluster_plan import LOG_TYPES, ClusterArgs, ClusterPlan, plan_cluster
from infra_kit.aws._cluster_security import CONTROL_PLANE, NODES, NodeEgress
from infra_kit.aws._kubeconfig import render_kubeconfig
from infra_kit.aws._lb_controller_policy import load_balancer_controller_policy
from infra_kit.aws.cluster_access import ClusterAccess, ClusterAccessArgs
from infra_kit.aws.irsa import IrsaRole, IrsaRoleArgs, OidcIdentity
from infra_kit.core.component import Component
from infra_kit.core.environment import Environment
from infra_kit.core.tags import merge_tags

__all__ = ["LOG_TYPES", "Cluster", "ClusterArgs", "NodeEgress"]

ROOT_VOLUME_GIB = 50
_ADMIN_POLICY = "arn:{p}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"


class Cluster(Component):
    """An EKS cluster: private control plane, one managed node group per AZ, add-ons.

    Children (``<name>-<suffix>``):

    - ``aws.cloudwatch.LogGroup`` ``log`` (``/aws/eks/<cluster>/cluster``, KMS, retention from
      ``logs.audit_retention_days``, deletion protection where the profile protects state), created
      before the cluster; ``aws.iam.Role`` ``cluster-role`` with
      only AmazonEKSClusterPolicy; ``aws.ec2.SecurityGroup`` ``control-plane`` and ``nodes`` with
      ``aws.vpc`` ingress/egress rules ``sg-<rule>`` from
      :func:`~infra_kit.aws._cluster_security.plan_security_rules`: the control plane reaches
      nodes on 443, 10250, 10251 and 9443 only; nodes reach each other on TCP and DNS, the VPC
      on TCP and DNS, and the internet on HTTPS only (no open ingress, no all-protocol rule).
    - ``aws.eks.Cluster`` ``eks`` named ``<project>-<stack>-<name>``: private subnets, private
      endpoint (public only for profile CIDRs), all five log types, secrets encrypted with the
      key, access entries only (API mode, no implicit creator admin), upgrade policy
      ``cluster.support_type`` of the profile (STANDARD in every built-in environment),
      deletion protection and Pulumi ``protect`` where the profile protects state.
    - per break-glass admin role: ``aws.eks.AccessEntry`` ``admin-<role>`` and
      ``AccessPolicyAssociation`` ``admin-<role>-policy`` (AmazonEKSClusterAdminPolicy, cluster
      scope), ``<role>`` being the role's name in lower case with ``-`` for other characters,
      so reordering ``admin_role_arns`` replaces nothing.
    - with ``access_grants``: ``ClusterAccess`` ``access`` (its entries and associations), which
      every Kubernetes object below waits for.
    - ``aws.iam.OpenIdConnectProvider`` ``oidc`` for IRSA; ``IrsaRole`` ``cni-role``,
      ``csi-role``, ``ca-role`` and ``lbc-role``, each trusted by one service account only.
      ``ca-role`` (resize only this cluster's node groups) and ``lbc-role`` are the identities
      of the autoscaler and load balancer controller that
      :class:`~infra_kit.aws.cluster_services.ClusterServices` installs from another stack:
      their policies are scoped by this cluster's name and node group ARNs, known here.
    - ``aws.iam.Role`` ``node-role`` (AmazonEKSWorkerNodePolicy and
      AmazonEC2ContainerRegistryReadOnly only); ``aws.ec2.LaunchTemplate`` ``nodes`` (IMDSv2,
      hop limit 1, encrypted gp3 root volume, tags on instances, volumes and network
      interfaces); ``aws.eks.NodeGroup`` ``nodes-<i>`` in each private subnet.
    - ``aws.eks.Addon`` ``<addon>`` for vpc-cni (network policies enforced), kube-proxy,
      coredns, aws-ebs-csi-driver, metrics-server and, opted in, eks-pod-identity-agent.

    It creates no Kubernetes object and no Kubernetes provider: the API endpoint is private, so
    only a deployment inside the VPC reaches it, and that VPC is created in the same stack.
    ``kubeconfig`` (a secret ``aws eks get-token`` kubeconfig) is for
    :class:`~infra_kit.aws.cluster_services.ClusterServices` and app stacks, deployed after it.

    Nodes scale with the cluster autoscaler rather than Karpenter: it drives the managed node
    groups this component already declares, one per AZ, so zone balance, launch template and
    tags stay in code, and it needs no extra controller with EC2 launch rights. Karpenter packs
    better and scales faster, but provisions instances outside these groups.

    Prescriptions: NET-1 (private subnets and endpoint), NET-5 (network policies enforced by the
    CNI; deny-by-default policies belong to each namespace), SEC-1 (IRSA per controller, scoped
    policies, no credential in the kubeconfig), SEC-3 (CMK for secrets, logs and volumes),
    HA-1 (node group per AZ), SCALE-1 (metrics-server; the autoscaler's role), SCALE-2 (max
    nodes from the profile), TAG-1 (launch-template and CSI tag specifications), OBS-2
    (encrypted log group with retention), COST-2 (an explicit upgrade policy, so extended
    support is never billed by default).

    Args:
        name: the component's name; every child's logical name starts with it.
        args: its settings, [ClusterArgs][infra_kit.aws.ClusterArgs].
        env: the stack's [Environment][infra_kit.core.environment.Environment]: profile, tags and
            AWS provider.
        opts: Pulumi options for the component; every child is parented to it.

    Attributes:
        eks: the ``aws.eks.Cluster``.
        name: the EKS cluster's name (an Output).
        cluster_name: the same name as a plain string, known before deployment.
        arn: the cluster's ARN.
        endpoint: the private API endpoint's URL.
        kubeconfig: a kubeconfig that authenticates with ``aws eks get-token``, as a secret
            Output; it holds no credential.
        versions: the Kubernetes version and the add-on versions pinned for it.
        availability_zones: the pinned AZ names given in ``args`` (empty when not pinned).
        log_group: the control plane's ``aws.cloudwatch.LogGroup``.
        cluster_security_group: the control plane's ``aws.ec2.SecurityGroup``.
        cluster_security_group_id: its id.
        node_security_group: the nodes' ``aws.ec2.SecurityGroup``.
        node_security_group_id: its id.
        access: the ``ClusterAccess`` component of ``access_grants``; None without them.
        access_policies: every ``aws.eks.AccessPolicyAssociation``: the admins' and the grants'.
        oidc: the cluster's [OidcIdentity][infra_kit.aws.OidcIdentity], for workloads' IRSA roles.
        node_role: the nodes' ``aws.iam.Role``.
        node_groups: the ``aws.eks.NodeGroup`` children, one per AZ.
        addons: the ``aws.eks.Addon`` children by add-on name.
        csi_role: the EBS CSI driver's [IrsaRole][infra_kit.aws.IrsaRole].
        autoscaler_role: the cluster autoscaler's [IrsaRole][infra_kit.aws.IrsaRole], which
            [ClusterServices][infra_kit.aws.ClusterServices] uses.
        load_balancer_controller_role: the AWS Load Balancer Controller's
            [IrsaRole][infra_kit.aws.IrsaRole].
    """

    TYPE = "infra-kit:aws:Cluster"

    def __init__(
        self,
        name: str,
        args: ClusterArgs,
        env: Environment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        plan = plan_cluster(name, args, env)
        super().__init__(name, env, opts)
        self.cluster_name = plan.cluster_name
        self.versions = plan.versions
        self.availability_zones = tuple(args.availability_zones or ())
        scope = policies.ArnScope(env.partition, env.region, env.account_id)
        self._control_plane(args, plan)
        self._access(plan, args)
        self._nodes(args, plan)
        self._controller_roles(args, plan, scope)
        self._kubeconfig(args)
        self.register_outputs(
            {
                "name": self.name,
                "endpoint": self.endpoint,
                "oidc_provider_arn": self.oidc.provider_arn,
                "cluster_security_group_id": self.cluster_security_group_id,
                "node_security_group_id": self.node_security_group_id,
                "kubeconfig": self.kubeconfig,
                "autoscaler_role_arn": self.autoscaler_role.arn,
                "load_balancer_controller_role_arn": self.load_balancer_controller_role.arn,
            }
        )

    # -- control plane ----------------------------------------------------------------------------
    def _control_plane(self, args: ClusterArgs, plan: ClusterPlan) -> None:
        env = self.env
        self.log_group = aws.cloudwatch.LogGroup(
            self.child("log"),
            aws.cloudwatch.LogGroupArgs(
                name=values.log_group_name(plan.cluster_name),
                retention_in_days=env.profile.logs.audit_retention_days,
                kms_key_id=args.key.arn,
                deletion_protection_enabled=env.profile.protect_stateful,
            ),
            opts=self.stateful_opts(),  # audit logs are kept where the profile protects state
        )
        role = aws.iam.Role(
            self.child("cluster-role"),
            aws.iam.RoleArgs(
                assume_role_policy=policies.service_trust_policy("eks.amazonaws.com").to_json(),
                description=f"EKS control plane of {plan.cluster_name}",
            ),
            opts=self.child_opts(),
        )
        attached = self._attach(role, ("cluster-role", "eks"), "AmazonEKSClusterPolicy")
        self._security_groups(args, plan)
        self.eks = aws.eks.Cluster(
            self.child("eks"),
            values.control_plane_args(
                plan,
                role_arn=role.arn,
                subnet_ids=args.private_subnet_ids,
                security_group_id=self.cluster_security_group.id,
                key_arn=args.key.arn,
                deletion_protection=env.profile.protect_stateful,
            ),
            opts=self.child_opts(
                depends_on=[self.log_group, attached], protect=env.profile.protect_stateful
            ),
        )
        self.name: pulumi.Output[str] = self.eks.name
        self.arn: pulumi.Output[str] = self.eks.arn
        self.endpoint: pulumi.Output[str] = self.eks.endpoint
        issuer = self.eks.identities.apply(values.oidc_issuer)
        provider = aws.iam.OpenIdConnectProvider(
            self.child("oidc"),
            aws.iam.OpenIdConnectProviderArgs(client_id_lists=["sts.amazonaws.com"], url=issuer),
            opts=self.child_opts(),
        )
        self.oidc = OidcIdentity(provider_arn=provider.arn, issuer_url=issuer)

    def _security_groups(self, args: ClusterArgs, plan: ClusterPlan) -> None:
        discovery = {f"kubernetes.io/cluster/{plan.cluster_name}": "owned"}  # found by the LBC
        groups = [
            aws.ec2.SecurityGroup(
                self.child(suffix),
                aws.ec2.SecurityGroupArgs(
                    vpc_id=args.vpc_id,
                    description=f"EKS {suffix} of {plan.cluster_name}",
                    revoke_rules_on_delete=True,
                    tags={"Name": f"{plan.cluster_name}-{suffix}", **extra},
                ),
                opts=self.child_opts(),
            )
            for suffix, extra in ((CONTROL_PLANE, {}), (NODES, discovery))
        ]
        self.cluster_security_group, self.node_security_group = groups
        ids = {CONTROL_PLANE: groups[0].id, NODES: groups[1].id}
        # Rules stay separate resources, never inline: the load balancer controller adds its own
        # rules to the node group, and inline rules would remove them on the next deployment.
        # prescription: NET-2 -- each rule names its source or destination and its ports.
        created: list[pulumi.Resource] = []
        for rule in plan.security_rules:
            kind = (
                aws.vpc.SecurityGroupEgressRule if rule.egress else aws.vpc.SecurityGroupIngressRule
            )
            peer = ids.get(rule.peer)
            aliases = [pulumi.Alias(name=self.child("sg", rule.former))] if rule.former else None
            # A rule narrowed in place waits for the rules that take over part of its traffic.
            after = list(created) if rule.narrows else []
            created.append(
                kind(
                    self.child("sg", rule.suffix),
                    security_group_id=ids[rule.group],
                    referenced_security_group_id=peer,
                    cidr_ipv4=None if peer is not None else rule.peer,
                    ip_protocol=rule.protocol,
                    from_port=rule.ports[0],
                    to_port=rule.ports[1],
                    description=rule.description,
                    opts=self.child_opts(aliases=aliases, depends_on=after),
                )
            )
        self.cluster_security_group_id: pulumi.Output[str] = ids[CONTROL_PLANE]
        self.node_security_group_id: pulumi.Output[str] = ids[NODES]

    def _access(self, plan: ClusterPlan, args: ClusterArgs) -> None:
        self.access_policies: list[aws.eks.AccessPolicyAssociation] = []
        self.access: ClusterAccess | None = None
        if args.access_grants:
            # A child, so the Kubernetes objects below wait for the deploying role's access.
            self.access = ClusterAccess(
                self.child("access"),
                ClusterAccessArgs(cluster_name=self.eks.name, grants=args.access_grants),
                self.env,
                opts=self.child_opts(),
            )
            self.access_policies += self.access.associations
        for label, arn in plan.admins.items():
            common = {"cluster_name": self.eks.name, "principal_arn": arn}
            entry = aws.eks.AccessEntry(
                self.child("admin", label),
                aws.eks.AccessEntryArgs(type="STANDARD", **common),
                opts=self.child_opts(),
            )
            scope = aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster")
            policy = _ADMIN_POLICY.format(p=self.env.partition)
            self.access_policies.append(
                aws.eks.AccessPolicyAssociation(
                    self.child("admin", label, "policy"),
                    aws.eks.AccessPolicyAssociationArgs(
                        policy_arn=policy, access_scope=scope, **common
                    ),
                    opts=self.child_opts(depends_on=[entry]),
                )
            )

    # -- nodes and add-ons ------------------------------------------------------------------------
    def _addon(
        self,
        addon: str,
        *,
        role: IrsaRole | None = None,
        config: dict[str, Any] | None = None,
        after: Sequence[pulumi.Resource] = (),
    ) -> aws.eks.Addon:
        """An EKS add-on at its pinned version; code owns its configuration (OVERWRITE)."""
        self.addons[addon] = aws.eks.Addon(
            self.child(addon),
            aws.eks.AddonArgs(
                cluster_name=self.eks.name,
                addon_name=addon,
                addon_version=self.versions.addons[addon],
                resolve_conflicts_on_create="OVERWRITE",
                resolve_conflicts_on_update="OVERWRITE",
                service_account_role_arn=role.arn if role else None,
                configuration_values=json.dumps(config, sort_keys=True) if config else None,
            ),
            opts=self.child_opts(depends_on=list(after)),
        )
        return self.addons[addon]

    def _attach(
        self, role: aws.iam.Role, suffix: tuple[str, str], policy: str
    ) -> aws.iam.RolePolicyAttachment:
        return aws.iam.RolePolicyAttachment(
            self.child(*suffix),
            aws.iam.RolePolicyAttachmentArgs(
                role=role.name, policy_arn=policies.managed_policy_arn(self.env.partition, policy)
            ),
            opts=self.child_opts(),
        )

    def _irsa(self, suffix: str, service_account: str, **kwargs: Any) -> IrsaRole:
        return IrsaRole(
            self.child(suffix),
            IrsaRoleArgs(
                oidc=self.oidc,
                namespace=values.CONTROLLER_NAMESPACE,
                service_account=service_account,
                **kwargs,
            ),
            self.env,
            opts=self.child_opts(),
        )

    def _nodes(self, args: ClusterArgs, plan: ClusterPlan) -> None:
        env, p = self.env, self.env.partition
        self.addons: dict[str, aws.eks.Addon] = {}
        cni_role = self._irsa(
            "cni-role",
            "aws-node",
            managed_policy_arns=[policies.managed_policy_arn(p, "AmazonEKS_CNI_Policy")],
        )
        # NET-5: the CNI's network policy agent enforces NetworkPolicies.
        cni = self._addon(
            pins.ADDON_VPC_CNI, role=cni_role, config=values.cni_configuration(env.tags)
        )
        proxy = self._addon(pins.ADDON_KUBE_PROXY)
        self.node_role = aws.iam.Role(
            self.child("node-role"),
            aws.iam.RoleArgs(
                assume_role_policy=policies.service_trust_policy("ec2.amazonaws.com").to_json(),
                description=f"EKS nodes of {plan.cluster_name}",
            ),
            opts=self.child_opts(),
        )
        attachments = [
            self._attach(self.node_role, ("node-role", "worker"), "AmazonEKSWorkerNodePolicy"),
            self._attach(
                self.node_role, ("node-role", "ecr"), "AmazonEC2ContainerRegistryReadOnly"
            ),
        ]
        template = aws.ec2.LaunchTemplate(
            self.child("nodes"),
            values.launch_template_args(
                plan,
                security_group_id=self.node_security_group.id,
                key_arn=args.key.arn,
                tags=merge_tags(env.tags, {"Name": f"{plan.cluster_name}-node"}),
                root_volume_gib=ROOT_VOLUME_GIB,
            ),
            opts=self.child_opts(),
        )
        zones = self.availability_zones
        self.node_groups: list[aws.eks.NodeGroup] = []
        for i, subnet in enumerate(args.private_subnet_ids):
            self.node_groups.append(
                aws.eks.NodeGroup(
                    self.child("nodes", i),
                    values.node_group_args(
                        plan,
                        env.profile.cluster,
                        index=i,
                        zone=zones[i] if zones else None,
                        cluster_name=self.eks.name,
                        subnet_id=subnet,
                        role_arn=self.node_role.arn,
                        template_id=template.id,
                        template_version=template.latest_version.apply(str),
                    ),
                    # The autoscaler owns the desired size once the group exists (SCALE-1).
                    opts=self.child_opts(
                        depends_on=[cni, proxy, *attachments],
                        ignore_changes=["scalingConfig.desiredSize"],
                    ),
                )
            )
        self.csi_role = self._irsa(
            "csi-role",
            "ebs-csi-controller-sa",
            managed_policy_arns=[policies.managed_policy_arn(p, "AmazonEBSCSIDriverPolicy")],
            policies={"kms": policies.ebs_csi_kms_policy(args.key.arn, env.region)},
        )
        nodes = self.node_groups
        self._addon(pins.ADDON_COREDNS, after=nodes)
        self._addon(
            pins.ADDON_EBS_CSI,
            role=self.csi_role,
            config=values.ebs_csi_configuration(env.tags),
            after=nodes,
        )
        self._addon(pins.ADDON_METRICS_SERVER, after=nodes)
        if args.enable_pod_identity_agent:
            self._addon(pins.ADDON_POD_IDENTITY, after=nodes)

    # -- controllers' identities and the kubeconfig ------------------------------------------------
    def _controller_roles(
        self, args: ClusterArgs, plan: ClusterPlan, scope: policies.ArnScope
    ) -> None:
        """The IRSA roles of the controllers that ClusterServices installs.

        They stay with the cluster because their policies are scoped by what only this program
        knows as plain values: the cluster's name in tag condition keys, and each node group's
        ARN. ClusterServices reads their ARNs from the platform stack's outputs.
        """
        self.autoscaler_role = self._irsa(
            "ca-role",
            values.AUTOSCALER_SERVICE_ACCOUNT,
            policies={
                "autoscaling": policies.autoscaler_policy(
                    plan.cluster_name,
                    scope,
                    # The node groups exist before the role; nothing of theirs waits for it.
                    nodegroup_arns=[group.arn for group in self.node_groups],
                )
            },
        )
        self.load_balancer_controller_role = self._irsa(
            "lbc-role",
            values.LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT,
            policies={
                "elb": load_balancer_controller_policy(
                    plan.cluster_name,
                    scope,
                    vpc_id=args.vpc_id,
                    node_security_group_arn=self.node_security_group.arn,
                )
            },
        )

    def _kubeconfig(self, args: ClusterArgs) -> None:
        env = self.env
        ca = self.eks.certificate_authority.apply(lambda c: c.data or "")
        self.kubeconfig: pulumi.Output[str] = pulumi.Output.secret(
            pulumi.Output.all(self.eks.name, self.eks.endpoint, ca).apply(
                lambda v: render_kubeconfig(
                    cluster_name=v[0],
                    endpoint=v[1],
                    certificate_authority_data=v[2],
                    region=env.region,
                    role_arn=args.kubeconfig_role_arn,
                )
            )
        )
