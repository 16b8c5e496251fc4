"""Query-string parameters of the API's lists: the filters of /events, a cursor, a limit.

The event filters are app.events.filters.FilterForm's (one home for list filters,
STYLE.md rule 15) without its page number: the API pages with cursors.
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask import abort, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import Length, NumberRange, Optional

from app.api.queries import CURSOR_MAX, Cursor, InvalidCursorError, decode_cursor
from app.events.filters import FilterForm, check_country_code
from app.forms import CleanStringField
from app.models.venue import COUNTRY_CODE_LENGTH

LIMIT_DEFAULT = 20
LIMIT_MAX = 100


def _cursor_field() -> CleanStringField:
    return CleanStringField(
        _l("Cursor"),
        validators=[Length(max=CURSOR_MAX)],
        description=_l("Where the page starts: the cursor of the previous page's next link."),
    )


def _limit_field(default: int) -> IntegerField:
    return IntegerField(
        _l("Limit"),
        validators=[Optional(), NumberRange(min=1, max=LIMIT_MAX)],
        default=default,
        description=_l("How many items a page holds."),
    )


class _Paged:
    """The cursor's checks, shared by the forms of both lists."""

    cursor: CleanStringField
    limit: IntegerField
    default_limit = LIMIT_DEFAULT

    def check_cursor(self) -> bool:
        if not self.cursor.data or self.cursor.errors:
            return True
        try:
            decode_cursor(self.cursor.data)
        except InvalidCursorError:
            self.cursor.errors = [_("This cursor is not valid. Use the next link of a page.")]
            return False
        return True

    @property
    def after(self) -> Cursor | None:
        """The decoded cursor; call after ``validate()`` returned True."""
        return decode_cursor(self.cursor.data) if self.cursor.data else None

    @property
    def page_size(self) -> int:
        data = self.limit.data
        return data if isinstance(data, int) else self.default_limit


class EventQueryForm(_Paged, FilterForm):
    """Parameters of /api/v1/events."""

    page = None  # type: ignore[assignment]  # WTForms drops a field set to None
    cursor = _cursor_field()
    limit = _limit_field(LIMIT_DEFAULT)

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        return self.check_cursor() and ok


class VenueQueryForm(_Paged, FlaskForm):
    """Parameters of /api/v1/venues: a country, a cursor and a limit."""

    class Meta:
        csrf = False

    country = CleanStringField(_l("Country code"), validators=[Length(max=COUNTRY_CODE_LENGTH)])
    cursor = _cursor_field()
    limit = _limit_field(LIMIT_MAX)
    default_limit = LIMIT_MAX

    @property
    def country_code(self) -> str | None:
        return (self.country.data or "").upper() or None

    def validate(self, extra_validators: Any = None) -> bool:
        ok = bool(super().validate(extra_validators))
        ok = check_country_code(self.country, self.country_code) and ok
        return self.check_cursor() and ok

    def canonical_args(self) -> dict[str, str]:
        """Every parameter in one spelling: a cache key (as PlaceFilterForm's)."""
        args = {
            "country": self.country_code or "",
            "cursor": self.cursor.data,
            "limit": str(self.page_size),
        }
        return {name: value for name, value in args.items() if value}


F = TypeVar("F", EventQueryForm, VenueQueryForm)


def read_parameters(form_class: type[F]) -> F:
    """The request's query-string parameters as ``form_class``, validated.

    Aborts with 400 and a detail naming each invalid parameter and what is wrong with
    it; unknown parameters are ignored, as on /events.
    """
    form = form_class(formdata=request.args)
    if not form.validate():
        problems = "; ".join(
            f"{form[name].label.text}: {' '.join(str(error) for error in errors)}"
            for name, errors in form.errors.items()
        )
        detail = _(
            "Some parameters are not valid. %(problems)s",
            problems=problems,
        )
        abort(400, description=detail)
    return form
