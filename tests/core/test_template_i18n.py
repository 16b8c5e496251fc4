"""Templates' gettext functions (app.template_i18n): counts in the page's own digits."""

from __future__ import annotations

import pytest
from flask import Flask, render_template_string
from flask_babel import force_locale
from markupsafe import Markup

from app.dates import page_digits

TEMPLATE = (
    "{{ ngettext('%(num)d event found', '%(num)d events found', n) }}|"
    "{{ _('Show events within %(km)d km', km=1250) }}|"
    "{{ _('Translation; the original is in %(language)s.', language=link) }}|"
    "{{ _('The nearest upcoming event is %(km)s km away', km='<b>12</b>') }}"
)
LINK = '<a href="/events?page=2">x</a>'


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["3 events found", "Show events within 1250 km"]),
        ("de", ["3 Veranstaltungen gefunden", "Veranstaltungen im Umkreis von 1250 km zeigen"]),
        ("fa", ["۳ رویداد یافت شد", "نمایش رویدادها در شعاع ۱۲۵۰ کیلومتر"]),
    ],
)
def test_counts_are_written_in_the_pages_digits(
    app: Flask, language: str, expected: list[str]
) -> None:
    with app.test_request_context(), force_locale(language):
        counted, within, note, escaped = render_template_string(
            TEMPLATE,
            n=3,
            link=Markup(LINK),  # noqa: S704 - a constant
        ).split("|")
    assert [counted, within] == expected
    # A value that is markup keeps its characters, digits in its link included.
    assert LINK in note
    # A value that is text is escaped, as before: never markup, and its digits are its own.
    assert "&lt;b&gt;12&lt;/b&gt;" in escaped


def test_sentences_made_in_python_get_the_pages_digits_but_markup_stays(app: Flask) -> None:
    with app.test_request_context(), force_locale("fa"):
        assert page_digits("3 people were notified") == "۳ people were notified"
        link = Markup('<a href="/events/12">1</a>')
        assert page_digits(link) == link
    with app.test_request_context(), force_locale("de"):
        assert page_digits("3 Personen") == "3 Personen"
