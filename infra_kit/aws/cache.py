"""ElastiCache for Valkey in isolated subnets: encrypted with the key, TLS-only, IAM auth, no
password anywhere."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra_kit.aws import _cache_rules as rules
from infra_kit.aws import actions
from infra_kit.aws._database_params import check_label
from infra_kit.aws._policy import PolicyDocument, Statement
from infra_kit.aws.alarms import AlarmTopics
from infra_kit.aws.cache_alarms import cache_alarms
from infra_kit.aws.grants import Grantee, attach_policy, role_of
from infra_kit.aws.key import Key
from infra_kit.core.component import Component
from infra_kit.core.environment import Environment
from infra_kit.errors import ValidationError

__all__ = ["CACHE_PORT", "ENGINE", "NO_BACKUP_PLAN", "Cache", "CacheArgs"]

#: The port Valkey listens on.
CACHE_PORT = 6379
#: The engine every cache runs; its version is the profile's ``cache.engine_version``.
ENGINE = "valkey"
#: The engine of the user group and its users. ElastiCache lets a Valkey cache use user groups
#: of either engine, but a ``valkey`` group admits only users with a password or IAM, and the
#: disabled ``default`` user every group needs has neither ("Role-Based Access Control").
_USER_ENGINE = "redis"
#: Why a cache carries no ``infra-kit:backup`` tag: recorded in its outputs. AWS Backup's resource
#: types (``GetSupportedResourceTypes``, AWS Backup API Reference, read 2026-12-02) include no
#: ElastiCache.
NO_BACKUP_PLAN = (
    "not in the environment's AWS Backup plan: AWS Backup does not cover ElastiCache; the "
    "cache's own daily snapshots (cache.snapshot_retention_days) and its final snapshot are its "
    "backups"
)


@dataclass(frozen=True)
class CacheArgs:
    """Arguments of :class:`Cache`.

    Args:
        subnet_ids: the network's isolated subnets, at least two (in different AZs), which have
            no route to the internet (NET-1). Required.
        vpc_id: the VPC of those subnets. Required.
        key: the customer-managed key that encrypts the cache's disk, backups and snapshots
            (SEC-3); it must be usable through ElastiCache (``KeyArgs.via_services`` includes
            ``"elasticache"``). Required.
        allowed_security_group_ids: security groups admitted on port 6379, by label (a label
            names the ingress rule, e.g. ``{"orders-api": api_sg.id}``). There is no CIDR
            source (NET-2). Default: none, so nothing can connect until :meth:`Cache.allow_from`
            admits a workload.
        node_type: the node size. Default: the profile's ``cache.node_type`` (dev and preview
            ``cache.t4g.micro``, stage ``cache.t4g.small``, prod ``cache.r7g.large``).
        maintenance_window: weekly UTC window of engine patches, at least 60 minutes, outside
            the profile's ``cache.snapshot_window`` (``04:00-05:00``). Default:
            ``"sun:05:30-sun:06:30"``.
        alarm_topics: where the cache's alarms notify, usually ``AlarmTopics.from_stack(platform)``
            (OBS-3). Default: none, so no alarms are created.

    The replica count, Multi-AZ, the engine version and snapshots are not arguments: they come
    from the profile's ``cache`` section (dev and preview one node; stage one replica, prod two,
    both Multi-AZ with automatic failover; snapshots kept dev 1, preview 0, stage 7, prod 14
    days).
    """

    subnet_ids: Sequence[pulumi.Input[str]]
    vpc_id: pulumi.Input[str]
    key: Key
    allowed_security_group_ids: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    node_type: str | None = None
    maintenance_window: str = "sun:05:30-sun:06:30"
    alarm_topics: AlarmTopics | None = None


def _check(args: CacheArgs) -> None:
    if "elasticache" not in args.key.via_services:
        raise ValidationError(
            "key",
            args.key.component_name,
            "the key is not usable through ElastiCache, so it could not encrypt the cache",
            "add 'elasticache' to its KeyArgs.via_services",
        )
    if len(args.subnet_ids) < 2:
        raise ValidationError(
            "subnet_ids",
            list(args.subnet_ids),
            "a cache's subnet group spans at least two AZs, so a replica can run in another",
            "pass the network's isolated subnets (one per AZ, at least two)",
        )
    for label in args.allowed_security_group_ids:
        check_label("allowed_security_group_ids", label)
    if args.node_type is not None and not args.node_type.startswith("cache."):
        raise ValidationError(
            "node_type",
            args.node_type,
            "not an ElastiCache node type",
            "use a cache.<family>.<size> type, e.g. cache.t4g.small, or omit it for the "
            "profile's cache.node_type",
        )


class Cache(Component):
    """An ElastiCache for Valkey replication group (cluster mode off) in isolated subnets.

    Children, for a cache named ``<name>`` with replication group id ``<id>``
    (``<project>-<stack>-<name>``, at most 40 characters):

    - ``aws.ec2.SecurityGroup`` ``<name>-security-group`` (no inline rules, no egress) and one
      ``aws.vpc.SecurityGroupIngressRule`` ``<name>-from-<label>`` per admitted security group,
      TCP 6379 only;
    - ``aws.elasticache.SubnetGroup`` ``<name>-subnets`` on the given isolated subnets;
    - ``aws.elasticache.User`` ``<name>-default-user``: the ``default`` user every user group
      needs, switched off with no keys and no commands (``off ~* -@all``);
    - ``aws.elasticache.UserGroup`` ``<name>-users`` (id ``<id>``), which the replication group
      authenticates against; its members are the default user and the users grants add;
    - ``aws.elasticache.ReplicationGroup`` ``<name>``: Valkey at the profile's version, one
      primary and ``cache.replicas`` replicas of ``cache.node_type``, automatic failover and
      Multi-AZ where the profile says, encrypted at rest with the key, TLS required, snapshots
      kept ``cache.snapshot_retention_days`` in ``cache.snapshot_window``; protected and
      retained, with a final snapshot ``<id>-final``, where the profile protects state;
    - with ``alarm_topics``, the warning and critical ``aws.cloudwatch.MetricAlarm`` pairs of
      :func:`infra_kit.aws.cache_alarms.cache_alarms` on the busiest node:
      ``<name>-engine-cpu-*``, ``<name>-memory-*`` and, with replicas,
      ``<name>-replication-lag-*``.

    Each :meth:`grant_connect` adds, once per user, ``aws.elasticache.User``
    ``<name>-user-<user>`` (IAM authentication, user name = user id = ``<id>-<user>``) and
    ``aws.elasticache.UserGroupAssociation`` ``<name>-user-<user>-member``, and per grantee one
    ``aws.iam.RolePolicy``.

    Attributes: ``replication_group``; ``arn``; ``replication_group_id``; ``endpoint`` (the
    primary's address, for writes); ``reader_endpoint`` (spread over replicas, the primary
    when there are none); ``port`` (6379); ``security_group`` and ``security_group_id``;
    ``user_group``; ``key``; ``alarms``; ``unalarmed`` (signals without an alarm, with why);
    ``backup`` (why there is no backup tag: :data:`NO_BACKUP_PLAN`).

    There is no password or AUTH token: every client authenticates with a 15-minute IAM token
    (docs/adr/0033-cache-authentication-and-multi-az.md says why). No backup tag: AWS Backup
    does not cover ElastiCache; its snapshots are its backups.

    Prescriptions: NET-1 (isolated subnets), NET-2 (only named security groups on 6379), SEC-1
    (``elasticache:Connect`` on this cache and one user), SEC-2 (no secret exists, so none is in
    code, config or state), SEC-3 (CMK at rest, TLS required), HA-1 (Multi-AZ with automatic
    failover from the profile), DR-1 (snapshots by profile; protect, retain and a final snapshot
    where the profile protects state), OBS-3 (alarms, with ``alarm_topics``).

    Args:
        name: the component's name; every child's logical name starts with it.
        args: its settings, [CacheArgs][infra_kit.aws.CacheArgs].
        env: the stack's [Environment][infra_kit.core.environment.Environment]: profile, tags and
            AWS provider.
        opts: Pulumi options for the component; every child is parented to it.

    Attributes:
        replication_group: the ``aws.elasticache.ReplicationGroup``.
        replication_group_id: its id, ``<project>-<stack>-<name>`` in lower case, at most 40
            characters (a longer one ends with a hash).
        arn: the replication group's ARN.
        endpoint: the primary endpoint's address; clients connect with TLS on ``port``.
        reader_endpoint: the reader endpoint's address.
        port: the port clients connect to.
        replicas: how many replicas the profile gives it (``cache.replicas``).
        key: the [Key][infra_kit.aws.Key] that encrypts it at rest.
        security_group: the cache's ``aws.ec2.SecurityGroup``, which admits only the sources
            ``allow_from`` names.
        security_group_id: its id.
        user_group: the ``aws.elasticache.UserGroup`` of the IAM-authenticated users.
        backup: why the cache is not in the environment's AWS Backup plan (its snapshots are its
            backups).
        alarms: the cache's alarms, by signal; empty without ``alarm_topics``.
        unalarmed: signals without an alarm, each with the reason (OBS-3).
    """

    TYPE = "infra-kit:aws:Cache"

    def __init__(
        self,
        name: str,
        args: CacheArgs,
        env: Environment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        profile = env.profile.cache
        _check(args)
        maintenance = rules.check_maintenance_window(
            args.maintenance_window, profile.snapshot_window
        )
        super().__init__(name, env, opts)
        protect = env.profile.protect_stateful
        group_id = rules.replication_group_id(env.project, env.stack, name)
        self.replication_group_id = group_id
        self.key = args.key
        self.replicas = profile.replicas
        self._admitted: set[str] = set()
        self._users: dict[str, tuple[str, str]] = {}

        self.security_group = aws.ec2.SecurityGroup(
            self.child("security-group"),
            aws.ec2.SecurityGroupArgs(
                vpc_id=args.vpc_id,
                description=f"Valkey {name}: port {CACHE_PORT} from named security groups",
            ),
            opts=self.child_opts(),
        )
        self.security_group_id: pulumi.Output[str] = self.security_group.id
        for label, source in args.allowed_security_group_ids.items():
            self.allow_from(label, source)

        subnets = aws.elasticache.SubnetGroup(
            self.child("subnets"),
            aws.elasticache.SubnetGroupArgs(
                subnet_ids=list(args.subnet_ids),
                description=f"Isolated subnets of Valkey {name}",
            ),
            opts=self.child_opts(),
        )
        default_user = aws.elasticache.User(
            self.child("default-user"),
            aws.elasticache.UserArgs(
                user_id=f"{group_id}-default",
                user_name="default",
                engine=_USER_ENGINE,
                access_string=rules.DISABLED_DEFAULT_ACCESS_STRING,
                authentication_mode=aws.elasticache.UserAuthenticationModeArgs(
                    type="no-password-required"
                ),
            ),
            opts=self.child_opts(),
        )
        self.user_group = aws.elasticache.UserGroup(
            self.child("users"),
            aws.elasticache.UserGroupArgs(
                user_group_id=group_id,
                engine=_USER_ENGINE,
                user_ids=[default_user.user_id],
            ),
            # Grants add members through UserGroupAssociation; the group must not remove them.
            opts=self.child_opts(ignore_changes=["userIds"]),
        )
        failover = profile.replicas > 0
        self.replication_group = aws.elasticache.ReplicationGroup(
            name,
            aws.elasticache.ReplicationGroupArgs(
                replication_group_id=group_id,
                description=f"Valkey {name} of {env.project}/{env.stack}",
                engine=ENGINE,
                engine_version=profile.engine_version,
                node_type=args.node_type or profile.node_type,
                num_cache_clusters=1 + profile.replicas,
                automatic_failover_enabled=failover,
                # prescription: HA-1 -- failover to a replica in another AZ where the profile says.
                multi_az_enabled=profile.multi_az,
                port=CACHE_PORT,
                subnet_group_name=subnets.name,
                security_group_ids=[self.security_group.id],
                # prescription: SEC-3 -- the key at rest, and no connection without TLS.
                at_rest_encryption_enabled=True,
                kms_key_id=args.key.arn,
                transit_encryption_enabled=True,
                transit_encryption_mode="required",
                user_group_ids=[self.user_group.user_group_id],
                snapshot_retention_limit=profile.snapshot_retention_days,
                snapshot_window=profile.snapshot_window,
                maintenance_window=maintenance,
                final_snapshot_identifier=f"{group_id}-final" if protect else None,
                auto_minor_version_upgrade=True,
                apply_immediately=False,
            ),
            opts=self.stateful_opts(),
        )
        self.arn: pulumi.Output[str] = self.replication_group.arn
        self.endpoint: pulumi.Output[str] = self.replication_group.primary_endpoint_address
        self.reader_endpoint: pulumi.Output[str] = self.replication_group.reader_endpoint_address
        self.port = CACHE_PORT
        self.backup = NO_BACKUP_PLAN
        #: Signals without an alarm, each with the reason (OBS-3).
        self.unalarmed: dict[str, str] = {}
        if not failover:
            self.unalarmed["replication-lag"] = (
                "no ReplicationLag alarm: the cache has no replica (cache.replicas=0)"
            )
        self.alarms = (
            cache_alarms(self, group_id, profile.replicas, args.alarm_topics)
            if args.alarm_topics is not None
            else {}
        )
        self.register_outputs(
            {
                "arn": self.arn,
                "endpoint": self.endpoint,
                "reader_endpoint": self.reader_endpoint,
                "port": self.port,
                "security_group_id": self.security_group_id,
                "replication_group_id": group_id,
                "unalarmed": self.unalarmed,
                "backup": self.backup,
            }
        )

    def allow_from(
        self, label: str, security_group_id: pulumi.Input[str]
    ) -> aws.vpc.SecurityGroupIngressRule:
        """Admit ``security_group_id`` on TCP 6379, as the ingress rule ``<name>-from-<label>``."""
        check_label("label", label)
        if label in self._admitted:
            raise ValidationError(
                "label",
                label,
                f"cache {self.component_name!r} already admits a security group by that label",
                "use a distinct label per workload",
            )
        self._admitted.add(label)
        return aws.vpc.SecurityGroupIngressRule(
            self.child("from", label),
            aws.vpc.SecurityGroupIngressRuleArgs(
                security_group_id=self.security_group.id,
                referenced_security_group_id=security_group_id,
                ip_protocol="tcp",
                from_port=CACHE_PORT,
                to_port=CACHE_PORT,
                description=f"Valkey from {label}",
            ),
            opts=self.child_opts(),
        )

    def user_name(self, user: str) -> str:
        """The name a client gives, with its IAM token, to connect as ``user``."""
        return rules.user_id(self.replication_group_id, rules.check_user(user))

    def grant_connect(
        self, grantee: Grantee, user: str, *, access_string: str = rules.DEFAULT_ACCESS_STRING
    ) -> aws.iam.RolePolicy:
        """Let ``grantee`` connect to the cache as ``user`` with IAM authentication.

        The first grant for ``user`` creates the ElastiCache user ``<id>-<user>`` (IAM
        authentication, ``access_string`` as its ACL: by default every key and every command
        but the dangerous ones) and adds it to the cache's user group; later grants for the
        same user reuse it and must give the same ``access_string``. One inline policy
        ``<role>-<name>-connect-<user>``: :data:`~infra_kit.aws.actions.ELASTICACHE_CONNECT` on
        the replication group and that user, nothing else. The client signs a token with the
        role's credentials and sends it as the password of :meth:`user_name` over TLS.
        """
        role_of(grantee)
        name = self.user_name(user)
        rules.check_access_string(access_string)
        known = self._users.get(user)
        if known is not None and known[1] != access_string:
            raise ValidationError(
                "access_string",
                access_string,
                f"cache user {user!r} was already granted with {known[1]!r}; one user has one ACL",
                "give the same access_string, or grant a differently named user",
            )
        if known is None:
            cache_user = aws.elasticache.User(
                self.child("user", user),
                aws.elasticache.UserArgs(
                    user_id=name,
                    user_name=name,
                    engine=_USER_ENGINE,
                    access_string=access_string,
                    authentication_mode=aws.elasticache.UserAuthenticationModeArgs(type="iam"),
                ),
                opts=self.child_opts(),
            )
            aws.elasticache.UserGroupAssociation(
                self.child("user", user, "member"),
                aws.elasticache.UserGroupAssociationArgs(
                    user_group_id=self.user_group.user_group_id, user_id=cache_user.user_id
                ),
                opts=self.child_opts(),
            )
            self._users[user] = (name, access_string)
        env = self.env
        user_arn = env.account_id.apply(
            lambda account: f"arn:{env.partition}:elasticache:{env.region}:{account}:user:{name}"
        )
        document = PolicyDocument(
            [Statement(actions=actions.ELASTICACHE_CONNECT, resources=[self.arn, user_arn])]
        )
        return attach_policy(
            grantee, f"{self.component_name}-connect-{user}", document, parent=self
        )
