"""The platform program: shared infrastructure of one environment (dev, stage, prod).

Every environment-dependent value comes from the environment profile loaded from
``Pulumi.<stack>.yaml``; this program has no environment checks of its own (ENV-2).
"""

import pulumi
import pulumi_aws as aws

from infra_kit.core.environment import Environment

env = Environment.load()

key = aws.kms.Key(
    "platform-key",
    aws.kms.KeyArgs(
        description=f"infra-kit platform key for {env.project}/{env.stack}",
        enable_key_rotation=True,
        deletion_window_in_days=env.profile.keys.deletion_window_days,
    ),
    opts=pulumi.ResourceOptions(provider=env.aws, protect=env.profile.protect_stateful),
)

pulumi.export("environment", env.profile.name)
pulumi.export("kms_key_arn", key.arn)
