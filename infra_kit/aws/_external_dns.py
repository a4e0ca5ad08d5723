"""ExternalDNS: the Helm values and the IAM policy that keep it to one hosted zone (pure).

:class:`~infra_kit.aws.cluster_services.ClusterServices` installs the ``external-dns`` chart
(pinned in :mod:`infra_kit.aws._cluster_versions`) and its IRSA role. Value names are those of
the chart's ``values.yaml`` at chart 1.21.1 (github.com/kubernetes-sigs/external-dns, tag
external-dns-helm-chart-1.21.1, read 2026-12-02); the AWS calls are those of its ``aws``
provider at v0.21.0 (``provider/aws/aws.go``: ``ListHostedZones``, ``ListResourceRecordSets``,
``ChangeResourceRecordSets``; ``ListTagsForResources`` only with a zone-tag filter, which is not
used here).

- Scope (SEC-1): it sees one zone, by name (``domainFilters``) and by id (``--zone-id-filter``),
  and its role may list and change the records of that zone's ARN only. ``ListHostedZones``
  takes no resource ARN (AWS's service authorization reference), so it alone is on ``*``, with
  its reason written into the statement. Changes are further limited to the record types it
  manages (``A``, ``AAAA``, ``CNAME``, and ``TXT`` for its registry).
- Sources: Ingresses only. The platform exposes services through ``AlbIngress``; a Service of
  type LoadBalancer gets no name unless someone adds a source for it.
- Ownership: the TXT registry with the cluster's name as owner id, so it changes and deletes
  only records it created, and a second cluster sharing the zone never touches them.
- Policy ``sync`` (ADR 0025): records of a deleted Ingress are deleted too, so no name keeps
  pointing at a load balancer that is gone; the registry keeps deletion to its own records.
- One replica (the chart's, fixed: ExternalDNS does not elect a leader), with requests, limits,
  a zone spread and, created beside the release, a PodDisruptionBudget of ``maxUnavailable: 1``
  that never blocks a drain; a missed pass is caught up by the next one a minute later.
"""

from __future__ import annotations

from typing import Any

import pulumi

from infra_kit.aws import _cluster_versions as pins
from infra_kit.aws import actions
from infra_kit.aws._controller_values import PinnedImage, resources_of, zone_spread
from infra_kit.aws._policy import PolicyDocument, Statement

__all__ = [
    "EXTERNAL_DNS_RECORD_TYPES",
    "EXTERNAL_DNS_SELECTOR",
    "EXTERNAL_DNS_SERVICE_ACCOUNT",
    "external_dns_policy",
    "external_dns_values",
    "hosted_zone_arn",
]

EXTERNAL_DNS_SERVICE_ACCOUNT = "external-dns"
#: The labels the chart gives its pods (``external-dns.selectorLabels``).
EXTERNAL_DNS_SELECTOR = {
    "app.kubernetes.io/name": pins.EXTERNAL_DNS_CHART,
    "app.kubernetes.io/instance": pins.EXTERNAL_DNS_CHART,
}
#: Record types it manages; TXT are its registry's ownership records.
EXTERNAL_DNS_RECORD_TYPES = ("A", "AAAA", "CNAME")
_ROLE_ANNOTATION = "eks.amazonaws.com/role-arn"
_NO_ZONE_RESOURCE = (
    "ListHostedZones takes no resource ARN; the zone id and domain filters keep ExternalDNS "
    "to the one zone its other actions are scoped to"
)


def hosted_zone_arn(partition: str, zone_id: pulumi.Input[str]) -> pulumi.Output[str]:
    """The ARN of the hosted zone ``zone_id`` (``aws.route53.Zone.zone_id``, e.g. ``Z0123…``)."""
    return pulumi.Output.concat(f"arn:{partition}:route53:::hostedzone/", zone_id)


def external_dns_policy(zone_arn: pulumi.Input[str]) -> PolicyDocument:
    """What ExternalDNS may do: read and change the records of ``zone_arn``, list zones."""
    return PolicyDocument(
        [
            Statement(
                actions=actions.ROUTE53_CHANGE_RECORDS,
                resources=[zone_arn],
                conditions={
                    "ForAllValues:StringEquals": {
                        "route53:ChangeResourceRecordSetsRecordTypes": [
                            *EXTERNAL_DNS_RECORD_TYPES,
                            "TXT",
                        ]
                    }
                },
            ),
            Statement(actions=actions.ROUTE53_LIST_RECORDS, resources=[zone_arn]),
            Statement(
                actions=actions.ROUTE53_LIST_ZONES,
                resources=["*"],
                justification=_NO_ZONE_RESOURCE,
            ),
        ]
    )


def external_dns_values(
    *,
    cluster_name: pulumi.Input[str],
    zone_id: pulumi.Input[str],
    zone_name: pulumi.Input[str],
    region: str,
    role_arn: pulumi.Input[str],
    image: PinnedImage,
) -> dict[str, Any]:
    """Helm values of ``external-dns``: the ``aws`` provider on one zone, owning its records by
    the cluster's name (see the module docstring). The chart builds the image as
    ``repository:tag`` and allows no other image key, so a digest rides on the tag."""
    return {
        "image": {
            "repository": image.repository,
            "tag": image.tag_with_digest,
            "pullPolicy": image.pull_policy,
        },
        "serviceAccount": {
            "create": True,
            "name": EXTERNAL_DNS_SERVICE_ACCOUNT,
            "annotations": {_ROLE_ANNOTATION: role_arn},
        },
        "provider": {"name": "aws"},
        "env": [{"name": "AWS_DEFAULT_REGION", "value": region}],
        "sources": ["ingress"],
        "policy": "sync",
        "registry": "txt",
        "txtOwnerId": cluster_name,
        "domainFilters": [zone_name],
        "managedRecordTypes": list(EXTERNAL_DNS_RECORD_TYPES),
        "extraArgs": {"zone-id-filter": zone_id},
        "logFormat": "json",
        "resources": resources_of(pins.EXTERNAL_DNS_CHART),
        "topologySpreadConstraints": zone_spread(EXTERNAL_DNS_SELECTOR),
    }
