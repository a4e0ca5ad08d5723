"""Small hand-written graph documents for the change preview's tests."""

from __future__ import annotations

import copy
from typing import Any

from infra_kit.policy._graph import GraphDoc

PROJECT, STACK = "orders-service", "prod"
DB = "aws:rds/instance:Instance"
DATABASE = "infra-kit:aws:Database"


def urn(type_: str, name: str, parent_type: str | None = None) -> str:
    qualified = f"{parent_type}${type_}" if parent_type else type_
    return f"urn:pulumi:{STACK}::{PROJECT}::{qualified}::{name}"


def record(
    type_: str,
    name: str,
    inputs: dict[str, Any] | None = None,
    *,
    parent_type: str | None = None,
    custom: bool = True,
    protect: bool = False,
    retain_on_delete: bool = False,
    aliases: list[str] | None = None,
    secret_paths: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "urn": urn(type_, name, parent_type),
        "type": type_,
        "name": name,
        "parent": None,
        "custom": custom,
        "inputs": inputs or {},
        "outputs": {},
        "output_secret_paths": [],
        "dependencies": [],
        "provider": None,
        "protect": protect,
        "retain_on_delete": retain_on_delete,
        "additional_secret_outputs": [],
        "secret_paths": secret_paths or [],
        "aliases": aliases or [],
        "source": [],
    }


def database(name: str = "orders-db", **changes: Any) -> dict[str, Any]:
    """The example's database as the component creates it in prod: protected and retained."""
    inputs = {
        "engine": "postgres",
        "engineVersion": "16",
        "identifier": f"orders-service-prod-{name}",
        "instanceClass": "db.r6g.large",
        "storageEncrypted": True,
        "dbSubnetGroupName": "orders-db-subnets",
    }
    inputs.update(changes)
    return record(DB, name, inputs, parent_type=DATABASE, protect=True, retain_on_delete=True)


def graph(*records: dict[str, Any]) -> GraphDoc:
    return GraphDoc({"project": PROJECT, "stack": STACK, "resources": copy.deepcopy(list(records))})
