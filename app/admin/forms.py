"""Admin forms: the campaign statement. (The invitation form lives in app.auth.forms.)"""

from __future__ import annotations

from babel import Locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs predate it
from wtforms.form import BaseForm
from wtforms.validators import DataRequired, Length, StopValidation

from app.campaign.services import BODY_MAX, BYLINE_MAX, SUBTITLE_MAX, TITLE_MAX
from app.config import LANGUAGES
from app.forms import CleanStringField, CleanTextAreaField


class _Required(DataRequired):
    """DataRequired that keeps the field's cleaning error.

    A Clean…Field that refuses its input (NUL, control characters) leaves its
    data empty; plain DataRequired would then replace the precise message with
    "This field is required."
    """

    def __call__(self, form: BaseForm, field: Field) -> None:
        if field.process_errors:
            raise StopValidation
        super().__call__(form, field)


def _at_most(limit: int) -> Length:
    return Length(max=limit, message=_l("Use at most %(max)d characters.", max=limit))


def _native_name(code: str) -> str:
    name: str = Locale.parse(code).get_display_name(code) or code
    return name


class StatementForm(FlaskForm):
    """A new version of the pinned statement; limits equal the statement_versions columns."""

    # Each language named in itself, as the language switch in the footer does.
    language = SelectField(
        _l("Language of the text"),
        choices=[SelectChoice(code, _native_name(code)) for code in LANGUAGES],
        default="en",
        description=_l("Publishing replaces the version pinned in this language."),
    )
    is_translation = BooleanField(
        _l("This text is a translation of the original"),
        description=_l(
            "Pages in this language show it with a link to the original; "
            "pages in languages without a version show the original."
        ),
    )

    title = CleanStringField(_l("Title"), validators=[_Required(), _at_most(TITLE_MAX)])
    subtitle = CleanStringField(_l("Subtitle"), validators=[_at_most(SUBTITLE_MAX)])
    byline = CleanStringField(
        _l("Byline"),
        validators=[_at_most(BYLINE_MAX)],
        description=_l("Who speaks: shown under the title."),
    )
    # The form is sent as multipart/form-data: percent-encoding would triple the
    # size of Persian text and hit the 64 KiB request limit at ~11,000 characters.
    body = CleanTextAreaField(
        _l("Text"),
        validators=[_Required(), _at_most(BODY_MAX)],
        description=_l(
            "Markdown: a blank line starts a new paragraph; *italic*, **bold**, "
            "[link text](https://…), lines starting with - make a list. "
            "HTML is shown as typed, not used."
        ),
    )
    submit = SubmitField(_l("Publish as the pinned statement"))
