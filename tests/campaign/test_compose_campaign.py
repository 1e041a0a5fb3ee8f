"""The campaign services of docker-compose.yml say what docs/campaigns.md says (checked structurally: no Docker engine here)."""

from __future__ import annotations

import re
from pathlib import Path

from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[2]
CAMPAIGN_SERVICES = {"rabbitmq", "analysis", "station"}


def compose() -> dict:
    return YAML(typ="safe").load((REPO / "docker-compose.yml").read_text())


def documented() -> dict[str, dict[str, str]]:
    rows = {}
    for line in (REPO / "docs" / "campaigns.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0] in CAMPAIGN_SERVICES:
            rows[cells[0]] = dict(zip(("service", "image", "host", "container", "command"), cells))
    return rows


def test_every_published_port_is_loopback():
    for name, service in compose()["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond this host"


def test_campaign_services_match_the_docs():
    services, docs = compose()["services"], documented()
    assert set(docs) == CAMPAIGN_SERVICES and CAMPAIGN_SERVICES <= set(services)
    for name, doc in docs.items():
        service = services[name]
        assert service["image"] == doc["image"]
        if doc["host"] == "-":
            assert "ports" not in service
        else:
            assert service["ports"] == [f"{doc['host']}:{doc['container']}"]
        if doc["command"] != "(image default)":
            assert " ".join(service["command"]) == doc["command"]


def test_workers_reach_the_compose_broker_and_database():
    services = compose()["services"]
    pg, rabbit = services["postgres"]["environment"], services["rabbitmq"]["environment"]
    db = f"postgresql+psycopg://{pg['POSTGRES_USER']}:{pg['POSTGRES_PASSWORD']}@postgres:5432/{pg['POSTGRES_DB']}"
    broker = f"amqp://{rabbit['RABBITMQ_DEFAULT_USER']}:{rabbit['RABBITMQ_DEFAULT_PASS']}@rabbitmq:5672//"
    for name in ("analysis", "station"):
        service = services[name]
        assert service["environment"] == {"CONSENTRY_DB": db, "CONSENTRY_BROKER": broker}
        assert {dep: cond["condition"] for dep, cond in service["depends_on"].items()} == {
            "postgres": "service_healthy", "rabbitmq": "service_healthy"}
        assert service["command"][:2] == ["consentry", "worker"]
    # guest may only log in from loopback: workers in other containers need their own user
    assert rabbit["RABBITMQ_DEFAULT_USER"] != "guest"
    # the broker's data dir is named after its host name: fixed, so restarts keep the queued jobs
    assert services["rabbitmq"]["hostname"] and "rabbitmq-data:/var/lib/rabbitmq" in services["rabbitmq"]["volumes"]
    assert "SYS_PTRACE" in services["station"]["cap_add"]  # Frida attaches to the lab JVM


def test_the_worker_image_has_what_a_lab_station_needs():
    services = compose()["services"]
    dockerfile = REPO / services["analysis"]["build"]["dockerfile"]
    text = dockerfile.read_text()
    assert re.search(r"apt-get install .*jdk", text), "the lab device needs a JDK"
    assert "pip install" in text and "COPY labdevice" in text and "COPY hooks" in text
    assert services["station"]["image"] == services["analysis"]["image"]


def test_the_documented_commands_are_real(tmp_path):
    """Every worker command the docs and compose file give parses with the real CLI."""
    from typer.testing import CliRunner

    from analyzer.cli import app

    runner = CliRunner()
    for doc in documented().values():
        if doc["command"].startswith("consentry "):
            args = doc["command"].split()[1:] + ["--help"]
            result = runner.invoke(app, args)
            assert result.exit_code == 0, (doc["command"], result.output)
