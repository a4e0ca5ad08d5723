"""An RDS PostgreSQL instance in isolated subnets: encrypted, TLS-only, IAM auth, no password."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra_kit.aws import _database_alarms as alarm_rules
from infra_kit.aws import _database_params as rules
from infra_kit.aws import actions
from infra_kit.aws._policy import PolicyDocument, Statement
from infra_kit.aws.alarms import AlarmTopics, Metric, alarm_pair
from infra_kit.aws.grants import Grantee, attach_policy, service_trust
from infra_kit.aws.key import Key
from infra_kit.core.component import Component
from infra_kit.core.environment import Environment
from infra_kit.core.tags import backup_tags
from infra_kit.errors import ValidationError

__all__ = [
    "LOG_EXPORTS",
    "PERFORMANCE_INSIGHTS_RETENTION_DAYS",
    "POSTGRES_PORT",
    "Database",
    "DatabaseArgs",
]

POSTGRES_PORT = 5432
#: Logs the instance exports to CloudWatch Logs.
LOG_EXPORTS: tuple[str, ...] = ("postgresql", "upgrade")
#: Days of Performance Insights history kept (the free tier).
PERFORMANCE_INSIGHTS_RETENTION_DAYS = 7
#: Services through which the database's key must be usable: storage, and the master secret.
_KEY_SERVICES: tuple[str, ...] = ("rds", "secretsmanager")
_MONITORING_SERVICE = "monitoring.rds.amazonaws.com"
#: Why a database has no ReplicaLag alarm: recorded in its outputs, never skipped in silence.
NO_REPLICA_LAG = (
    "no ReplicaLag alarm: a Multi-AZ DB instance replicates synchronously to a standby that "
    "publishes no ReplicaLag, and this database has no read replicas; a read replica gets one "
    "from alarms.replica_lag_warning_seconds and replica_lag_critical_seconds"
)
#: The dashboard section of a database's alarms.
ALARM_SECTION = "Resource use"


@dataclass(frozen=True)
class DatabaseArgs:
    """Arguments of :class:`Database`.

    Args:
        subnet_ids: the network's isolated subnets, at least two (in different AZs), which have
            no route to the internet (NET-1). Required.
        vpc_id: the VPC of those subnets. Required.
        key: the customer-managed key for storage, the master user secret, Performance Insights
            and the exported log groups (SEC-3, OBS-2). It must be usable through ``rds`` and
            ``secretsmanager`` and created with ``log_group_access=True``, with
            ``log_group_prefixes`` that cover ``/aws/rds/instance/<identifier>/`` (the default
            ones do). Required.
        database_name: the database RDS creates. Required.
        allowed_security_group_ids: security groups admitted on port 5432, by label (a label
            names the ingress rule, e.g. ``{"orders-api": api_sg.id}``). There is no CIDR
            source (NET-2). Default: none, so nothing can connect until :meth:`Database.allow_from`
            admits a workload.
        master_username: the master user, whose password RDS generates and keeps in Secrets
            Manager. Default: ``"app_admin"``; reserved names (postgres, admin, rdsadmin, ...)
            are refused.
        instance_class: default from the profile's ``database.instance_class``
            (dev ``db.t4g.micro``, stage ``db.t4g.medium``, prod ``db.r6g.large``).
        allocated_storage_gb: default from ``database.allocated_storage_gb`` (dev and stage 20,
            prod 100).
        max_allocated_storage_gb: the storage autoscaling ceiling; default from
            ``database.max_allocated_storage_gb`` (dev 100, stage 200, prod 1000).
        parameters: extra PostgreSQL parameters, applied at the next reboot. Default: none;
            ``rds.force_ssl=1`` and ``log_min_duration_statement=1000`` are always set, and
            turning ``rds.force_ssl`` off is refused.
        backup_window: daily UTC window of automated backups. Default: ``"03:00-04:00"``.
        maintenance_window: weekly UTC window of maintenance; must not overlap the backup
            window. Default: ``"sun:04:30-sun:05:30"``.
        alarm_topics: where the database's alarms notify, usually
            ``AlarmTopics.from_stack(platform)`` (OBS-3). Default: none, so no alarms are
            created, and ``infra-kit check`` fails a stage or prod database without them
            (``IK-OBS-3-DATABASE-ALARMS``).

    Multi-AZ, backup retention, Performance Insights and enhanced monitoring are not arguments:
    they come from the profile's ``database`` section, where prod's minimums are enforced.
    """

    subnet_ids: Sequence[pulumi.Input[str]]
    vpc_id: pulumi.Input[str]
    key: Key
    database_name: str
    allowed_security_group_ids: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    master_username: str = "app_admin"
    instance_class: str | None = None
    allocated_storage_gb: int | None = None
    max_allocated_storage_gb: int | None = None
    parameters: Mapping[str, str] = field(default_factory=dict)
    backup_window: str = "03:00-04:00"
    maintenance_window: str = "sun:04:30-sun:05:30"
    alarm_topics: AlarmTopics | None = None


def _check_key(key: Key) -> None:
    missing = [s for s in _KEY_SERVICES if s not in key.via_services]
    if missing:
        raise ValidationError(
            "key",
            key.component_name,
            f"the key is not usable through {', '.join(missing)}, so RDS could not encrypt "
            "storage or the master user secret with it",
            f"add {', '.join(repr(s) for s in missing)} to the key's KeyArgs.via_services",
        )
    if not key.log_group_access:
        raise ValidationError(
            "key",
            key.component_name,
            "CloudWatch Logs may not use the key, so the exported log groups cannot be encrypted",
            "create the key with KeyArgs(log_group_access=True)",
        )


class Database(Component):
    """RDS for PostgreSQL in isolated subnets.

    Children, for a database named ``<name>``:

    - ``aws.ec2.SecurityGroup`` ``<name>-security-group`` (no inline rules, no egress) and one
      ``aws.vpc.SecurityGroupIngressRule`` ``<name>-from-<label>`` per admitted security group
      (TCP 5432 only);
    - ``aws.rds.SubnetGroup`` ``<name>-subnets`` (the isolated subnets);
    - ``aws.rds.ParameterGroup`` ``<name>-parameters`` (family ``postgres<major>``,
      ``rds.force_ssl=1``);
    - ``aws.cloudwatch.LogGroup`` ``<name>-log-postgresql`` and ``<name>-log-upgrade``
      (``/aws/rds/instance/<identifier>/<export>``, retention from ``logs.audit_retention_days``,
      encrypted with the key, deletion protection and Pulumi ``protect`` where the profile
      protects state), created before the instance exports into them;
    - ``aws.iam.Role`` ``<name>-monitoring`` and ``aws.iam.RolePolicyAttachment``
      ``<name>-monitoring-policy`` when ``database.monitoring_interval_seconds > 0`` (stage, prod);
    - ``aws.rds.Instance`` ``<name>`` (protected and retained in stage and prod; tagged
      ``infra-kit:backup=<environment>`` for the environment's AWS Backup plan);
    - with ``alarm_topics``, three pairs of ``aws.cloudwatch.MetricAlarm``
      (``<name>-<signal>-warning`` and ``-critical``, :func:`~infra_kit.aws.alarms.alarm_pair`)
      on ``AWS/RDS`` metrics of the instance: ``cpu`` (``CPUUtilization`` above the profile's
      utilization percentages), ``free-storage`` (``FreeStorageSpace`` below the same shares of
      the allocated storage left free) and ``connections`` (``DatabaseConnections`` above those
      percentages of ``max_connections``); :mod:`infra_kit.aws._database_alarms` says how the
      thresholds are derived. There is no ReplicaLag alarm and the output ``unalarmed`` says
      why (:data:`NO_REPLICA_LAG`).

    Grants: :meth:`grant_connect` (IAM database authentication for one database user).

    Prescriptions: NET-1 (isolated subnets, not publicly accessible), NET-2 (only named security
    groups on 5432), SEC-1 (``rds-db:connect`` scoped to one user of this instance), SEC-2 (RDS
    manages the master password in Secrets Manager, encrypted with the key; none in code, config
    or state), SEC-3 (storage encrypted with the CMK, TLS required), HA-1 (Multi-AZ from the
    profile), DR-1 (backup retention from the profile; deletion protection, final snapshot,
    retained automated backups, Pulumi protect where ``protect_stateful``), OBS-2 (exported logs
    with retention and encryption; Performance Insights and enhanced monitoring from the profile),
    OBS-3 (warning and critical alarms on CPU, free storage and connections, with
    ``alarm_topics``).

    Args:
        name: the component's name; every child's logical name starts with it.
        args: its settings, [DatabaseArgs][infra_kit.aws.DatabaseArgs].
        env: the stack's [Environment][infra_kit.core.environment.Environment]: profile, tags and
            AWS provider.
        opts: Pulumi options for the component; every child is parented to it.

    Attributes:
        instance: the ``aws.rds.Instance``.
        identifier: the instance's identifier, ``<project>-<stack>-<name>`` spelt as RDS
            requires.
        address: the instance's host name.
        endpoint: ``address:port``.
        port: the port clients connect to.
        arn: the instance's ARN.
        resource_id: the instance's resource id, which ``rds-db:connect`` grants name.
        master_username: the master user's name.
        master_user_secret_arn: the ARN of the master password's secret, which RDS manages and
            rotates; the password itself is never in the state (SEC-2).
        key: the [Key][infra_kit.aws.Key] that encrypts storage, logs and the master secret.
        security_group: the database's ``aws.ec2.SecurityGroup``, which admits only named
            sources on the engine's port.
        security_group_id: its id.
        unalarmed: signals without an alarm, each with the reason (OBS-3).
    """

    TYPE = "infra-kit:aws:Database"

    def __init__(
        self,
        name: str,
        args: DatabaseArgs,
        env: Environment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        profile = env.profile.database
        _check_key(args.key)
        if len(args.subnet_ids) < 2:
            raise ValidationError(
                "subnet_ids",
                list(args.subnet_ids),
                "RDS needs a subnet group spanning at least two AZs",
                "pass the network's isolated subnets (one per AZ, at least two)",
            )
        rules.check_database_name(args.database_name)
        self.master_username = rules.check_master_username(args.master_username)
        for label in args.allowed_security_group_ids:
            rules.check_label("allowed_security_group_ids", label)
        instance_class = args.instance_class or profile.instance_class
        allocated = args.allocated_storage_gb or profile.allocated_storage_gb
        max_allocated = args.max_allocated_storage_gb or profile.max_allocated_storage_gb
        rules.check_storage(instance_class, allocated, max_allocated)
        parameters = rules.check_parameters(args.parameters)
        # Refused before anything is registered when the class's max_connections is unknown.
        connections = (
            alarm_rules.max_connections(instance_class, parameters)
            if args.alarm_topics is not None
            else 0
        )
        rules.check_windows(args.backup_window, args.maintenance_window)
        family = rules.parameter_group_family(profile.engine_version)
        identifier = rules.instance_identifier(env.project, env.stack, name)
        log_names = {export: f"/aws/rds/instance/{identifier}/{export}" for export in LOG_EXPORTS}
        for log_name in log_names.values():
            args.key.require_log_group(log_name, what="the exported log group")

        super().__init__(name, env, opts)
        protect = env.profile.protect_stateful
        self.key = args.key
        self._admitted: set[str] = set()

        self.security_group = aws.ec2.SecurityGroup(
            self.child("security-group"),
            aws.ec2.SecurityGroupArgs(
                vpc_id=args.vpc_id,
                description=f"PostgreSQL {name}: port {POSTGRES_PORT} from named security groups",
            ),
            opts=self.child_opts(),
        )
        self.security_group_id: pulumi.Output[str] = self.security_group.id
        for label, source in args.allowed_security_group_ids.items():
            self.allow_from(label, source)

        subnets = aws.rds.SubnetGroup(
            self.child("subnets"),
            aws.rds.SubnetGroupArgs(
                subnet_ids=list(args.subnet_ids),
                description=f"Isolated subnets of PostgreSQL {name}",
            ),
            opts=self.child_opts(),
        )
        parameter_group = aws.rds.ParameterGroup(
            self.child("parameters"),
            aws.rds.ParameterGroupArgs(
                family=family,
                description=f"PostgreSQL {name}: TLS required",
                parameters=[
                    aws.rds.ParameterGroupParameterArgs(
                        name=key,
                        value=value,
                        apply_method=(
                            "immediate" if key in rules.DEFAULT_PARAMETERS else "pending-reboot"
                        ),
                    )
                    for key, value in sorted(parameters.items())
                ],
            ),
            opts=self.child_opts(),
        )
        log_groups = [
            aws.cloudwatch.LogGroup(
                self.child("log", export),
                aws.cloudwatch.LogGroupArgs(
                    name=log_name,
                    retention_in_days=env.profile.logs.audit_retention_days,
                    kms_key_id=args.key.arn,
                    deletion_protection_enabled=protect,
                ),
                opts=self.stateful_opts(),
            )
            for export, log_name in log_names.items()
        ]

        monitoring_role_arn: pulumi.Output[str] | None = None
        if profile.monitoring_interval_seconds > 0:
            monitoring_role_arn = self._monitoring_role()

        insights = profile.enable_performance_insights
        self.instance = aws.rds.Instance(
            name,
            aws.rds.InstanceArgs(
                identifier=identifier,
                engine="postgres",
                engine_version=rules.engine_major(profile.engine_version),
                instance_class=instance_class,
                db_name=args.database_name,
                username=args.master_username,
                manage_master_user_password=True,
                master_user_secret_kms_key_id=args.key.arn,
                iam_database_authentication_enabled=True,
                port=POSTGRES_PORT,
                db_subnet_group_name=subnets.name,
                vpc_security_group_ids=[self.security_group.id],
                publicly_accessible=False,
                parameter_group_name=parameter_group.name,
                storage_type="gp3",
                allocated_storage=allocated,
                max_allocated_storage=max_allocated,
                storage_encrypted=True,
                kms_key_id=args.key.arn,
                multi_az=profile.multi_az,
                backup_retention_period=profile.backup_retention_days,
                backup_window=args.backup_window,
                maintenance_window=args.maintenance_window.lower(),
                copy_tags_to_snapshot=True,
                deletion_protection=protect,
                skip_final_snapshot=not protect,
                final_snapshot_identifier=f"{identifier}-final" if protect else None,
                delete_automated_backups=not protect,
                auto_minor_version_upgrade=True,
                allow_major_version_upgrade=False,
                apply_immediately=False,
                performance_insights_enabled=insights,
                performance_insights_kms_key_id=args.key.arn if insights else None,
                performance_insights_retention_period=(
                    PERFORMANCE_INSIGHTS_RETENTION_DAYS if insights else None
                ),
                monitoring_interval=profile.monitoring_interval_seconds,
                monitoring_role_arn=monitoring_role_arn,
                enabled_cloudwatch_logs_exports=list(LOG_EXPORTS),
                # In the environment's AWS Backup plan, besides RDS's own PITR (DR-1).
                tags=backup_tags(env.profile.name),
            ),
            opts=self.stateful_opts(depends_on=log_groups),
        )
        self.identifier = identifier
        if args.alarm_topics is not None:
            self._alarms(args.alarm_topics, allocated, connections)
        #: Signals without an alarm, each with the reason (OBS-3).
        self.unalarmed: dict[str, str] = {"replica-lag": NO_REPLICA_LAG}
        self.arn: pulumi.Output[str] = self.instance.arn
        self.endpoint: pulumi.Output[str] = self.instance.endpoint
        self.address: pulumi.Output[str] = self.instance.address
        self.port: pulumi.Output[int] = self.instance.port
        self.resource_id: pulumi.Output[str] = self.instance.resource_id
        self.master_user_secret_arn: pulumi.Output[str] = self.instance.master_user_secrets.apply(
            lambda secrets: (secrets[0].secret_arn or "") if secrets else ""
        )
        self.register_outputs(
            {
                "endpoint": self.endpoint,
                "address": self.address,
                "port": self.port,
                "security_group_id": self.security_group_id,
                "master_user_secret_arn": self.master_user_secret_arn,
                "resource_id": self.resource_id,
                "arn": self.arn,
                "unalarmed": self.unalarmed,
            }
        )

    def _alarms(self, topics: AlarmTopics, allocated_gb: int, connections: int) -> None:
        """CPU, free storage and connection alarm pairs on the instance (OBS-3)."""
        limits = self.env.profile.alarms
        warning, critical = limits.utilization_warning_percent, limits.utilization_critical_percent
        periods = limits.evaluation_periods

        def metric(name: str, stat: str) -> Metric:
            return Metric(
                "AWS/RDS",
                name,
                {"DBInstanceIdentifier": self.identifier},
                stat,
                limits.period_seconds,
            )

        alarm_pair(
            self, "cpu", signal=metric("CPUUtilization", "Average"), comparison="above",
            warning=warning, critical=critical,
            description=f"CPU of database {self.identifier} (percent); look at Performance "
            "Insights' top SQL, then scale the instance class",
            topics=topics, section=ALARM_SECTION, evaluation_periods=periods,
        )  # fmt: skip
        alarm_pair(
            self, "free-storage", signal=metric("FreeStorageSpace", "Minimum"),
            comparison="below",
            warning=alarm_rules.free_storage_floor_bytes(allocated_gb, warning),
            critical=alarm_rules.free_storage_floor_bytes(allocated_gb, critical),
            description=f"Free storage of database {self.identifier} (bytes; {warning}% and "
            f"{critical}% of the {allocated_gb} GiB allocated in use); storage autoscaling grows "
            "it at 10% free up to max_allocated_storage_gb: raise that or delete data",
            topics=topics, section=ALARM_SECTION, evaluation_periods=periods,
        )  # fmt: skip
        alarm_pair(
            self, "connections", signal=metric("DatabaseConnections", "Maximum"),
            comparison="above",
            warning=connections * warning // 100,
            critical=connections * critical // 100,
            description=f"Connections to database {self.identifier} ({warning}% and {critical}% "
            f"of max_connections={connections}); look for connection leaks or pool sizes, or "
            "add a pooler",
            topics=topics, section=ALARM_SECTION, evaluation_periods=periods,
        )  # fmt: skip

    def _monitoring_role(self) -> pulumi.Output[str]:
        """The role RDS enhanced monitoring assumes to publish OS metrics."""
        env = self.env
        trust = service_trust(_MONITORING_SERVICE, source_account=env.account_id)
        role = aws.iam.Role(
            self.child("monitoring"),
            aws.iam.RoleArgs(
                assume_role_policy=trust.to_json(),
                description=f"RDS enhanced monitoring of {self.component_name}",
            ),
            opts=self.child_opts(),
        )
        aws.iam.RolePolicyAttachment(
            self.child("monitoring-policy"),
            aws.iam.RolePolicyAttachmentArgs(
                role=role.name,
                policy_arn=f"arn:{env.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
            ),
            opts=self.child_opts(),
        )
        return role.arn

    def allow_from(
        self, label: str, security_group_id: pulumi.Input[str]
    ) -> aws.vpc.SecurityGroupIngressRule:
        """Admit ``security_group_id`` on TCP 5432, as the ingress rule ``<name>-from-<label>``."""
        rules.check_label("label", label)
        if label in self._admitted:
            raise ValidationError(
                "label",
                label,
                f"database {self.component_name!r} already admits a security group by that label",
                "use a distinct label per workload",
            )
        self._admitted.add(label)
        return aws.vpc.SecurityGroupIngressRule(
            self.child("from", label),
            aws.vpc.SecurityGroupIngressRuleArgs(
                security_group_id=self.security_group.id,
                referenced_security_group_id=security_group_id,
                ip_protocol="tcp",
                from_port=POSTGRES_PORT,
                to_port=POSTGRES_PORT,
                description=f"PostgreSQL from {label}",
            ),
            opts=self.child_opts(),
        )

    def grant_connect(self, grantee: Grantee, user: str) -> aws.iam.RolePolicy:
        """Let ``grantee`` log in as database ``user`` with IAM authentication.

        One inline policy ``<role>-<name>-connect-<user>``: ``rds-db:connect`` on
        ``arn:<partition>:rds-db:<region>:<account>:dbuser:<resource id>/<user>``. The user must
        exist in the database with ``GRANT rds_iam``; the master user is refused.
        """
        rules.check_iam_user(user, master_username=self.master_username)
        env = self.env
        arn = pulumi.Output.all(env.account_id, self.resource_id).apply(
            lambda parts: (
                f"arn:{env.partition}:rds-db:{env.region}:{parts[0]}:dbuser:{parts[1]}/{user}"
            )
        )
        document = PolicyDocument([Statement(actions=actions.RDS_CONNECT, resources=[arn])])
        return attach_policy(
            grantee, f"{self.component_name}-connect-{user}", document, parent=self
        )
