"""The lab device's network pieces, put together for one run.

The lab backend (HTTPS on loopback, its own CA) answers every SDK host; mitmproxy gets
the labnet addon pointing at it and trusts the lab CA upstream; the JVM trusts the
proxy's CA through a PKCS12 trust store, cached per CA so keytool runs once.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from analyzer.devices.base import DeviceError, ProxyPlan


def labnet_addon() -> Path:
    from analyzer.resources import addon_script

    return addon_script("labnet.py")


def start_backend():
    from analyzer.lab.backend import LabBackend

    try:
        return LabBackend().start()
    except Exception as exc:  # noqa: BLE001 - certificate or socket problems, reported in one line
        raise DeviceError(f"the lab backend did not start: {exc}") from None


def proxy_plan(server: Any) -> ProxyPlan:
    """Without a server (replay) labnet refuses every upstream connection: nothing leaves."""
    options: dict[str, Any] = {}
    if server is not None:
        options = {"labnet_backend": server.spec, "ssl_verify_upstream_trusted_ca": str(server.ca_cert)}
    return ProxyPlan(extra_scripts=[str(labnet_addon())], extra_options=options)


def truststore_for(ca_cert_path: Path, workdir: Path) -> Path:
    from platformdirs import user_cache_dir

    from analyzer.lab.ca import LabCertError, make_truststore

    pem = Path(ca_cert_path).read_bytes()
    cache = Path(user_cache_dir("consentry")) / "truststores"
    path = cache / f"{hashlib.sha256(pem).hexdigest()[:24]}.p12"
    if path.is_file():
        return path
    tmp = workdir / "truststore.p12"
    try:
        make_truststore([Path(ca_cert_path)], tmp)
    except LabCertError as exc:
        raise DeviceError(f"cannot build the lab trust store: {exc}") from None
    cache.mkdir(parents=True, exist_ok=True)
    staged = cache / f".{os.getpid()}-{path.name}"
    staged.write_bytes(tmp.read_bytes())
    os.replace(staged, path)  # atomic: parallel runs never see half a trust store
    return path


def command(app: Any, *, proxy: tuple[str, int] | None, truststore: Path | None, server: Any,
            dialog_timeout_ms: int, data_dir: Path | None = None, granted: tuple[str, ...] = (),
            child_gating: bool = False, withdraw_timeout_ms: int = 0) -> list[str]:
    from analyzer.lab.build import LabBuildError
    from analyzer.lab.launch import lab_command

    try:
        return lab_command(
            app, proxy=proxy, truststore=truststore, dialog_timeout_ms=dialog_timeout_ms,
            lab_ca=server.ca_cert if server is not None else None, data_dir=data_dir, granted=granted,
            child_gating=child_gating,
        )
    except LabBuildError as exc:
        raise DeviceError(f"the lab device did not build: {exc}") from None
