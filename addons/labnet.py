"""Lab network: send every upstream connection to the lab backend on loopback.

The lab apps talk to real SDK host names (ulogs.umeng.com, restapi.amap.com, ...). This
addon rewrites the address of every server connection to the lab backend while keeping the
TLS SNI and the Host header, so recorded flows keep the original host names and nothing
ever leaves the machine. Without a backend, or with one that is not on loopback, it
refuses every upstream connection.

    mitmdump -s addons/labnet.py --set labnet_backend=127.0.0.1:PORT \
        --set ssl_verify_upstream_trusted_ca=LAB_CA.pem
"""

from __future__ import annotations

import ipaddress
import logging

from mitmproxy import ctx, exceptions
from mitmproxy.proxy import server_hooks

logger = logging.getLogger(__name__)


def parse_backend(spec: str) -> tuple[str, int]:
    """ "127.0.0.1:8443" -> ("127.0.0.1", 8443); only loopback addresses are accepted."""
    host, sep, port_text = spec.strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host:
        raise ValueError(f"labnet_backend must be HOST:PORT, got {spec!r}")
    try:
        port = int(port_text)
    except ValueError:
        raise ValueError(f"labnet_backend port is not a number: {port_text!r}") from None
    if not 0 < port < 65536:
        raise ValueError(f"labnet_backend port out of range: {port}")
    if host != "localhost":
        try:
            if not ipaddress.ip_address(host).is_loopback:
                raise ValueError(f"labnet_backend must be a loopback address, got {host}")
        except ValueError as exc:
            if "loopback" in str(exc):
                raise
            raise ValueError(f"labnet_backend host must be an IP address or localhost, got {host!r}") from None
    return host, port


class LabNet:
    def __init__(self) -> None:
        self.backend: tuple[str, int] | None = None

    def load(self, loader) -> None:
        loader.add_option(
            "labnet_backend", str, "",
            "HOST:PORT of the lab backend (loopback only) that every upstream connection goes to.",
        )

    def configure(self, updated) -> None:
        if "labnet_backend" not in updated:
            return
        spec = ctx.options.labnet_backend
        if not spec:
            self.backend = None
            return
        try:
            self.backend = parse_backend(spec)
        except ValueError as exc:
            raise exceptions.OptionsError(str(exc)) from None

    def server_connect(self, data: server_hooks.ServerConnectionHookData) -> None:
        server = data.server
        if server.address is None:
            return
        original_host = str(server.address[0])
        if self.backend is None:
            server.error = f"labnet: no lab backend configured, refusing to connect to {original_host}"
            return
        if server.sni is None and not _is_ip(original_host):
            server.sni = original_host  # or the TLS layer would fall back to the backend's IP
        server.address = self.backend
        logger.debug("labnet: %s -> %s:%d", original_host, *self.backend)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


addons = [LabNet()]
