"""triage marks, suppression rules, audit log; indexes for the dashboard's queries

Revision ID: 0003_triage
Revises: 0002_campaigns
"""
from alembic import op
import sqlalchemy as sa
import analyzer.store.types
from sqlalchemy.dialects import postgresql

revision = '0003_triage'
down_revision = '0002_campaigns'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
STAMP = analyzer.store.types.UTCDateTime()


def upgrade() -> None:
    op.create_table('triage_marks',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('finding_key', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('author', sa.String(length=255), nullable=False),
    sa.Column('created_at', STAMP, nullable=False),
    sa.Column('updated_at', STAMP, nullable=False),
    sa.Column('summary', JSON, nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('session_id', 'finding_key', name='uq_triage_marks_session_key')
    )
    op.create_table('triage_suppressions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('app_package', sa.String(length=255), nullable=True),
    sa.Column('host', sa.String(length=255), nullable=True),
    sa.Column('rule', sa.String(length=64), nullable=True),
    sa.Column('pii_type', sa.String(length=32), nullable=True),
    sa.Column('sdk', sa.String(length=64), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('author', sa.String(length=255), nullable=False),
    sa.Column('created_at', STAMP, nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('triage_audit',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', STAMP, nullable=False),
    sa.Column('actor', sa.String(length=255), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=True),
    sa.Column('session_name', sa.String(length=255), nullable=True),
    sa.Column('finding_key', sa.String(length=64), nullable=True),
    sa.Column('suppression_id', sa.Integer(), nullable=True),
    sa.Column('before', JSON, nullable=True),
    sa.Column('after', JSON, nullable=True),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_triage_audit_session', 'triage_audit', ['session_id', 'id'])
    # The dashboard pages: newest-first keyset pagination over current findings with
    # filters, sessions per app, current run per session, a session's findings by flow.
    op.create_index('ix_findings_ts_pk', 'findings', ['ts', 'pk'])
    op.create_index('ix_findings_rule_ts_pk', 'findings', ['rule', 'ts', 'pk'])
    op.create_index('ix_findings_pii_ts_pk', 'findings', ['pii_type', 'ts', 'pk'])
    op.create_index('ix_findings_session_key', 'findings', ['session_id', 'id'])
    op.create_index('ix_findings_flow', 'findings', ['flow_id'])
    op.create_index('ix_findings_run_sdk', 'findings', ['run_id', 'sdk'])
    op.create_index('ix_analysis_runs_session_current', 'analysis_runs', ['session_id', 'is_current'])
    op.create_index('ix_sessions_app_started', 'sessions', ['app_id', 'started_at'])
    op.create_index('ix_apps_package', 'apps', ['package'])


def downgrade() -> None:
    for name, table in (('ix_apps_package', 'apps'), ('ix_sessions_app_started', 'sessions'),
                        ('ix_analysis_runs_session_current', 'analysis_runs'), ('ix_findings_flow', 'findings'), ('ix_findings_run_sdk', 'findings'),
                        ('ix_findings_session_key', 'findings'), ('ix_findings_pii_ts_pk', 'findings'),
                        ('ix_findings_rule_ts_pk', 'findings'), ('ix_findings_ts_pk', 'findings'),
                        ('ix_triage_audit_session', 'triage_audit')):
        op.drop_index(name, table_name=table)
    op.drop_table('triage_audit')
    op.drop_table('triage_suppressions')
    op.drop_table('triage_marks')
