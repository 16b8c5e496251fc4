"""Dates, times and numbers as pages show them: in the page language, in venue time.

Persian pages write Persian digits and give the Solar Hijri (Jalali) date beside the
Gregorian one, because that is how Persian readers read a date; feeds (iCal, RSS/Atom,
the JSON API) stay Gregorian with Latin digits, because programs read them
(``feed=True``). Babel formats the Gregorian dates; it knows that Persian counts in
``arabext`` digits (``Locale.default_numbering_system``) but, as of 2.19, uses that
system only for symbols such as the decimal separator, never for the digits
themselves, so the digits are swapped here. The Jalali calendar comes from jdatetime
(Babel formats the Gregorian calendar only).

Inside right-to-left text, ``when_html`` isolates each part of a date and time with
``<bdi>``: a zone such as ``+0330`` or a multi-day end would otherwise be reordered by
the bidirectional algorithm ("0330+").
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo

import jdatetime  # type: ignore[import-untyped]  # ships no types
from babel import Locale
from babel.dates import format_date, format_time, get_timezone_location
from babel.numbers import format_decimal
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from app.config import RTL_LANGUAGES

# Languages whose readers get the Solar Hijri date beside the Gregorian one.
SOLAR_HIJRI_LANGUAGES = frozenset({"fa"})
# The digits of CLDR's numbering systems that our languages may use.
_DIGITS = {"arabext": "۰۱۲۳۴۵۶۷۸۹", "arab": "٠١٢٣٤٥٦٧٨٩"}
# A left-to-right mark: keeps "+0330" in order inside right-to-left plain text.
LRM = "\u200e"


@cache
def _digit_table(language: str) -> dict[int, int] | None:
    digits = _DIGITS.get(Locale.parse(language).default_numbering_system)
    return str.maketrans("0123456789", digits) if digits else None


def has_native_digits(language: str) -> bool:
    """Whether ``language`` writes numbers in digits of its own (Persian does)."""
    return _digit_table(language) is not None


def native_digits(text: str, language: str | None = None) -> str:
    """``text`` with its digits written in the language's own (``۱۴۰۵`` in Persian).

    ``language`` defaults to the page language. Latin-digit languages get ``text`` back.
    """
    table = _digit_table(language or str(get_locale()))
    return text.translate(table) if table else text


def zone_place(zone: str) -> str:
    """The venue zone named for people, in the page language: "Germany (Berlin) Time" for
    Europe/Berlin (CLDR via Babel), whatever the season; the times beside it carry the offset."""
    return str(get_timezone_location(ZoneInfo(zone), locale=str(get_locale())))


def page_digits(text: str) -> str:
    """A sentence made in Python (a flash: "3 people were notified") in the page's digits;
    markup is left as it is, so digits in its links stay Latin."""
    if isinstance(text, Markup):
        return text
    return native_digits(str(text))


def jalali_date(day: date) -> str:
    """``day`` in the Solar Hijri calendar, in Persian: "۱۴ آذر ۱۴۰۵"."""
    jday = jdatetime.date.fromgregorian(date=day)
    month: str = jdatetime.date.j_months_fa[jday.month - 1]
    return native_digits(f"{jday.day} {month} {jday.year}", "fa")


def local_datetime(instant: datetime, zone: str) -> datetime:
    """``instant`` (aware UTC) as wall time in the IANA ``zone``."""
    return instant.astimezone(ZoneInfo(zone))


def zone_abbreviation(instant: datetime, zone: str) -> str:
    """The zone's abbreviation at that instant, e.g. CET or CEST."""
    return local_datetime(instant, zone).strftime("%Z")


def _full_day(day: date, language: str, *, feed: bool) -> str:
    text = format_date(day, format="full", locale=language)
    if feed:
        return text
    if language in SOLAR_HIJRI_LANGUAGES:
        text = f"{text} ({jalali_date(day)})"
    return native_digits(text, language)


def _when_parts(starts_at: datetime, ends_at: datetime, zone: str, *, feed: bool) -> dict[str, str]:
    language = str(get_locale())
    start = local_datetime(starts_at, zone)
    end = local_datetime(ends_at, zone)
    start_time = format_time(start.time(), format="HH:mm", locale=language)
    end_time = format_time(end.time(), format="HH:mm", locale=language)
    if end.date() != start.date():
        end_day = format_date(end.date(), format="medium", locale=language)
        end_time = f"{end_day} {end_time}"
    if not feed:
        start_time = native_digits(start_time, language)
        end_time = native_digits(end_time, language)
    return {
        "day": _full_day(start.date(), language, feed=feed),
        "start": start_time,
        "end": end_time,
        # The abbreviation stays as the zone database writes it: CET, +0330.
        "zone": start.strftime("%Z"),
    }


def format_when(starts_at: datetime, ends_at: datetime, zone: str, *, feed: bool = False) -> str:
    """ "Saturday, 5 December 2026, 15:00–17:00 CET" in the venue's zone and the page language.

    Pages show venue time, never the viewer's (STYLE.md rule 4). Plain text, for mails,
    posters, map popups and previews; ``feed=True``: Gregorian with Latin digits.
    """
    parts = _when_parts(starts_at, ends_at, zone, feed=feed)
    if not feed and str(get_locale()) in RTL_LANGUAGES:
        parts["zone"] = LRM + parts["zone"]
    text: str = _("%(day)s, %(start)s–%(end)s %(zone)s", **parts)
    return text


def when_html(starts_at: datetime, ends_at: datetime, zone: str) -> Markup:
    """``format_when`` for HTML (the ``when`` filter): in right-to-left pages each part
    is isolated with ``<bdi>``, the zone left to right."""
    if str(get_locale()) not in RTL_LANGUAGES:
        return escape(format_when(starts_at, ends_at, zone))
    parts = _when_parts(starts_at, ends_at, zone, feed=False)
    isolated = {name: Markup("<bdi>%s</bdi>") % value for name, value in parts.items()}
    isolated["zone"] = Markup('<bdi dir="ltr">%s</bdi>') % parts["zone"]
    # The translated pattern without its values (Flask-Babel formats only with values).
    pattern: str = _("%(day)s, %(start)s–%(end)s %(zone)s")
    return escape(pattern) % isolated


def format_day(instant: datetime, zone: str) -> str:
    """The local date of ``instant`` in ``zone``, e.g. "Nov 28, 2026"."""
    return format_calendar_date(local_datetime(instant, zone).date())


def format_day_time(instant: datetime, zone: str) -> str:
    """The local date and 24-hour time of ``instant`` in ``zone`` with the zone's abbreviation,
    e.g. "Nov 28, 2026, 15:00 CET": HH:mm in every language, never a locale's AM/PM."""
    local = local_datetime(instant, zone)
    language = str(get_locale())
    text: str = _(
        "%(day)s, %(time)s %(zone)s",
        day=format_calendar_date(local.date()),
        time=native_digits(format_time(local.time(), format="HH:mm", locale=language), language),
        zone=(LRM if language in RTL_LANGUAGES else "") + local.strftime("%Z"),
    )
    return text


def format_calendar_date(day: date, style: str = "medium") -> str:
    """A calendar date in the page language, e.g. "Nov 28, 2026" (``style``: Babel's).

    Persian: Persian digits and the Solar Hijri date too, "۲۸ نوامبر ۲۰۲۶ (۷ آذر ۱۴۰۵)".
    """
    language = str(get_locale())
    text = format_date(day, format=style, locale=language)
    if language in SOLAR_HIJRI_LANGUAGES:
        text = f"{text} ({jalali_date(day)})"
    return native_digits(text, language)


def format_distance(km: float) -> str:
    """A distance in km for people: "3.4" below 10 km, whole kilometres above."""
    value = round(km, 1) if km < 10 else round(km)
    # "default": the language's own numbering system, so Persian gets its decimal separator.
    language = str(get_locale())
    return native_digits(format_decimal(value, locale=language, numbering_system="default"))
