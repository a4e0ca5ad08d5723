"""Database: RDS PostgreSQL in isolated subnets, encrypted, TLS-only, IAM auth, per-profile DR/HA."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from hypothesis import given
from hypothesis import strategies as st

from infra_kit.aws import _database_params as rules
from infra_kit.aws.database import Database, DatabaseArgs
from infra_kit.aws.key import Key, KeyArgs
from infra_kit.core.engine import Graph, OfflineEngine
from infra_kit.core.environment import CONFIG_KEY, Environment
from infra_kit.core.profile import BUILTIN_PROFILES
from infra_kit.errors import ValidationError
from infra_kit.testing import TEST_TAGS, run_offline
from tests.support import iam_statements, unjustified_wildcards

INSTANCE = "aws:rds/instance:Instance"
SUBNET_GROUP = "aws:rds/subnetGroup:SubnetGroup"
PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ROLE = "aws:iam/role:Role"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"

ISOLATED = ["subnet-isolated-a", "subnet-isolated-b", "subnet-isolated-c"]
KEY_SERVICES = ("rds", "secretsmanager")


def _key(env: Environment, services: tuple[str, ...] = KEY_SERVICES, *, logs: bool = True) -> Key:
    return Key(
        "db",
        KeyArgs(description="orders data", via_services=list(services), log_group_access=logs),
        env,
    )


def _args(key: Key, **overrides: Any) -> DatabaseArgs:
    values: dict[str, Any] = {
        "subnet_ids": ISOLATED,
        "vpc_id": "vpc-0123",
        "key": key,
        "database_name": "orders",
        "allowed_security_group_ids": {"orders-api": "sg-api", "migrations": "sg-migrate"},
        **overrides,
    }
    return DatabaseArgs(**values)


def _build(grant: bool = False, **overrides: Any) -> Callable[[Environment], None]:
    def build(env: Environment) -> None:
        key = _key(env)
        db = Database("orders", _args(key, **overrides), env)
        pulumi.export("key_arn", key.arn)
        for output in (
            "endpoint",
            "address",
            "port",
            "security_group_id",
            "master_user_secret_arn",
            "resource_id",
            "arn",
        ):
            pulumi.export(output, getattr(db, output))
        if grant:
            db.grant_connect(aws.iam.Role("app", aws.iam.RoleArgs(assume_role_policy="{}")), "app")

    return build


@pytest.fixture(scope="module", params=["dev", "prod"])
def graph(request: pytest.FixtureRequest) -> Graph:
    return run_offline(_build(grant=True), environment=request.param)


def _instance(graph: Graph) -> dict[str, Any]:
    return graph.named("orders", INSTANCE)


def _inputs(graph: Graph) -> dict[str, Any]:
    return _instance(graph)["inputs"]


def _profile(graph: Graph) -> dict[str, Any]:
    return BUILTIN_PROFILES[graph.stack]


def _is_prod(graph: Graph) -> bool:
    return graph.stack == "prod"


# -- children ---------------------------------------------------------------------------------
def test_children_are_exactly_these_with_monitoring_only_in_prod(graph: Graph) -> None:
    component = graph.named("orders", "infra-kit:aws:Database")
    children = {(r["type"], r["name"]) for r in graph.descendants(component["urn"])}
    expected = {
        (SECURITY_GROUP, "orders-security-group"),
        (INGRESS, "orders-from-orders-api"),
        (INGRESS, "orders-from-migrations"),
        (SUBNET_GROUP, "orders-subnets"),
        (PARAMETER_GROUP, "orders-parameters"),
        (LOG_GROUP, "orders-log-postgresql"),
        (LOG_GROUP, "orders-log-upgrade"),
        (INSTANCE, "orders"),
        (ROLE_POLICY, "app-orders-connect-app"),
    }
    if _is_prod(graph):
        expected |= {(ROLE, "orders-monitoring"), (ATTACHMENT, "orders-monitoring-policy")}
    assert children == expected
    for r in graph.descendants(component["urn"]):
        assert r["parent"] == component["urn"]


# -- NET-1, NET-2 -----------------------------------------------------------------------------
def test_subnet_group_holds_exactly_the_isolated_subnets(graph: Graph) -> None:
    # prescription: NET-1
    assert graph.named("orders-subnets", SUBNET_GROUP)["inputs"]["subnetIds"] == ISOLATED
    assert _inputs(graph)["dbSubnetGroupName"].startswith("orders-subnets-")
    assert _inputs(graph)["publiclyAccessible"] is False


def test_security_group_has_no_inline_rules_and_belongs_to_the_vpc(graph: Graph) -> None:
    # prescription: NET-2
    sg = graph.named("orders-security-group", SECURITY_GROUP)["inputs"]
    assert sg["vpcId"] == "vpc-0123"
    assert "ingress" not in sg
    assert "egress" not in sg
    assert _inputs(graph)["vpcSecurityGroupIds"] == [graph.outputs["security_group_id"]]


def test_ingress_admits_only_5432_from_the_named_security_groups(graph: Graph) -> None:
    # prescription: NET-2
    rules_by_name = {r["name"]: r["inputs"] for r in graph.of_type(INGRESS)}
    sg_id = graph.outputs["security_group_id"]
    assert rules_by_name == {
        "orders-from-orders-api": {
            "securityGroupId": sg_id,
            "referencedSecurityGroupId": "sg-api",
            "ipProtocol": "tcp",
            "fromPort": 5432,
            "toPort": 5432,
            "description": "PostgreSQL from orders-api",
        },
        "orders-from-migrations": {
            "securityGroupId": sg_id,
            "referencedSecurityGroupId": "sg-migrate",
            "ipProtocol": "tcp",
            "fromPort": 5432,
            "toPort": 5432,
            "description": "PostgreSQL from migrations",
        },
    }


def test_an_empty_allow_list_admits_nothing() -> None:
    graph = run_offline(_build(allowed_security_group_ids={}), environment="dev")
    assert graph.of_type(INGRESS) == []


def test_allow_from_admits_a_workload_later() -> None:
    def build(env: Environment) -> None:
        db = Database("orders", _args(_key(env), allowed_security_group_ids={}), env)
        db.allow_from("worker", "sg-worker")

    graph = run_offline(build, environment="dev")
    [rule] = graph.of_type(INGRESS)
    assert rule["name"] == "orders-from-worker"
    assert rule["inputs"]["referencedSecurityGroupId"] == "sg-worker"
    assert (rule["inputs"]["fromPort"], rule["inputs"]["toPort"]) == (5432, 5432)


# -- SEC-2, SEC-3 -----------------------------------------------------------------------------
def test_storage_is_gp3_and_encrypted_with_the_customer_managed_key(graph: Graph) -> None:
    # prescription: SEC-3
    inputs = _inputs(graph)
    assert inputs["storageEncrypted"] is True
    assert inputs["kmsKeyId"] == graph.outputs["key_arn"]
    assert inputs["storageType"] == "gp3"


def test_rds_manages_the_master_password_and_no_password_is_anywhere(graph: Graph) -> None:
    # prescription: SEC-2
    inputs = _inputs(graph)
    assert inputs["manageMasterUserPassword"] is True
    assert inputs["masterUserSecretKmsKeyId"] == graph.outputs["key_arn"]
    assert inputs["username"] == "app_admin"

    def keys(value: Any) -> Iterator[str]:
        if isinstance(value, dict):
            for k, v in value.items():
                yield k
                yield from keys(v)
        elif isinstance(value, list):
            for v in value:
                yield from keys(v)

    for r in graph:
        assert not [
            k for k in keys(r["inputs"]) if "password" in k.lower() and "manage" not in k.lower()
        ], r["name"]


def test_iam_database_authentication_is_on(graph: Graph) -> None:
    # prescription: SEC-1
    assert _inputs(graph)["iamDatabaseAuthenticationEnabled"] is True


def test_parameter_group_requires_tls_for_the_engine_family(graph: Graph) -> None:
    # prescription: SEC-3
    group = graph.named("orders-parameters", PARAMETER_GROUP)["inputs"]
    assert group["family"] == "postgres16"
    assert group["parameters"] == [
        {"name": "log_min_duration_statement", "value": "1000", "applyMethod": "immediate"},
        {"name": "rds.force_ssl", "value": "1", "applyMethod": "immediate"},
    ]
    assert _inputs(graph)["parameterGroupName"].startswith("orders-parameters-")


def test_engine_is_postgres_at_the_profile_major_version(graph: Graph) -> None:
    assert _profile(graph)["database"]["engine_version"] == "16.4"
    assert (_inputs(graph)["engine"], _inputs(graph)["engineVersion"]) == ("postgres", "16")


def test_extra_parameters_are_applied_at_the_next_reboot() -> None:
    graph = run_offline(
        _build(parameters={"shared_preload_libraries": "pg_stat_statements"}), environment="dev"
    )
    parameters = graph.named("orders-parameters", PARAMETER_GROUP)["inputs"]["parameters"]
    assert {
        "name": "shared_preload_libraries",
        "value": "pg_stat_statements",
        "applyMethod": "pending-reboot",
    } in parameters
    assert {"name": "rds.force_ssl", "value": "1", "applyMethod": "immediate"} in parameters


# -- HA-1, DR-1 -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("field", "dev", "prod"),
    [
        ("multiAz", False, True),
        ("backupRetentionPeriod", 1, 14),
        ("deletionProtection", False, True),
        ("skipFinalSnapshot", True, False),
        ("deleteAutomatedBackups", True, False),
        ("performanceInsightsEnabled", False, True),
        ("monitoringInterval", 0, 60),
        ("instanceClass", "db.t4g.micro", "db.r6g.large"),
        ("allocatedStorage", 20, 100),
        ("maxAllocatedStorage", 100, 1000),
    ],
)
def test_instance_settings_follow_the_profile(
    graph: Graph, field: str, dev: object, prod: object
) -> None:
    # prescription: HA-1, DR-1
    assert _inputs(graph)[field] == (prod if _is_prod(graph) else dev)


def test_final_snapshot_is_named_only_where_state_is_protected(graph: Graph) -> None:
    # prescription: DR-1
    inputs = _inputs(graph)
    assert inputs["identifier"] == f"test-{graph.stack}-orders"
    if _is_prod(graph):
        assert inputs["finalSnapshotIdentifier"] == "test-prod-orders-final"
    else:
        assert "finalSnapshotIdentifier" not in inputs
    assert inputs["copyTagsToSnapshot"] is True


def test_instance_is_protected_and_retained_in_prod_only(graph: Graph) -> None:
    # prescription: DR-1
    instance = _instance(graph)
    expected = _is_prod(graph)
    assert (instance["protect"], instance["retain_on_delete"]) == (expected, expected)


def test_stage_is_multi_az_with_a_week_of_backups() -> None:
    # prescription: HA-1
    graph = run_offline(_build(), environment="stage")
    inputs = _inputs(graph)
    assert (inputs["multiAz"], inputs["backupRetentionPeriod"]) == (True, 7)
    assert (inputs["deletionProtection"], _instance(graph)["protect"]) == (True, True)


def test_size_overrides_replace_the_profile_defaults() -> None:
    graph = run_offline(
        _build(
            instance_class="db.m7g.large", allocated_storage_gb=50, max_allocated_storage_gb=500
        ),
        environment="dev",
    )
    inputs = _inputs(graph)
    assert (inputs["instanceClass"], inputs["allocatedStorage"], inputs["maxAllocatedStorage"]) == (
        "db.m7g.large",
        50,
        500,
    )


def test_maintenance_is_automatic_minor_only_and_waits_for_the_window(graph: Graph) -> None:
    inputs = _inputs(graph)
    assert inputs["autoMinorVersionUpgrade"] is True
    assert inputs["allowMajorVersionUpgrade"] is False
    assert inputs["applyImmediately"] is False
    assert inputs["backupWindow"] == "03:00-04:00"
    assert inputs["maintenanceWindow"] == "sun:04:30-sun:05:30"


# -- OBS-2 ------------------------------------------------------------------------------------
def test_postgresql_and_upgrade_logs_are_exported(graph: Graph) -> None:
    # prescription: OBS-2
    assert _inputs(graph)["enabledCloudwatchLogsExports"] == ["postgresql", "upgrade"]


def test_log_groups_exist_before_the_instance_with_retention_key_and_protection(
    graph: Graph,
) -> None:
    # prescription: OBS-2, DR-1
    retention = _profile(graph)["logs"]["audit_retention_days"]
    protected = _is_prod(graph)
    instance = _instance(graph)
    for export in ("postgresql", "upgrade"):
        group = graph.named(f"orders-log-{export}", LOG_GROUP)
        assert group["inputs"] == {
            "name": f"/aws/rds/instance/test-{graph.stack}-orders/{export}",
            "retentionInDays": retention,
            "kmsKeyId": graph.outputs["key_arn"],
            "deletionProtectionEnabled": protected,
        }
        assert group["protect"] is protected
        assert group["urn"] in instance["dependencies"]


@pytest.mark.parametrize("project", ["test", "Orders_Service", "9lives", "shop.web"])
def test_the_exported_log_groups_fall_under_the_keys_default_rds_prefix(project: str) -> None:
    # prescription: SEC-3, OBS-2 -- the key policy's prefix is spelt as RDS identifiers are.
    graph = run_offline(_build(), environment="dev", project=project)
    (key,) = graph.of_type("aws:kms/key:Key")
    (logs,) = [
        s
        for s in json.loads(key["inputs"]["policy"])["Statement"]
        if s["Principal"] == {"Service": ["logs.us-east-1.amazonaws.com"]}
    ]
    patterns = logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    identifier = rules.instance_identifier(project, "dev", "orders")
    for export in ("postgresql", "upgrade"):
        name = graph.named(f"orders-log-{export}", LOG_GROUP)["inputs"]["name"]
        assert name == f"/aws/rds/instance/{identifier}/{export}"
        arn = f"arn:aws:logs:us-east-1:123456789012:log-group:{name}"
        assert [p for p in patterns if arn.startswith(p.removesuffix("*"))] != []


def test_performance_insights_is_encrypted_and_kept_7_days_only_in_prod(graph: Graph) -> None:
    # prescription: OBS-2
    inputs = _inputs(graph)
    if _is_prod(graph):
        assert inputs["performanceInsightsKmsKeyId"] == graph.outputs["key_arn"]
        assert inputs["performanceInsightsRetentionPeriod"] == 7
    else:
        assert "performanceInsightsKmsKeyId" not in inputs
        assert "performanceInsightsRetentionPeriod" not in inputs


def test_enhanced_monitoring_role_is_trusted_by_rds_monitoring_only_in_prod(graph: Graph) -> None:
    inputs = _inputs(graph)
    if not _is_prod(graph):
        assert "monitoringRoleArn" not in inputs
        assert graph.of_type(ATTACHMENT) == []
        return
    role = graph.named("orders-monitoring", ROLE)
    assert json.loads(role["inputs"]["assumeRolePolicy"])["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": ["monitoring.rds.amazonaws.com"]},
            "Action": ["sts:AssumeRole"],
            "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
        }
    ]
    assert inputs["monitoringRoleArn"].startswith(
        "arn:aws:iam::123456789012:role/orders-monitoring-"
    )
    attachment = graph.named("orders-monitoring-policy", ATTACHMENT)["inputs"]
    assert attachment["policyArn"] == (
        "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
    )
    assert inputs["monitoringRoleArn"].endswith(attachment["role"])


# -- SEC-1: grants and outputs ----------------------------------------------------------------
def test_grant_connect_allows_rds_db_connect_as_one_user_of_this_instance(graph: Graph) -> None:
    # prescription: SEC-1
    policy = json.loads(graph.named("app-orders-connect-app", ROLE_POLICY)["inputs"]["policy"])
    resource_id = graph.outputs["resource_id"]
    assert resource_id.startswith("db-")
    assert policy["Statement"] == [
        {
            "Effect": "Allow",
            "Action": ["rds-db:connect"],
            "Resource": [f"arn:aws:rds-db:us-east-1:123456789012:dbuser:{resource_id}/app"],
        }
    ]


def test_no_allow_statement_has_an_unjustified_wildcard(graph: Graph) -> None:
    # prescription: SEC-1
    assert list(iam_statements(graph))
    assert unjustified_wildcards(graph) == []


def test_outputs_reach_the_endpoint_and_the_managed_secret(graph: Graph) -> None:
    outputs = graph.outputs
    assert outputs["port"] == 5432
    assert outputs["endpoint"] == f"{outputs['address']}:5432"
    assert outputs["address"].startswith(f"test-{graph.stack}-orders.")
    assert outputs["master_user_secret_arn"].startswith(
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-"
    )
    assert outputs["arn"] == f"arn:aws:rds:us-east-1:123456789012:db:test-{graph.stack}-orders"
    assert outputs["security_group_id"].startswith("sg-")


# -- refusals ---------------------------------------------------------------------------------
def _refused(build: Callable[[Environment], object], match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        run_offline(build, environment="dev")


@pytest.mark.parametrize(
    ("services", "missing"),
    [(("secretsmanager",), "rds"), (("rds",), "secretsmanager"), (("s3",), "rds, secretsmanager")],
)
def test_a_key_not_usable_through_rds_and_secrets_manager_is_refused(
    services: tuple[str, ...], missing: str
) -> None:
    _refused(
        lambda env: Database("orders", _args(_key(env, services)), env),
        rf"^key='db': the key is not usable through {missing},",
    )


def test_a_key_that_cloudwatch_logs_may_not_use_is_refused() -> None:
    def build(env: Environment) -> None:
        Database("orders", _args(_key(env, logs=False)), env)

    _refused(build, r"^key='db': CloudWatch Logs may not use the key.*log_group_access=True")


def test_a_key_whose_log_prefixes_leave_out_the_exported_log_groups_is_refused() -> None:
    def build(env: Environment) -> None:
        key = Key(
            "db",
            KeyArgs(
                description="orders data",
                via_services=KEY_SERVICES,
                log_group_access=True,
                log_group_prefixes=("/aws/rds/instance/other-",),
            ),
            env,
        )
        Database("orders", _args(key), env)

    _refused(
        build,
        r"^key=\"db \(log_group_prefixes=\['/aws/rds/instance/other-'\]\)\": CloudWatch Logs "
        r"may use the key only for those prefixes, so the exported log group "
        r"'/aws/rds/instance/test-dev-orders/postgresql' cannot be encrypted \(OBS-2\)\. Fix: "
        r"add a prefix of that name to KeyArgs.log_group_prefixes",
    )


@pytest.mark.parametrize(
    "name", ["postgres", "admin", "rdsadmin", "root", "rds_superuser", "pg_monitor"]
)
def test_a_reserved_master_username_is_refused(name: str) -> None:
    _refused(
        _build(master_username=name),
        rf"^master_username='{name}': the name is reserved by PostgreSQL or RDS",
    )


@pytest.mark.parametrize("name", ["App", "1admin", "app-admin", "a" * 64, ""])
def test_a_master_username_that_is_not_an_identifier_is_refused(name: str) -> None:
    _refused(_build(master_username=name), r"^master_username=.*not an unquoted PostgreSQL")


@pytest.mark.parametrize("name", ["postgres", "template1", "Orders", "9orders", "orders-db"])
def test_a_bad_database_name_is_refused(name: str) -> None:
    _refused(_build(database_name=name), rf"^database_name='{name}': a database name is")


@pytest.mark.parametrize("subnets", [[], ["subnet-only-one"]])
def test_fewer_than_two_subnets_are_refused(subnets: list[str]) -> None:
    _refused(_build(subnet_ids=subnets), r"^subnet_ids=.*at least two AZs")


@pytest.mark.parametrize("label", ["API", "orders_api", "-api", "api-", "a--b", "x" * 31])
def test_a_bad_security_group_label_is_refused(label: str) -> None:
    _refused(
        _build(allowed_security_group_ids={label: "sg-1"}),
        r"^allowed_security_group_ids=.*a label is 1 to 30",
    )


def test_admitting_the_same_label_twice_is_refused() -> None:
    def build(env: Environment) -> None:
        db = Database("orders", _args(_key(env)), env)
        db.allow_from("orders-api", "sg-other")

    _refused(build, r"^label='orders-api': database 'orders' already admits")


@pytest.mark.parametrize("value", ["0", "false"])
def test_turning_tls_off_is_refused(value: str) -> None:
    _refused(
        _build(parameters={"rds.force_ssl": value}),
        r"^parameters\['rds.force_ssl'\]=.*requires TLS for every connection \(SEC-3\)",
    )


def test_a_malformed_parameter_name_is_refused() -> None:
    _refused(_build(parameters={"Bad Name": "1"}), r"^parameters\['Bad Name'\]=")


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"instance_class": "r6g.large"}, r"^instance_class='r6g.large': not an RDS"),
        ({"allocated_storage_gb": 10}, r"^allocated_storage_gb=10: gp3 storage is 20 to"),
        (
            {"allocated_storage_gb": 200, "max_allocated_storage_gb": 100},
            r"^max_allocated_storage_gb=100: it is below allocated_storage_gb=200",
        ),
    ],
)
def test_bad_sizes_are_refused(overrides: dict[str, Any], match: str) -> None:
    _refused(_build(**overrides), match)


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"backup_window": "3:00-4:00"}, r"^backup_window='3:00-4:00': not a daily UTC window"),
        ({"maintenance_window": "sunday:04:30"}, r"^maintenance_window=.*not a weekly UTC"),
        ({"backup_window": "03:00-03:20"}, r"^backup_window=.*at least 30 minutes"),
        (
            {"maintenance_window": "mon:03:30-mon:04:30"},
            r"^maintenance_window='mon:03:30-mon:04:30': it overlaps the daily backup_window",
        ),
    ],
)
def test_bad_windows_are_refused(overrides: dict[str, Any], match: str) -> None:
    _refused(_build(**overrides), match)


@pytest.mark.parametrize(
    ("user", "match"),
    [
        ("app_admin", r"^user='app_admin': it is the master user"),
        ("Orders", r"^user='Orders': not an unquoted PostgreSQL identifier"),
        ("orders-app", r"^user='orders-app': not an unquoted"),
        ("rds_iam", r"^user='rds_iam': the name is reserved"),
        ("postgres", r"^user='postgres': the name is reserved"),
    ],
)
def test_grant_connect_refuses_a_bad_user(user: str, match: str) -> None:
    def build(env: Environment) -> None:
        db = Database("orders", _args(_key(env)), env)
        db.grant_connect(aws.iam.Role("app", aws.iam.RoleArgs(assume_role_policy="{}")), user)

    _refused(build, match)


# -- pure rules -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("version", "family"),
    [
        ("16.4", "postgres16"),
        ("17", "postgres17"),
        ("13.15", "postgres13"),
        ("9.6.24", "postgres9.6"),
    ],
)
def test_parameter_group_family_comes_from_the_major_version(version: str, family: str) -> None:
    assert rules.parameter_group_family(version) == family


@pytest.mark.parametrize("version", ["", "sixteen", "16.x", "9"])
def test_an_unparseable_engine_version_is_refused(version: str) -> None:
    with pytest.raises(ValidationError, match=r"^database.engine_version="):
        rules.engine_major(version)


def test_instance_identifier_is_project_stack_name() -> None:
    assert rules.instance_identifier("shop", "prod", "orders") == "shop-prod-orders"
    assert rules.instance_identifier("My_Shop.io", "pr-12", "orders") == "my-shop-io-pr-12-orders"
    assert rules.instance_identifier("1shop", "dev", "db") == "db-1shop-dev-db"


@given(
    project=st.text(min_size=1, max_size=80),
    stack=st.text(min_size=1, max_size=80),
    name=st.from_regex(r"[a-z][a-z0-9-]{0,38}[a-z0-9]", fullmatch=True),
)
def test_instance_identifier_is_always_a_valid_rds_identifier(
    project: str, stack: str, name: str
) -> None:
    identifier = rules.instance_identifier(project, stack, name)
    assert 1 <= len(identifier) <= rules.IDENTIFIER_MAX
    assert "a" <= identifier[0] <= "z"
    assert all(c.isdigit() or c == "-" or ("a" <= c <= "z") for c in identifier)
    assert "--" not in identifier
    assert not identifier.endswith("-")
    assert rules.instance_identifier(project, stack, name) == identifier


def test_windows_that_wrap_midnight_are_checked_across_days() -> None:
    rules.check_windows("23:30-00:30", "sun:01:00-sun:02:00")
    with pytest.raises(ValidationError, match="overlaps"):
        rules.check_windows("23:30-00:30", "sat:23:45-sun:00:15")
    with pytest.raises(ValidationError, match="overlaps"):
        rules.check_windows("00:00-00:30", "sun:23:45-mon:00:15")


@given(
    backup_start=st.integers(0, 24 * 60 - 1),
    maintenance_start=st.integers(0, 7 * 24 * 60 - 1),
)
def test_check_windows_refuses_exactly_the_overlapping_pairs(
    backup_start: int, maintenance_start: int
) -> None:
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

    def hhmm(minute: int) -> str:
        return f"{minute // 60 % 24:02d}:{minute % 60:02d}"

    def weekly(minute: int) -> str:
        minute %= 7 * 24 * 60
        return f"{days[minute // (24 * 60)]}:{hhmm(minute)}"

    backup = f"{hhmm(backup_start)}-{hhmm(backup_start + 30)}"
    maintenance = f"{weekly(maintenance_start)}-{weekly(maintenance_start + 30)}"
    daily = {(backup_start + i) % (24 * 60) for i in range(30)}
    overlap = any((maintenance_start + i) % (24 * 60) in daily for i in range(30))
    if overlap:
        with pytest.raises(ValidationError, match="overlaps"):
            rules.check_windows(backup, maintenance)
    else:
        rules.check_windows(backup, maintenance)


def test_a_refused_database_registers_nothing() -> None:
    config = {
        f"test:{CONFIG_KEY}": json.dumps({"name": "dev", "tags": TEST_TAGS}),
        "aws:region": "us-east-1",
    }

    def program() -> None:
        env = Environment.load()
        Database("orders", _args(_key(env), maintenance_window="mon:03:30-mon:04:30"), env)

    engine = OfflineEngine.for_function(program, project="test", stack="dev", config=config)
    with pytest.raises(ValidationError, match=r"^maintenance_window="):
        engine.run()
    registered = {r["name"] for r in engine.registered}
    assert "db" in registered  # the key came first, so the engine did record
    assert not any(n == "orders" or n.startswith("orders-") for n in registered)
