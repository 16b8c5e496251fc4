"""Replacing the pinned statement from /admin/statement."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import clock
from app.campaign.queries import pinned_in, pinned_statement, statement_history
from app.campaign.services import pin_statement
from app.extensions import db
from app.models import StatementVersion, User
from tests.campaign.test_languages import loaded  # noqa: F401  (a fixture)
from tests.campaign.test_services import pinned_count
from tests.campaign.test_views import assert_inert
from tests.conftest import DEFAULT_NOW, csrf_token
from tests.factories import make_statement

ORIGINAL_BODY = "The original opening.\n\nThe original second paragraph."


@pytest.fixture
def original(app: Flask) -> StatementVersion:
    return make_statement(
        title="Original title",
        subtitle="Original subtitle",
        byline="Original byline",
        body=ORIGINAL_BODY,
    )


def post_statement(client: FlaskClient, **fields: str) -> tuple[int, str, str | None]:
    data = {
        "title": "New title",
        "subtitle": "New subtitle",
        "byline": "New byline",
        "body": "New opening paragraph.\n\nNew second paragraph.",
        "csrf_token": csrf_token(client, "/admin/statement"),
    }
    data.update(fields)
    response = client.post("/admin/statement", data=data)
    return response.status_code, response.get_data(as_text=True), response.headers.get("Location")


def test_form_is_prefilled_with_pinned_version(
    admin_client: FlaskClient, original: StatementVersion
) -> None:
    page = admin_client.get("/admin/statement").get_data(as_text=True)
    assert 'value="Original title"' in page
    assert 'value="Original subtitle"' in page
    assert 'value="Original byline"' in page
    assert "The original opening.\n\nThe original second paragraph.</textarea>" in page
    assert 'enctype="multipart/form-data"' in page


def test_form_without_any_version(admin_client: FlaskClient) -> None:
    response = admin_client.get("/admin/statement")
    assert response.status_code == 200
    assert "No version yet." in response.get_data(as_text=True)


def test_replace_statement_keeps_history(
    client: FlaskClient, admin_client: FlaskClient, admin: User, original: StatementVersion
) -> None:
    clock.freeze(DEFAULT_NOW + timedelta(hours=1))
    status, _page, location = post_statement(admin_client)
    assert status == 303
    assert location == "/admin/statement"

    db.session.expire_all()
    assert pinned_count() == 1
    pinned = pinned_statement()
    assert pinned is not None
    assert pinned.id != original.id
    assert (pinned.title, pinned.subtitle, pinned.byline) == (
        "New title",
        "New subtitle",
        "New byline",
    )
    assert pinned.created_by == admin
    assert pinned.created_at == DEFAULT_NOW + timedelta(hours=1)
    assert [v.id for v in statement_history()] == [pinned.id, original.id]

    # The public pages show the new version only.
    home = client.get("/").get_data(as_text=True)
    assert "New title" in home
    assert "New opening paragraph." in home
    assert "Original title" not in home
    assert "<p>New second paragraph.</p>" in client.get("/statement").get_data(as_text=True)

    # The history lists both, newest first, with author and date.
    page = admin_client.get("/admin/statement").get_data(as_text=True)
    history = page.split('id="history-title"', 1)[1]
    assert history.index(f"/admin/statement/{pinned.id}") < history.index(
        f"/admin/statement/{original.id}"
    )
    assert "by <bdi>Admin Ada</bdi>" in history  # a name inside a sentence is isolated
    assert "loaded from a file" in history
    assert "(pinned)" in history

    # An old version can still be read, rendered.
    old = admin_client.get(f"/admin/statement/{original.id}")
    assert old.status_code == 200
    old_page = old.get_data(as_text=True)
    assert "Original title" in old_page
    assert "<p>The original second paragraph.</p>" in old_page
    assert "An earlier version, no longer shown." in old_page


def test_persian_statement_sent_as_multipart(admin_client: FlaskClient) -> None:
    # ~16,000 Persian characters: over 64 KiB percent-encoded, within it as multipart.
    body = "زن، زندگی، آزادی — می\u200cخواهیم\n" * 600
    data = {
        "title": "آزادی برای زندانیان سیاسی",
        "subtitle": "",
        "byline": "",
        "body": body,
        "csrf_token": csrf_token(admin_client, "/admin/statement"),
    }
    response = admin_client.post("/admin/statement", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    pinned = pinned_statement()
    assert pinned is not None
    assert pinned.body == body.strip()


TOO_LONG = "x" * 50_001


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"title": ""}, "This field is required."),
        ({"title": "   "}, "This field is required."),
        ({"body": ""}, "This field is required."),
        ({"title": "t" * 201}, "Use at most 200 characters."),
        ({"subtitle": "s" * 301}, "Use at most 300 characters."),
        ({"byline": "b" * 501}, "Use at most 500 characters."),
        ({"body": TOO_LONG}, "Use at most 50000 characters."),
        ({"title": "line\nbreak"}, "control characters"),
        ({"title": "nul\x00"}, "NUL character"),
        ({"body": "text \x07 bell"}, "control characters"),
        ({"byline": "bidi \u202e override"}, "direction-override"),
    ],
)
def test_bad_input_is_422_inline_and_changes_nothing(
    admin_client: FlaskClient, original: StatementVersion, fields: dict[str, str], error: str
) -> None:
    status, page, _location = post_statement(admin_client, **fields)
    assert status == 422
    assert error in page
    assert 'aria-invalid="true"' in page
    if "body" not in fields:
        assert "New opening paragraph." in page  # what was typed is kept
    db.session.expire_all()
    assert [v.id for v in statement_history()] == [original.id]
    assert pinned_count() == 1


def test_oversized_request_is_413(admin_client: FlaskClient, original: StatementVersion) -> None:
    status, _page, _location = post_statement(admin_client, body="x" * 70_000)
    assert status == 413
    assert [v.id for v in statement_history()] == [original.id]


@pytest.mark.parametrize("token", [None, "forged"])
def test_without_valid_csrf_is_400(
    admin_client: FlaskClient, original: StatementVersion, token: str | None
) -> None:
    data = {"title": "Hijacked", "body": "Hijacked"}
    if token:
        data["csrf_token"] = token
    response = admin_client.post("/admin/statement", data=data)
    assert response.status_code == 400
    db.session.expire_all()
    assert [v.id for v in statement_history()] == [original.id]


def test_hostile_text_from_admin_is_neutralised(
    client: FlaskClient, admin_client: FlaskClient
) -> None:
    status, _page, _location = post_statement(
        admin_client,
        title="<script>alert(1)</script>",
        byline='<img src=x onerror="alert(2)">',
        body=(
            "<script>alert(3)</script>\n\n[x](javascript:alert(4))\n\n"
            "<a href=javascript:alert(5)>a</a>"
        ),
    )
    assert status == 303
    version = pinned_statement()
    assert version is not None
    for url in ("/", "/statement", "/admin/statement", f"/admin/statement/{version.id}"):
        page = (admin_client if url.startswith("/admin") else client).get(url)
        assert page.status_code == 200
        assert_inert(page.get_data(as_text=True))
    assert re.search(r"&lt;script&gt;alert\(3\)", client.get("/statement").get_data(as_text=True))


def test_concurrent_publication_is_409_not_500(
    admin_client: FlaskClient, original: StatementVersion, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.admin.views as views

    def racing_pin(**kwargs: object) -> StatementVersion:
        version = pin_statement(**kwargs)  # type: ignore[arg-type]
        # What another admin's simultaneous commit looks like to the unique index.
        db.session.add(StatementVersion(title="Theirs", body="b", is_pinned=True))
        return version

    monkeypatch.setattr(views, "pin_statement", racing_pin)
    status, page, _location = post_statement(admin_client)
    assert status == 409
    assert "Someone else published a new version at the same moment." in page
    db.session.expire_all()
    assert [v.id for v in statement_history()] == [original.id]
    assert pinned_count() == 1


@pytest.mark.usefixtures("loaded")
def test_admin_publishes_a_translation(admin_client: FlaskClient) -> None:
    original = pinned_statement()
    page = admin_client.get("/admin/statement?language=de").get_data(as_text=True)
    assert '<option selected value="de">Deutsch</option>' in page
    assert 'id="is_translation" name="is_translation" type="checkbox" value="y"' in page
    response = admin_client.post(
        "/admin/statement",
        data={
            "language": "de",
            "is_translation": "y",
            "title": "Damit die Bewegung nicht stirbt!",
            "body": "Seit mehr als drei Wochen …",
            "csrf_token": csrf_token(admin_client, "/admin/statement"),
        },
    )
    assert response.status_code == 303
    db.session.expire_all()
    german = pinned_in("de")
    assert german is not None
    assert (german.title, german.is_translation) == ("Damit die Bewegung nicht stirbt!", True)
    assert pinned_statement() == original
    assert pinned_in("fa") is not None
