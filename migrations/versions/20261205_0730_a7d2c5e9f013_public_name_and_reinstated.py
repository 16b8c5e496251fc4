"""public name and reinstated notices

Accounts get an optional public name, the default "organized by" of their new
events (the account's own name stays private). Outbox messages get a new kind:
the notice that a cancelled event takes place after all.

Revision ID: a7d2c5e9f013
Revises: c41a7e2f9b60
Create Date: 2026-12-05 07:30:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a7d2c5e9f013"
down_revision = "c41a7e2f9b60"
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('changed', 'cancelled', 'date-cancelled', 'promoted', 'manage-link')"
NEW_KINDS = (
    "kind IN ('changed', 'cancelled', 'date-cancelled', 'reinstated', 'promoted', 'manage-link')"
)


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_name", sa.String(length=80), nullable=True))
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_outbox_messages_kind_known"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_outbox_messages_kind_known"), NEW_KINDS)


def downgrade():
    # A waiting "reinstated" notice would break the old CHECK; without it, nobody learns
    # of the reinstatement by mail, but the event page says so.
    outbox = sa.table("outbox_messages", sa.column("kind", sa.String))
    op.execute(outbox.delete().where(outbox.c.kind == "reinstated"))
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_outbox_messages_kind_known"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_outbox_messages_kind_known"), OLD_KINDS)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("public_name")
