"""docker-compose.yml parses and says what docs/capture.md says (no Docker engine here)."""

from __future__ import annotations

import re
from pathlib import Path

from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return YAML(typ="safe").load((REPO / "docker-compose.yml").read_text())


def _documented_services() -> dict[str, dict[str, str]]:
    rows = {}
    for line in (REPO / "docs" / "capture.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0] in ("postgres", "proxy"):
            rows[cells[0]] = dict(zip(("service", "image", "host", "container", "command"), cells))
    return rows


def test_services_images_and_ports_match_the_docs():
    compose, documented = _compose(), _documented_services()
    assert set(documented) == {"postgres", "proxy"} and set(documented) <= set(compose["services"])  # campaign services: docs/campaigns.md
    for name, doc in documented.items():
        service = compose["services"][name]
        assert service["image"] == doc["image"]
        (port,) = service["ports"]
        assert port == f"{doc['host']}:{doc['container']}"
        assert port.startswith("127.0.0.1:"), "published ports must stay on loopback by default"


def test_proxy_runs_our_addon_against_the_compose_database():
    compose = _compose()
    proxy, postgres = compose["services"]["proxy"], compose["services"]["postgres"]
    command = " ".join(proxy["command"])
    documented = _documented_services()["proxy"]["command"]
    assert command.startswith(documented.split(" -s ")[0]) and documented.split(" -s ")[1] in command
    assert (REPO / "addons" / "capture.py").is_file()
    env = postgres["environment"]
    db = re.search(r"consentry_db=(\S+)", command).group(1)
    assert db == f"postgresql+psycopg://{env['POSTGRES_USER']}:{env['POSTGRES_PASSWORD']}@postgres:5432/{env['POSTGRES_DB']}"
    assert "consentry_session=" in command
    confdir = re.search(r"confdir=(\S+)", command).group(1)
    assert f"mitmproxy-ca:{confdir}" in proxy["volumes"]
    assert set(compose["volumes"]) >= {"mitmproxy-ca", "consentry-db"}
    dockerfile = REPO / proxy["build"]["dockerfile"]
    assert dockerfile.is_file() and "EXPOSE 8080" in dockerfile.read_text()
