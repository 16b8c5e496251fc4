"""Forms of proposals: the host's proposal, its confirmation, the host's edit, the review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.clock import now_utc
from app.events.forms import (
    DATETIME_FORMAT,
    local_time_fields,
    series_problems,
    set_errors,
    time_problems,
)
from app.forms import CleanStringField, CleanTextAreaField
from app.mail import is_valid_address
from app.models import Repeat, Venue
from app.models.proposal import (
    HOST_EMAIL_MAX,
    HOST_NAME_MAX,
    PROPOSAL_DESCRIPTION_MAX,
    REVIEW_REASON_MAX,
)
from app.venues.forms import Choice, venue_choice

# A form older than this is refused as stale (the page can simply be reloaded).
FORM_MAX_AGE = timedelta(days=1)
_STARTED_SALT = "vigil.proposals.form-started"


@dataclass(frozen=True)
class ProposedTime:
    """Checked local wall times of a proposal at a venue in ``timezone``."""

    timezone: str
    starts_local: datetime
    ends_local: datetime
    repeat: Repeat
    repeat_until_on: date | None


def _started_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_STARTED_SALT)


def started_stamp() -> str:
    """The signed instant the form was shown: robots that post at once are refused."""
    return str(_started_serializer().dumps(int(now_utc().timestamp())))


def _stamp_age(stamp: str) -> timedelta | None:
    """How long ago a signed stamp was made, or None for a forged or malformed one."""
    try:
        shown = _started_serializer().loads(stamp)
    except BadSignature:
        return None
    if not isinstance(shown, int):
        return None
    return now_utc() - datetime.fromtimestamp(shown, tz=now_utc().tzinfo)


def repeat_choices() -> list[tuple[str, str]]:
    """A host proposes one date or a weekly vigil, never a daily one."""
    return [(Repeat.NONE.value, _("Once")), (Repeat.WEEKLY.value, Repeat.WEEKLY.label)]


def mission_choices(venues: list[Venue]) -> list[Choice]:
    """Select options of the open missions, as the event form labels places (with their
    positions, for sorting by distance)."""
    choices: list[Choice] = [("", _("Choose a mission…"), {})]
    choices += [venue_choice(v, f"{v.country_code} · {v.city} · {v.name}") for v in venues]
    return choices


class _TimesMixin:
    """Start, end, repeat and until, checked in a zone as the event form checks them."""

    starts_at: DateTimeLocalField
    ends_at: DateTimeLocalField
    repeat: SelectField
    repeat_until: DateField

    def check_times(self, zone_name: str) -> ProposedTime | None:
        """The checked times, or None with field errors set (as the event form checks)."""
        starts, ends = self.starts_at.data, self.ends_at.data
        if starts is None or ends is None:
            return None
        zone = ZoneInfo(zone_name)
        problems = time_problems(starts, ends, zone)
        repeat = Repeat.WEEKLY if self.repeat.data == Repeat.WEEKLY.value else Repeat.NONE
        until = self.repeat_until.data if repeat == Repeat.WEEKLY else None
        if not problems:
            problems = series_problems(
                starts, ends, repeat, until, frozenset(), zone, clock_field="repeat_until"
            )
        if problems:
            set_errors(self, problems)
            return None
        return ProposedTime(zone_name, starts, ends, repeat, until)


class ProposalForm(_TimesMixin, FlaskForm):
    """A supporter's proposal to host a vigil at a mission (no account, no CAPTCHA)."""

    venue = SelectField(
        _l("Mission"),
        choices=[],
        validators=[InputRequired()],
        description=_l("Type a country code or city to jump through the list."),
    )
    starts_at, ends_at, repeat, repeat_until = local_time_fields()
    description = CleanTextAreaField(
        _l("Short description"),
        validators=[Length(max=PROPOSAL_DESCRIPTION_MAX)],
        description=_l("What the vigil is for and how people find you. Plain text."),
    )
    host_name = CleanStringField(
        _l("Your public name (shown as 'organized by')"),
        validators=[
            DataRequired(message=_l("Enter a name to show; a nickname is fine.")),
            Length(max=HOST_NAME_MAX),
        ],
        description=_l("A nickname is fine. Do not use a real name: these gatherings are filmed."),
    )
    email = CleanStringField(
        _l("Your e-mail address (private)"),
        validators=[
            DataRequired(message=_l("Enter your e-mail address.")),
            Length(max=HOST_EMAIL_MAX, message=_l("This e-mail address is too long.")),
        ],
        description=_l(
            "Used only to confirm your proposal and to send you a private link to manage "
            "your vigil. Reviewers see it masked; it is deleted a day after the vigil."
        ),
    )
    # A field people never see (hidden by CSS, labelled for screen readers): robots fill it.
    website = StringField(_l("Leave this field empty"))
    started = HiddenField()
    submit = SubmitField(_l("Propose this vigil"))

    def __init__(self, *args: Any, venues: list[Venue], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.venue.choices = mission_choices(venues)
        self.repeat.choices = repeat_choices()
        self._venues = {str(venue.id): venue for venue in venues}
        self.chosen_venue: Venue | None = None
        self.times: ProposedTime | None = None
        if not self.is_submitted():
            self.started.data = started_stamp()

    @property
    def is_robot(self) -> bool:
        """The hidden field is filled, or the form came back too fast, stale or forged."""
        if self.website.data:
            return True
        age = _stamp_age(self.started.data or "")
        minimum = timedelta(seconds=current_app.config["PROPOSAL_MIN_FILL_SECONDS"])
        return age is None or age < minimum or age > FORM_MAX_AGE

    def validate(self, extra_validators: Any = None) -> bool:
        """Field checks, then the mission and the times in its zone; fills ``times``."""
        fields_ok = super().validate(extra_validators)
        self.chosen_venue = self._venues.get(self.venue.data or "")
        if self.chosen_venue is None:
            self.venue.errors = [_("Choose a mission from the list.")]
        if self.email.data and not is_valid_address(self.email.data):
            self.email.errors = [_("Enter an e-mail address such as name@example.org.")]
        if self.chosen_venue is not None and not self.starts_at.errors:
            self.times = self.check_times(self.chosen_venue.timezone)
        return fields_ok and not self.errors and self.times is not None


class CodeForm(FlaskForm):
    """A private code from a mailed link's #fragment, copied in by a script or pasted."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(message=_l("Paste the code from the link."))],
        description=_l("Opening the link in the mail fills this in."),
    )
    submit = SubmitField(_l("Continue"))


class ConfirmProposalForm(CodeForm):
    """The host confirms their address, and so their proposal."""

    submit = SubmitField(_l("Yes, send my proposal to the reviewers"))


class HostEditForm(_TimesMixin, FlaskForm):
    """The host's changes to their vigil (or to their proposal, when changes were asked)."""

    code = HiddenField(validators=[DataRequired()])
    starts_at = DateTimeLocalField(
        _l("Starts"), format=DATETIME_FORMAT, validators=[InputRequired()]
    )
    ends_at = DateTimeLocalField(_l("Ends"), format=DATETIME_FORMAT, validators=[InputRequired()])
    repeat = SelectField(_l("Repeats"), choices=[], validators=[InputRequired()])
    repeat_until = DateField(_l("Repeat until"), validators=[Optional()])
    description = CleanTextAreaField(
        _l("Short description"), validators=[Length(max=PROPOSAL_DESCRIPTION_MAX)]
    )
    submit = SubmitField(_l("Save the changes"))

    def __init__(self, *args: Any, timezone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.repeat.choices = repeat_choices()
        self._timezone = timezone
        self.times: ProposedTime | None = None

    def validate(self, extra_validators: Any = None) -> bool:
        fields_ok = super().validate(extra_validators)
        if not self.starts_at.errors and not self.ends_at.errors:
            self.times = self.check_times(self._timezone)
        return fields_ok and not self.errors and self.times is not None


class HostCancelForm(FlaskForm):
    """The host cancels their vigil."""

    code = HiddenField(validators=[DataRequired()])
    reason = CleanStringField(_l("Reason (shown on the event page)"), validators=[Length(max=500)])
    submit = SubmitField(_l("Cancel the vigil"))


class ReviewReasonForm(FlaskForm):
    """Why a reviewer rejects a proposal or asks for changes; mailed to the host."""

    reason = CleanTextAreaField(
        _l("Reason (mailed to the host)"),
        validators=[
            DataRequired(message=_l("Say why, so the host knows what to do.")),
            Length(max=REVIEW_REASON_MAX),
        ],
    )
    submit = SubmitField(_l("Send"))


class ApproveEventForm(FlaskForm):
    """A reviewer publishes an organizer's event; an admin may trust the organizer too."""

    trust = BooleanField(_l("Trust this organizer: their next events are published directly"))
    submit = SubmitField(_l("Approve and publish"))
