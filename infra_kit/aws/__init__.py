"""AWS building blocks: one component per module, secure by default.

Components: :class:`Network`, :class:`ApiTunnel`, :class:`Key`, :class:`Notifications`, :class:`Budget`, :class:`Dashboard`, :class:`Backups`, :class:`CertificateAlarms`, :class:`DnsZone`, :class:`Cluster`, :class:`ClusterServices`, :class:`Secret`, :class:`Bucket`, :class:`Queue`, :class:`Cache`, :class:`Database`,
:class:`IrsaRole`, :class:`CiIdentities`. The IAM toolkit: :class:`PolicyDocument`, :class:`Statement`, the named action
lists in :mod:`infra_kit.aws.actions`, and the ``grant_*`` methods on each component.

Each name is imported from its module on first use, so a program pays only for the components,
and the provider modules, it uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from infra_kit._lazy import lazy_exports

if TYPE_CHECKING:
    from infra_kit.aws import actions
    from infra_kit.aws._cidr import subnet_cidr
    from infra_kit.aws._policy import PolicyDocument, Statement
    from infra_kit.aws.api_tunnel import ApiTunnel, ApiTunnelArgs
    from infra_kit.aws.backups import Backups, BackupsArgs
    from infra_kit.aws.bucket import Bucket, BucketArgs, BucketPurpose
    from infra_kit.aws.budget import Budget, BudgetArgs
    from infra_kit.aws.cache import Cache, CacheArgs
    from infra_kit.aws.certificate import CertificateAlarms, CertificateAlarmsArgs
    from infra_kit.aws.ci_identity import CiIdentities, CiIdentitiesArgs
    from infra_kit.aws.cluster import Cluster, ClusterArgs, NodeEgress
    from infra_kit.aws.cluster_services import ClusterServices, ClusterServicesArgs
    from infra_kit.aws.dashboard import Dashboard, DashboardArgs
    from infra_kit.aws.database import Database, DatabaseArgs
    from infra_kit.aws.dns_zone import DnsZone, DnsZoneArgs
    from infra_kit.aws.grants import Grantee, HasRole, attach_policy
    from infra_kit.aws.irsa import IrsaRole, IrsaRoleArgs, OidcIdentity, irsa_trust_policy
    from infra_kit.aws.key import Key, KeyArgs
    from infra_kit.aws.network import Network, NetworkArgs, SubnetTier
    from infra_kit.aws.notifications import Notifications, NotificationsArgs
    from infra_kit.aws.queue import Queue, QueueArgs
    from infra_kit.aws.secret import RotationArgs, Secret, SecretArgs

__all__ = [
    "ApiTunnel",
    "ApiTunnelArgs",
    "Backups",
    "BackupsArgs",
    "Bucket",
    "BucketArgs",
    "BucketPurpose",
    "Budget",
    "BudgetArgs",
    "Cache",
    "CacheArgs",
    "CertificateAlarms",
    "CertificateAlarmsArgs",
    "CiIdentities",
    "CiIdentitiesArgs",
    "Cluster",
    "ClusterArgs",
    "ClusterServices",
    "ClusterServicesArgs",
    "Dashboard",
    "DashboardArgs",
    "Database",
    "DatabaseArgs",
    "DnsZone",
    "DnsZoneArgs",
    "Grantee",
    "HasRole",
    "IrsaRole",
    "IrsaRoleArgs",
    "Key",
    "KeyArgs",
    "Network",
    "NetworkArgs",
    "NodeEgress",
    "Notifications",
    "NotificationsArgs",
    "OidcIdentity",
    "PolicyDocument",
    "Queue",
    "QueueArgs",
    "RotationArgs",
    "Secret",
    "SecretArgs",
    "Statement",
    "SubnetTier",
    "actions",
    "attach_policy",
    "irsa_trust_policy",
    "subnet_cidr",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".actions": ("actions",),
        "._cidr": ("subnet_cidr",),
        "._policy": ("PolicyDocument", "Statement"),
        ".api_tunnel": ("ApiTunnel", "ApiTunnelArgs"),
        ".backups": ("Backups", "BackupsArgs"),
        ".bucket": ("Bucket", "BucketArgs", "BucketPurpose"),
        ".budget": ("Budget", "BudgetArgs"),
        ".cache": ("Cache", "CacheArgs"),
        ".certificate": ("CertificateAlarms", "CertificateAlarmsArgs"),
        ".dashboard": ("Dashboard", "DashboardArgs"),
        ".ci_identity": ("CiIdentities", "CiIdentitiesArgs"),
        ".cluster": ("Cluster", "ClusterArgs", "NodeEgress"),
        ".cluster_services": ("ClusterServices", "ClusterServicesArgs"),
        ".database": ("Database", "DatabaseArgs"),
        ".dns_zone": ("DnsZone", "DnsZoneArgs"),
        ".grants": ("Grantee", "HasRole", "attach_policy"),
        ".irsa": ("IrsaRole", "IrsaRoleArgs", "OidcIdentity", "irsa_trust_policy"),
        ".key": ("Key", "KeyArgs"),
        ".network": ("Network", "NetworkArgs", "SubnetTier"),
        ".notifications": ("Notifications", "NotificationsArgs"),
        ".queue": ("Queue", "QueueArgs"),
        ".secret": ("RotationArgs", "Secret", "SecretArgs"),
    },
)
