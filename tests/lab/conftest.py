"""Fixtures for the lab device tests: the compiled classes, a lab backend, a real mitmdump
running addons/labnet.py in front of it, and a Java trust store with mitmproxy's CA."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from analyzer.lab.backend import LabBackend
from analyzer.lab.build import ensure_built
from analyzer.lab.ca import make_truststore, mitmproxy_ca

REPO = Path(__file__).resolve().parents[2]
MITMDUMP = Path(sys.executable).with_name("mitmdump")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"mitmdump exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("mitmdump did not start listening")


@dataclass
class LabNetwork:
    backend: LabBackend
    proxy: tuple[str, int]
    truststore: Path
    mitm_ca: Path
    log: Path


@pytest.fixture(scope="session")
def lab_classes() -> Path:
    return ensure_built()


@pytest.fixture(scope="module")
def lab_network(tmp_path_factory, lab_classes) -> LabNetwork:
    confdir = tmp_path_factory.mktemp("mitmconf")
    mitm_ca = mitmproxy_ca(confdir)
    truststore = make_truststore([mitm_ca], confdir / "truststore.p12")
    port = free_port()
    log = confdir / "mitmdump.log"
    with LabBackend() as backend, open(log, "wb") as log_fh:
        proc = subprocess.Popen(
            [str(MITMDUMP), "-q", "--listen-host", "127.0.0.1", "-p", str(port), "--set", f"confdir={confdir}",
             "-s", str(REPO / "addons" / "labnet.py"), "--set", f"labnet_backend={backend.spec}",
             "--set", f"ssl_verify_upstream_trusted_ca={backend.ca_cert}"],
            stdout=log_fh, stderr=subprocess.STDOUT,
        )
        try:
            wait_listening(port, proc)
            yield LabNetwork(backend, ("127.0.0.1", port), truststore, mitm_ca, log)
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
