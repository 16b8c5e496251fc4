"""PNGs of the main pages in every language, at desktop and phone width, for review.

    .venv/bin/python tools/screenshots.py               # the main pages, into screenshots/
    .venv/bin/python tools/screenshots.py --all         # every page of tests/browser/pages.py
    .venv/bin/python tools/screenshots.py --pages home,map-near --out /tmp/shots

``make screenshots`` runs it. The app is served on a free loopback port from a scratch
SQLite database in a temporary folder, prepared as ``make run`` prepares one (missions,
statement, demo events), plus an admin for the organizer pages; the folder goes at the
end. The pages are walked as the browser tests walk them (tests/browser/pages.py), in the
system Chromium (/usr/bin/chromium, never a downloaded browser), and every request for
another host is blocked and named at the end: a page must not need one.

Files are named LANGUAGE-WIDTH-PAGE.png, whole pages (not just the first screen).
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the page list lives with the browser tests

from flask import Flask  # noqa: E402 (after the path above)
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import select  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from app import create_app  # noqa: E402
from app.auth.services import create_user  # noqa: E402
from app.config import LANGUAGES  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Event, Role  # noqa: E402
from app.models.event import EventStatus, Repeat  # noqa: E402
from app.models.statement import StatementVersion  # noqa: E402
from app.web import LANG_COOKIE  # noqa: E402
from tests.browser.pages import PAGES, Places, walk  # noqa: E402

if TYPE_CHECKING:
    from playwright.sync_api import Page, Request, Route

CHROMIUM = Path("/usr/bin/chromium")
LOOPBACK = "127.0.0.1"
WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}
# Home, the list, an event, an RSVP's confirmation, the map near a city, the organizer's
# list and form: what a reviewer looks at first.
MAIN_PAGES = (
    "home",
    "events",
    "event",
    "rsvp-done",
    "map-near",
    "organizer-list",
    "organizer-new",
)
ADMIN_EMAIL = "screenshots@example.org"
PASSWORD = secrets.token_urlsafe(24)


def _app(folder: Path) -> Flask:
    """The app as ``make run`` configures it, on a scratch database in ``folder``."""
    return create_app(
        {
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DATABASE_URL": f"sqlite:///{folder / 'vigil.db'}",
            "CACHE_DIR": str(folder / "cache"),
            "SECURE_COOKIES": False,
            "BASE_URL": f"http://{LOOPBACK}",  # with the port once it is known
            "REDIS_URL": None,
            "CACHE_REDIS_URL": None,
            "MAIL_CONSOLE": True,
            # The register page exists only then; it is one of the pages.
            "OPEN_REGISTRATION": True,
            # One RSVP and one sign-in per language and width, from this one client.
            "RSVP_RATE_LIMIT": "100 per minute",
            "RSVP_EVENT_RATE_LIMIT": "100 per minute",
            "LOGIN_RATE_LIMIT": "100 per minute",
            # The tool's admin signs in with a password only: the pages, not the enrolment.
            "REQUIRE_2FA": False,
        },
        environ={},
    )


def _prepare(app: Flask) -> Places:
    """Migrate and seed as ``make run`` does, add an admin; the pages' places."""
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    runner = app.test_cli_runner()
    for command in (["venues", "import"], ["statement", "load"], ["demo", "seed"]):
        result = runner.invoke(args=command)
        if result.exit_code != 0:
            raise SystemExit(f"flask {' '.join(command)} failed:\n{result.output}")
    with app.app_context():
        create_user(email=ADMIN_EMAIL, display_name="Admin", password=PASSWORD, role=Role.ADMIN)
        db.session.commit()
        published = select(Event).where(Event.status == EventStatus.PUBLISHED).order_by(Event.id)
        events = db.session.scalars(published).all()
        single = next(e for e in events if e.repeat == Repeat.NONE and e.description)
        series = next((e for e in events if e.repeat == Repeat.WEEKLY), single)
        version = db.session.scalars(select(StatementVersion.id)).first()
        if version is None:
            raise SystemExit("flask statement load pinned no statement")
        return Places(
            event=single.slug,
            series=series.slug,
            event_id=single.id,
            statement_version=version,
            city=single.venue.city,
            country=single.venue.country_code,
        )


@contextmanager
def _serving(app: Flask) -> Iterator[str]:
    server = make_server(LOOPBACK, 0, app, threaded=True)
    base_url = f"http://{LOOPBACK}:{server.server_port}"
    app.config["BASE_URL"] = base_url  # links in pages name the port the server got
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base_url
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def _sign_in(page: Page) -> None:
    page.goto("/auth/login")
    page.locator("#email").fill(ADMIN_EMAIL)
    page.locator("#password").fill(PASSWORD)
    page.locator("main form [type=submit]").click()
    page.wait_for_url("**/organize/")


def _shoot(base_url: str, places: Places, names: set[str], out: Path) -> list[str]:
    """Every chosen page in every language and width; the blocked off-host requests."""
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []

    def route(route: Route, request: Request) -> None:
        if urlsplit(request.url).hostname == LOOPBACK:
            route.continue_()
        else:
            blocked.append(request.url)
            route.abort("blockedbyclient")

    # A page reached by steps (the manage page after an RSVP) needs the steps before it.
    steps = [i for i, visit in enumerate(PAGES) if not isinstance(visit.go, str)]
    last = max((i for i in steps if PAGES[i].name in names), default=-1)
    wanted = [v for i, v in enumerate(PAGES) if v.name in names or (i in steps and i <= last)]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        for language in LANGUAGES:
            for width, (x, y) in WIDTHS.items():
                context = browser.new_context(base_url=base_url, viewport={"width": x, "height": y})
                context.route("**/*", route)
                context.add_cookies([{"name": LANG_COOKIE, "value": language, "url": base_url}])
                page = context.new_page()
                for visit, _response in walk(page, places, _sign_in, wanted):
                    if visit.name in names:
                        page.wait_for_load_state("networkidle")
                        file = out / f"{language}-{width}-{visit.name}.png"
                        page.screenshot(path=str(file), full_page=True)
                        print(file.relative_to(out.parent) if out.is_relative_to(ROOT) else file)
                context.close()
        browser.close()
    return blocked


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots", help="the folder")
    parser.add_argument("--all", action="store_true", help="every page, not just the main ones")
    parser.add_argument("--pages", default="", help="page names, comma-separated")
    args = parser.parse_args(argv)
    known = {visit.name for visit in PAGES}
    names = set(args.pages.split(",")) if args.pages else known if args.all else set(MAIN_PAGES)
    if unknown := names - known:
        parser.error(f"unknown pages: {', '.join(sorted(unknown))}; known: {', '.join(known)}")
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: run `make browser` as root.", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    os.chdir(ROOT)
    with tempfile.TemporaryDirectory(prefix="vigil-screenshots-") as folder:
        app = _app(Path(folder))
        # The request log of every page and asset would bury the list of files.
        logging.getLogger("app").setLevel(logging.WARNING)
        places = _prepare(app)
        with _serving(app) as base_url:
            blocked = _shoot(base_url, places, names, args.out)
        with app.app_context():
            db.engine.dispose()
    if blocked:
        print("Requests for other hosts were blocked:", *sorted(set(blocked)), sep="\n  ")
        return 1
    print(f"== {args.out}: {len(names) * len(LANGUAGES) * len(WIDTHS)} screenshots")
    return 0


if __name__ == "__main__":
    sys.exit(main())
