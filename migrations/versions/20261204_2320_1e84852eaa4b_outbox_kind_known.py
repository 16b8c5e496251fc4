"""outbox kind known

The closed sets of the models became Python enums mapped with SQLAlchemy's
non-native Enum. Their columns keep their VARCHAR lengths and their stored
lowercase values, and the CHECKs of events, venues, users and RSVPs keep their
names and their lists, so those tables are unchanged. The one new CHECK is the
notice kind of outbox messages, which no constraint guarded before.

Revision ID: 1e84852eaa4b
Revises: 59a715dec2c6
Create Date: 2026-12-04 23:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1e84852eaa4b'
down_revision = '59a715dec2c6'
branch_labels = None
depends_on = None

# The values of app.models.rsvp.NoticeKind when this revision was written.
NOTICE_KINDS = ('changed', 'cancelled', 'promoted', 'manage-link')


def upgrade():
    # A message of another kind could never be sent (its subject was unknown, so the
    # sender dropped it); drop it now so that the new CHECK holds for every row.
    outbox = sa.table('outbox_messages', sa.column('kind', sa.String))
    op.execute(outbox.delete().where(outbox.c.kind.not_in(NOTICE_KINDS)))
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_check_constraint(
            batch_op.f('ck_outbox_messages_kind_known'),
            "kind IN ('changed', 'cancelled', 'promoted', 'manage-link')",
        )


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_outbox_messages_kind_known'), type_='check')
