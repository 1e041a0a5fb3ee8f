"""Real Celery workers (`consentry worker`) as subprocesses, and a private RabbitMQ node for restarts."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

CONSENTRY = Path(sys.executable).parent / "consentry"
SHARED_BROKER = os.environ.get("CONSENTRY_TEST_BROKER", "amqp://guest:guest@127.0.0.1:5672//")
# --dialog-timeout of the campaign tests' sessions: the app gives up on its consent screen
# after this long, well past the consent driver's fallback click (3 s after a hint the UI
# tree does not show), so a loaded machine cannot make a plan miss its tap.
DIALOG_TIMEOUT_S = "6"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker_env(db_url: str, tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(CONSENTRY_DB=db_url, XDG_DATA_HOME=str(tmp_path / "xdg-data"), PYTHONUNBUFFERED="1")
    env.pop("CONSENTRY_BROKER", None)
    return env


class Worker:
    """One `consentry worker` process in its own process group (its JVMs and proxies die with it at the end)."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args = args
        self.log = log
        self._fh = open(log, "wb")
        self.proc = subprocess.Popen([str(CONSENTRY), *args], env=env, stdout=self._fh, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited with {self.proc.returncode}: {self.tail()}")
            if b" ready." in self.log.read_bytes():
                return
            time.sleep(0.3)
        raise RuntimeError(f"worker not ready after {timeout}s: {self.tail()}")

    def sigkill(self) -> None:
        """Only the worker process: what the OOM killer or a pulled plug does to a station."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)

    def terminate(self) -> None:
        """Ask for a warm shutdown without waiting for it (stop() waits): workers stop together."""
        if self.proc.poll() is None:
            self.proc.terminate()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # orphaned JVMs / mitmdump of a killed session
        except ProcessLookupError:
            pass
        if self.proc.poll() is None:
            self.proc.wait(10)
        self._fh.close()

    def tail(self, n: int = 3000) -> str:
        return self.log.read_bytes()[-n:].decode("utf-8", "replace")


def station(name: str, *, broker: str, prefix: str, env, tmp_path: Path, lease_ttl: float = 15) -> Worker:
    return Worker(["worker", "--device", "lab", "--broker", broker, "--queue-prefix", prefix, "--name", name,
                   "--lease-ttl", str(lease_ttl), "--loglevel", "INFO"], env, tmp_path / f"{name}.log")


def analysis_worker(*, broker: str, prefix: str, env, tmp_path: Path) -> Worker:
    return Worker(["worker", "--analysis", "--broker", broker, "--queue-prefix", prefix, "--loglevel", "INFO"],
                  env, tmp_path / "analysis.log")


def unique_prefix() -> str:
    """Queues of this test run only: parallel runs on the same broker never take each other's jobs."""
    return f"consentry-t{uuid.uuid4().hex[:10]}"


def delete_queues(broker: str, prefix: str, names: list[str]) -> None:
    from kombu import Connection

    from analyzer.campaign.broker import queue_names

    queues = set(queue_names(prefix).values()) | {f"{prefix}.station.{n}" for n in names}
    with Connection(broker, connect_timeout=5) as conn:
        channel = conn.channel()
        for q in queues:
            try:
                channel.queue_delete(q)
                channel.exchange_delete(q)
            except Exception:  # noqa: BLE001 - best effort cleanup
                channel = conn.channel()


class PrivateRabbit:
    """A RabbitMQ node of our own (its own data dir and ports), so a test may restart its broker."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.port = free_port()
        self.node = f"consentry{uuid.uuid4().hex[:8]}@localhost"
        self.proc: subprocess.Popen | None = None
        for sub in ("mnesia", "log"):
            (base / sub).mkdir(parents=True, exist_ok=True)
        (base / "enabled_plugins").write_text("[].\n")
        if os.geteuid() == 0 and shutil.which("chown"):
            subprocess.run(["chown", "-R", "rabbitmq", str(base)], check=False)  # the server drops to its user

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def _env(self) -> dict[str, str]:
        b = self.base
        env = dict(os.environ)
        env.update(
            RABBITMQ_NODENAME=self.node, RABBITMQ_NODE_IP_ADDRESS="127.0.0.1", RABBITMQ_NODE_PORT=str(self.port),
            RABBITMQ_DIST_PORT=str(free_port()), RABBITMQ_MNESIA_BASE=str(b / "mnesia"),
            RABBITMQ_MNESIA_DIR=str(b / "mnesia" / "node"), RABBITMQ_FEATURE_FLAGS_FILE=str(b / "feature_flags"),
            RABBITMQ_PLUGINS_EXPAND_DIR=str(b / "plugins-expand"), RABBITMQ_QUORUM_DIR=str(b / "quorum"),
            RABBITMQ_STREAM_DIR=str(b / "stream"), RABBITMQ_LOG_BASE=str(b / "log"),
            RABBITMQ_ENABLED_PLUGINS_FILE=str(b / "enabled_plugins"), RABBITMQ_CONFIG_FILE=str(b / "rabbitmq"),
            RABBITMQ_ADVANCED_CONFIG_FILE=str(b / "advanced.config"), RABBITMQ_PID_FILE=str(b / "pid"),
        )
        return env

    def start(self, timeout: float = 120.0) -> None:
        server = shutil.which("rabbitmq-server") or "/usr/sbin/rabbitmq-server"
        self.proc = subprocess.Popen([server], env=self._env(), stdout=open(self.base / "server.log", "ab"),
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"rabbitmq-server exited: {(self.base / 'server.log').read_text()[-1500:]}")
            if self._accepts_amqp():
                return
            time.sleep(0.5)
        raise RuntimeError("rabbitmq-server did not start")

    def _accepts_amqp(self) -> bool:
        from kombu import Connection

        try:
            with Connection(self.url, connect_timeout=2) as conn:
                conn.ensure_connection(max_retries=0)
            return True
        except Exception:  # noqa: BLE001
            return False

    def _node_pids(self) -> list[int]:
        """The Erlang VM of our node: `su` starts it in a session of its own, out of our process group."""
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                environ = (entry / "environ").read_bytes().split(b"\0")
            except OSError:
                continue
            if f"RABBITMQ_NODENAME={self.node}".encode() in environ:
                pids.append(int(entry.name))
        return pids

    def stop(self) -> None:
        """A clean broker stop (SIGTERM to the node), as `systemctl restart rabbitmq-server` does."""
        for pid in self._node_pids():
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 60
        while self._node_pids() and time.monotonic() < deadline:
            time.sleep(0.2)
        for pid in self._node_pids():
            os.kill(pid, signal.SIGKILL)
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(10)
            self.proc = None
        if self._accepts_amqp():
            raise RuntimeError("the private broker still accepts connections after its stop")
