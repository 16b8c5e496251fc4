"""Link previews in Chromium: the JSON-LD and Open Graph tags as the DOM has them.

The JSON-LD block is data, not a script: the CSP (app.web) must not report it and
the page must not run it. ``context`` checks after each test that nothing went to
another host and that no console error, page error or CSP violation happened.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from tests.browser.conftest import CANCELLED_TITLE, HOSTILE_TITLES, SAMPLE_TITLE, BrowserLog, Site
from tests.previews.parsing import event_problems

if TYPE_CHECKING:
    from playwright.sync_api import Page

# Read through the DOM, as a crawler that runs the page would.
READ_PREVIEW = """() => {
  const blocks = [...document.querySelectorAll('script[type="application/ld+json"]')];
  const meta = {};
  for (const tag of document.head.querySelectorAll("meta[property], meta[name]")) {
    meta[tag.getAttribute("property") || tag.getAttribute("name")] = tag.content;
  }
  return {blocks: blocks.map((b) => b.textContent), inHead: blocks.every((b) =>
    b.parentElement === document.head), meta,
    scripts: [...document.scripts].map((s) => s.type === "application/ld+json" || s.src !== "")};
}"""


def _preview(page: Page, site: Site, slug: str) -> dict[str, Any]:
    response = page.goto(f"/events/{slug}", wait_until="load")
    assert response is not None
    assert response.status == 200
    preview: dict[str, Any] = page.evaluate(READ_PREVIEW)
    assert preview["inHead"]
    assert len(preview["blocks"]) == 1
    return preview


def _share_image(site: Site) -> bool:
    return site.app is not None and "posters.share_image" in site.app.view_functions


def test_event_page_preview_reads_back_from_the_dom(
    page: Page, site: Site, browser_log: BrowserLog
) -> None:
    preview = _preview(page, site, site.sample_slug)
    url = f"{site.base_url}/events/{site.sample_slug}"
    meta = preview["meta"]
    assert meta["og:url"] == url
    assert meta["og:title"] == SAMPLE_TITLE
    assert meta["og:locale"] == "en_US"
    assert meta["twitter:card"] == ("summary_large_image" if _share_image(site) else "summary")
    doc = json.loads(preview["blocks"][0])
    assert event_problems(doc, image=_share_image(site)) == []
    assert doc["name"] == SAMPLE_TITLE
    assert doc["url"] == url
    assert doc["description"] == "Bring candles and photos."
    # The data block did not run: Chromium reported nothing about it.
    page.evaluate("0")
    browser_log.assert_clean("on the event page")


def test_hostile_and_persian_titles_stay_data(page: Page, site: Site) -> None:
    assert set(site.hostile) == set(HOSTILE_TITLES)  # "</script>…", quotes, Persian
    for title, (_, slug) in site.hostile.items():
        preview = _preview(page, site, slug)
        assert json.loads(preview["blocks"][0])["name"] == title
        assert preview["meta"]["og:title"] == title
        # Every script is a file of the site's or the one data block: none came from a title.
        assert all(preview["scripts"]), preview["scripts"]


def test_cancelled_event_in_persian(page: Page, site: Site) -> None:
    page.goto("/language/fa")
    _, slug = site.places[CANCELLED_TITLE]
    preview = _preview(page, site, slug)
    assert preview["meta"]["og:locale"] == "fa_IR"
    doc = json.loads(preview["blocks"][0])
    assert doc["eventStatus"] == "https://schema.org/EventCancelled"
    assert doc["startDate"].endswith(("+01:00", "+02:00"))  # Paris time
