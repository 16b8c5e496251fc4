"""RSVP forms: saying "I'll be there", and the manage forms that carry the private code.

The manage forms send the private code back in every POST (a hidden field): the
server keeps no session state about an RSVP (design/security.md decision 9).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Length

from app.auth.services import is_valid_email, normalize_email
from app.forms import CleanStringField
from app.mail import is_valid_address
from app.models.rsvp import DISPLAY_NAME_MAX, EMAIL_MAX, PARTY_SIZE_MAX
from app.rsvp.queries import RSVP_DATES_MAX

PARTY_SIZES = tuple(str(size) for size in range(1, PARTY_SIZE_MAX + 1))


def _party_size_field() -> SelectField:
    # validate_choice=False: our own check below gives a readable message for
    # "0", "6", "NaN", "1e3" or an absent value instead of WTForms' generic one.
    # The choices are set per form instance (as in app.events.forms): WTForms 3.3
    # warns about tuple choices given to the field's constructor.
    return SelectField(_l("How many people, including you"), choices=[], validate_choice=False)


def _party_size_choices() -> list[tuple[str, str]]:
    return [(size, size) for size in PARTY_SIZES]


def _check_party_size(field: SelectField) -> int | None:
    """The party size as a number, or None with an error on ``field``."""
    if field.data not in PARTY_SIZES:
        field.errors = [
            *field.errors,
            _("Choose how many people come: %(min)d to %(max)d.", min=1, max=PARTY_SIZE_MAX),
        ]
        return None
    return int(field.data)


class RsvpForm(FlaskForm):
    """An RSVP: optional display name, party size, optional e-mail for notices.

    The e-mail counts only with the notices box ticked (explicit consent); an
    address without the tick, or the tick without an address, is an error rather
    than a silent guess. After ``validate()``, ``party_size_value`` and
    ``notice_email`` hold the values to store.
    """

    display_name = CleanStringField(
        _l("Display name (optional)"),
        validators=[
            Length(
                max=DISPLAY_NAME_MAX,
                message=_l("Use at most %(max)d characters.", max=DISPLAY_NAME_MAX),
            )
        ],
        description=_l(
            "Leave empty to stay anonymous. Only the organizers of this event see it; "
            "a nickname is fine."
        ),
    )
    # The dates of a series, as checkboxes (templates/rsvp/_form.html); a single event
    # sends none. Checked here only for their form; the service checks that each is a
    # date of the event that takes RSVPs, under the event's lock.
    dates = SelectMultipleField(_l("Which dates will you come?"), choices=[], validate_choice=False)
    party_size = _party_size_field()
    notify = BooleanField(_l("E-mail me if this event changes or is cancelled"))
    email = CleanStringField(
        _l("E-mail address for these notices (optional)"),
        validators=[Length(max=EMAIL_MAX, message=_l("This e-mail address is too long."))],
        description=_l(
            "Only if you ticked the box above. We use it only to tell you that this event "
            "changed or was cancelled, and to send you your private link. It is deleted "
            "after the event and shown to no one, organizers included."
        ),
    )
    submit = SubmitField(_l("I'll be there"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.party_size.choices = _party_size_choices()
        self.party_size_value: int | None = None
        self.notice_email: str | None = None
        self.dates_value: list[date] = []

    def validate(self, extra_validators: Any = None) -> bool:
        fields_ok = super().validate(extra_validators)
        self.party_size_value = _check_party_size(self.party_size)
        self.notice_email = self._check_email()
        self.dates_value = self._check_dates()
        return bool(fields_ok) and not self.errors

    def _check_dates(self) -> list[date]:
        values = self.dates.data or []
        try:
            days = sorted({date.fromisoformat(value) for value in values})
        except (TypeError, ValueError):
            days = []
        if len(values) > RSVP_DATES_MAX or len(days) != len(set(values)):
            self.dates.errors = [*self.dates.errors, _("Choose dates from the list.")]
            return []
        return days

    def require_a_date(self) -> None:
        """Mark the missing date: the event is a series, and the visitor ticked none."""
        self.dates.errors = [*self.dates.errors, _("Choose at least one date.")]

    def _check_email(self) -> str | None:
        if self.email.errors:
            return None
        address = normalize_email(self.email.data)
        if not address:
            if self.notify.data:
                self.email.errors = [
                    _("Enter the e-mail address for the notices, or untick the box.")
                ]
            return None
        # The site's e-mail shape (with a dot in the domain) and what the mailer can
        # send to (one plain ASCII address): an address it would refuse is useless.
        if not (is_valid_email(address) and is_valid_address(address)):
            self.email.errors = [_("Enter an e-mail address such as name@example.org.")]
            return None
        if not self.notify.data:
            self.email.errors = [
                _(
                    "You entered an e-mail address but did not tick the box above. "
                    "Tick it to get notices, or clear the address."
                )
            ]
            return None
        return address


class ManageForm(FlaskForm):
    """The private code, filled in from the link's #fragment by a script or pasted.

    A plain StringField: the code is only looked up, never stored or shown, so a
    malformed one gets the same "not found" answer as an unknown one.
    """

    token = StringField(
        _l("Your private code"),
        validators=[DataRequired(message=_l("Paste your private code."))],
        description=_l(
            "Opening your private link fills this in. Otherwise paste the code: "
            "the part of the link after the # sign."
        ),
    )
    submit = SubmitField(_l("Show my RSVP"))


class ChangePartySizeForm(FlaskForm):
    """A new party size for the RSVP whose code comes along."""

    token = HiddenField()
    party_size = _party_size_field()
    submit = SubmitField(_l("Save the new number"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.party_size.choices = _party_size_choices()
        self.party_size_value: int | None = None

    def validate(self, extra_validators: Any = None) -> bool:
        fields_ok = super().validate(extra_validators)
        self.party_size_value = _check_party_size(self.party_size)
        return bool(fields_ok) and self.party_size_value is not None


class CancelRsvpForm(FlaskForm):
    """Cancel (delete) the RSVP whose code comes along: one date of it, or all."""

    token = HiddenField()
    # An ISO date to cancel only that date; empty for every date.
    occurs_on = HiddenField()
    submit = SubmitField(_l("Cancel my RSVP"))

    def chosen_date(self) -> date | None:
        """The date to cancel; None for all. Raises ValueError for a malformed date."""
        value = (self.occurs_on.data or "").strip()
        return date.fromisoformat(value) if value else None


class ConfirmEmailForm(FlaskForm):
    """The confirmation code from the mailed link's #fragment, copied in by a script or pasted."""

    code = StringField(
        _l("Confirmation code"),
        validators=[DataRequired(message=_l("Paste the confirmation code."))],
        description=_l("Opening the link in the mail fills this in."),
    )
    submit = SubmitField(_l("Yes, send me notices about my RSVP"))


class LostLinkForm(FlaskForm):
    """The address given with an RSVP, to mail new private links to it."""

    email = CleanStringField(
        _l("The e-mail address you gave with your RSVP"),
        validators=[
            DataRequired(message=_l("Enter the e-mail address you gave with your RSVP.")),
            Length(max=EMAIL_MAX, message=_l("This e-mail address is too long.")),
        ],
    )
    submit = SubmitField(_l("Send me new links"))

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        address = normalize_email(self.email.data)
        if not (is_valid_email(address) and is_valid_address(address)):
            self.email.errors = [_("Enter an e-mail address such as name@example.org.")]
            return False
        self.email.data = address
        return True
