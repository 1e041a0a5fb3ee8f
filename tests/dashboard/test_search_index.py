"""The findings search and host filter on PostgreSQL read the trigram indexes of
migration 0006_dash_indexes, return the same rows as a scan, and still work (with a note)
where the pg_trgm extension cannot be created."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import inspect
from lab_store import build_lab_store
from replay_sessions import DEVICE

from analyzer.store import open_store
from analyzer.web import queries as Q

pytestmark = pytest.mark.postgres
ADMIN = os.environ.get("CONSENTRY_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test").replace(
    "postgresql+psycopg", "postgresql")


def current_findings(store) -> list[dict]:
    out, after = [], None
    while True:
        page = Q.findings_page(store, after=after, limit=500)
        out += page["findings"]
        after = page["next"]
        if after is None:
            return out


def plan_of(store, filters: dict[str, str]) -> str:
    """EXPLAIN of the findings page's query, the planner kept off sequential and plain index scans
    (the test store is tiny: on it a scan is cheapest, on a large store the planner picks the index)."""
    query = Q.findings_query(store, Q.clean_filters(filters)).limit(51)
    with store.engine.connect() as conn:
        compiled = query.compile(dialect=conn.dialect)
        conn.exec_driver_sql("SET enable_seqscan = off")
        conn.exec_driver_sql("SET enable_indexscan = off")
        rows = conn.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params).all()
    return "\n".join(r[0] for r in rows)


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_search_and_host_filter_use_the_trigram_indexes_and_find_the_right_rows(store):
    build_lab_store(store)
    everything = current_findings(store)
    for needle in (DEVICE["imei"][3:12], "/V3/IP", "Umeng.COM/u"):
        expected = sorted(
            f["id"] for f in everything
            if any(needle.lower() in (text or "").lower()
                   for text in ((f["flow"] or {}).get("url"), f["evidence"]["value"], f["evidence"]["matched"])))
        got = sorted(f["id"] for f in Q.findings_page(store, filters={"q": needle}, limit=500)["findings"])
        assert got and got == expected
        assert "ix_findings_search_trgm" in plan_of(store, {"q": needle})
    by_host = Q.findings_page(store, filters={"host": "umeng.com"}, limit=500)["findings"]
    assert by_host and sorted(f["id"] for f in by_host) == sorted(
        f["id"] for f in everything if f["destination"]["host"] == "api.umeng.com")
    assert Q.findings_page(store, filters={"host": "meng.com"})["findings"] == []  # subdomains, not suffixes
    assert "ix_findings_host_trgm" in plan_of(store, {"host": "umeng.com"})


def test_without_pg_trgm_the_upgrade_notes_it_and_search_still_works(capsys):
    import psycopg

    role, db = f"consentry_noext_{uuid.uuid4().hex[:8]}", f"consentry_noext_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE ROLE "{role}" LOGIN')
            admin.execute(f'CREATE DATABASE "{db}"')  # owned by the admin: the role may not create extensions in it
        with psycopg.connect(ADMIN.rsplit("/", 1)[0] + f"/{db}", autocommit=True) as conn:
            conn.execute(f'GRANT USAGE, CREATE ON SCHEMA public TO "{role}"')
        url = f"postgresql+psycopg://{role}@127.0.0.1:5432/{db}"
        store = open_store(url)
        note = capsys.readouterr().err
        assert "pg_trgm could not be created" in note and "without an index" in note
        indexes = {ix["name"] for ix in inspect(store.engine).get_indexes("findings")}
        assert "ix_findings_session_ts_pk" in indexes and "ix_findings_search_trgm" not in indexes
        build_lab_store(store)
        found = Q.findings_page(store, filters={"q": "/v3/ip"})["findings"]
        assert found and {f["destination"]["host"] for f in found} == {"restapi.amap.com"}
        store.dispose()
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            admin.execute(f'DROP ROLE IF EXISTS "{role}"')
