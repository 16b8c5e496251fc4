"""Form pieces every feature uses: text fields that enforce app.text rules, the empty form."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.utils import unset_value

from app.text import TextError, clean_text

_TEXT_ERRORS = {
    "NUL": _l("This text contains a NUL character, which cannot be stored."),
    "bidi": _l(
        "This text contains invisible direction-override characters, "
        "which can disguise what it says. Remove them."
    ),
    "control": _l("This text contains control characters. Remove them."),
}


def _clean(value: str, *, multiline: bool) -> str:
    try:
        return clean_text(value, multiline=multiline)
    except TextError as exc:
        raise ValueError(str(_TEXT_ERRORS[str(exc)])) from None


class CleanStringField(StringField):
    """A one-line text field: trimmed, NFC, no control or bidi-override characters.

    Its ``data`` is always a ``str`` ("" when empty), never None.
    """

    data: str

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        super().process(formdata, data, extra_filters)
        if self.data is None:
            self.data = ""

    def process_formdata(self, valuelist: Sequence[Any]) -> None:
        # The first value wins when a field is sent twice (design/security.md T43).
        if valuelist:
            # Keep the raw text if cleaning fails: it is shown again for correction,
            # and being non-empty it lets our precise message stand (DataRequired
            # would otherwise replace it with "This field is required").
            self.data = str(valuelist[0])
            self.data = _clean(self.data, multiline=False)
        else:
            self.data = self.default if isinstance(self.default, str) else ""


class CleanTextAreaField(TextAreaField):
    """A multi-line text field: CRLF to LF, NFC, no control or bidi-override characters.

    Its ``data`` is always a ``str`` ("" when empty), never None.
    """

    data: str

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        super().process(formdata, data, extra_filters)
        if self.data is None:
            self.data = ""

    def process_formdata(self, valuelist: Sequence[Any]) -> None:
        if valuelist:
            self.data = str(valuelist[0])
            self.data = _clean(self.data, multiline=True)
        else:
            self.data = ""


class EmptyForm(FlaskForm):
    """Carries only the CSRF token, for one-button POST actions."""
