"""The engine never hangs and never lies: every failure ends promptly, naming the user's line."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from infra_kit.core.engine import OfflineEngine, synthesize
from infra_kit.errors import SynthError
from tests.core.test_engine import make_project

# A subprocess that has not ended by then has hung: the run must end long before.
DEADLINE_SECONDS = 30

QUEUE_FROM_KEY = """
import pulumi
import pulumi_aws as aws

key = aws.kms.Key("k")
aws.sqs.Queue("q", name=key.arn.apply(lambda a: a.split(":")[9]))
"""


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "infra_kit.cli", *args],
        cwd=cwd, capture_output=True, text=True, check=False, timeout=DEADLINE_SECONDS,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


def project(tmp_path: Path, program: str, config: dict[str, object] | None = None) -> Path:
    (tmp_path / "pyproject.toml").write_text("")
    return make_project(tmp_path, "p", program, {"aws:region": "us-east-1", **(config or {})})


# -- program errors -----------------------------------------------------------------------------
def test_an_exception_inside_apply_ends_the_run_naming_the_line_and_the_input(
    tmp_path: Path,
) -> None:
    result = cli("synth", "--stack", "dev", "--project-dir", str(project(tmp_path, QUEUE_FROM_KEY)))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "__main__.py:6: IndexError: list index out of range" in result.stderr
    assert "while computing input 'name' of aws:sqs/queue:Queue 'q'" in result.stderr
    assert "created at p/__main__.py:6" in result.stderr


def test_traceback_shows_the_programs_own_traceback(tmp_path: Path) -> None:
    result = cli(
        "synth", "--stack", "dev", "--project-dir", str(project(tmp_path, QUEUE_FROM_KEY)),
        "--traceback",
    )  # fmt: skip
    assert result.returncode == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert 'a.split(":")[9]' in result.stderr


def test_a_plain_program_error_names_the_file_and_line(tmp_path: Path) -> None:
    program = "import pulumi\n\n\ndef build():\n    raise RuntimeError('boom')\n\n\nbuild()\n"
    result = cli("synth", "--stack", "dev", "--project-dir", str(project(tmp_path, program)))
    assert result.returncode == 1
    assert "__main__.py:5: RuntimeError: boom" in result.stderr
    assert "Traceback" not in result.stderr


# -- duplicate URNs -----------------------------------------------------------------------------
def test_two_resources_with_one_urn_are_refused_naming_both_lines(tmp_path: Path) -> None:
    program = """
    import pulumi_aws as aws

    aws.sqs.Queue("jobs")
    aws.sqs.Queue("jobs")
    """
    result = cli("synth", "--stack", "dev", "--project-dir", str(project(tmp_path, program)))
    assert result.returncode == 1
    assert "duplicate URN urn:pulumi:dev::p::aws:sqs/queue:Queue::jobs" in result.stderr
    assert "first at p/__main__.py:4, again at p/__main__.py:5" in result.stderr


def test_children_of_two_components_that_share_a_urn_are_refused(tmp_path: Path) -> None:
    # The URN of a child carries its parent's type, not its name: two components of one type
    # that name a child alike collide, although their own names differ.
    program = """
    import pulumi
    import pulumi_aws as aws

    class Box(pulumi.ComponentResource):
        def __init__(self, name):
            super().__init__("acme:x:Box", name)
            aws.sqs.Queue("shared", opts=pulumi.ResourceOptions(parent=self))

    Box("a")
    Box("b")
    """
    result = cli("synth", "--stack", "dev", "--project-dir", str(project(tmp_path, program)))
    assert result.returncode == 1
    assert "duplicate URN urn:pulumi:dev::p::acme:x:Box$aws:sqs/queue:Queue::shared" in (
        result.stderr
    )
    assert "first at p/__main__.py:10 via p/__main__.py:8" in result.stderr
    assert "again at p/__main__.py:11 via p/__main__.py:8" in result.stderr


# -- the watchdog -------------------------------------------------------------------------------
def test_the_watchdog_stops_a_run_waiting_for_an_output_that_never_resolves(
    tmp_path: Path,
) -> None:
    program = """
    import asyncio
    import pulumi
    import pulumi_aws as aws

    never = pulumi.Output.from_input(asyncio.get_event_loop().create_future())
    aws.sqs.Queue("q", name=never)
    """
    result = cli(
        "synth", "--stack", "dev", "--project-dir", str(project(tmp_path, program)),
        "--timeout", "1",
    )  # fmt: skip
    assert result.returncode == 1
    assert "no progress for 1 s, so the run was stopped" in result.stderr
    assert "aws:sqs/queue:Queue 'q' (created at p/__main__.py:7)" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_watchdog_stops_a_program_stuck_in_its_own_loop(tmp_path: Path) -> None:
    program = """
    import pulumi_aws as aws

    aws.sqs.Queue("q")
    while True:
        pass
    """
    result = cli(
        "synth", "--stack", "dev", "--project-dir", str(project(tmp_path, program)),
        "--timeout", "1",
    )  # fmt: skip
    assert result.returncode == 1
    assert "no progress for 1 s" in result.stderr


def test_the_watchdog_stops_an_in_process_run_with_a_synth_error(tmp_path: Path) -> None:
    program = """
    import asyncio
    import pulumi
    import pulumi_aws as aws

    aws.sqs.Queue("q", name=pulumi.Output.from_input(asyncio.get_event_loop().create_future()))
    """
    engine = OfflineEngine.for_project(project(tmp_path, program), "dev", timeout=0.5)
    with pytest.raises(SynthError, match=r"no progress for 0.5 s.*aws:sqs/queue:Queue 'q'"):
        engine.run()


# -- outputs ------------------------------------------------------------------------------------
def test_a_failed_run_leaves_no_graph_behind(tmp_path: Path) -> None:
    good = project(tmp_path, "import pulumi_aws as aws\naws.sqs.Queue('q')\n")
    out = tmp_path / "out"
    assert (
        cli("synth", "--stack", "dev", "--project-dir", str(good), "--out", str(out)).returncode
        == 0
    )
    assert (out / "graph.json").is_file()
    (good / "__main__.py").write_text("raise RuntimeError('broken now')\n")
    result = cli("synth", "--stack", "dev", "--project-dir", str(good), "--out", str(out))
    assert result.returncode == 1
    assert not (out / "graph.json").exists()
    assert sorted(p.name for p in out.iterdir()) == [".infra-kit-synth"]  # the marker alone


def test_bad_config_leaves_no_graph_behind(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "graph.json").write_text('{"project": "p", "stack": "dev", "resources": []}')
    program = "from infra_kit.core.environment import Environment\nEnvironment.load()\n"
    broken = project(tmp_path, program, {"p:environment": {"tags": {"team": "t"}}})
    result = cli("synth", "--stack", "dev", "--project-dir", str(broken), "--out", str(out))
    assert result.returncode == 1
    assert "invalid configuration" in result.stderr
    assert not (out / "graph.json").exists()


def test_two_stacks_synthesize_at_once_in_one_project(tmp_path: Path) -> None:
    app = project(tmp_path, "import pulumi\npulumi.export('stack', pulumi.get_stack())\n")
    (app / "Pulumi.prod.yaml").write_text(yaml.safe_dump({"config": {"aws:region": "us-east-1"}}))
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "infra_kit.cli",
                "synth",
                "--stack",
                stack,
                "--project-dir",
                str(app),
                "-q",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for stack in ("dev", "prod")
    ]
    for run in runs:
        run.communicate(timeout=DEADLINE_SECONDS)
        assert run.returncode == 0
    for stack in ("dev", "prod"):
        doc = json.loads((app / ".synth" / stack / "graph.json").read_text())
        assert (doc["stack"], doc["outputs"]) == (stack, {"stack": stack})


def test_no_output_is_a_silent_null_and_a_made_up_one_is_named(tmp_path: Path) -> None:
    program = """
    import pulumi
    import pulumi_aws as aws

    queue = aws.sqs.Queue("q")
    instance = aws.ec2.Instance("vm", ami="ami-0123", instance_type="t3.micro")
    aws.ssm.Parameter("where", type="String", value=instance.private_ip)
    pulumi.export("queue", {"url": queue.url, "arn": queue.arn})
    """
    engine = OfflineEngine.for_project(project(tmp_path, program), "dev")
    graph = engine.run()
    doc = json.loads(graph.to_json())
    assert "null" not in json.dumps([r["inputs"] for r in doc["resources"]] + [doc["outputs"]])
    assert doc["outputs"]["queue"]["url"].startswith("https://sqs.us-east-1.amazonaws.com/")
    assert doc["outputs"]["queue"]["arn"].startswith("arn:aws:sqs:us-east-1:123456789012:")
    (made_up,) = doc["diagnostics"]
    assert made_up["code"] == "unimitated-output"
    assert (made_up["resource"], made_up["property"]) == (
        "aws:ec2/instance:Instance::vm",
        "privateIp",
    )
    assert any("'privateIp' of aws:ec2/instance:Instance 'vm'" in w for w in engine.warnings)


# -- secrets read the wrong way -----------------------------------------------------------------
SECRET_CONFIG = {"p:apiToken": {"secure": "v1:AAAA"}}


def test_a_secure_value_read_with_get_is_reported_with_the_key_and_the_fix(tmp_path: Path) -> None:
    program = """
    import pulumi

    token = pulumi.Config().get("apiToken")
    pulumi.export("token_length", len(token))
    """
    engine = OfflineEngine.for_project(project(tmp_path, program, SECRET_CONFIG), "dev")
    graph = engine.run()
    (diagnostic,) = graph.diagnostics
    assert diagnostic["code"] == "secret-config-read-in-clear"
    assert (diagnostic["key"], diagnostic["source"]) == ("p:apiToken", "p/__main__.py:4")
    assert "config.get_secret('apiToken')" in diagnostic["message"]
    assert any("p:apiToken" in w for w in engine.warnings)


def test_a_secure_value_that_reaches_an_input_in_clear_is_reported_there(tmp_path: Path) -> None:
    program = """
    import pulumi
    import pulumi_aws as aws

    aws.sqs.Queue("jobs", tags={"token": pulumi.Config().require("apiToken")})
    """
    graph = synthesize(project(tmp_path, program, SECRET_CONFIG), "dev")
    codes = {d["code"]: d for d in graph.diagnostics}
    assert set(codes) == {"secret-config-read-in-clear", "secret-in-clear"}
    assert codes["secret-in-clear"]["urn"] == "urn:pulumi:dev::p::aws:sqs/queue:Queue::jobs"
    assert codes["secret-in-clear"]["path"] == "tags.token"


def test_get_secret_is_the_quiet_way(tmp_path: Path) -> None:
    program = """
    import pulumi
    import pulumi_aws as aws

    aws.ssm.Parameter("token", type="SecureString", value=pulumi.Config().require_secret("apiToken"))
    """
    assert synthesize(project(tmp_path, program, SECRET_CONFIG), "dev").diagnostics == []


def test_check_fails_a_secret_read_in_clear_and_synth_only_warns(tmp_path: Path) -> None:
    program = 'import pulumi\npulumi.export("n", len(pulumi.Config().get("apiToken")))\n'
    app = project(tmp_path, program, SECRET_CONFIG)
    synth = cli("synth", "--stack", "dev", "--project-dir", str(app))
    assert synth.returncode == 0
    assert "warning: config 'p:apiToken' is a secure: value" in synth.stderr
    check = cli("check", "--stack", "dev", "--project-dir", str(app))
    assert check.returncode == 1
    assert "IK-SEC-2-SECRET-CONFIG-IN-CLEAR" in check.stdout


# -- aliases ------------------------------------------------------------------------------------
def test_the_graph_records_aliases_and_the_children_inherit_a_renamed_parents(
    tmp_path: Path,
) -> None:
    program = """
    import pulumi
    import pulumi_aws as aws

    class Box(pulumi.ComponentResource):
        def __init__(self, name, opts=None):
            super().__init__("acme:x:Box", name, None, opts)
            aws.sqs.Queue(f"{name}-queue", opts=pulumi.ResourceOptions(
                parent=self, aliases=[pulumi.Alias(name="old-queue")]))

    Box("new", opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="old")]))
    """
    graph = synthesize(project(tmp_path, program), "dev")
    box = graph.named("new", "acme:x:Box")
    assert box["aliases"] == ["urn:pulumi:dev::p::acme:x:Box::old"]
    queue = graph.named("new-queue", "aws:sqs/queue:Queue")
    assert "urn:pulumi:dev::p::acme:x:Box$aws:sqs/queue:Queue::old-queue" in queue["aliases"]


# -- bad input, unusable outputs and a closed stdout --------------------------------------------
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"- just\n- a list\n", "the top level is a list"),
        (b"config: \xff\xfe\n", "is not UTF-8 text"),
        (b"config: [1, 2]\n", "'config' must be a mapping"),
        (b"config: {unclosed\n", "is not valid YAML"),
    ],
    ids=["list", "not-utf8", "config-list", "broken-yaml"],
)
def test_a_malformed_stack_file_is_refused_without_a_traceback(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    app = project(tmp_path, "import pulumi\n")
    (app / "Pulumi.dev.yaml").write_bytes(content)
    result = cli("synth", "--stack", "dev", "--project-dir", str(app))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "Pulumi.dev.yaml" in result.stderr
    assert expected in result.stderr


def test_a_pulumi_yaml_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    app = project(tmp_path, "import pulumi\n")
    (app / "Pulumi.yaml").write_text("- name\n")
    result = cli("synth", "--stack", "dev", "--project-dir", str(app))
    assert (result.returncode, "Traceback" in result.stderr) == (1, False)
    assert "Pulumi.yaml: the top level is a list" in result.stderr


@pytest.mark.parametrize("where", ["file", "under-a-file"])
def test_an_out_that_is_a_file_is_a_usage_error_before_anything_runs(
    tmp_path: Path, where: str
) -> None:
    app = project(tmp_path, "raise SystemExit('the program must not run')\n")
    blocker = tmp_path / "taken"
    blocker.write_text("")
    out = blocker if where == "file" else blocker / "graph"
    result = cli("synth", "--stack", "dev", "--project-dir", str(app), "--out", str(out))
    assert result.returncode == 2
    assert "--out" in result.stderr
    assert f"{blocker} is a file" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_reader_that_stops_early_ends_the_output_quietly(tmp_path: Path) -> None:
    # Enough output to overflow a pipe's buffer, so the writer meets the closed pipe.
    program = "import pulumi_aws as aws\nfor i in range(400):\n    aws.sqs.Queue(f'q{i}')\n"
    app = project(tmp_path, program)
    script = (
        f"{sys.executable} -m infra_kit.cli synth --stack dev --project-dir {app} --json "
        '| head -c 10 >/dev/null; echo "status=${PIPESTATUS[0]}"'
    )
    result = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=DEADLINE_SECONDS,
        check=False,
    )  # fmt: skip
    assert "status=0" in result.stdout
    assert "Traceback" not in result.stderr
    assert "BrokenPipeError" not in result.stderr


# -- tidy ends ----------------------------------------------------------------------------------
def test_a_run_closes_the_loop_and_the_executor_it_opened(tmp_path: Path) -> None:
    app = project(tmp_path, "import pulumi_aws as aws\naws.sqs.Queue('q')\n")
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(f"""
            import asyncio, threading
            from infra_kit.core.engine import synthesize
            before = threading.active_count()
            synthesize({str(app)!r}, "dev")
            policy = asyncio.get_event_loop_policy()
            print(policy._local._loop is None, threading.active_count() - before)
        """)],
        capture_output=True, text=True, timeout=DEADLINE_SECONDS, check=True,
    )  # fmt: skip
    assert result.stdout.split() == ["True", "0"]


def test_version_prints_the_packages_version() -> None:
    from importlib import metadata

    result = cli("--version")
    assert (result.returncode, result.stdout.strip()) == (
        0,
        f"infra-kit {metadata.version('infra-kit')}",
    )


def test_progress_shows_only_on_a_terminal_and_never_when_quiet() -> None:
    from infra_kit.cli._common import Progress

    class Stream:
        def __init__(self, tty: bool) -> None:
            self.tty, self.text = tty, ""

        def isatty(self) -> bool:
            return self.tty

        def write(self, text: str) -> None:
            self.text += text

        def flush(self) -> None:
            pass

    shown = [Stream(tty) for tty in (True, False, True)]
    for stream, quiet in zip(shown, (False, False, True), strict=True):
        Progress(quiet=quiet, stream=stream)("resolving StackReference org/platform/dev")  # type: ignore[arg-type]
    assert "resolving StackReference org/platform/dev" in shown[0].text
    assert (shown[1].text, shown[2].text) == ("", "")


def test_the_engine_reports_each_stack_reference_it_resolves(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    make_project(
        tmp_path, "base", "import pulumi\npulumi.export('x', 1)\n", {"aws:region": "us-east-1"}
    )
    app = make_project(
        tmp_path, "app",
        "import pulumi\npulumi.export('x', pulumi.StackReference('org/base/dev').get_output('x'))\n",
        {"aws:region": "us-east-1"},
    )  # fmt: skip
    said: list[str] = []
    OfflineEngine.for_project(app, "dev", progress=said.append).run()
    assert "resolving StackReference org/base/dev (synthesizing base/dev)" in said
    assert "resolved StackReference org/base/dev" in said


def test_the_outputs_users_read_most_are_imitated_not_made_up(tmp_path: Path) -> None:
    program = """
    import pulumi
    import pulumi_aws as aws

    topic = aws.sns.Topic("alerts")
    repo = aws.ecr.Repository("api")
    cert = aws.acm.Certificate("web", domain_name="api.example.com", validation_method="DNS")
    zone = aws.route53.Zone("main", name="example.com")
    lb = aws.lb.LoadBalancer("edge", internal=False, subnets=["subnet-1", "subnet-2"])
    pulumi.export("out", {
        "topic": topic.arn, "repo": repo.repository_url, "cert": cert.arn,
        "record": cert.domain_validation_options[0].resource_record_name,
        "zone": zone.zone_id, "dns": lb.dns_name,
    })
    """
    graph = synthesize(project(tmp_path, program), "dev")
    out = graph.outputs["out"]
    assert out["topic"].startswith("arn:aws:sns:us-east-1:123456789012:alerts-")
    assert out["repo"].startswith("123456789012.dkr.ecr.us-east-1.amazonaws.com/api-")
    assert out["cert"].startswith("arn:aws:acm:us-east-1:123456789012:certificate/")
    assert out["record"].endswith(".api.example.com.")
    assert out["zone"].startswith("Z")
    assert out["dns"].endswith(".us-east-1.elb.amazonaws.com")
    assert graph.diagnostics == []


def test_ctrl_c_ends_the_run_as_interrupted_with_nothing_written(tmp_path: Path) -> None:
    import signal
    import time

    started = tmp_path / "started"
    program = f"""
    import pathlib, time
    import pulumi_aws as aws

    aws.sqs.Queue("jobs")
    pathlib.Path({str(started)!r}).write_text("running")
    while True:
        time.sleep(0.05)
    """
    app = project(tmp_path, program)
    out = tmp_path / "out"
    # Start it as from a terminal: a suite run in the background (`&`) ignores SIGINT, and the
    # child would inherit that and rightly keep ignoring it; a handled signal is not inherited.
    ignoring = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        run = subprocess.Popen(
            [sys.executable, "-m", "infra_kit.cli", "synth", "--stack", "dev", "--project-dir",
             str(app), "--out", str(out), "--timeout", "60"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
    finally:
        signal.signal(signal.SIGINT, ignoring)
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=DEADLINE_SECONDS)
    assert run.returncode == 130
    assert "infra-kit synth: interrupted; nothing was written" in err
    assert "Traceback" not in err
    assert not (out / "graph.json").exists()


def test_a_secret_under_a_dotted_key_is_redacted_in_the_graph(tmp_path: Path) -> None:
    program = """
    import pulumi
    import pulumi_aws as aws

    aws.sqs.Queue("q", tags={"app.kubernetes.io/name": pulumi.Output.secret("hunter22"),
                             "app": "plain"})
    """
    text = synthesize(project(tmp_path, program), "dev").to_json()
    assert "hunter22" not in text
    doc = json.loads(text)
    queue = next(r for r in doc["resources"] if r["name"] == "q")
    assert queue["inputs"]["tags"] == {"app.kubernetes.io/name": "[secret]", "app": "plain"}


def test_a_program_that_calls_sys_exit_fails_the_run_naming_the_line(tmp_path: Path) -> None:
    program = "import sys\nimport pulumi_aws as aws\n\naws.sqs.Queue('q')\nsys.exit(0)\n"
    app = project(tmp_path, program)
    for command in ("synth", "check"):
        result = cli(command, "--stack", "dev", "--project-dir", str(app))
        assert result.returncode == 1, command
        assert "called sys.exit(0) at" in result.stderr
        assert "__main__.py:5" in result.stderr


def test_what_the_program_prints_never_mixes_with_machine_output(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    make_project(
        tmp_path, "base", "import pulumi\nprint('hello from base')\npulumi.export('x', 1)\n",
        {"aws:region": "us-east-1"},
    )  # fmt: skip
    app = make_project(
        tmp_path, "app",
        "import pulumi\nprint('hello from app')\n"
        "pulumi.export('x', pulumi.StackReference('org/base/dev').get_output('x'))\n",
        {"aws:region": "us-east-1"},
    )  # fmt: skip
    result = cli("synth", "--stack", "dev", "--project-dir", str(app), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["outputs"] == {"x": 1}
    assert "hello from app" in result.stderr


def test_synth_never_replaces_a_directory_it_did_not_write(tmp_path: Path) -> None:
    app = project(tmp_path, "import pulumi_aws as aws\naws.sqs.Queue('q')\n")
    out = tmp_path / "mine"
    (out / "k8s").mkdir(parents=True)
    (out / "k8s" / "mine.yaml").write_text("kind: Mine\n")
    result = cli("synth", "--stack", "dev", "--project-dir", str(app), "--out", str(out))
    assert result.returncode == 2
    assert "that infra-kit synth did not write" in result.stderr
    assert (out / "k8s" / "mine.yaml").read_text() == "kind: Mine\n"


def test_a_write_interrupted_before_graph_json_takes_its_manifests_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from infra_kit.core.engine import _graph

    program = """
    import pulumi_kubernetes as k8s

    k8s.core.v1.ConfigMap("settings", metadata={"name": "settings"}, data={"a": "b"})
    """
    graph = synthesize(project(tmp_path, program), "dev")
    out = tmp_path / "out"

    def interrupted(path: Path, text: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(_graph, "write_atomically", interrupted)
    with pytest.raises(KeyboardInterrupt):
        graph.write(out)
    assert not (out / "graph.json").exists()
    assert not (out / "k8s").exists()
    assert [p.name for p in out.iterdir() if not p.name.startswith(".")] == []
