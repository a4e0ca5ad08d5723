"""AWS building blocks: one component per module, secure by default."""

from infra_kit.aws import actions
from infra_kit.aws._policy import PolicyDocument, Statement
from infra_kit.aws.grants import Grantee, HasRole, attach_policy
from infra_kit.aws.irsa import IrsaRole, IrsaRoleArgs, OidcIdentity, irsa_trust_policy
from infra_kit.aws.key import Key, KeyArgs

__all__ = [
    "Grantee",
    "HasRole",
    "IrsaRole",
    "IrsaRoleArgs",
    "Key",
    "KeyArgs",
    "OidcIdentity",
    "PolicyDocument",
    "Statement",
    "actions",
    "attach_policy",
    "irsa_trust_policy",
]
