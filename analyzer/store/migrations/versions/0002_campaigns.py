"""campaigns: apps × consent plans as jobs, the sessions each job ran, app leases

Revision ID: 0002_campaigns
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import analyzer.store.types  # noqa: F401 - UTCDateTime columns
from sqlalchemy.dialects import postgresql

revision = '0002_campaigns'
down_revision = '0001'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
UTC = analyzer.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table('campaigns',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('plans', JSON, nullable=False),
    sa.Column('duration_s', sa.Float(), nullable=True),
    sa.Column('device_model', sa.String(length=128), nullable=True),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('same_app_parallel', sa.Boolean(), nullable=False),
    sa.Column('options', JSON, nullable=False),
    sa.Column('created_at', UTC, nullable=False),
    sa.Column('cancelled_at', UTC, nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('campaign_jobs',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('campaign_id', sa.Uuid(), nullable=False),
    sa.Column('ordinal', sa.Integer(), nullable=False),
    sa.Column('app', sa.String(length=1024), nullable=False),
    sa.Column('apk_path', sa.Text(), nullable=True),
    sa.Column('app_version', sa.String(length=64), nullable=False),
    sa.Column('app_key', sa.String(length=1024), nullable=False),
    sa.Column('plan', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('station', sa.String(length=255), nullable=True),
    sa.Column('claim_token', sa.String(length=64), nullable=True),
    sa.Column('lease_expires_at', UTC, nullable=True),
    sa.Column('session_id', sa.Uuid(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('result', JSON, nullable=False),
    sa.Column('created_at', UTC, nullable=False),
    sa.Column('queued_at', UTC, nullable=True),
    sa.Column('started_at', UTC, nullable=True),
    sa.Column('heartbeat_at', UTC, nullable=True),
    sa.Column('finished_at', UTC, nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('campaign_id', 'app', 'app_version', 'plan', name='uq_campaign_jobs_app_plan')
    )
    with op.batch_alter_table('campaign_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_campaign_jobs_campaign_state', ['campaign_id', 'state'], unique=False)

    op.create_table('campaign_job_sessions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('job_id', sa.Uuid(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('station', sa.String(length=255), nullable=False),
    sa.Column('session_name', sa.String(length=255), nullable=False),
    sa.Column('created_at', UTC, nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['campaign_jobs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('session_name', name='uq_campaign_job_sessions_name')
    )
    with op.batch_alter_table('campaign_job_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_campaign_job_sessions_job_id', ['job_id'], unique=False)

    op.create_table('campaign_app_leases',
    sa.Column('app_key', sa.String(length=1024), nullable=False),
    sa.Column('job_id', sa.Uuid(), nullable=False),
    sa.Column('station', sa.String(length=255), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('expires_at', UTC, nullable=False),
    sa.PrimaryKeyConstraint('app_key')
    )


def downgrade() -> None:
    op.drop_table('campaign_app_leases')
    with op.batch_alter_table('campaign_job_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_campaign_job_sessions_job_id')
    op.drop_table('campaign_job_sessions')
    with op.batch_alter_table('campaign_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_campaign_jobs_campaign_state')
    op.drop_table('campaign_jobs')
    op.drop_table('campaigns')
