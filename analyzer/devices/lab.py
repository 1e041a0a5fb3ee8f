"""The lab device: a JVM running a scenario app, Frida attached locally.

The app prints ``LAB:WAITING`` and blocks on stdin (its start gate) until we write a
line, the analog of spawn gating on Android. Its traffic goes to the proxy given on the
command line; the lab network addon sends every upstream connection to the local lab
backend, so nothing leaves loopback and URLs keep their real host names.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from analyzer.devices.base import AppTarget, DeviceBackend, DeviceError, LaunchOptions, ProxyPlan, RunningApp

WAITING_TIMEOUT_S = 60.0
STOP_GRACE_S = 3.0


def scenario_expectations() -> dict[str, dict[str, Any]]:
    """Scenario name -> its expectation JSON (as a plain dict)."""
    from analyzer.lab.scenarios import load_scenarios

    loaded = load_scenarios()
    items = loaded.values() if isinstance(loaded, dict) else loaded
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        spec = item if isinstance(item, dict) else _as_dict(item)
        out[spec["name"]] = spec
    return out


def _as_dict(obj: Any) -> dict[str, Any]:
    for attr in ("model_dump", "to_dict", "as_dict"):
        fn = getattr(obj, attr, None)
        if callable(fn):
            return fn()
    raw = getattr(obj, "raw", None) or getattr(obj, "spec", None)
    if isinstance(raw, dict):
        return raw
    return dict(vars(obj))


class LabApp(RunningApp):
    """The scenario JVM (a LabProcess): stdout lines parsed, stdin is the start gate."""

    def __init__(self, process, frida_device: Any) -> None:
        self.process = process
        self.pid = process.pid
        self.frida_device = frida_device
        self.frida_session = None

    def release(self) -> None:
        from analyzer.lab.launch import LabProcessError

        try:
            self.process.release_gate()
        except LabProcessError as exc:
            raise DeviceError(str(exc)) from None

    def exit_code(self) -> int | None:
        return self.process.returncode

    def finished_normally(self) -> bool:
        return any(line.startswith("LAB:DONE") for line in self.process.lines()[-5:])

    def counts(self) -> dict[str, int]:
        return self.process.counts()

    def stop(self, timeout: float = STOP_GRACE_S) -> int | None:
        return self.process.terminate(timeout)


class LabBackend(DeviceBackend):
    kind = "lab"

    def __init__(self, *, replay: bool = False) -> None:
        self.replay = replay
        self._server: Any = None
        self._proxy: tuple[str, int] | None = None
        self._truststore: Path | None = None
        self._workdir = Path(tempfile.mkdtemp(prefix="consentry-lab-"))
        self._apps: list[LabApp] = []
        self._closed = False

    def describe(self) -> dict[str, Any]:
        import platform

        import frida

        info: dict[str, Any] = {
            "kind": "lab", "serial": "lab-jvm", "name": "consentry lab device",
            "frida_version": frida.__version__, "host": platform.platform(),
        }
        try:
            from analyzer.lab.scenarios import device_profile

            profile = device_profile()
            info["profile"] = {k: profile[k] for k in ("model", "manufacturer", "android_release", "sdk") if k in profile}
        except Exception:  # noqa: BLE001 - optional detail
            pass
        return info

    def resolve_app(self, app: str) -> AppTarget:
        try:
            known = scenario_expectations()
        except ImportError as exc:
            raise DeviceError(f"the lab device is not available in this installation: {exc}") from None
        spec = known.get(app) or next((s for s in known.values() if (s.get("app") or {}).get("package") == app), None)
        if spec is None:
            raise DeviceError(f"no lab scenario or package {app!r}; scenarios: {', '.join(sorted(known))}")
        info = spec.get("app") or {}
        return AppTarget(
            requested=app, package=info.get("package", spec["name"]), version=str(info.get("version", "")),
            first_party_domains=list(info.get("first_party_domains") or []), scenario=spec["name"], expectation=spec,
        )

    def proxy_plan(self) -> ProxyPlan:
        """The lab network addon; the lab backend server too, unless responses are replayed."""
        from analyzer.devices import lab_net as network

        if not self.replay:
            self._server = network.start_backend()
        return network.proxy_plan(self._server)

    def route_traffic(self, host: str, port: int, ca_cert_path: Path | None) -> None:
        from analyzer.devices import lab_net as network

        self._proxy = (host, port)
        if ca_cert_path is not None:
            self._truststore = network.truststore_for(ca_cert_path, self._workdir)

    def spawn(self, target: AppTarget, options: LaunchOptions) -> RunningApp:
        import frida

        from analyzer.devices import lab_net as network

        from analyzer.lab.launch import LabProcess, LabProcessError

        cmd = network.command(target.scenario or target.package, proxy=self._proxy, truststore=self._truststore,
                              server=self._server, dialog_timeout_ms=options.dialog_timeout_ms,
                              withdraw_timeout_ms=options.withdraw_timeout_ms or options.dialog_timeout_ms)
        try:
            app = LabApp(LabProcess(cmd).start(), frida.get_local_device())
            self._apps.append(app)
            app.process.wait_for_line("LAB:WAITING", timeout=WAITING_TIMEOUT_S)
        except LabProcessError as exc:
            raise DeviceError(str(exc)) from None
        return app

    def network_stats(self) -> dict[str, Any]:
        """Requests the lab backend answered (replay runs have no backend)."""
        if self._server is None:
            return {"backend": None}
        requests = self._server.requests
        return {"backend": self._server.spec, "backend_requests": len(requests),
                "backend_hosts": sorted({r.host for r in requests})}

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for app in self._apps:
            try:
                app.stop(1)
            except Exception:  # noqa: BLE001
                pass
        if self._server is not None:
            try:
                self._server.stop()
            except Exception:  # noqa: BLE001
                pass
        shutil.rmtree(self._workdir, ignore_errors=True)
