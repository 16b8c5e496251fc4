"""rsvp email consent

Notices go only to an address whose owner confirmed it: ``rsvps.email_confirmed``,
and the SHA-256 of the confirmation code mailed to it (``rsvps.confirm_hash``).
Addresses given before this revision were never confirmed; they are kept as
unconfirmed, so they get no more notices until their owner asks for a new link.

Revision ID: b5d1f0c8e27a
Revises: 7c3e9a41d2b8
Create Date: 2026-12-05 03:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b5d1f0c8e27a'
down_revision = '7c3e9a41d2b8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rsvps', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('email_confirmed', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column('confirm_hash', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_rsvps_confirm_hash'), ['confirm_hash'], unique=False)


def downgrade():
    with op.batch_alter_table('rsvps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rsvps_confirm_hash'))
        batch_op.drop_column('confirm_hash')
        batch_op.drop_column('email_confirmed')
