"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-29 11:33:43.816904
"""
from alembic import op
import sqlalchemy as sa
import analyzer.store.types  # noqa: F401 - UTCDateTime columns
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('apps',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('package', sa.String(length=255), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('first_party_domains', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('package', 'version', name='uq_apps_package_version')
    )
    op.create_table('bodies',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('sha256')
    )
    op.create_table('devices',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('serial', sa.String(length=128), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('info', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', analyzer.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('sessions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('app_id', sa.Uuid(), nullable=True),
    sa.Column('device_id', sa.Uuid(), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('status_detail', sa.Text(), nullable=True),
    sa.Column('consent_choice', sa.String(length=64), nullable=True),
    sa.Column('created_at', analyzer.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', analyzer.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', analyzer.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('clock_offset_ms', sa.Float(), nullable=False),
    sa.Column('clock_uncertainty_ms', sa.Float(), nullable=False),
    sa.Column('meta', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['app_id'], ['apps.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('analysis_runs',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('ruleset_version', sa.String(length=64), nullable=False),
    sa.Column('tool_version', sa.String(length=64), nullable=False),
    sa.Column('started_at', analyzer.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', analyzer.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.Column('stats', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('verdicts', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('events',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=64), nullable=False),
    sa.Column('ts_source_ms', sa.Float(), nullable=False),
    sa.Column('ts', analyzer.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('received_at', analyzer.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('warning', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('session_id', 'seq', name='uq_events_session_seq')
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_session_ts', ['session_id', 'ts'], unique=False)

    op.create_table('flows',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('method', sa.String(length=32), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('scheme', sa.String(length=16), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('port', sa.Integer(), nullable=True),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('http_version', sa.String(length=16), nullable=False),
    sa.Column('request_headers', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('request_body_sha', sa.String(length=64), nullable=True),
    sa.Column('request_body_size', sa.BigInteger(), nullable=False),
    sa.Column('request_truncated', sa.Boolean(), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=255), nullable=True),
    sa.Column('response_headers', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('response_body_sha', sa.String(length=64), nullable=True),
    sa.Column('response_body_size', sa.BigInteger(), nullable=False),
    sa.Column('response_truncated', sa.Boolean(), nullable=False),
    sa.Column('ts_start', analyzer.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ts_request_end', analyzer.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ts_response_start', analyzer.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ts_end', analyzer.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('tls', sa.Boolean(), nullable=False),
    sa.Column('tls_version', sa.String(length=32), nullable=True),
    sa.Column('sni', sa.String(length=255), nullable=True),
    sa.Column('client_addr', sa.String(length=64), nullable=True),
    sa.Column('server_addr', sa.String(length=300), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('is_websocket', sa.Boolean(), nullable=False),
    sa.Column('meta', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['request_body_sha'], ['bodies.sha256'], ),
    sa.ForeignKeyConstraint(['response_body_sha'], ['bodies.sha256'], ),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('session_id', 'seq', name='uq_flows_session_seq')
    )
    with op.batch_alter_table('flows', schema=None) as batch_op:
        batch_op.create_index('ix_flows_session_ts', ['session_id', 'ts_start'], unique=False)

    op.create_table('identifiers',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('first_seen', analyzer.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('session_id', 'kind', 'value', name='uq_identifiers_session_kind_value')
    )
    op.create_table('findings',
    sa.Column('pk', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('run_id', sa.Uuid(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('ordinal', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=64), nullable=False),
    sa.Column('phase', sa.String(length=32), nullable=False),
    sa.Column('pii_type', sa.String(length=32), nullable=True),
    sa.Column('flow_id', sa.Uuid(), nullable=True),
    sa.Column('ts', analyzer.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sdk', sa.String(length=64), nullable=True),
    sa.Column('confidence', sa.String(length=8), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['flow_id'], ['flows.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['run_id'], ['analysis_runs.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pk')
    )
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.create_index('ix_findings_run', ['run_id'], unique=False)

    op.create_table('websocket_messages',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('flow_id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('from_client', sa.Boolean(), nullable=False),
    sa.Column('is_text', sa.Boolean(), nullable=False),
    sa.Column('body_sha', sa.String(length=64), nullable=True),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('truncated', sa.Boolean(), nullable=False),
    sa.Column('ts', analyzer.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['body_sha'], ['bodies.sha256'], ),
    sa.ForeignKeyConstraint(['flow_id'], ['flows.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('flow_id', 'seq', name='uq_ws_flow_seq')
    )



def downgrade() -> None:

    op.drop_table('websocket_messages')
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.drop_index('ix_findings_run')

    op.drop_table('findings')
    op.drop_table('identifiers')
    with op.batch_alter_table('flows', schema=None) as batch_op:
        batch_op.drop_index('ix_flows_session_ts')

    op.drop_table('flows')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_session_ts')

    op.drop_table('events')
    op.drop_table('analysis_runs')
    op.drop_table('sessions')
    op.drop_table('devices')
    op.drop_table('bodies')
    op.drop_table('apps')

