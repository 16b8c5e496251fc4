"""What a shared link shows: Open Graph and Twitter-card tags, and JSON-LD for events.

Every value comes from the page's data and language only, never from the request
(its Host, cookies, query string): public pages are cached for anonymous visitors
per path, query string and language (app.pagecache), and a preview fetched by a
messenger must name the site's real address (app.urls, VIGIL_BASE_URL).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser

from flask import current_app, get_template_attribute
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from app.events.public import organized_by
from app.events.queries import DateLine
from app.markdown import render_markdown
from app.models import Event
from app.previews.jsonld import EventDate, event_documents, html_safe_json
from app.urls import absolute_url
from app.venues.countries import place_line
from app.web import format_when

SHARE_IMAGE_ENDPOINT = "posters.share_image"  # /events/<slug>/share.png (app.posters)
SHARE_IMAGE_SIZE = (1200, 630)
# og:description: what the platforms show without cutting (Facebook ~200, X ~200).
DESCRIPTION_MAX = 200
# JSON-LD description: the whole text up to a sane bound (the form allows 5,000).
LONG_DESCRIPTION_MAX = 5000
# Open Graph wants a language and a territory.
OG_LOCALES = {"en": "en_US", "de": "de_DE", "fa": "fa_IR"}
# Embeddings, overrides and isolates (app.text refuses them in forms): in a preview they
# could reorder the platform's own text around ours, so older data loses them here.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_MACROS = "_macros/previews.html"


@dataclass(frozen=True)
class Preview:
    """The tags of one page, all plain text (the macro escapes them) or absolute URLs.

    ``noindex``: the page is not for the public (a draft): no preview, no JSON-LD,
    only a request not to index it.
    """

    title: str
    description: str
    url: str
    og_type: str
    site_name: str
    locale: str
    image: str | None = None
    image_alt: str = ""
    json_ld: Markup | None = None
    noindex: bool = False

    @property
    def twitter_card(self) -> str:
        """The large card only when there is an image to show in it."""
        return "summary_large_image" if self.image else "summary"

    @property
    def image_size(self) -> tuple[int, int]:
        return SHARE_IMAGE_SIZE


class _TextOfHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts.append(" ")  # "<p>a</p><p>b</p>" reads "a b", not "ab"

    def handle_endtag(self, tag: str) -> None:
        self.parts.append(" ")


def plain_text(value: str, limit: int) -> str:
    """``value`` (HTML if it is Markup, else text) as one line of at most ``limit`` characters.

    Whitespace runs become one space and bidi embedding/override/isolate controls go;
    a longer text is cut at a word boundary where one is near and ends with "…".
    """
    if isinstance(value, Markup):
        parser = _TextOfHtml()
        parser.feed(str(value))
        parser.close()
        value = "".join(parser.parts)
    text = " ".join(_BIDI_CONTROLS.sub("", value).split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:·-—") + "…"


def og_locale() -> str:
    """The page language as Open Graph writes it (fa_IR, en_US)."""
    language = str(get_locale())
    return OG_LOCALES.get(language, language)


def share_image_url(event: Event) -> str:
    """The absolute URL of the event's share image (app.posters).

    ``v`` names the event's last change: messengers and networks keep an image by its
    URL, so a changed event gets a new one. The image's route ignores it.
    """
    version = int(event.last_modified_at.timestamp())
    return absolute_url(SHARE_IMAGE_ENDPOINT, slug=event.slug, v=version)


def _site_name() -> str:
    return str(current_app.config["SITE_NAME"])


def _default_description() -> str:
    # The wording of the feeds' description (app.feeds.documents), already translated.
    return str(
        _(
            "Rallies and vigils in solidarity with the political prisoners of Iran "
            "and the Woman, Life, Freedom movement."
        )
    )


def page_preview(
    endpoint: str, title: str, description: str | None = None, og_type: str = "website"
) -> Preview:
    """The preview of a site page (home, statement, map) at ``endpoint`` (no arguments).

    ``description``: text, or Markup (sanitised HTML, such as the statement's body)
    whose text is used; the site's description if empty. Vigil has no site-wide
    image yet, so these pages get the small card.
    """
    text = plain_text(description or "", DESCRIPTION_MAX) or _default_description()
    return Preview(
        title=plain_text(title, DESCRIPTION_MAX),
        description=text,
        url=absolute_url(endpoint),
        og_type=og_type,
        site_name=_site_name(),
        locale=og_locale(),
    )


def event_preview(event: Event, dates: Sequence[DateLine]) -> Preview:
    """The preview and JSON-LD of an event page showing ``dates`` (its date lines).

    A draft (seen only by its organizer and admins) gets ``noindex`` and nothing else.
    """
    url = absolute_url("events.show", slug=event.slug)
    if event.is_draft:
        return Preview(
            title="",
            description="",
            url=url,
            og_type="website",
            site_name=_site_name(),
            locale=og_locale(),
            noindex=True,
        )
    name = plain_text(event.title, DESCRIPTION_MAX)
    # The sanitised HTML the page shows, so the preview says what the page says.
    body = plain_text(render_markdown(event.description), LONG_DESCRIPTION_MAX)
    where = plain_text(place_line(event.venue, str(get_locale())), DESCRIPTION_MAX)
    held = [line for line in dates if not line.cancelled] or list(dates)
    summary = where
    if held:
        summary = f"{format_when(held[0].starts_at, held[0].ends_at, event.timezone)} · {where}"
    image = share_image_url(event)
    documents = event_documents(
        event,
        [EventDate(line.starts_at, line.ends_at, line.cancelled) for line in dates],
        name=name,
        description=body or plain_text(f"{event.kind.label} · {where}", DESCRIPTION_MAX),
        url=url,
        organizer=plain_text(organized_by(event), DESCRIPTION_MAX),
        image=image,
    )
    title = str(_("Cancelled: %(title)s", title=name)) if event.is_cancelled else name
    return Preview(
        title=title,
        description=plain_text(f"{summary} · {body}" if body else summary, DESCRIPTION_MAX),
        url=url,
        og_type="website",
        site_name=_site_name(),
        locale=og_locale(),
        image=image,
        image_alt=plain_text(f"{name} · {summary}", DESCRIPTION_MAX),
        json_ld=html_safe_json(documents[0] if len(documents) == 1 else documents),
    )


def preview_tags(preview: Preview) -> Markup:
    """The ``<head>`` tags of ``preview`` (templates/_macros/previews.html)."""
    render: Callable[[Preview], Markup] = get_template_attribute(_MACROS, "preview_tags")
    return render(preview)
