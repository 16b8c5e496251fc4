"""rsvps per date

RSVPs of a repeating vigil are per date: each RSVP row names the local date it is
for (``rsvps.occurs_on``), and several rows share one private code when a supporter
chooses several dates, so the code is unique per date only. Occurrences store their
local date too (``occurrences.occurs_on``, one per event and day), the key RSVPs
refer to: it stays put when the organizer moves the time of day. A skipped date
may carry the organizer's public reason.

Existing RSVPs of a series are assigned to the series' next date (the one in
progress or the next to start); RSVPs of events that are over keep their last date,
so the retention purge still deletes them.

Revision ID: 7c3e9a41d2b8
Revises: 1e84852eaa4b
Create Date: 2026-12-05 02:15:00.000000

"""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c3e9a41d2b8'
down_revision = '1e84852eaa4b'
branch_labels = None
depends_on = None

_events = sa.table('events', sa.column('id', sa.Integer), sa.column('timezone', sa.String),
                   sa.column('starts_at', sa.DateTime(timezone=True)))
_occurrences = sa.table(
    'occurrences',
    sa.column('id', sa.Integer),
    sa.column('event_id', sa.Integer),
    sa.column('starts_at', sa.DateTime(timezone=True)),
    sa.column('ends_at', sa.DateTime(timezone=True)),
    sa.column('occurs_on', sa.Date),
)
_rsvps = sa.table('rsvps', sa.column('event_id', sa.Integer), sa.column('occurs_on', sa.Date))


def _aware(value):
    # SQLite gives naive UTC datetimes back, PostgreSQL aware ones.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


OLD_KINDS = "kind IN ('changed', 'cancelled', 'promoted', 'manage-link')"
NEW_KINDS = "kind IN ('changed', 'cancelled', 'date-cancelled', 'promoted', 'manage-link')"


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_outbox_messages_kind_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_outbox_messages_kind_known'), NEW_KINDS)
    with op.batch_alter_table('occurrences', schema=None) as batch_op:
        batch_op.add_column(sa.Column('occurs_on', sa.Date(), nullable=True))
    with op.batch_alter_table('occurrence_skips', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.String(length=500), nullable=True))
    with op.batch_alter_table('rsvps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('occurs_on', sa.Date(), nullable=True))

    connection = op.get_bind()
    zones = {row.id: ZoneInfo(row.timezone) for row in connection.execute(sa.select(_events))}
    dates = {}  # event id -> [(starts_at, ends_at, local date)], in order
    for row in connection.execute(sa.select(_occurrences).order_by(_occurrences.c.starts_at)):
        local = _aware(row.starts_at).astimezone(zones[row.event_id]).date()
        connection.execute(
            _occurrences.update().where(_occurrences.c.id == row.id).values(occurs_on=local)
        )
        dates.setdefault(row.event_id, []).append((_aware(row.ends_at), local))
    now = datetime.now(UTC)
    event_ids = connection.execute(sa.select(_rsvps.c.event_id).distinct()).scalars().all()
    for event_id in event_ids:
        rows = dates.get(event_id, [])
        upcoming = [local for ends_at, local in rows if ends_at > now]
        if upcoming:
            chosen = upcoming[0]
        elif rows:
            chosen = rows[-1][1]
        else:  # an event without dates (every date skipped): its first day
            starts_at = connection.execute(
                sa.select(_events.c.starts_at).where(_events.c.id == event_id)
            ).scalar_one()
            chosen = _aware(starts_at).astimezone(zones[event_id]).date()
        connection.execute(
            _rsvps.update().where(_rsvps.c.event_id == event_id).values(occurs_on=chosen)
        )

    with op.batch_alter_table('occurrences', schema=None) as batch_op:
        batch_op.alter_column('occurs_on', existing_type=sa.Date(), nullable=False)
        batch_op.create_unique_constraint('uq_occurrences_event_date', ['event_id', 'occurs_on'])
    with op.batch_alter_table('rsvps', schema=None) as batch_op:
        batch_op.alter_column('occurs_on', existing_type=sa.Date(), nullable=False)
        batch_op.drop_constraint(batch_op.f('uq_rsvps_token_hash'), type_='unique')
        batch_op.create_unique_constraint('uq_rsvps_code_date', ['token_hash', 'occurs_on'])
        batch_op.drop_index('ix_rsvps_event_status')
        batch_op.create_index(
            'ix_rsvps_event_date_status', ['event_id', 'occurs_on', 'status'], unique=False
        )


def downgrade():
    connection = op.get_bind()
    outbox = sa.table('outbox_messages', sa.column('kind', sa.String))
    connection.execute(outbox.delete().where(outbox.c.kind == 'date-cancelled'))
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_outbox_messages_kind_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_outbox_messages_kind_known'), OLD_KINDS)
    # Several dates of one code become one RSVP again: the lowest row keeps the code.
    rsvps = sa.table('rsvps', sa.column('id', sa.Integer), sa.column('token_hash', sa.String))
    keep = sa.select(sa.func.min(rsvps.c.id)).group_by(rsvps.c.token_hash)
    connection.execute(rsvps.delete().where(rsvps.c.id.not_in(keep)))
    with op.batch_alter_table('rsvps', schema=None) as batch_op:
        batch_op.drop_index('ix_rsvps_event_date_status')
        batch_op.create_index('ix_rsvps_event_status', ['event_id', 'status'], unique=False)
        batch_op.drop_constraint('uq_rsvps_code_date', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_rsvps_token_hash'), ['token_hash'])
        batch_op.drop_column('occurs_on')
    with op.batch_alter_table('occurrence_skips', schema=None) as batch_op:
        batch_op.drop_column('reason')
    with op.batch_alter_table('occurrences', schema=None) as batch_op:
        batch_op.drop_constraint('uq_occurrences_event_date', type_='unique')
        batch_op.drop_column('occurs_on')
