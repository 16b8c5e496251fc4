"""The models every feature reads. Attendee data (app.models.rsvp) is not re-exported here:
only the RSVP package imports it, so nothing reaches it through ``from app.models import``.
app.rsvp imports it when the app is created, so Alembic and the app see the whole schema."""

from app.models.audit import AuditAction, AuditEntry, AuditSubject
from app.models.event import Event, EventKind, EventStatus, Occurrence, OccurrenceSkip, Repeat
from app.models.proposal import Proposal, ProposalStatus
from app.models.settings import SiteSettings
from app.models.statement import StatementVersion
from app.models.user import Invite, RecoveryCode, Role, User
from app.models.venue import Venue, VenueKind, VenueStatus

__all__ = [
    "AuditAction",
    "AuditEntry",
    "AuditSubject",
    "Event",
    "EventKind",
    "EventStatus",
    "Invite",
    "Occurrence",
    "OccurrenceSkip",
    "Proposal",
    "ProposalStatus",
    "RecoveryCode",
    "Repeat",
    "Role",
    "SiteSettings",
    "StatementVersion",
    "User",
    "Venue",
    "VenueKind",
    "VenueStatus",
]
