"""The runtime environment a stack hands to its components: profile, tags and the tagged provider.

A stack calls :meth:`Environment.load` once. It reads the profile from the stack's structured
config (``<project>:environment``), validates it before any resource exists (ENV-3), and builds
the explicit ``aws.Provider`` whose ``default_tags`` carry the required tags (TAG-1). Components
take the ``Environment`` and pass ``env.aws`` down to their children.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
from pulumi.runtime import config as runtime_config

from infra_kit.core._config_keys import (
    find_project_file,
    read_declared_config_keys,
    unknown_config_keys,
)
from infra_kit.core._records import ENVIRONMENT_TYPE
from infra_kit.core.expiry import EXPIRES_AT_LABEL, EXPIRES_AT_TAG, Expiry
from infra_kit.core.monitoring import Monitoring
from infra_kit.core.profile import EnvironmentProfile, build_profile, default_profile_name
from infra_kit.core.tags import check_tags, kubernetes_labels
from infra_kit.errors import ConfigError

__all__ = ["CONFIG_KEY", "ENVIRONMENT_TYPE", "Environment", "required_tags"]

#: The structured config key, under the project's namespace, that holds the profile overrides.
CONFIG_KEY = "environment"


_REGION = r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$"


def required_tags(profile: EnvironmentProfile, *, project: str, stack: str) -> dict[str, str]:
    """The TAG-1 tags every taggable resource of this stack carries."""
    values = profile.tags
    tags = {
        **values.extra,
        "environment": profile.name,
        "team": values.team,
        "cost-center": values.cost_center,
        "managed-by": "pulumi",
        "stack": f"{project}/{stack}",
        "repository": values.repository,
    }
    if values.service is not None:
        tags["service"] = values.service
    if values.feature is not None:
        tags["feature"] = values.feature
    return check_tags(tags, argument="environment.tags")


@dataclass(frozen=True)
class _ConfigKeys:
    """The keys of the project's namespace the stack sets, and those its Pulumi.yaml declares
    (``None`` when no Pulumi.yaml could be found, so nothing can be judged)."""

    set: tuple[str, ...]
    declared: tuple[str, ...] | None
    manifest: str

    @classmethod
    def of_running_stack(cls, project: str) -> _ConfigKeys:
        prefix = f"{project}:"
        keys = tuple(sorted(k for k in runtime_config.CONFIG.get() if k.startswith(prefix)))
        manifest = find_project_file(pulumi.get_root_directory(), Path.cwd())
        declared = read_declared_config_keys(manifest, project) if manifest else None
        shown = str(manifest.name) if manifest else "Pulumi.yaml"
        return cls(keys, tuple(sorted(declared)) if declared is not None else None, shown)

    def problems(self, project: str) -> list[str]:
        if self.declared is None:
            return []
        return [
            f"{key}: not a key infra-kit or this program reads. Fix: correct its spelling, "
            f"remove it, or, if the program reads it, declare it in {self.manifest} under "
            f"config: ({key.split(':', 1)[1]}: {{type: string, description: ...}})"
            for key in unknown_config_keys(self.set, project, self.declared)
        ]

    def record(self) -> dict[str, Any]:
        if self.declared is None:
            return {"set": list(self.set)}
        return {"set": list(self.set), "declared": list(self.declared)}


@dataclass(frozen=True)
class Environment:
    """What every component of one stack shares. Build it with :meth:`load` or :meth:`create`.

    Attributes:
        profile: the validated [EnvironmentProfile][infra_kit.core.profile.EnvironmentProfile]:
            every environment-dependent default.
        project: the Pulumi project's name.
        stack: the Pulumi stack's name.
        region: the AWS region (``aws:region``).
        tags: the required tags (TAG-1), which the AWS provider applies as default tags.
        aws: the explicit ``pulumi_aws.Provider`` every component's AWS children use.
        expiry: when the environment expires: set only when the profile has
            ``preview_ttl_hours`` (ENV-1).
        monitoring: the alarms and graphs the program's components registered, for its dashboard
            (OBS-4).
        partition: the AWS partition of the region (``aws``, ``aws-cn``, ``aws-us-gov``).
        account_id: the AWS account's id, read once from the provider's caller identity.
    """

    profile: EnvironmentProfile
    project: str
    stack: str
    region: str
    tags: Mapping[str, str]
    aws: aws.Provider = field(repr=False)
    #: When the environment expires: set only when the profile has ``preview_ttl_hours`` (ENV-1).
    expiry: Expiry | None = None
    #: The alarms and graphs the program's components registered, for its dashboard (OBS-4).
    monitoring: Monitoring = field(default_factory=Monitoring, compare=False, repr=False)

    @classmethod
    def load(cls, name: str = "aws") -> Environment:
        """Load the profile from the running stack's config and create the tagged AWS provider.

        Raises :class:`ConfigError` naming the stack file, before any resource is registered.
        """
        project, stack = pulumi.get_project(), pulumi.get_stack()
        source = f"Pulumi.{stack}.yaml"
        config = pulumi.Config()
        raw = config.get(CONFIG_KEY)
        if raw is None:
            raise ConfigError(
                source,
                [
                    f"{project}:{CONFIG_KEY}: not set. Fix: add a '{project}:{CONFIG_KEY}' "
                    "mapping with at least tags.team, tags.cost_center, tags.repository and "
                    "tags.service"
                ],
            )
        try:
            overrides: Any = json.loads(raw)
        except json.JSONDecodeError:
            overrides = raw
        region = pulumi.Config("aws").get("region")
        problems = []
        if region is None:
            problems.append("aws:region: not set. Fix: add 'aws:region: <region>' to the file")
        elif not re.match(_REGION, region):
            problems.append(f"aws:region={region!r}: not an AWS region name, e.g. us-east-1")
        valid_region = region if not problems else None
        # prescription: ENV-3 -- every problem of the stack file, before any resource.
        keys = _ConfigKeys.of_running_stack(project)
        problems += keys.problems(project)
        try:
            profile = build_profile(
                overrides,
                default_name=default_profile_name(stack),
                source=f"{source} ({project}:{CONFIG_KEY})",
                stack=stack,
                region=valid_region,
            )
        except ConfigError as exc:
            raise ConfigError(source, [*problems, *exc.problems]) from None
        if problems:
            raise ConfigError(source, problems)
        assert region is not None
        return cls.create(
            profile, project=project, stack=stack, region=region, name=name, config_keys=keys
        )

    @classmethod
    def create(
        cls,
        profile: EnvironmentProfile,
        *,
        project: str,
        stack: str,
        region: str,
        name: str = "aws",
        config_keys: _ConfigKeys | None = None,
    ) -> Environment:
        """Create the tagged provider for an already validated profile.

        When the profile has ``preview_ttl_hours``, the expiry (:mod:`infra_kit.core.expiry`,
        from ``SOURCE_DATE_EPOCH``) joins the provider's default tags as ``infra-kit:expires-at``
        and every label set of :meth:`labels`, so everything the stack creates says when it may
        be destroyed.
        """
        tags = required_tags(profile, project=project, stack=stack)
        expiry = None
        if profile.preview_ttl_hours is not None:
            # prescription: ENV-1 -- every resource of an expiring environment says when it expires.
            expiry = Expiry.after(profile.preview_ttl_hours)
            tags = check_tags({**tags, EXPIRES_AT_TAG: expiry.tag_value}, argument="tags")
        record = pulumi.ComponentResource(ENVIRONMENT_TYPE, name, None, None)
        # The validated profile, for `infra-kit check` and the policy pack: what this environment
        # promises (protected state, pinned images, the cluster's version) is read from here,
        # with the reasons for any protection the stack file weakens. The config keys the stack
        # sets and those the program declares let `check` refuse an unknown key.
        outputs: dict[str, Any] = {"profile": profile.model_dump(mode="json", exclude_none=True)}
        if config_keys is not None:
            outputs["config_keys"] = config_keys.record()
        if expiry is not None:
            outputs["expires_at"] = expiry.tag_value
        record.register_outputs(outputs)
        provider = aws.Provider(
            name,
            aws.ProviderArgs(
                region=region,
                # prescription: TAG-1 -- every AWS resource of the stack inherits the required tags.
                default_tags=aws.ProviderDefaultTagsArgs(tags=dict(tags)),
            ),
        )
        return cls(profile, project, stack, region, tags, provider, expiry)

    @property
    def partition(self) -> str:
        """The AWS partition of this environment's region (``aws``, ``aws-cn``, ``aws-us-gov``)."""
        if self.region.startswith("cn-"):
            return "aws-cn"
        return "aws-us-gov" if self.region.startswith("us-gov-") else "aws"

    @cached_property
    def account_id(self) -> pulumi.Output[str]:
        """The account the tagged provider deploys into (one ``getCallerIdentity`` per stack)."""
        identity = aws.get_caller_identity_output(
            opts=pulumi.InvokeOutputOptions(provider=self.aws)
        )
        return identity.account_id

    def arn(self, service: str, resource: str, *, regional: bool = True) -> pulumi.Output[str]:
        """``arn:<partition>:<service>:<region>:<account>:<resource>`` for this environment."""
        region = self.region if regional else ""
        return self.account_id.apply(
            lambda account: f"arn:{self.partition}:{service}:{region}:{account}:{resource}"
        )

    def labels(self, name: str, **extra: str | None) -> dict[str, str]:
        """Kubernetes labels for a workload named ``name`` in this environment, with
        ``infra-kit/expires-at`` when the environment expires."""
        labels = kubernetes_labels(
            name=name,
            environment=self.profile.name,
            team=self.profile.tags.team,
            part_of=extra.pop("part_of", None) or self.project,
            **extra,
        )
        if self.expiry is not None:
            labels[EXPIRES_AT_LABEL] = self.expiry.label_value
        return labels

    def resource_options(
        self, opts: pulumi.ResourceOptions | None = None
    ) -> pulumi.ResourceOptions:
        """Options for a component: ``opts`` plus this environment's AWS provider."""
        return pulumi.ResourceOptions.merge(
            pulumi.ResourceOptions(providers={"aws": self.aws}), opts
        )
