"""dashboard at a million findings: trigram search, host filter, findings by session in time order

Revision ID: 0006_dash_indexes
Revises: 0005_ui_evidence

PostgreSQL: pg_trgm GIN indexes on the expressions analyzer/web/search.py filters on (the
URL and values searched by ``q``; the destination host). Creating the extension needs a
privileged role on some servers: without it the upgrade goes on with a note and the search
reads the findings table (correct, slower). SQLite has no trigram index; its search is a
LIKE over the report JSON.
"""
import sys

from alembic import op
import sqlalchemy as sa

revision = '0006_dash_indexes'
down_revision = '0005_ui_evidence'
branch_labels = None
depends_on = None

# Verbatim the expressions of analyzer/web/search.py (PG_SEARCH_TEXT, PG_HOST).
SEARCH_TEXT = ("(coalesce(data -> 'flow' ->> 'url', '') || chr(10) || "
               "coalesce(data -> 'evidence' ->> 'value', '') || chr(10) || "
               "coalesce(data -> 'evidence' ->> 'matched', ''))")
HOST = "lower(coalesce(data -> 'destination' ->> 'host', data -> 'flow' ->> 'host', ''))"


def upgrade() -> None:
    # A session's findings (and an app's, through its sessions) newest first without a sort.
    op.create_index('ix_findings_session_ts_pk', 'findings', ['session_id', 'ts', 'pk'])
    if op.get_bind().dialect.name != 'postgresql':
        return
    if not _trigram_available():
        sys.stderr.write("note: the PostgreSQL extension pg_trgm could not be created (it needs a privileged role: "
                         "CREATE EXTENSION pg_trgm); the dashboard's search and host filter work without an index, "
                         "slower on large stores\n")
        return
    op.execute(f"CREATE INDEX ix_findings_search_trgm ON findings USING gin ({SEARCH_TEXT} gin_trgm_ops)")
    op.execute(f"CREATE INDEX ix_findings_host_trgm ON findings USING gin ({HOST} gin_trgm_ops)")


def _trigram_available() -> bool:
    bind = op.get_bind()
    savepoint = bind.begin_nested()
    try:
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_findings_host_trgm")
        op.execute("DROP INDEX IF EXISTS ix_findings_search_trgm")
    op.drop_index('ix_findings_session_ts_pk', table_name='findings')
