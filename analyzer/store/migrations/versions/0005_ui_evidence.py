"""UI evidence: dumps and screenshots around each consent-driver tap

Revision ID: 0005_ui_evidence
Revises: 0004_evidence
"""
from alembic import op
import sqlalchemy as sa
import analyzer.store.types  # noqa: F401 - UTCDateTime columns
from sqlalchemy.dialects import postgresql

revision = '0005_ui_evidence'
down_revision = '0004_evidence'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ui_blobs',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('media_type', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('sha256')
    )
    op.create_table('ui_evidence',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('phase', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('blob_sha', sa.String(length=64), nullable=False),
    sa.Column('device_ts_ms', sa.Float(), nullable=False),
    sa.Column('node', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('created_at', analyzer.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['blob_sha'], ['ui_blobs.sha256'], ),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('session_id', 'seq', name='uq_ui_evidence_session_seq')
    )
    with op.batch_alter_table('ui_evidence', schema=None) as batch_op:
        batch_op.create_index('ix_ui_evidence_session_step', ['session_id', 'step'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ui_evidence', schema=None) as batch_op:
        batch_op.drop_index('ix_ui_evidence_session_step')
    op.drop_table('ui_evidence')
    op.drop_table('ui_blobs')
