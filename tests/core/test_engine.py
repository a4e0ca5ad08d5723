"""The offline engine and its output contract."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml

from infra_kit.core.engine import OfflineEngine, synthesize
from infra_kit.errors import SynthError

RESOURCE_KEYS = {
    "urn", "type", "name", "parent", "custom", "inputs", "outputs", "output_secret_paths",
    "dependencies", "provider", "protect", "retain_on_delete", "additional_secret_outputs",
    "secret_paths", "aliases", "source",
}  # fmt: skip

PROGRAM = """
import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

cfg = pulumi.Config()
password = cfg.require_secret("dbPassword")
aws_provider = aws.Provider("aws", region="eu-west-1")
opts = pulumi.ResourceOptions(provider=aws_provider)
zones = aws.get_availability_zones_output(opts=pulumi.InvokeOutputOptions(provider=aws_provider))
key = aws.kms.Key("key", enable_key_rotation=True, opts=pulumi.ResourceOptions(provider=aws_provider, protect=True))
secret = aws.secretsmanager.Secret("secret", kms_key_id=key.arn, opts=opts)
aws.secretsmanager.SecretVersion("secret-value", secret_id=secret.id, secret_string=password, opts=opts)
cluster = aws.eks.Cluster("cluster", role_arn="arn:aws:iam::123456789012:role/c",
    vpc_config=aws.eks.ClusterVpcConfigArgs(subnet_ids=["subnet-1"]), opts=opts)
k8s_provider = k8s.Provider("k8s", kubeconfig="{}")
k8s.apps.v1.Deployment("web", metadata={"name": "web", "namespace": "apps"},
    spec={"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
          "template": {"metadata": {"labels": {"app": "web"}},
                       "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}},
    opts=pulumi.ResourceOptions(provider=k8s_provider))
k8s.core.v1.Secret("creds", metadata={"name": "creds", "namespace": "apps"},
    string_data={"password": password}, opts=pulumi.ResourceOptions(provider=k8s_provider))
pulumi.export("key_arn", key.arn)
pulumi.export("zones", zones.names)
pulumi.export("password", password)
pulumi.export("endpoint", cluster.endpoint)
pulumi.export("issuer", cluster.identities[0].oidcs[0].issuer)
pulumi.export("db_url", pulumi.Output.format("postgres://app:{0}@db", password))
"""


def make_project(root: Path, name: str, program: str, config: dict[str, object]) -> Path:
    project = root / name
    project.mkdir(parents=True)
    (project / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\n")
    (project / "__main__.py").write_text(textwrap.dedent(program))
    (project / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": config}))
    return project


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("repo")
    (root / "pyproject.toml").write_text("")
    config = {"aws:region": "eu-west-1", "sample:dbPassword": {"secure": "v1:AAAABBBBCCCC"}}
    return make_project(root, "sample", PROGRAM, config)


@pytest.fixture(scope="module")
def sample_json(sample: Path) -> str:
    return synthesize(sample, "dev").to_json()


def test_the_graph_has_exactly_the_contract_keys(sample_json: str) -> None:
    doc = json.loads(sample_json)
    assert set(doc) == {"project", "stack", "resources", "outputs", "diagnostics"}
    assert (doc["project"], doc["stack"]) == ("sample", "dev")
    for resource in doc["resources"]:
        assert set(resource) == RESOURCE_KEYS
        assert isinstance(resource["custom"], bool)
        assert isinstance(resource["protect"], bool)
        assert isinstance(resource["dependencies"], list)
    urns = [r["urn"] for r in doc["resources"]]
    assert urns == sorted(urns)


def test_recorded_fields_carry_parent_provider_and_protect(sample_json: str) -> None:
    doc = json.loads(sample_json)
    by_name = {r["name"]: r for r in doc["resources"]}
    key = by_name["key"]
    assert key["type"] == "aws:kms/key:Key"
    assert key["custom"] is True
    assert key["protect"] is True
    assert key["urn"] == "urn:pulumi:dev::sample::aws:kms/key:Key::key"
    assert key["provider"] == "urn:pulumi:dev::sample::pulumi:providers:aws::aws"
    assert key["parent"] == "urn:pulumi:dev::sample::pulumi:pulumi:Stack::sample-dev"
    assert key["inputs"] == {"enableKeyRotation": True}
    secret = by_name["secret"]
    assert key["urn"] in secret["dependencies"]
    assert by_name["sample-dev"]["type"] == "pulumi:pulumi:Stack"


def test_urns_have_the_engines_form_so_aliases_can_name_them() -> None:
    from infra_kit.aws import Key, KeyArgs
    from infra_kit.testing import run_offline

    graph = run_offline(lambda env: Key("data", KeyArgs(description="d"), env))
    component = graph.named("data", "infra-kit:aws:Key")
    child = graph.named("data", "aws:kms/key:Key")
    assert component["urn"] == "urn:pulumi:dev::test::infra-kit:aws:Key::data"
    assert child["urn"] == "urn:pulumi:dev::test::infra-kit:aws:Key$aws:kms/key:Key::data"
    assert child["parent"] == component["urn"]
    assert "pulumi:pulumi:Stack$" not in graph.to_json()


def test_a_secure_config_value_never_appears_in_clear(sample: Path, sample_json: str) -> None:
    placeholder = "offline-placeholder-secret-for-sample:dbPassword"
    assert placeholder not in sample_json
    assert "AAAABBBBCCCC" not in sample_json
    doc = json.loads(sample_json)
    by_name = {r["name"]: r for r in doc["resources"]}
    assert by_name["secret-value"]["inputs"]["secretString"] == "[secret]"
    assert by_name["secret-value"]["secret_paths"] == ["secretString"]
    assert by_name["creds"]["inputs"]["stringData"] == "[secret]"
    assert doc["outputs"]["password"] == "[secret]"
    assert doc["outputs"]["db_url"] == "[secret]"


def test_the_secret_is_still_a_secret_in_memory_and_a_fake_placeholder(sample: Path) -> None:
    graph = synthesize(sample, "dev")
    assert graph.outputs["password"] == "offline-placeholder-secret-for-sample:dbPassword"
    assert "password" in graph.output_secret_paths


def test_two_runs_write_byte_identical_files(sample: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    files_a = synthesize(sample, "dev").write(first)
    files_b = synthesize(sample, "dev").write(second)
    assert [p.relative_to(first) for p in files_a] == [p.relative_to(second) for p in files_b]
    for a, b in zip(files_a, files_b, strict=True):
        assert a.read_bytes() == b.read_bytes()


def test_mocked_outputs_look_like_aws(sample_json: str) -> None:
    outputs = json.loads(sample_json)["outputs"]
    assert outputs["key_arn"].startswith("arn:aws:kms:eu-west-1:123456789012:key/")
    assert outputs["zones"][:3] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    assert outputs["endpoint"].startswith("https://")
    assert outputs["endpoint"].endswith(".eu-west-1.eks.amazonaws.com")
    assert outputs["issuer"].startswith("https://oidc.eks.eu-west-1.amazonaws.com/id/")


def test_kubernetes_objects_are_written_as_the_api_server_would_receive_them(
    sample: Path, tmp_path: Path
) -> None:
    synthesize(sample, "dev").write(tmp_path)
    text = (tmp_path / "k8s" / "deployment-apps-web.yaml").read_text()
    obj = yaml.safe_load(text)
    assert list(obj)[:3] == ["apiVersion", "kind", "metadata"]
    assert obj["apiVersion"] == "apps/v1"
    assert obj["metadata"] == {"name": "web", "namespace": "apps"}
    assert "replicas: 3\n" in text  # an integer, not 3.0
    secret = yaml.safe_load((tmp_path / "k8s" / "secret-apps-creds.yaml").read_text())
    assert secret["stringData"] == "[secret]"


def test_a_stack_reference_resolves_to_the_other_projects_outputs(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    make_project(
        tmp_path, "network",
        """
        import pulumi
        pulumi.export("vpc_id", "vpc-0123")
        pulumi.export("token", pulumi.Output.secret("s3cr3t"))
        """,
        {"aws:region": "us-east-1"},
    )  # fmt: skip
    app = make_project(
        tmp_path, "app",
        """
        import pulumi
        ref = pulumi.StackReference("acme/network/dev")
        pulumi.export("vpc_id", ref.get_output("vpc_id"))
        pulumi.export("token", ref.get_output("token"))
        """,
        {"aws:region": "us-east-1"},
    )  # fmt: skip
    graph = synthesize(app, "dev")
    assert graph.outputs["vpc_id"] == "vpc-0123"
    assert json.loads(graph.to_json())["outputs"]["token"] == "[secret]"


def test_a_stack_reference_to_an_unknown_project_says_what_exists(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    app = make_project(
        tmp_path, "app",
        'import pulumi\npulumi.export("x", pulumi.StackReference("nowhere/dev").get_output("x"))\n',
        {},
    )  # fmt: skip
    with pytest.raises(SynthError, match="no project named 'nowhere'.*found: app"):
        synthesize(app, "dev")


def test_an_invoke_the_engine_cannot_answer_fails_loudly(tmp_path: Path) -> None:
    program = """
    import pulumi, pulumi_aws as aws
    pulumi.export("ami", aws.ec2.get_ami_output(most_recent=True, owners=["amazon"]).id)
    """
    project = make_project(tmp_path, "p", program, {})
    with pytest.raises(SynthError, match="no answer for the function 'aws:ec2/getAmi:getAmi'"):
        synthesize(project, "dev")


def test_a_program_error_names_the_file_and_line(tmp_path: Path) -> None:
    project = make_project(tmp_path, "p", "import pulumi\n\nraise RuntimeError('boom')\n", {})
    with pytest.raises(SynthError, match=r"__main__\.py:3: RuntimeError: boom"):
        synthesize(project, "dev")


def test_a_missing_stack_file_lists_the_stacks_there_are(sample: Path) -> None:
    with pytest.raises(SynthError, match=r"stack 'qa' has no stack file .*stacks of sample: dev"):
        OfflineEngine.for_project(sample, "qa")


def test_a_directory_without_pulumi_yaml_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SynthError, match="no Pulumi.yaml"):
        OfflineEngine.for_project(tmp_path, "dev")
