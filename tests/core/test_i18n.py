"""Languages: choosing Persian, right-to-left pages, and a complete Persian catalog.

The catalog tests re-extract every marked string from app/ and templates/ (the
command documented in babel.cfg) and fail when one is missing from the Persian
.po, untranslated, fuzzy or has different placeholders: a new string cannot
reach the site in English only.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app.config import LANGUAGES
from app.models import Event, Venue
from tests.conftest import csrf_token
from tests.factories import make_event, make_user, make_venue

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "app" / "translations"
PERSIAN_PO = TRANSLATIONS / "fa" / "LC_MESSAGES" / "messages.po"
# Keep in step with the command in babel.cfg.
EXTRACT_ARGS = (
    "-F",
    str(ROOT / "babel.cfg"),
    "-k",
    "_l",
    "-k",
    "lazy_gettext",
    "-k",
    "lazy_ngettext:1,2",
    # Babel's default also skips directories starting with "_", i.e. templates/_macros.
    "--ignore-dirs",
    ".* __pycache__",
)

RTL_HTML = '<html lang="fa" dir="rtl">'
LTR_HTML = '<html lang="en" dir="ltr">'
# "Rallies and vigils" (navigation, on every page) and "Organizer sign-in".
FA_RALLIES_AND_VIGILS = "تجمع‌ها و مراسم شمع‌افروزی"
FA_ORGANIZER_SIGN_IN = "ورود برگزارکنندگان"
ZWNJ = "\u200c"
LRM = "\u200e"
# In Persian text, digits after Persian letters are laid out right to left, so
# "2026-12-24" would show as 24-12-2026, and "://" after "https" would sit on its left.
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
URL_START = re.compile(r"(?:https://|mailto:)[^\s)]*")
# A python-format placeholder such as %(name)s.
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs() -> None:
    """Compile each .po whose .mo is missing or older, as ``make translations`` does.

    The .mo files are build output (not committed); this lets ``pytest`` run on
    its own. The new file replaces the old one atomically, so a test run in
    another process never reads half a catalog.
    """
    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        handle, temporary = tempfile.mkstemp(dir=mo_path.parent, suffix=".mo.tmp")
        try:
            with os.fdopen(handle, "wb") as mo_file:
                write_mo(mo_file, catalog)
            Path(temporary).chmod(0o644)  # as `pybabel compile` leaves it: mkstemp makes 0600
            Path(temporary).replace(mo_path)
        finally:
            Path(temporary).unlink(missing_ok=True)


@pytest.fixture
def persian(client: FlaskClient) -> FlaskClient:
    """A client that chose Persian with the language cookie."""
    client.set_cookie("lang", "fa")
    return client


def _page(response: TestResponse) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _event(venue: Venue, *, kind: str = "vigil") -> Event:
    return make_event(
        venue,
        organizer=make_user(display_name="Organizer"),
        kind=kind,
        description="Bring candles.",
    )


# --- choosing the language -------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/events", "/auth/login"])
def test_cookie_fa_renders_right_to_left_persian(persian: FlaskClient, path: str) -> None:
    html = _page(persian.get(path))
    assert RTL_HTML in html
    assert FA_RALLIES_AND_VIGILS in html
    assert "Rallies and vigils" not in html


def test_login_page_is_persian(persian: FlaskClient) -> None:
    html = _page(persian.get("/auth/login"))
    assert FA_ORGANIZER_SIGN_IN in html
    assert ">رمز عبور</label>" in html  # a lazily translated form label


@pytest.mark.parametrize("header", ["fa", "fa-IR,fa;q=0.9,en;q=0.5", "es-ES,fa;q=0.8"])
def test_accept_language_fa_renders_right_to_left(client: FlaskClient, header: str) -> None:
    html = _page(client.get("/events", headers={"Accept-Language": header}))
    assert RTL_HTML in html
    assert FA_RALLIES_AND_VIGILS in html


@pytest.mark.parametrize("header", ["de-DE,de;q=0.9,en;q=0.8", "de-AT", "de-CH,fa;q=0.5"])
def test_accept_language_de_renders_german(client: FlaskClient, header: str) -> None:
    html = _page(client.get("/events", headers={"Accept-Language": header}))
    assert '<html lang="de" dir="ltr">' in html
    assert "Kundgebungen und Mahnwachen" in html  # the navigation, on every page
    assert "Rallies and vigils" not in html


def test_english_is_the_default_left_to_right(client: FlaskClient) -> None:
    html = _page(client.get("/"))
    assert LTR_HTML in html
    assert "Rallies and vigils" in html
    assert FA_RALLIES_AND_VIGILS not in html


def test_cookie_wins_over_the_browser_language(client: FlaskClient) -> None:
    client.set_cookie("lang", "en")
    html = _page(client.get("/", headers={"Accept-Language": "fa"}))
    assert LTR_HTML in html


def test_unknown_cookie_value_is_ignored(client: FlaskClient) -> None:
    client.set_cookie("lang", "xx")
    assert RTL_HTML in _page(client.get("/", headers={"Accept-Language": "fa"}))
    assert LTR_HTML in _page(client.get("/"))


def test_language_switch_sets_cookie_and_returns_to_next(client: FlaskClient) -> None:
    response = client.get("/language/fa?next=/events")
    assert response.status_code == 303
    assert response.headers["Location"] == "/events"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=fa;")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert RTL_HTML in _page(client.get("/events"))

    client.get("/language/en?next=/events")
    assert LTR_HTML in _page(client.get("/events"))


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "//evil.example/events", "https://evil.example/", "/\\evil.example", ""],
)
def test_language_switch_refuses_other_sites(client: FlaskClient, target: str) -> None:
    response = client.get("/language/fa", query_string={"next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert "lang=fa" in response.headers["Set-Cookie"]


def test_unknown_language_sets_no_cookie(client: FlaskClient) -> None:
    response = client.get("/language/xx?next=/events")
    assert response.status_code == 303
    assert response.headers["Location"] == "/events"
    assert "Set-Cookie" not in response.headers
    assert LTR_HTML in _page(client.get("/events"))


def test_footer_links_switch_language_and_keep_the_page(persian: FlaskClient) -> None:
    html = _page(persian.get("/events?city=Berlin"))
    assert 'href="/language/en?next=/events?city%3DBerlin"' in html
    current = re.search(r'<a [^>]*aria-current="true"[^>]*>([^<]*)</a>', html)
    assert current is not None
    assert current.group(1) == "فارسی"


# --- Persian content -------------------------------------------------------------------


def test_event_pages_are_persian(persian: FlaskClient) -> None:
    event = _event(make_venue())
    html = _page(persian.get(f"/events/{event.slug}"))
    assert RTL_HTML in html
    assert '<p class="kind">مراسم شمع‌افروزی</p>' in html  # the kind, from _macros/events.html
    assert "<dt>برگزارکننده</dt>" in html
    assert "دسامبر" in html  # the date, formatted by Babel in Persian
    assert "Vigil for the prisoners" in html  # what organizers wrote stays as written

    listing = _page(persian.get("/events"))
    assert "<bdi>Embassy of Iran, Berlin</bdi>، <bdi>Berlin</bdi> (DE)" in listing
    # ngettext, one plural form: the count of events in Persian digits (app.template_i18n).
    assert '<p class="count" role="status">۱ رویداد یافت شد</p>' in listing


def test_card_place_stays_escaped(client: FlaskClient) -> None:
    _event(make_venue(name="<b>Embassy</b>", city="Berlin & Co"))
    html = _page(client.get("/events"))
    assert "<bdi>&lt;b&gt;Embassy&lt;/b&gt;</bdi>, <bdi>Berlin &amp; Co</bdi> (DE)" in html


def test_form_errors_are_persian(persian: FlaskClient) -> None:
    token = csrf_token(persian, "/auth/login")
    response = persian.post("/auth/login", data={"email": "", "password": "", "csrf_token": token})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert RTL_HTML in html
    assert "لطفاً موارد مشخص‌شده را اصلاح کنید." in html  # our own message
    assert "این فیلد اجباریست." in html  # WTForms' "This field is required." in its fa catalog


def test_error_pages_are_persian(persian: FlaskClient) -> None:
    response = persian.get("/no-such-page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert RTL_HTML in html
    assert "خطای ۴۰۴" in html  # the status in Persian digits
    assert "اینجا چیزی نیست." in html


def test_bad_filter_message_is_persian(persian: FlaskClient) -> None:
    # The list page comes back with its form, in Persian.
    response = persian.get("/events?country=XYZ")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert RTL_HTML in body
    assert "لطفاً موارد مشخص‌شده را اصلاح کنید." in body
    assert '<p class="error" id="country-error">' in body
    # A document (feed, map data) answers with one readable message.
    document = persian.get("/events.geojson?country=XYZ")
    assert document.status_code == 400
    assert "برخی از فیلترها معتبر نیستند: " in document.get_data(as_text=True)


# --- the catalog -----------------------------------------------------------------------


def _read(path: Path) -> Catalog:
    with path.open("rb") as po_file:
        return read_po(po_file)


@pytest.fixture(scope="module")
def persian_catalog() -> Catalog:
    return _read(PERSIAN_PO)


def _catalog_path(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"


# Every language but the one the strings are written in.
TRANSLATED = [language for language in LANGUAGES if language != "en"]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """What `pybabel extract` finds in the code and templates now."""
    output = tmp_path_factory.mktemp("i18n") / "messages.pot"
    CommandLineInterface().run(
        ["pybabel", "--quiet", "extract", *EXTRACT_ARGS, "-o", str(output), str(ROOT)]
    )
    return _read(output)


def _ids(catalog: Catalog) -> set[object]:
    return {message.id for message in catalog if message.id}


def _strings(message: object) -> tuple[str, ...]:
    value = getattr(message, "string", "")
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def test_extraction_finds_macros_and_plurals(extracted: Catalog) -> None:
    ids = _ids(extracted)
    assert "Please correct the marked fields." in ids  # templates/_macros/forms.html
    assert ("%(num)d event found", "%(num)d events found") in ids  # ngettext in a template
    assert "E-mail" in ids  # _l() in a form
    assert len(ids) > 200


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_marked_string_is_in_each_catalog(extracted: Catalog, language: str) -> None:
    missing = sorted(map(str, _ids(extracted) - _ids(_read(_catalog_path(language)))))
    assert not missing, (
        f"strings missing from the {language} catalog; extract, `pybabel update` and "
        f"translate them (see babel.cfg): {missing}"
    )


def test_template_pot_is_up_to_date(extracted: Catalog) -> None:
    committed = _read(TRANSLATIONS / "messages.pot")
    assert _ids(committed) == _ids(extracted), "re-run the extraction in babel.cfg"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated(language: str) -> None:
    catalog = _read(_catalog_path(language))
    assert not catalog.fuzzy
    for message in catalog:
        if not message.id:
            continue
        strings = _strings(message)
        assert all(s.strip() for s in strings), f"{language} untranslated: {message.id!r}"
        assert not message.fuzzy, f"{language} fuzzy: {message.id!r}"
        if message.pluralizable:
            assert len(strings) == catalog.num_plurals, message.id


@pytest.mark.parametrize("language", TRANSLATED)
def test_placeholders_match(language: str) -> None:
    catalog = _read(_catalog_path(language))
    problems = [(message.id, str(error)) for message, errors in catalog.check() for error in errors]
    assert not problems


def test_persian_has_one_plural_form(persian_catalog: Catalog) -> None:
    assert persian_catalog.num_plurals == 1


def test_persian_zero_width_non_joiners_are_inside_words(persian_catalog: Catalog) -> None:
    """A ZWNJ joins parts of one word (می‌خواهیم); next to a space it is a typo."""
    for message in persian_catalog:
        for text in _strings(message):
            for index, char in enumerate(text):
                if char != ZWNJ:
                    continue
                before = text[index - 1] if index else " "
                after = text[index + 1] if index + 1 < len(text) else " "
                assert before.isalpha(), (message.id, text)
                assert after.isalpha(), (message.id, text)


def test_persian_latin_fragments_keep_their_order(persian_catalog: Catalog) -> None:
    """Example dates start, and https:// or mailto: end, with a left-to-right mark."""
    for message in persian_catalog:
        if not message.id:
            continue
        for text in _strings(message):
            for date_match in ISO_DATE.finditer(text):
                assert text[date_match.start() - 1] == LRM, (message.id, text)
            for url_match in URL_START.finditer(text):
                assert url_match.group().endswith(LRM), (message.id, text)


def test_persian_catalog_uses_persian_script(persian_catalog: Catalog) -> None:
    """Catches a msgstr pasted in English: every translation of words holds Persian letters
    (a pattern of placeholders and punctuation only, "%(site)s — %(what)s", has none)."""
    latin_only = [
        message.id
        for message in persian_catalog
        if message.id
        and re.search(r"[A-Za-z]", PLACEHOLDER.sub("", str(message.id)))
        and not any("\u0600" <= char <= "\u06ff" for text in _strings(message) for char in text)
    ]
    assert not latin_only
