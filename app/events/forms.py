"""The event form and the cancel form (organizers); list filters: app.events.filters."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FormField,
    IntegerField,
    SelectField,
    SubmitField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.clock import now_utc
from app.events.recurrence import (
    MAX_SERIES_DAYS,
    LocalTimeError,
    series_dates,
    series_walls,
    to_utc,
)
from app.events.services import EventInput
from app.forms import CleanStringField, CleanTextAreaField
from app.models import Event, EventKind, EventStatus, Repeat, Venue
from app.models.event import (
    CANCEL_REASON_MAX,
    CAPACITY_MAX,
    CONTACT_URL_MAX,
    DESCRIPTION_MAX,
    ORGANIZED_BY_MAX,
    TITLE_MAX,
)
from app.venues.forms import Choice, NewVenueForm, venue_choice
from app.venues.services import NewVenue

OTHER_VENUE = "other"
MAX_DURATION = timedelta(days=7)
# Far enough ahead for any real planning; keeps dates in a sane range.
MAX_LEAD = timedelta(days=3 * 366)
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
_URL = re.compile(r"^(https?://[^\s/$.?#][^\s]*|mailto:[^\s@]+@[^\s@]+)$", re.IGNORECASE)


def kind_choices() -> list[tuple[str, str]]:
    """Select options of the kinds of event, labelled in the page language."""
    return [(kind.value, kind.label) for kind in EventKind]


def repeat_choices() -> list[tuple[str, str]]:
    return [(repeat.value, repeat.label) for repeat in Repeat]


def venue_choices(venues: list[Venue]) -> list[Choice]:
    """Select options: missions and saved addresses (with their positions, for sorting by
    distance), then 'another address'."""
    choices: list[Choice] = [("", _("Choose a place…"), {})]
    for venue in venues:
        label = f"{venue.country_code} · {venue.city} · {venue.name}"
        if venue.is_closed:
            label += " " + _("(closed)")
        if not venue.has_coordinates:
            label += " " + _("(position not verified)")
        choices.append(venue_choice(venue, label))
    choices.append((OTHER_VENUE, _("Another address (enter it below)"), {}))
    return choices


def local_time_message(exc: LocalTimeError, day: str | None = None) -> str:
    """The words for a wall time in a clock change (design/security.md T40); with ``day``,
    for that date of a series."""
    message: str
    if day is not None and exc.kind == "nonexistent":
        message = _(
            "On %(date)s this time does not exist at the place: the clocks "
            "change that night. Skip that date or choose another time.",
            date=day,
        )
    elif day is not None:
        message = _(
            "On %(date)s this time happens twice at the place: the clocks "
            "change that night. Skip that date or choose another time.",
            date=day,
        )
    elif exc.kind == "nonexistent":
        message = _(
            "This time does not exist at the place: the clocks change that night. "
            "Choose another time."
        )
    else:
        message = _(
            "This time happens twice at the place: the clocks change that night. "
            "Choose another time."
        )
    return message


def local_time_fields() -> tuple[DateTimeLocalField, DateTimeLocalField, SelectField, DateField]:
    """Start, end, repeat and last date of a series in the place's wall time, declared where
    called (so in that form's order): the event form's and the host's proposal form's."""
    local = _l("Local time at the place.")
    return (
        DateTimeLocalField(
            _l("Starts"), format=DATETIME_FORMAT, validators=[InputRequired()], description=local
        ),
        DateTimeLocalField(
            _l("Ends"), format=DATETIME_FORMAT, validators=[InputRequired()], description=local
        ),
        SelectField(_l("Repeats"), choices=[], validators=[InputRequired()]),
        DateField(
            _l("Repeat until"),
            validators=[Optional()],
            description=_l("Last date of the series (at most a year after the first)."),
        ),
    )


def clock_problems(starts: datetime, ends: datetime, zone: ZoneInfo) -> dict[str, str]:
    """A start or end that falls in a clock change at the place (design/security.md T40)."""
    for name, wall in (("starts_at", starts), ("ends_at", ends)):
        try:
            to_utc(wall, zone)
        except LocalTimeError as exc:
            return {name: local_time_message(exc)}
    return {}


def time_problems(
    starts: datetime, ends: datetime, zone: ZoneInfo, *, past_ok: bool = False
) -> dict[str, str]:
    """What is wrong with one date's local start and end at a place in ``zone``, by field
    name (starts_at, ends_at); empty when nothing is. ``past_ok``: an unchanged start of
    an event being edited may have passed."""
    problems = clock_problems(starts, ends, zone)
    if problems:
        return problems
    if ends <= starts:
        problems["ends_at"] = _("The end must be after the start.")
    elif ends - starts > MAX_DURATION:
        problems["ends_at"] = _("An event can last at most seven days.")
    now, start_utc = now_utc(), to_utc(starts, zone)
    if start_utc <= now and not past_ok:
        problems["starts_at"] = _("The start must be in the future.")
    elif start_utc > now + MAX_LEAD:
        problems["starts_at"] = _("The start must be within the next three years.")
    return problems


def series_problems(
    starts: datetime,
    ends: datetime | None,
    repeat: Repeat,
    until: date | None,
    skips: frozenset[date],
    zone: ZoneInfo | None,
    *,
    clock_field: str = "skip_dates",
) -> dict[str, str]:
    """What is wrong with a series (repeat_until, skip_dates), by field name; empty for one
    date. A later date whose start or end falls in a clock change is refused, never moved
    (design/security.md T40): the message goes to ``clock_field``."""
    if repeat == Repeat.NONE:
        return {}
    if until is None:
        return {"repeat_until": _("Enter the last date of the series.")}
    if until < starts.date():
        return {"repeat_until": _("The series must end on or after its first date.")}
    if until > starts.date() + timedelta(days=MAX_SERIES_DAYS):
        return {"repeat_until": _("A series can run for at most a year.")}
    dates = set(series_dates(starts, repeat, until))
    strays = sorted(day for day in skips if day not in dates)
    if strays:
        message = _("%(date)s is not a date of this series.", date=strays[0].isoformat())
        return {"skip_dates": message}
    if ends is None or zone is None:
        return {}
    duration = ends - starts
    for wall in series_walls(starts, repeat, until, skips):
        for moment in (wall, wall + duration):
            try:
                to_utc(moment, zone)
            except LocalTimeError as exc:
                return {clock_field: local_time_message(exc, wall.date().isoformat())}
    return {}


def set_errors(form: FlaskForm, problems: dict[str, str]) -> None:
    """Show each problem at its field."""
    for name, message in problems.items():
        form[name].errors = [message]


class EventForm(FlaskForm):
    """Create or edit an event. Times are the venue's local wall time."""

    title = CleanStringField(_l("Title"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    kind = SelectField(_l("Kind of event"), choices=[], validators=[InputRequired()])
    description = CleanTextAreaField(
        _l("Description"),
        validators=[Length(max=DESCRIPTION_MAX)],
        description=_l(
            "Plain text; line breaks are kept. *Emphasis*, **bold**, lists and links "
            "(Markdown) work too."
        ),
    )
    venue = SelectField(
        _l("Place"),
        choices=[],
        validators=[InputRequired()],
        description=_l("Type a country code or city to jump through the list."),
    )
    confirm_closed = BooleanField(
        _l("I know this mission is reported closed and still want to hold the event there.")
    )
    # "Another address": posted as venue_name, venue_address … (see new_venue).
    other_address = FormField(NewVenueForm, name="venue", separator="_")
    starts_at, ends_at, repeat, repeat_until = local_time_fields()
    skip_dates = CleanTextAreaField(
        _l("Skip these dates"),
        validators=[Length(max=4000)],
        description=_l("One date per line, e.g. 2026-12-24."),
    )
    capacity = IntegerField(
        _l("Capacity (people)"),
        validators=[
            Optional(),
            NumberRange(
                min=1,
                max=CAPACITY_MAX,
                message=_l("Enter a whole number from 1 to %(max)d.", max=CAPACITY_MAX),
            ),
        ],
        description=_l("Leave empty for no limit."),
    )
    hide_count = BooleanField(
        _l("Hide the number of people going"),
        description=_l("The public page then shows no count. You still see it."),
    )
    organized_by = CleanStringField(
        _l("Organized by (shown to everyone)"),
        validators=[Length(max=ORGANIZED_BY_MAX)],
        description=_l(
            "A group name or a pseudonym, shown on the event page, in calendars and in link "
            "previews. Do not use a real name: these gatherings are filmed. Leave empty to "
            "show the site's name."
        ),
    )
    contact_url = CleanStringField(
        _l("Contact link"),
        validators=[Length(max=CONTACT_URL_MAX)],
        description=_l("Optional https:// or mailto: link where people can reach you."),
    )
    # Two buttons instead of a checkbox: the organizer says what the save does. A form
    # sent with neither (Enter in a field sends the first, but a script may send none)
    # keeps the event as it is, and a new one a draft (``wants_published``).
    save_draft = SubmitField(_l("Save as draft"))
    publish = SubmitField(_l("Publish"))

    def __init__(
        self,
        *args: Any,
        venues: list[Venue],
        is_new: bool,
        organized_by: str | None = None,
        **kwargs: Any,
    ) -> None:
        """``organized_by``: what a new, not yet sent form offers as "organized by"."""
        super().__init__(*args, **kwargs)
        self.kind.choices = kind_choices()
        self.repeat.choices = repeat_choices()
        self.venue.choices = venue_choices(venues)
        self._venues = {str(venue.id): venue for venue in venues}
        self._is_new = is_new
        self._original_start: datetime | None = None
        self._was_published = False
        self.result: EventInput | None = None
        if is_new and organized_by and not self.is_submitted():
            self.organized_by.data = organized_by

    @classmethod
    def for_event(cls, event: Event, *, venues: list[Venue]) -> EventForm:
        """The form to edit ``event``: its stored values, or on POST the posted ones.

        An unchanged start in the past is then not an error.
        """
        stored = cls._stored_values(event)
        form = cls(venues=venues, is_new=False)
        if not form.is_submitted():
            form.process(data=stored)
        form._original_start = stored["starts_at"]
        form._was_published = event.status == EventStatus.PUBLISHED
        return form

    @staticmethod
    def _stored_values(event: Event) -> dict[str, Any]:
        """The event's stored values in the form's terms (local wall times)."""
        zone = event.zone
        return {
            "title": event.title,
            "kind": event.kind,
            "description": event.description,
            "venue": str(event.venue_id),
            "confirm_closed": event.venue.is_closed,
            "starts_at": event.starts_at.astimezone(zone).replace(tzinfo=None),
            "ends_at": event.ends_at.astimezone(zone).replace(tzinfo=None),
            "repeat": event.repeat,
            "repeat_until": event.repeat_until_on,
            "skip_dates": "\n".join(skip.occurs_on.isoformat() for skip in event.skips),
            "capacity": event.capacity,
            "hide_count": event.hide_count,
            "contact_url": event.contact_url or "",
            "organized_by": event.organized_by or "",
        }

    @property
    def is_published(self) -> bool:
        """True when the form edits an event that is published now."""
        return self._was_published

    @property
    def wants_published(self) -> bool:
        """Whether the save publishes: "Publish" was pressed, or neither button and the event
        is published already. "Save as draft" wins if a form sends both."""
        if self.save_draft.data:
            return False
        return bool(self.publish.data) or self._was_published

    @property
    def new_venue(self) -> NewVenueForm:
        """The fields of "another address"."""
        form: NewVenueForm = self.other_address.form
        return form

    @property
    def wants_new_venue(self) -> bool:
        """True when the organizer chose to type another address."""
        return bool(self.venue.data == OTHER_VENUE)

    def validate(self, extra_validators: Any = None) -> bool:
        """Field checks, then the checks that need several fields; fills ``result``."""
        fields_ok = super().validate(extra_validators)
        venue = self._check_venue()
        zone_name = self._zone_name(venue)
        starts, ends = self._check_times(zone_name)
        repeat, until, skips = self._check_series(starts, ends, zone_name)
        contact = self._check_contact()
        if (
            not fields_ok
            or self.errors
            or venue is None
            or zone_name is None
            or starts is None
            or ends is None
        ):
            return False
        self.result = EventInput(
            title=self.title.data,
            description=self.description.data or "",
            kind=EventKind(self.kind.data),
            venue=venue,
            timezone=zone_name,
            starts_local=starts,
            ends_local=ends,
            repeat=repeat,
            repeat_until_on=until,
            skip_dates=skips,
            capacity=self.capacity.data,
            contact_url=contact,
            organized_by=self.organized_by.data or None,
            publish=self.wants_published,
            hide_count=bool(self.hide_count.data),
        )
        return True

    def _check_venue(self) -> Venue | NewVenue | None:
        choice = self.venue.data
        if choice == OTHER_VENUE:
            return self.new_venue.checked_venue()
        venue = self._venues.get(choice or "")
        if venue is None:
            self.venue.errors = [_("Choose a place from the list or 'Another address'.")]
            return None
        if venue.is_closed and not self.confirm_closed.data:
            self.confirm_closed.errors = [
                _("This mission is reported closed. Confirm that you want to hold the event there.")
            ]
            return None
        return venue

    def typed_position(self) -> tuple[float | None, float | None]:
        """The other address's latitude and longitude as typed, if both are valid."""
        return self.new_venue.typed_position()

    def _zone_name(self, venue: Venue | NewVenue | None) -> str | None:
        if venue is None:
            return None
        if isinstance(venue, Venue):
            return venue.timezone
        return self.new_venue.zone_of(venue)

    def _check_times(self, zone_name: str | None) -> tuple[datetime | None, datetime | None]:
        starts, ends = self.starts_at.data, self.ends_at.data
        if starts is None or ends is None or zone_name is None:
            return starts, ends
        zone = ZoneInfo(zone_name)
        clock = clock_problems(starts, ends, zone)
        if clock:  # the series' dates would only repeat it
            set_errors(self, clock)
            return None, None
        past_ok = not self._is_new and starts == self._original_start
        set_errors(self, time_problems(starts, ends, zone, past_ok=past_ok))
        return starts, ends

    def _check_series(
        self, starts: datetime | None, ends: datetime | None, zone_name: str | None
    ) -> tuple[Repeat, date | None, frozenset[date]]:
        repeat = Repeat(self.repeat.data) if self.repeat.data in set(Repeat) else Repeat.NONE
        until = self.repeat_until.data
        skips = self._parse_skips()
        if repeat == Repeat.NONE or starts is None:
            return repeat, None, skips
        zone = ZoneInfo(zone_name) if zone_name is not None else None
        set_errors(self, series_problems(starts, ends, repeat, until, skips, zone))
        return repeat, until, skips

    def _parse_skips(self) -> frozenset[date]:
        days: set[date] = set()
        for token in re.split(r"[\s,;]+", self.skip_dates.data or ""):
            if not token:
                continue
            try:
                days.add(date.fromisoformat(token))
            except ValueError:
                self.skip_dates.errors = [
                    _("%(value)s is not a date like 2026-12-24.", value=token[:20])
                ]
                break
        return frozenset(days)

    def _check_contact(self) -> str | None:
        url = self.contact_url.data or None
        if url is not None and not _URL.match(url):
            self.contact_url.errors = [_("Enter a link starting with https:// or mailto:.")]
            return None
        return url


class CancelForm(FlaskForm):
    reason = CleanTextAreaField(
        _l("Reason (shown publicly)"),
        validators=[Length(max=CANCEL_REASON_MAX)],
        description=_l("For example: the police did not allow the gathering."),
    )
    submit = SubmitField(_l("Cancel this event"))


class CancelDateForm(CancelForm):
    """Cancel one date of a series, with a public reason."""

    submit = SubmitField(_l("Cancel this date"))


class ReinstateForm(FlaskForm):
    """Confirm that a cancelled event takes place after all (one button, CSRF-checked)."""

    submit = SubmitField(_l("Reinstate this event"))
