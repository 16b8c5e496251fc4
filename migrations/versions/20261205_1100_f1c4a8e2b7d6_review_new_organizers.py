"""events of new organizers wait for a reviewer; hosts' links can be revoked

Accounts get a "trusted" flag (every existing account is trusted: they published
directly until now), events a review request and the reviewer's note, and the site
one row of settings. The audit log learns the new actions: its CHECK constraints are
replaced (on SQLite by rebuilding the table, whose append-only triggers are then
created again: dropping the old table fires no DELETE trigger).

Revision ID: f1c4a8e2b7d6
Revises: e3b8f1a6c2d4
Create Date: 2026-12-05 11:00:00.000000

"""

from alembic import op
import sqlalchemy as sa

revision = "f1c4a8e2b7d6"
down_revision = "e3b8f1a6c2d4"
branch_labels = None
depends_on = None

OLD_ACTIONS = (
    "event.created", "event.updated", "event.published", "event.cancelled",
    "event.reinstated", "event.date_cancelled", "statement.published", "account.invited",
    "account.created", "account.deactivated", "account.reactivated", "account.password_set",
    "account.public_name_set", "account.second_factor_on", "account.second_factor_off",
    "account.reviewer_set", "invitation.revoked", "proposal.approved", "proposal.rejected",
    "proposal.changes_requested",
)
NEW_ACTIONS = OLD_ACTIONS + (
    "event.review_requested", "event.approved", "event.sent_back", "account.trust_set",
    "settings.changed", "proposal.link_revoked",
)
OLD_SUBJECTS = ("event", "statement", "account", "invitation", "proposal")
NEW_SUBJECTS = OLD_SUBJECTS + ("settings",)

REFUSAL = "audit entries are append-only"
SQLITE_TRIGGERS = tuple(
    f"""
    CREATE TRIGGER audit_entries_no_{verb.lower()} BEFORE {verb} ON audit_entries
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END
    """
    for verb in ("UPDATE", "DELETE")
)


def _in(column, values):
    return column + " IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def _audit_checks(actions, subjects):
    sqlite = op.get_bind().dialect.name == "sqlite"
    # SQLite: the rebuilt table loses the triggers with the old one, so they are made again
    # (a failed copy leaves the old table, and its triggers, as they were).
    with op.batch_alter_table("audit_entries", recreate="always" if sqlite else "auto") as batch:
        batch.drop_constraint(op.f("ck_audit_entries_action_known"), type_="check")
        batch.drop_constraint(op.f("ck_audit_entries_subject_type_known"), type_="check")
        batch.create_check_constraint(op.f("ck_audit_entries_action_known"), _in("action", actions))
        batch.create_check_constraint(
            op.f("ck_audit_entries_subject_type_known"), _in("subject_type", subjects)
        )
    if sqlite:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_trusted", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute("UPDATE users SET is_trusted = TRUE")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review_requested_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("review_note", sa.String(length=500), nullable=True))
    op.create_table(
        "site_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_new_organizers", sa.Boolean(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_site_settings_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_settings")),
    )
    _audit_checks(NEW_ACTIONS, NEW_SUBJECTS)


def downgrade():
    # Entries are never deleted: with entries of the new actions the old CHECK refuses them,
    # and the downgrade stops there.
    _audit_checks(OLD_ACTIONS, OLD_SUBJECTS)
    op.drop_table("site_settings")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("review_note")
        batch_op.drop_column("review_requested_at")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("is_trusted")
