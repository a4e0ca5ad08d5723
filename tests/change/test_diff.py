"""The change preview over small graphs: matching by URN and alias, replacement, data loss."""

from __future__ import annotations

import json

import pytest

from infra_kit.change import diff_graphs, replace_paths
from infra_kit.change._render import MARKER, render_json, render_markdown, render_table
from infra_kit.policy.rules.state import STATEFUL_TYPES
from tests.change.graphs import DATABASE, DB, database, graph, record, urn


def test_the_same_graph_is_no_change() -> None:
    changes = diff_graphs(graph(database()), graph(database()))
    assert changes.empty
    assert changes.unchanged == 1
    assert changes.data_loss == []


def test_a_rename_without_an_alias_deletes_the_database_and_creates_an_empty_one() -> None:
    changes = diff_graphs(graph(database("orders-db")), graph(database("orders-database")))
    assert [(c.action, c.name) for c in changes.changes] == [
        ("delete", "orders-db"),
        ("create", "orders-database"),
    ]
    deleted = changes.changes[0]
    assert changes.data_loss == [deleted]
    assert deleted.family == "RDS and Aurora"
    assert deleted.warnings[0].startswith("deletes a stateful resource (RDS and Aurora)")
    # The fix is named: the old URN as an alias.
    assert f"aliases=[{urn(DB, 'orders-db', DATABASE)!r}]" in deleted.warnings[1]
    assert any("protect=True" in note and "stops" in note for note in deleted.notes)


def test_a_rename_with_an_alias_is_the_same_database() -> None:
    renamed = database("orders-database", identifier="orders-service-prod-orders-db")
    renamed["aliases"] = [urn(DB, "orders-db", DATABASE)]
    changes = diff_graphs(graph(database("orders-db")), graph(renamed))
    assert [(c.action, c.name, c.old_urn) for c in changes.changes] == [
        ("rename", "orders-database", urn(DB, "orders-db", DATABASE))
    ]
    assert changes.data_loss == []


def test_an_aliased_rename_with_an_input_change_is_an_update() -> None:
    renamed = database(
        "orders-database", identifier="orders-service-prod-orders-db", instanceClass="db.r6g.xlarge"
    )
    renamed["aliases"] = [urn(DB, "orders-db", DATABASE)]
    changes = diff_graphs(graph(database("orders-db")), graph(renamed))
    (change,) = changes.changes
    assert change.action == "update"
    assert [(p.path, p.old, p.new, p.forces_replacement) for p in change.properties] == [
        ("instanceClass", "db.r6g.large", "db.r6g.xlarge", False)
    ]
    assert changes.data_loss == []


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("identifier", "orders-service-prod-orders"),
        ("engine", "mysql"),
        ("kmsKeyId", "arn:aws:kms:us-east-1:123456789012:key/other"),
        ("storageEncrypted", False),
    ],
)
def test_a_property_the_provider_cannot_update_replaces_the_database(
    path: str, value: object
) -> None:
    changes = diff_graphs(graph(database()), graph(database(**{path: value})))
    (change,) = changes.changes
    assert change.action == "replace"
    assert [(p.path, p.forces_replacement) for p in change.properties] == [(path, True)]
    assert changes.data_loss == [change]
    assert change.warnings[0].startswith("replaces a stateful resource (RDS and Aurora)")
    assert any("protect=True" in note for note in change.notes)


def test_an_in_place_database_change_is_an_update() -> None:
    changes = diff_graphs(graph(database()), graph(database(engineVersion="17")))
    (change,) = changes.changes
    assert change.action == "update"
    assert changes.data_loss == []


def test_deleting_the_database_is_flagged_and_the_protection_stops_the_apply() -> None:
    changes = diff_graphs(graph(database()), graph())
    (change,) = changes.changes
    assert (change.action, change.loses_data, change.protected) == ("delete", True, True)
    assert len(change.warnings) == 1  # nothing is created that it could have been renamed to
    assert any("retain_on_delete" in note for note in change.notes)


def test_replacing_a_stateless_resource_is_listed_but_not_flagged() -> None:
    subnet = "aws:ec2/subnet:Subnet"
    old = record(subnet, "private-a", {"cidrBlock": "10.0.0.0/20", "vpcId": "vpc-1"})
    new = record(subnet, "private-a", {"cidrBlock": "10.0.16.0/20", "vpcId": "vpc-1"})
    changes = diff_graphs(graph(old), graph(new))
    (change,) = changes.changes
    assert (change.action, change.stateful, change.loses_data) == ("replace", False, False)


def test_a_kubernetes_configmap_whose_data_changes_is_replaced() -> None:
    kind = "kubernetes:core/v1:ConfigMap"
    meta = {"name": "orders-config", "namespace": "orders"}
    old = record(kind, "config", {"metadata": meta, "data": {"LOG_LEVEL": "info"}})
    new = record(kind, "config", {"metadata": meta, "data": {"LOG_LEVEL": "debug"}})
    (change,) = diff_graphs(graph(old), graph(new)).changes
    assert change.action == "replace"
    assert [(p.path, p.forces_replacement) for p in change.properties] == [("data.LOG_LEVEL", True)]


def test_component_resources_are_not_listed() -> None:
    component = record(DATABASE, "orders-db", custom=False)
    changes = diff_graphs(graph(component), graph())
    assert changes.empty


def test_secret_values_are_never_shown() -> None:
    secret = "aws:secretsmanager/secretVersion:SecretVersion"
    old = record(secret, "token", {"secretString": "hunter2-in-clear"})
    new = record(secret, "token", {"secretString": "[secret]"}, secret_paths=["secretString"])
    changes = diff_graphs(graph(old), graph(new))
    (change,) = changes.changes
    (prop,) = change.properties
    assert (prop.path, prop.old, prop.new, prop.secret) == (
        "secretString",
        "[secret]",
        "[secret]",
        True,
    )
    for text in (render_table(changes), render_json(changes), render_markdown(changes)):
        assert "hunter2" not in text


def test_the_replacement_facts_cover_the_issue_properties_with_their_source() -> None:
    # Written from the provider schemas (ForceNew): identifier, engine, key spec, bucket name,
    # cluster name; the database's subnet group and the cluster's subnets update in place.
    assert {"identifier", "engine", "kmsKeyId", "storageEncrypted"} <= set(replace_paths(DB))
    assert "dbSubnetGroupName" not in replace_paths(DB)
    assert {"bucket", "bucketPrefix"} <= set(replace_paths("aws:s3/bucket:Bucket"))
    assert {"customerMasterKeySpec", "keyUsage"} <= set(replace_paths("aws:kms/key:Key"))
    assert {"name", "roleArn"} <= set(replace_paths("aws:eks/cluster:Cluster"))
    assert "vpcConfig.subnetIds" not in replace_paths("aws:eks/cluster:Cluster")
    assert {"subnetIds", "instanceTypes", "nodeGroupName"} <= set(
        replace_paths("aws:eks/nodeGroup:NodeGroup")
    )
    assert replace_paths("aws:iam/role:Role") == ()


def test_every_fact_names_where_it_was_read() -> None:
    from infra_kit.change._replace import _facts

    facts = _facts()
    assert facts["retrieved"] == "2026-12-02"
    for type_, entry in facts["aws"].items():
        assert entry["source"].startswith("https://github.com/hashicorp/terraform-provider-aws/")
        assert type_.startswith("aws:")
        assert entry["replace_on_change"], type_
    assert facts["kubernetes"]["source"].startswith("https://github.com/pulumi/pulumi-kubernetes/")
    # The stateful types the facts describe come from the DR-1 list, not a second one.
    assert {DB, "aws:s3/bucket:Bucket", "aws:kms/key:Key"} <= STATEFUL_TYPES


class _Cost:
    total_delta_usd = -123.4

    def render_markdown(self) -> str:
        return "Monthly delta: **-$123.40**"


def test_the_markdown_comment_is_loud_about_data_loss_and_carries_the_cost() -> None:
    changes = diff_graphs(graph(database()), graph(database(engine="mysql")))
    text = render_markdown(changes, labels=("main", "feature"), cost=_Cost())
    assert text.startswith(MARKER + "\n")
    assert "> [!CAUTION]" in text
    assert "**Data loss: 1 change(s) delete or replace a stateful resource.**" in text
    assert "> - **replace** `orders-db` (`aws:rds/instance:Instance`)" in text
    assert '`engine: "postgres" -> "mysql"  (forces replacement)`' in text
    assert "`data-loss-acknowledged`" in text
    assert "Monthly delta: **-$123.40**" in text


def test_the_markdown_comment_without_loss_has_no_caution() -> None:
    changes = diff_graphs(graph(database()), graph(database(engineVersion="17")))
    text = render_markdown(changes, cost=_Cost())
    assert "CAUTION" not in text
    assert "**1 to update; 0 unchanged**" in text


def test_the_table_and_json_list_every_change() -> None:
    changes = diff_graphs(graph(database()), graph())
    table = render_table(changes)
    assert "DATA LOSS: 1 change(s) delete or replace a stateful resource" in table
    assert "[STATEFUL: RDS and Aurora]" in table
    doc = json.loads(render_json(changes, cost=_Cost()))
    assert doc["summary"] == {
        "replace": 0,
        "delete": 1,
        "create": 0,
        "update": 0,
        "rename": 0,
        "unchanged": 0,
        "data_loss": 1,
    }
    assert doc["changes"][0]["loses_data"] is True
    assert doc["cost_delta_monthly_usd"] == -123.4


def test_the_rename_hint_names_the_likeliest_new_name() -> None:
    log = "aws:cloudwatch/logGroup:LogGroup"
    old = [record(log, f"orders-db-log-{kind}", parent_type=DATABASE) for kind in ("a", "b")]
    new = [record(log, f"orders-database-log-{kind}", parent_type=DATABASE) for kind in ("a", "b")]
    changes = diff_graphs(graph(*old), graph(*new))
    hints = {c.name: c.warnings[1] for c in changes.data_loss}
    assert hints["orders-db-log-a"].startswith(f"{log} 'orders-database-log-a' is created")
    assert hints["orders-db-log-b"].startswith(f"{log} 'orders-database-log-b' is created")
