"""evidence: audit trail of manual consent marks

Revision ID: 0004_evidence
Revises: 0003_triage
"""
from alembic import op
import sqlalchemy as sa
import analyzer.store.types  # noqa: F401 - UTCDateTime columns
from sqlalchemy.dialects import postgresql

revision = '0004_evidence'
down_revision = '0003_triage'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'mark_audit',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('session_id', sa.Uuid(), nullable=False),
        sa.Column('mark_id', sa.Uuid(), nullable=False),
        sa.Column('change', sa.String(length=16), nullable=False),
        sa.Column('who', sa.String(length=255), nullable=False),
        sa.Column('at', analyzer.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('what', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
        sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_mark_audit_session', 'mark_audit', ['session_id', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_mark_audit_session', table_name='mark_audit')
    op.drop_table('mark_audit')
