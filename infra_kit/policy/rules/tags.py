"""TAG-1: every taggable resource carries the required tags, including what AWS creates for us.

Which AWS types take tags comes from ``infra_kit/policy/data/aws-taggable-types.json``, written
by ``scripts/refresh_taggable_types.py`` from the installed pulumi_aws (its version and date are
in the file).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any

from infra_kit.core.tags import missing_required_tags
from infra_kit.policy._graph import GraphDoc
from infra_kit.policy._registry import Hit, Severity, rule
from infra_kit.policy.rules._values import as_dict, one_or_many
from infra_kit.policy.rules.encryption import EBS_CSI_PROVISIONER

__all__ = ["LAUNCHED_RESOURCE_TYPES", "csi_tags", "taggable_types"]

DATA_FILE = "aws-taggable-types.json"
#: What an EC2 launch template creates, each needing its own tag specification (TAG-1).
LAUNCHED_RESOURCE_TYPES: tuple[str, ...] = ("instance", "volume", "network-interface")
LAUNCH_TEMPLATE_TYPE = "aws:ec2/launchTemplate:LaunchTemplate"
_CSI_TAG_PARAMETER = "tagSpecification_"


@cache
def taggable_types() -> frozenset[str]:
    """AWS resource types whose ``tags`` input exists (so the provider's default tags reach them)."""
    text = resources.files("infra_kit.policy").joinpath("data", DATA_FILE).read_text("utf-8")
    return frozenset(json.loads(text)["taggable"])


@rule(
    id="IK-TAG-1-REQUIRED",
    prescription="TAG-1",
    severity=Severity.ERROR,
    title="A taggable AWS resource lacks a required tag",
    rationale="""Cost allocation, ownership and incident routing read the environment, team,
    service, cost-center, managed-by, stack and repository tags. A resource without them is
    billed to nobody and owned by nobody. The provider's default tags count, so a tag set once on
    the stack's provider satisfies every resource it reaches.""",
    fix="""Build the AWS provider from the infra-kit Environment (its default_tags carry every
    required tag), or add the missing keys to the resource's tags.""",
)
def required_tags(graph: GraphDoc) -> Iterator[Hit]:
    taggable = taggable_types()
    for record in graph.custom("aws:"):
        if record["type"] not in taggable:
            continue
        if GraphDoc.inputs(record).get("tags") in ("[unknown]", "[secret]"):
            continue  # tags computed at deploy time cannot be judged here
        missing = missing_required_tags(graph.effective_tags(record))
        if missing:
            yield Hit(record["urn"], f"missing required tag(s): {', '.join(missing)}")


def _string_tags(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in as_dict(value).items()}


def _launch_template_problems(inputs: Mapping[str, Any]) -> list[str]:
    specs: dict[str, dict[str, str]] = {}
    for entry in one_or_many(inputs.get("tagSpecifications")):
        spec = as_dict(entry)
        kind = str(spec.get("resourceType", ""))
        specs[kind] = {**specs.get(kind, {}), **_string_tags(spec.get("tags"))}
    problems = []
    for kind in LAUNCHED_RESOURCE_TYPES:
        if kind not in specs:
            problems.append(f"no tag specification for {kind}")
            continue
        missing = missing_required_tags(specs[kind])
        if missing:
            problems.append(f"the {kind} tag specification lacks {', '.join(missing)}")
    return problems


def csi_tags(parameters: Mapping[str, Any]) -> dict[str, str]:
    """The tags a CSI StorageClass gives its volumes: its ``tagSpecification_<n>`` "key=value"
    parameters."""
    tags = {}
    for key, value in parameters.items():
        if str(key).startswith(_CSI_TAG_PARAMETER) and isinstance(value, str) and "=" in value:
            tag, _, tag_value = value.partition("=")
            tags[tag.strip()] = tag_value.strip()
    return tags


@rule(
    id="IK-TAG-1-CREATED-BY-AWS",
    prescription="TAG-1",
    severity=Severity.ERROR,
    title="Resources AWS creates for us would lack a required tag",
    rationale="""The provider's default tags reach only the resources Pulumi creates. The
    instances, volumes and network interfaces launched from a launch template, and the volumes
    the EBS CSI driver creates for a StorageClass, carry only the tags given there; untagged,
    they are often the largest unallocated cost.""",
    fix="""Use the infra-kit Cluster, which fills both from the environment's tags. Otherwise give
    the launch template a tag_specifications entry for instance, volume and network-interface
    with merge_tags(env.tags, ...), and the StorageClass tagSpecification_<n> parameters
    "key=value" for every required tag.""",
)
def created_by_aws(graph: GraphDoc) -> Iterator[Hit]:
    for record in graph.custom(LAUNCH_TEMPLATE_TYPE):
        if record["type"] != LAUNCH_TEMPLATE_TYPE:
            continue
        problems = _launch_template_problems(GraphDoc.inputs(record))
        if problems:
            yield Hit(record["urn"], "; ".join(problems))
    for record, obj in graph.kubernetes_of_kind("StorageClass"):
        if obj.get("provisioner") != EBS_CSI_PROVISIONER:
            continue
        missing = missing_required_tags(csi_tags(as_dict(obj.get("parameters"))))
        if missing:
            name = as_dict(obj.get("metadata")).get("name")
            yield Hit(
                record["urn"],
                f"StorageClass {name!r} gives the volumes it creates no "
                f"{', '.join(missing)} tag (tagSpecification_<n> parameters)",
            )
