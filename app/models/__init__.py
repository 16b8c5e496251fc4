"""All models, imported here so Alembic and the app see the whole schema."""

from app.models.event import Event, EventKind, EventStatus, Occurrence, OccurrenceSkip, Repeat
from app.models.rsvp import NoticeKind, OutboxMessage, Rsvp, RsvpStatus
from app.models.statement import StatementVersion
from app.models.user import Invite, Role, User
from app.models.venue import Venue, VenueKind, VenueStatus

__all__ = [
    "Event",
    "EventKind",
    "EventStatus",
    "Invite",
    "NoticeKind",
    "Occurrence",
    "OccurrenceSkip",
    "OutboxMessage",
    "Repeat",
    "Role",
    "Rsvp",
    "RsvpStatus",
    "StatementVersion",
    "User",
    "Venue",
    "VenueKind",
    "VenueStatus",
]
