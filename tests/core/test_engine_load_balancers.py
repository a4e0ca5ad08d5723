"""The offline engine imitates what the AWS Load Balancer Controller and ELB report for an ALB."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pytest

from infra_kit.core.engine._cloud import FakeCloud
from infra_kit.core.environment import Environment
from infra_kit.errors import SynthError
from infra_kit.testing import run_offline


def _cloud() -> FakeCloud:
    return FakeCloud("eu-west-1", lambda name: ({}, []))


def test_a_load_balancer_looked_up_by_name_answers_the_same_arn_suffix_every_run() -> None:
    one = _cloud().invoke("aws:lb/getLoadBalancer:getLoadBalancer", {"name": "api-prod-0a1b2c3d"})
    two = _cloud().invoke("aws:lb/getLoadBalancer:getLoadBalancer", {"name": "api-prod-0a1b2c3d"})
    assert one == two
    assert one["arn"] == (
        f"arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/{one['arnSuffix']}"
    )
    assert one["arnSuffix"].startswith("app/api-prod-0a1b2c3d/")
    assert len(one["arnSuffix"].rsplit("/", 1)[1]) == 16


def test_a_lookup_without_a_name_is_refused_with_the_fix() -> None:
    with pytest.raises(SynthError, match="by name only"):
        _cloud().invoke("aws:lb/getLoadBalancer:getLoadBalancer", {"tags": {"a": "b"}})


def test_an_ingress_reports_the_hostname_of_the_alb_it_names() -> None:
    _, state = _cloud().resource(
        "kubernetes:networking.k8s.io/v1:Ingress",
        "api",
        {"metadata": {"name": "api", "namespace": "apps", "annotations": {
            "alb.ingress.kubernetes.io/load-balancer-name": "api-prod-0a1b2c3d",
            "alb.ingress.kubernetes.io/scheme": "internet-facing",
        }}},
        None,
    )  # fmt: skip
    (entry,) = state["status"]["loadBalancer"]["ingress"]
    assert entry["hostname"].startswith("api-prod-0a1b2c3d-")
    assert entry["hostname"].endswith(".eu-west-1.elb.amazonaws.com")


def test_a_program_reads_the_lookup_through_the_tagged_provider() -> None:
    def build(env: Environment) -> None:
        found = aws.lb.get_load_balancer_output(
            name="api-dev-0a1b2c3d", opts=pulumi.InvokeOutputOptions(provider=env.aws)
        )
        pulumi.export("suffix", found.arn_suffix)

    graph = run_offline(build)
    assert graph.outputs["suffix"].startswith("app/api-dev-0a1b2c3d/")
