"""event organized by

Events carry their public "organized by" name (a group or a pseudonym); pages no
longer print the organizer account's name. Existing events get none, so they show
the site's name until their organizer sets one.

Revision ID: c41a7e2f9b60
Revises: b5d1f0c8e27a
Create Date: 2026-12-05 03:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c41a7e2f9b60'
down_revision = 'b5d1f0c8e27a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organized_by', sa.String(length=80), nullable=True))


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('organized_by')
