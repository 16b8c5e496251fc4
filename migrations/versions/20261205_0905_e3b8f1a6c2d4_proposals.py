"""supporters' proposals and reviewers

Supporters without an account propose a vigil at a mission; reviewers (admins, and
organizers marked as reviewers) approve or reject it.

Revision ID: e3b8f1a6c2d4
Revises: e3b7a1c4d925
Create Date: 2026-12-05 09:00:00.000000

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "e3b8f1a6c2d4"
down_revision = "e3b7a1c4d925"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_reviewer", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("venue_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("repeat", sa.String(length=10), nullable=False),
        sa.Column("repeat_until_on", sa.Date(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("host_name", sa.String(length=80), nullable=False),
        sa.Column("host_email", sa.String(length=254), nullable=True),
        sa.Column("confirm_hash", sa.String(length=64), nullable=True),
        sa.Column("manage_hash", sa.String(length=64), nullable=True),
        sa.Column("review_reason", sa.String(length=500), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('unconfirmed', 'pending', 'approved', 'rejected', 'changes_requested')",
            name=op.f("ck_proposals_status_known"),
        ),
        sa.CheckConstraint(
            "repeat IN ('none', 'daily', 'weekly')", name=op.f("ck_proposals_repeat_known")
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_proposals_ends_after_start")),
        sa.CheckConstraint(
            "(repeat = 'none') = (repeat_until_on IS NULL)",
            name=op.f("ck_proposals_repeat_has_end"),
        ),
        sa.CheckConstraint("last_ends_at >= ends_at", name=op.f("ck_proposals_last_end_after_end")),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_proposals_event_id_events"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["users.id"],
            name=op.f("fk_proposals_reviewed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["venue_id"],
            ["venues.id"],
            name=op.f("fk_proposals_venue_id_venues"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
        sa.UniqueConstraint("confirm_hash", name=op.f("uq_proposals_confirm_hash")),
        sa.UniqueConstraint("manage_hash", name=op.f("uq_proposals_manage_hash")),
    )
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposals_status"), ["status"], unique=False)


def downgrade():
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposals_status"))
    op.drop_table("proposals")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("is_reviewer")
