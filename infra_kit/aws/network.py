"""The VPC of one environment: three subnet tiers in every AZ, NAT by strategy, flow logs, endpoints."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra_kit.aws._cidr import TIERS, SubnetTier
from infra_kit.aws._flow_logs import build_flow_logs, flow_log_group_name
from infra_kit.aws._network_checks import FLOW_LOGS_DISABLED_TAG, CheckedNetwork, check_network
from infra_kit.aws.key import Key
from infra_kit.core.component import Component
from infra_kit.core.environment import Environment
from infra_kit.core.profile import NatStrategy
from infra_kit.errors import ValidationError

__all__ = [
    "FLOW_LOGS_DISABLED_TAG",
    "Network",
    "NetworkArgs",
    "SubnetTier",
]

_ROLE_TAGS: dict[SubnetTier, dict[str, str]] = {
    SubnetTier.PUBLIC: {"kubernetes.io/role/elb": "1"},
    SubnetTier.PRIVATE: {"kubernetes.io/role/internal-elb": "1"},
    SubnetTier.ISOLATED: {},
}


@dataclass(frozen=True)
class NetworkArgs:
    """Arguments of :class:`Network`.

    Args:
        flow_log_key: the KMS key that encrypts the flow-log group; create it with
            ``KeyArgs(log_group_access=True)``. Required; ``None`` only together with
            ``disable_flow_logs_reason``.
        cidr: the VPC CIDR, ``/16`` to ``/22`` in a private range. Default: the profile's
            ``network.vpc_cidr`` (10.0.0.0/16 in every built-in environment).
        interface_endpoint_services: services that get an interface endpoint when the profile's
            ``network.enable_interface_endpoints`` is on (prod; off in dev, stage and preview),
            spelt as in ``com.amazonaws.<region>.<service>``. Default: the profile's
            ``network.interface_endpoint_services``: the APIs the nodes, the platform's
            controllers and the collectors call (autoscaling, ec2, ecr.api, ecr.dkr, eks,
            elasticloadbalancing, kms, logs, secretsmanager, sts, xray).
        disable_flow_logs_reason: turns VPC flow logs off (NET-3 lost). A sentence of three
            words or more, kept in the VPC's ``flow-logs-disabled-reason`` tag.
            Default: None (flow logs on in every environment).
        availability_zones: the AZ names of AZ index 0, 1, ...: exactly ``network.az_count``
            distinct AZs of the environment's region (dev 2, stage and prod 3), e.g.
            ``["us-east-1a", "us-east-1b", "us-east-1c"]``. Default: the profile's
            ``network.availability_zones`` (required where the profile protects state: stage
            and prod), else the first az_count available AZs of the region, looked up at each
            deploy. Pinned names mean a change in AWS's list never moves a subnet.
    """

    flow_log_key: Key | None
    cidr: str | None = None
    interface_endpoint_services: Sequence[str] | None = None
    disable_flow_logs_reason: str | None = None
    availability_zones: Sequence[str] | None = None


class Network(Component):
    """A VPC with public, private and isolated subnets in each of ``network.az_count`` AZs.

    Children (``<name>`` is the component's name, ``<i>`` the AZ index, ``<tier>`` one of
    public, private, isolated):

    - ``aws.ec2.Vpc`` ``<name>-vpc``, DNS support and hostnames on (private DNS of endpoints).
    - ``aws.ec2.DefaultSecurityGroup`` ``<name>-default-sg`` with every rule removed (NET-2).
    - ``aws.ec2.InternetGateway`` ``<name>-igw``, routed from the public tier only.
    - per tier and AZ: ``aws.ec2.Subnet`` ``<name>-<tier>-<i>`` (CIDR from
      :mod:`infra_kit.aws._cidr`, no public IPs on launch, in name ``<i>`` of
      ``availability_zones`` when pinned, else the region's ``<i>``-th available AZ),
      ``aws.ec2.RouteTable`` ``<name>-<tier>-rt-<i>`` and ``aws.ec2.RouteTableAssociation``
      ``<name>-<tier>-rta-<i>``.
      Public tables route ``0.0.0.0/0`` to the internet gateway (``<name>-public-default-<i>``);
      private tables to their NAT gateway (``<name>-private-default-<i>``); isolated tables
      manage their routes exclusively and have none, so a route added by hand is removed on the
      next deployment (NET-1).
    - by ``network.nat_strategy`` (dev and stage single, prod one_per_az): ``aws.ec2.Eip``
      ``<name>-nat-eip-<i>`` and ``aws.ec2.NatGateway`` ``<name>-nat-<i>`` in public subnet
      ``<i>``. ``single`` puts one in AZ 0 for every private table; ``none`` creates neither
      and leaves private subnets without a default route.
    - ``aws.ec2.VpcEndpoint`` ``<name>-s3-endpoint``: a free S3 gateway endpoint in the private
      and isolated route tables (NET-4).
    - when ``network.enable_interface_endpoints`` (prod): ``aws.ec2.SecurityGroup``
      ``<name>-endpoints-sg`` admitting only HTTPS from the VPC CIDR
      (``aws.vpc.SecurityGroupIngressRule`` ``<name>-endpoints-https``), and an interface
      endpoint ``<name>-endpoint-<service>`` with private DNS in the private subnets per service.
      Each is billed per AZ-hour and per GB processed, in exchange for the controllers' and
      collectors' API calls not crossing NAT; ``infra-kit cost`` prices them from the price
      table (prices live there, never in a component; ADR 0028), and ``interface_endpoint_count``
      says how many there are.
    - unless turned off with a reason: ``aws.cloudwatch.LogGroup`` ``<name>-flow-logs``
      encrypted with ``flow_log_key``, retention ``network.flow_log_retention_days`` (dev 14,
      stage 30, prod 365: flow logs are audit-class, OBS-2) and protected where the profile protects state; ``aws.iam.Role``
      ``<name>-flow-logs-role`` trusted by ``vpc-flow-logs.amazonaws.com`` for this account's
      flow logs only, ``aws.iam.RolePolicy`` ``<name>-flow-logs-policy`` allowing
      logs:CreateLogStream, logs:PutLogEvents and logs:DescribeLogStreams on that group only,
      and ``aws.ec2.FlowLog`` ``<name>-flow-log`` capturing ALL traffic of the VPC.

    Prescriptions: NET-1, NET-2, NET-3, NET-4, HA-1 (a NAT per AZ in prod), OBS-2 (encrypted log
    group with retention from the profile), SEC-1 (flow-log role), TAG-1 (required tags from the
    provider's default tags, plus Name and tier), COST-3 (a single NAT and no interface endpoints
    outside prod).

    Args:
        name: the component's name; every child's logical name starts with it.
        args: its settings, [NetworkArgs][infra_kit.aws.NetworkArgs].
        env: the stack's [Environment][infra_kit.core.environment.Environment]: profile, tags and
            AWS provider.
        opts: Pulumi options for the component; every child is parented to it.

    Attributes:
        vpc: the ``aws.ec2.Vpc``.
        vpc_id: the VPC's id.
        vpc_cidr: the VPC's CIDR block (a plain string, known before deployment).
        availability_zones: the AZ names, in AZ-index order (an Output).
        default_security_group: the ``aws.ec2.DefaultSecurityGroup`` with no rules.
        internet_gateway: the ``aws.ec2.InternetGateway``.
        subnets: the ``aws.ec2.Subnet`` children by [SubnetTier][infra_kit.aws.SubnetTier], each
            list ordered by AZ index.
        route_tables: the ``aws.ec2.RouteTable`` children by tier, ordered by AZ index.
        subnet_ids_by_tier: subnet ids by tier name (``public``, ``private``, ``isolated``),
            ordered by AZ index.
        public_subnet_ids: the public subnets' ids, ordered by AZ index.
        private_subnet_ids: the private subnets' ids, where workloads run.
        isolated_subnet_ids: the isolated subnets' ids, where data stores live (no internet route).
        subnet_ids_by_az: for each AZ index, its subnet ids by tier name.
        route_table_ids: route table ids by tier name, ordered by AZ index.
        nat_strategy: the ``network.nat_strategy`` in force (none, single or one per AZ).
        nat_gateways: the ``aws.ec2.NatGateway`` children (empty with no NAT).
        nat_gateway_ids: their ids.
        nat_public_ips: the NAT gateways' public addresses: the VPC's egress addresses, for allow
            lists elsewhere.
        s3_endpoint: the S3 gateway ``aws.ec2.VpcEndpoint``.
        endpoint_security_group: the interface endpoints' security group; None without interface
            endpoints.
        interface_endpoints: the interface ``aws.ec2.VpcEndpoint`` children by service name
            (empty without ``network.enable_interface_endpoints``).
        interface_endpoint_count: how many interface endpoints there are.
        flow_log_group: the flow logs' ``aws.cloudwatch.LogGroup``; None when flow logs are off.
    """

    TYPE = "infra-kit:aws:Network"

    def __init__(
        self,
        name: str,
        args: NetworkArgs,
        env: Environment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        checked = check_network(args, env.profile.network, env.region)
        if args.flow_log_key is not None and args.disable_flow_logs_reason is None:
            group = flow_log_group_name(env.project, env.stack, name)
            args.flow_log_key.require_log_group(group, what="the flow-log group")
        super().__init__(name, env, opts)
        net = env.profile.network
        self.vpc_cidr: str = checked.cidr
        self.nat_strategy: NatStrategy = net.nat_strategy
        vpc_tags = {"Name": self._label("vpc")}
        if args.disable_flow_logs_reason is not None:
            vpc_tags[FLOW_LOGS_DISABLED_TAG] = args.disable_flow_logs_reason.strip()
        self.vpc = aws.ec2.Vpc(
            self.child("vpc"),
            aws.ec2.VpcArgs(
                cidr_block=checked.cidr,
                enable_dns_support=True,
                enable_dns_hostnames=True,
                tags=vpc_tags,
            ),
            opts=self.child_opts(),
        )
        self.vpc_id: pulumi.Output[str] = self.vpc.id
        # prescription: NET-2 -- adopting the default group removes all of its rules.
        self.default_security_group = aws.ec2.DefaultSecurityGroup(
            self.child("default-sg"),
            aws.ec2.DefaultSecurityGroupArgs(
                vpc_id=self.vpc.id, ingress=[], egress=[], tags={"Name": self._label("unused")}
            ),
            opts=self.child_opts(),
        )
        self.availability_zones: pulumi.Output[list[str]] = self._zones(checked, net.az_count)
        self.internet_gateway = aws.ec2.InternetGateway(
            self.child("igw"),
            aws.ec2.InternetGatewayArgs(vpc_id=self.vpc.id, tags={"Name": self._label("igw")}),
            opts=self.child_opts(),
        )
        self._build_subnets(checked)
        self._build_nat(net.az_count)
        self._build_endpoints(checked, net.enable_interface_endpoints)
        self.flow_log_group: aws.cloudwatch.LogGroup | None = None
        if args.flow_log_key is not None:
            self.flow_log_group = build_flow_logs(self, self.vpc, args.flow_log_key, self._label)
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "vpc_cidr": self.vpc_cidr,
                "availability_zones": self.availability_zones,
                "public_subnet_ids": self.public_subnet_ids,
                "private_subnet_ids": self.private_subnet_ids,
                "isolated_subnet_ids": self.isolated_subnet_ids,
                "route_table_ids": self.route_table_ids,
                "nat_gateway_ids": self.nat_gateway_ids,
                "nat_public_ips": self.nat_public_ips,
                "interface_endpoint_count": self.interface_endpoint_count,
                "flow_log_group_name": self.flow_log_group.name if self.flow_log_group else None,
            }
        )

    # -- children -----------------------------------------------------------------------------
    def _label(self, *suffix: str | int) -> str:
        """The ``Name`` tag of a child: stack-qualified, so dev and stage differ in one account."""
        return f"{self.env.project}-{self.env.stack}-{self.child(*suffix)}"

    def _zones(self, checked: CheckedNetwork, count: int) -> pulumi.Output[list[str]]:
        """The AZ names by index: pinned by ``availability_zones``, else looked up at deploy."""
        if checked.zones is not None:
            return pulumi.Output.from_input(list(checked.zones))
        region = self.env.region

        def first(names: list[str]) -> list[str]:
            if len(names) < count:
                raise ValidationError(
                    "network.az_count",
                    count,
                    f"{region} has only {len(names)} AZs available: {', '.join(names)}",
                    "lower network.az_count in the stack file",
                )
            return names[:count]

        # Local and Wavelength zones need an opt-in; only the region's own AZs qualify.
        opt_in = aws.GetAvailabilityZonesFilterArgs(
            name="opt-in-status", values=["opt-in-not-required"]
        )
        zones = aws.get_availability_zones_output(
            state="available", filters=[opt_in], opts=pulumi.InvokeOutputOptions(parent=self)
        )
        return zones.names.apply(first)

    def _build_subnets(self, checked: CheckedNetwork) -> None:
        self.subnets: dict[SubnetTier, list[aws.ec2.Subnet]] = {t: [] for t in TIERS}
        self.route_tables: dict[SubnetTier, list[aws.ec2.RouteTable]] = {t: [] for t in TIERS}
        for planned in checked.subnets:
            tier, i = planned.tier, planned.az_index
            zone: pulumi.Input[str] = (
                checked.zones[i]
                if checked.zones is not None
                else self.availability_zones.apply(lambda names, i=i: names[i])
            )
            subnet = aws.ec2.Subnet(
                self.child(tier.value, i),
                aws.ec2.SubnetArgs(
                    vpc_id=self.vpc.id,
                    cidr_block=planned.cidr,
                    availability_zone=zone,
                    map_public_ip_on_launch=False,
                    tags={
                        **_ROLE_TAGS[tier],
                        "Name": pulumi.Output.concat(self._label(tier.value), "-", zone),
                        "tier": tier.value,
                    },
                ),
                opts=self.child_opts(),
            )
            table = aws.ec2.RouteTable(
                self.child(tier.value, "rt", i),
                aws.ec2.RouteTableArgs(
                    vpc_id=self.vpc.id,
                    # prescription: NET-1 -- an empty list makes the isolated table's routes
                    # exclusive: nothing but the local (and S3 endpoint) route survives a deploy.
                    routes=[] if tier is SubnetTier.ISOLATED else None,
                    tags={"Name": self._label(tier.value, "rt", i), "tier": tier.value},
                ),
                opts=self.child_opts(),
            )
            aws.ec2.RouteTableAssociation(
                self.child(tier.value, "rta", i),
                aws.ec2.RouteTableAssociationArgs(subnet_id=subnet.id, route_table_id=table.id),
                opts=self.child_opts(),
            )
            self.subnets[tier].append(subnet)
            self.route_tables[tier].append(table)
        self.subnet_ids_by_tier: dict[str, list[pulumi.Output[str]]] = {
            t.value: [s.id for s in self.subnets[t]] for t in TIERS
        }
        self.public_subnet_ids = self.subnet_ids_by_tier[SubnetTier.PUBLIC.value]
        self.private_subnet_ids = self.subnet_ids_by_tier[SubnetTier.PRIVATE.value]
        self.isolated_subnet_ids = self.subnet_ids_by_tier[SubnetTier.ISOLATED.value]
        az_count = len(self.public_subnet_ids)
        self.subnet_ids_by_az: list[dict[str, pulumi.Output[str]]] = [
            {t.value: self.subnets[t][i].id for t in TIERS} for i in range(az_count)
        ]
        self.route_table_ids: dict[str, list[pulumi.Output[str]]] = {
            t.value: [r.id for r in self.route_tables[t]] for t in TIERS
        }
        for i, table in enumerate(self.route_tables[SubnetTier.PUBLIC]):
            aws.ec2.Route(
                self.child("public", "default", i),
                aws.ec2.RouteArgs(
                    route_table_id=table.id,
                    destination_cidr_block="0.0.0.0/0",
                    gateway_id=self.internet_gateway.id,
                ),
                opts=self.child_opts(),
            )

    def _build_nat(self, az_count: int) -> None:
        count = {NatStrategy.NONE: 0, NatStrategy.SINGLE: 1, NatStrategy.ONE_PER_AZ: az_count}
        self.nat_gateways: list[aws.ec2.NatGateway] = []
        self.nat_public_ips: list[pulumi.Output[str]] = []
        for i in range(count[self.nat_strategy]):
            eip = aws.ec2.Eip(
                self.child("nat", "eip", i),
                aws.ec2.EipArgs(domain="vpc", tags={"Name": self._label("nat", "eip", i)}),
                opts=self.child_opts(),
            )
            nat = aws.ec2.NatGateway(
                self.child("nat", i),
                aws.ec2.NatGatewayArgs(
                    allocation_id=eip.allocation_id,
                    subnet_id=self.subnets[SubnetTier.PUBLIC][i].id,
                    connectivity_type="public",
                    tags={"Name": self._label("nat", i)},
                ),
                opts=self.child_opts(depends_on=[self.internet_gateway]),
            )
            self.nat_gateways.append(nat)
            self.nat_public_ips.append(eip.public_ip)
        self.nat_gateway_ids: list[pulumi.Output[str]] = [n.id for n in self.nat_gateways]
        if not self.nat_gateways:
            return
        for i, table in enumerate(self.route_tables[SubnetTier.PRIVATE]):
            # prescription: HA-1 -- with one NAT per AZ, an AZ's outage leaves the others' egress.
            nat = self.nat_gateways[i if self.nat_strategy is NatStrategy.ONE_PER_AZ else 0]
            aws.ec2.Route(
                self.child("private", "default", i),
                aws.ec2.RouteArgs(
                    route_table_id=table.id,
                    destination_cidr_block="0.0.0.0/0",
                    nat_gateway_id=nat.id,
                ),
                opts=self.child_opts(),
            )

    def _service_name(self, service: str) -> str:
        return f"com.amazonaws.{self.env.region}.{service}"

    def _build_endpoints(self, checked: CheckedNetwork, enabled: bool) -> None:
        # prescription: NET-4 -- S3 traffic stays off NAT; gateway endpoints cost nothing.
        self.s3_endpoint = aws.ec2.VpcEndpoint(
            self.child("s3-endpoint"),
            aws.ec2.VpcEndpointArgs(
                vpc_id=self.vpc.id,
                service_name=self._service_name("s3"),
                vpc_endpoint_type="Gateway",
                route_table_ids=[
                    *self.route_table_ids[SubnetTier.PRIVATE.value],
                    *self.route_table_ids[SubnetTier.ISOLATED.value],
                ],
                tags={"Name": self._label("s3-endpoint")},
            ),
            opts=self.child_opts(),
        )
        services = checked.services if enabled else ()
        self.interface_endpoints: dict[str, aws.ec2.VpcEndpoint] = {}
        self.interface_endpoint_count: int = len(services)
        self.endpoint_security_group: aws.ec2.SecurityGroup | None = None
        if not services:
            return
        sg = aws.ec2.SecurityGroup(
            self.child("endpoints-sg"),
            aws.ec2.SecurityGroupArgs(
                vpc_id=self.vpc.id,
                description="Interface endpoints: HTTPS from inside the VPC only",
                tags={"Name": self._label("endpoints-sg")},
            ),
            opts=self.child_opts(),
        )
        # prescription: NET-2 -- one named source (the VPC CIDR) on one named port (443).
        aws.vpc.SecurityGroupIngressRule(
            self.child("endpoints-https"),
            aws.vpc.SecurityGroupIngressRuleArgs(
                security_group_id=sg.id,
                description="HTTPS to AWS APIs from the VPC",
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                cidr_ipv4=self.vpc_cidr,
            ),
            opts=self.child_opts(),
        )
        self.endpoint_security_group = sg
        for service in services:
            suffix = service.replace(".", "-")
            self.interface_endpoints[service] = aws.ec2.VpcEndpoint(
                self.child("endpoint", suffix),
                aws.ec2.VpcEndpointArgs(
                    vpc_id=self.vpc.id,
                    service_name=self._service_name(service),
                    vpc_endpoint_type="Interface",
                    private_dns_enabled=True,
                    subnet_ids=self.private_subnet_ids,
                    security_group_ids=[sg.id],
                    tags={"Name": self._label("endpoint", suffix)},
                ),
                opts=self.child_opts(),
            )
