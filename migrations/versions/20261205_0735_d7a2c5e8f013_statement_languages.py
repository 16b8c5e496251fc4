"""statement languages

A version of the statement is written in one language and may be a translation of
the original: one version is pinned per language, and one pinned version is the
original. Existing versions are English originals.

Revision ID: d7a2c5e8f013
Revises: a7d2c5e9f013
Create Date: 2026-12-05 07:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7a2c5e8f013'
down_revision = 'a7d2c5e9f013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('statement_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), server_default='en', nullable=False))
        batch_op.add_column(sa.Column('is_translation', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.drop_index('uq_statement_versions_pinned', sqlite_where=sa.text('is_pinned'), postgresql_where=sa.text('is_pinned'))
        batch_op.create_index('uq_statement_versions_pinned_language', ['language'], unique=True, sqlite_where=sa.text('is_pinned'), postgresql_where=sa.text('is_pinned'))
        batch_op.create_index('uq_statement_versions_pinned_original', ['is_pinned'], unique=True, sqlite_where=sa.text('is_pinned AND NOT is_translation'), postgresql_where=sa.text('is_pinned AND NOT is_translation'))


def downgrade():
    # Only the original stays pinned: the old schema allows one pinned version.
    op.execute(sa.text('UPDATE statement_versions SET is_pinned = false WHERE is_translation'))
    with op.batch_alter_table('statement_versions', schema=None) as batch_op:
        batch_op.drop_index('uq_statement_versions_pinned_original', sqlite_where=sa.text('is_pinned AND NOT is_translation'), postgresql_where=sa.text('is_pinned AND NOT is_translation'))
        batch_op.drop_index('uq_statement_versions_pinned_language', sqlite_where=sa.text('is_pinned'), postgresql_where=sa.text('is_pinned'))
        batch_op.create_index('uq_statement_versions_pinned', ['is_pinned'], unique=True, sqlite_where=sa.text('is_pinned'), postgresql_where=sa.text('is_pinned'))
        batch_op.drop_column('is_translation')
        batch_op.drop_column('language')
