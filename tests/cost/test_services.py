"""What the network, data, observability and edge resources cost.

Expected numbers are written from the rates in infra_kit/cost/data/prices.json (us-east-1, read
2026-12-02), 730 hours a month, and the usage given to each graph.
"""

from __future__ import annotations

import pytest

from infra_kit.cost import estimate
from tests.cost.graphs import graph, resource

ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
NAT = "aws:ec2/natGateway:NatGateway"
DB = "aws:rds/instance:Instance"
LOGS = "aws:cloudwatch/logGroup:LogGroup"


def _endpoint(name: str, kind: str = "Interface", azs: int = 3) -> dict[str, object]:
    return resource(
        ENDPOINT, name, {"vpcEndpointType": kind, "subnetIds": [f"s-{i}" for i in range(azs)]}
    )


def test_interface_endpoints_cost_an_hour_per_az_and_share_the_processed_gigabytes() -> None:
    est = estimate(graph(_endpoint("sts"), _endpoint("kms"), endpoint_processed_gb=100))
    # each: 3 AZ x $0.01 x 730 = $21.90, and 50 GB x $0.01 = $0.50
    assert [line.monthly_usd for line in est.lines] == [
        pytest.approx(21.90),
        pytest.approx(0.50),
        pytest.approx(21.90),
        pytest.approx(0.50),
    ]
    assert est.total_monthly_usd == pytest.approx(44.80)


def test_a_gateway_endpoint_is_free() -> None:
    est = estimate(graph(_endpoint("s3", kind="Gateway", azs=0)))
    assert est.total_monthly_usd == 0
    assert est.unpriced == ()


def test_dropping_interface_endpoints_trades_their_hours_for_nat_processing() -> None:
    est = estimate(
        graph(_endpoint("sts"), resource(NAT, "nat"), endpoint_processed_gb=100, nat_processed_gb=0)
    )
    (lever,) = [lv for lv in est.levers if lv.driver == "Interface endpoints"]
    # -$21.90 of endpoint hours, +100 GB x ($0.045 - $0.01) through NAT
    assert lever.monthly_delta_usd == pytest.approx(-21.90 + 3.50)
    assert "loses private access to AWS APIs, NET-4" in lever.description


def _database(instance_class: str, multi_az: bool, storage: int, retention: int) -> dict:
    return resource(
        DB,
        "db",
        {
            "instanceClass": instance_class,
            "multiAz": multi_az,
            "allocatedStorage": storage,
            "storageType": "gp3",
            "backupRetentionPeriod": retention,
        },
    )


def test_a_multi_az_database_bills_both_instances_both_volumes_and_backups_over_the_allowance() -> (
    None
):
    est = estimate(graph(_database("db.r6g.large", True, 100, 14), storage_change_per_day=0.02))
    # $0.45/h Multi-AZ x 730 = $328.50; 2 x 100 GB x $0.115 = $23.00;
    # 100 GB x 0.02 x 14 days = 28 GB x $0.095 = $2.66
    assert [line.monthly_usd for line in est.lines] == [
        pytest.approx(328.50),
        pytest.approx(23.00),
        pytest.approx(2.66),
    ]
    (lever,) = est.levers
    # single-AZ: $0.225/h fewer x 730 and one volume fewer
    assert lever.monthly_delta_usd == pytest.approx(-(164.25 + 11.50))
    assert lever.description.startswith("single-AZ database db (loses automatic failover")


def test_a_single_az_database_offers_no_single_az_lever() -> None:
    est = estimate(graph(_database("db.t4g.micro", False, 20, 1), storage_change_per_day=0.02))
    # $0.016 x 730 = $11.68; 20 GB x $0.115 = $2.30; 20 x 0.02 x 1 = 0.4 GB x $0.095 = $0.038
    assert est.total_monthly_usd == pytest.approx(11.68 + 2.30 + 0.04, abs=0.005)
    assert est.levers == ()


def test_a_log_group_costs_its_ingestion_and_what_its_retention_keeps() -> None:
    group = resource(LOGS, "flow", {"retentionInDays": 90})
    est = estimate(graph(group, log_ingestion_gb_per_group=10))
    # 10 GB x $0.50 = $5.00; 10 GB x 3 months kept = 30 GB x $0.03 = $0.90
    assert [line.monthly_usd for line in est.lines] == [pytest.approx(5.0), pytest.approx(0.9)]
    # the Infrequent Access class ingests at $0.25/GB
    assert [lever.monthly_delta_usd for lever in est.levers] == [pytest.approx(-2.50)]


def test_a_log_group_kept_forever_is_counted_at_a_year_of_logs() -> None:
    est = estimate(graph(resource(LOGS, "forever"), log_ingestion_gb_per_group=1))
    # 1 GB x $0.50, and 12 GB x $0.03
    assert est.total_monthly_usd == pytest.approx(0.50 + 0.36)


@pytest.mark.parametrize(
    ("inputs", "usd"),
    [
        ({"period": 300}, 0.10),
        ({"period": 10}, 0.30),
        (
            {
                "metricQueries": [
                    {"id": "e", "expression": "a/b"},
                    {"id": "a", "metric": {"period": 60}},
                    {"id": "b", "metric": {"period": 60}},
                ]
            },
            0.20,
        ),
    ],
    ids=["standard", "high-resolution", "metric-math-over-two-metrics"],
)
def test_a_metric_alarm_costs_per_metric_at_its_resolution(inputs: dict, usd: float) -> None:
    est = estimate(graph(resource("aws:cloudwatch/metricAlarm:MetricAlarm", "a", inputs)))
    assert est.total_monthly_usd == pytest.approx(usd)


def test_composite_alarms_dashboards_keys_secrets_and_zones_cost_a_flat_month() -> None:
    est = estimate(
        graph(
            resource("aws:cloudwatch/compositeAlarm:CompositeAlarm", "c"),
            resource("aws:cloudwatch/dashboard:Dashboard", "d"),
            resource("aws:kms/key:Key", "k"),
            resource("aws:secretsmanager/secret:Secret", "s"),
            resource("aws:route53/zone:Zone", "z"),
        )
    )
    assert [line.monthly_usd for line in est.lines] == [0.50, 3.00, 1.00, 0.40, 0.50]


def test_a_web_acl_costs_itself_its_rules_and_its_requests() -> None:
    acl = resource("aws:wafv2/webAcl:WebAcl", "edge", {"rules": [{}, {}, {}, {}]})
    est = estimate(graph(acl, waf_requests_millions=50))
    # $5 + 4 x $1; 50 million x $0.60
    assert [line.monthly_usd for line in est.lines] == [9.00, pytest.approx(30.00)]


def test_an_arm_function_costs_its_requests_and_gigabyte_seconds() -> None:
    function = resource(
        "aws:lambda/function:Function", "f", {"memorySize": 256, "architectures": ["arm64"]}
    )
    est = estimate(
        graph(function, lambda_invocations_per_function=1_000_000, lambda_average_duration_ms=100)
    )
    # 1M x $0.20/M = $0.20; 1M x 0.1 s x 0.25 GB = 25,000 GB-s x $0.0000133334 = $0.333335
    assert [line.monthly_usd for line in est.lines] == [
        pytest.approx(0.20),
        pytest.approx(0.3333, abs=0.0001),
    ]


def test_the_first_two_budgets_are_free_and_the_third_is_billed_by_the_day() -> None:
    budgets = [resource("aws:budgets/budget:Budget", f"b{i}") for i in range(3)]
    est = estimate(graph(*budgets))
    # 730 h = 30.4167 days x $0.02
    assert [line.monthly_usd for line in est.lines] == [0, 0, pytest.approx(0.6083, abs=0.0001)]


def test_buckets_vaults_and_topics_cost_what_the_usage_assumptions_store_and_send() -> None:
    est = estimate(
        graph(
            resource("aws:s3/bucket:Bucket", "b"),
            resource("aws:backup/vault:Vault", "v"),
            resource("aws:sns/topic:Topic", "t"),
            s3_storage_gb_per_bucket=100,
            backup_storage_gb_per_vault=500,
            sns_publishes_per_topic=2_000_000,
        )
    )
    # 100 GB x $0.023; 500 GB x $0.05; 2M x $0.50/M
    assert [line.monthly_usd for line in est.lines] == [2.30, 25.00, 1.00]


def test_free_types_cost_nothing_and_are_not_unpriced() -> None:
    est = estimate(
        graph(
            resource("aws:iam/role:Role", "r"),
            resource("aws:ec2/subnet:Subnet", "s"),
            resource("kubernetes:apps/v1:Deployment", "d"),
            resource("infra-kit:aws:Network", "core"),
        )
    )
    assert (est.lines, est.unpriced) == ((), ())
