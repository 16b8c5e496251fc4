"""/admin/audit: what the real views and commands record, the filters, the CSV, who may see
it, and that the database refuses to change or delete an entry (both engines)."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask, current_app
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError

from app import clock
from app.audit import record
from app.extensions import db
from app.models import AuditAction, AuditEntry, AuditSubject, User
from app.models import audit as audit_models
from tests.conftest import DEFAULT_NOW, csrf_token, login
from tests.events.forms import event_form, post_event
from tests.factories import PASSWORD, berlin_embassy, make_event, make_organizer, make_series
from tests.rsvp.pages import post_rsvp

HOSTILE = '<script>alert("x")</script> & =1+1'
PASSWORD_NEW = "a long and unguessable passphrase"
INVITE_LINK = re.compile(r'value="http://localhost/auth/invite#([A-Za-z0-9_-]+)"')


def entries() -> list[AuditEntry]:
    db.session.rollback()  # see what the request committed
    return list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def actions() -> list[str]:
    return [entry.action.value for entry in entries()]


def audit_page(client: FlaskClient, **params: str) -> tuple[int, str]:
    response = client.get("/admin/audit/", query_string=params)
    return response.status_code, response.get_data(as_text=True)


def add(action: AuditAction, *, actor: User | None, at: datetime, label: str = "x") -> None:
    clock.freeze(at)
    subject = AuditSubject(action.value.partition(".")[0])
    record(action, actor=actor, subject_type=subject, subject_id=1, label=label)
    db.session.commit()
    clock.freeze(DEFAULT_NOW)


# --- what the views and commands record -------------------------------------------------------


def test_event_changes_are_recorded_with_who_and_which_fields(
    app: Flask, admin_client: FlaskClient
) -> None:
    client = app.test_client()
    organizer = make_organizer(display_name=HOSTILE)
    assert login(client, organizer.email, PASSWORD).status_code == 303
    venue = berlin_embassy()

    new = post_event(client, "/organize/events/new", event_form(venue, title=HOSTILE, publish=None))
    assert new.status_code == 303
    event_id = db.session.scalar(select(func.max(AuditEntry.subject_id)))
    edit = f"/organize/events/{event_id}/edit"
    assert post_event(client, edit, event_form(venue, title="Renamed")).status_code == 303
    cancel = f"/organize/events/{event_id}/cancel"
    assert post_event(client, cancel, {"reason": "Rain"}).status_code == 303
    reinstate = f"/organize/events/{event_id}/reinstate"
    assert post_event(client, reinstate, {}).status_code == 303
    series = make_series(venue, organizer=organizer)
    first = series.occurrences[0].occurs_on
    url = f"/organize/events/{series.id}/dates/{first.isoformat()}/cancel"
    assert post_event(client, url, {"reason": ""}).status_code == 303

    assert actions() == [
        "event.created",
        "event.updated",
        "event.published",
        "event.cancelled",
        "event.reinstated",
        "event.created",  # the series, made through the same service
        "event.published",
        "event.date_cancelled",
    ]
    created, updated, *_rest, date_cancelled = entries()
    assert (created.actor_id, created.actor_name) == (organizer.id, HOSTILE)
    assert created.label == HOSTILE
    assert (updated.label, updated.summary) == ("Renamed", "status, title")
    assert date_cancelled.summary == first.isoformat()

    status, page = audit_page(admin_client)
    assert status == 200
    assert "<script>alert" not in page  # hostile text is shown literally
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; =1+1" in page
    assert shown_actions(page) == [(code, words(AuditAction(code))) for code in reversed(actions())]


def test_published_at_creation_is_two_entries(app: Flask, client: FlaskClient) -> None:
    organizer = make_organizer()
    assert login(client, organizer.email, PASSWORD).status_code == 303
    post_event(client, "/organize/events/new", event_form(berlin_embassy()))
    assert actions() == ["event.created", "event.published"]


def test_account_changes_in_the_admin_area_and_account_page(
    app: Flask, admin: User, admin_client: FlaskClient, organizer: User
) -> None:
    token = csrf_token(admin_client, "/admin/organizers")
    page = admin_client.post(
        "/admin/organizers/invite", data={"email": "new@example.org", "csrf_token": token}
    ).get_data(as_text=True)
    match = INVITE_LINK.search(page)
    assert match
    newcomer = app.test_client()
    accepted = newcomer.post(
        "/auth/invite",
        data={
            "token": match.group(1),
            "display_name": "New Nasrin",
            "password": PASSWORD_NEW,
            "confirm": PASSWORD_NEW,
            "csrf_token": csrf_token(newcomer, "/auth/invite"),
        },
    )
    assert accepted.status_code == 303
    admin_client.post(
        "/admin/organizers/invite", data={"email": "other@example.org", "csrf_token": token}
    )
    open_invite = db.session.scalar(
        select(func.max(AuditEntry.subject_id)).where(
            AuditEntry.subject_type == AuditSubject.INVITATION
        )
    )
    for url in (
        f"/admin/organizers/invites/{open_invite}/revoke",
        f"/admin/organizers/{organizer.id}/deactivate",
        f"/admin/organizers/{organizer.id}/reactivate",
    ):
        assert admin_client.post(url, data={"csrf_token": token}).status_code == 303
    name = post_event(newcomer, "/organize/account/", {"public_name": "Friends of Evin"})
    assert name.status_code == 303
    statement = admin_client.post(
        "/admin/statement",
        data={
            "title": "Our statement",
            "subtitle": "",
            "byline": "",
            "body": "Text.",
            "csrf_token": csrf_token(admin_client, "/admin/statement"),
        },
    )
    assert statement.status_code == 303

    recorded = entries()
    assert [entry.action.value for entry in recorded] == [
        "account.invited",
        "account.created",
        "account.invited",
        "invitation.revoked",
        "account.deactivated",
        "account.reactivated",
        "account.public_name_set",
        "statement.published",
    ]
    newcomer_id = recorded[1].subject_id
    assert [(e.actor_name, e.subject_type.value, e.label) for e in recorded] == [
        ("Admin Ada", "invitation", ""),
        ("New Nasrin", "account", "New Nasrin"),
        ("Admin Ada", "invitation", ""),
        ("Admin Ada", "invitation", ""),
        ("Admin Ada", "account", "Organizer Omid"),
        ("Admin Ada", "account", "Organizer Omid"),
        ("New Nasrin", "account", "New Nasrin"),
        ("Admin Ada", "statement", "Our statement"),
    ]
    assert recorded[1].actor_id == newcomer_id
    assert recorded[3].subject_id == open_invite
    # Never an e-mail, a token or the public name's value.
    text = repr([(e.label, e.summary, e.actor_name) for e in recorded])
    assert "@" not in text
    assert match.group(1) not in text
    assert "Evin" not in text


def test_command_line_changes_are_recorded_as_the_command_line(
    app: Flask, runner: FlaskCliRunner, admin_client: FlaskClient
) -> None:
    twice = f"{PASSWORD_NEW}\n{PASSWORD_NEW}\n"
    for args in (
        ["users", "create", "cli@example.org", "--name", "Cli Cyrus"],
        ["users", "set-password", "cli@example.org"],
        ["users", "deactivate", "cli@example.org"],
    ):
        result = runner.invoke(args=args, input=twice)
        assert result.exit_code == 0, result.output
    result = runner.invoke(args=["statement", "load"])
    assert result.exit_code == 0, result.output

    recorded = entries()
    assert [e.action.value for e in recorded] == [
        "account.created",
        "account.password_set",
        "account.deactivated",
        "statement.published",
        "statement.published",
    ]
    assert {(e.actor_id, e.actor_name) for e in recorded} == {(None, "")}
    assert recorded[0].summary == "role: organizer"
    assert recorded[4].summary == "fa (translation)"
    _status, page = audit_page(admin_client, actor="cli")
    assert page.count("by <bdi>command line</bdi>") == 5


def test_an_rsvp_records_nothing(app: Flask, client: FlaskClient) -> None:
    event = make_event()
    before = len(entries())
    response = post_rsvp(client, event, display_name="Sara", notify="y", email="sara@example.org")
    assert response.status_code == 303
    assert len(entries()) == before


# --- the page: filters, pages, CSV ------------------------------------------------------------


@pytest.fixture
def logged(app: Flask, admin: User, organizer: User) -> None:
    add(AuditAction.EVENT_CREATED, actor=organizer, at=DEFAULT_NOW - timedelta(days=3), label="A")
    add(AuditAction.EVENT_CANCELLED, actor=organizer, at=DEFAULT_NOW - timedelta(days=1), label="B")
    add(AuditAction.ACCOUNT_DEACTIVATED, actor=admin, at=DEFAULT_NOW, label="C")
    add(AuditAction.STATEMENT_PUBLISHED, actor=None, at=DEFAULT_NOW, label="=HYPERLINK(1)")


def labels(page: str) -> list[str]:
    return re.findall(r'<bdi class="audit-label">([^<]*)</bdi>', page)


def shown_actions(page: str) -> list[tuple[str, str]]:
    """(code, words) of each entry's action, as the page shows them."""
    return re.findall(r'<data class="audit-action" value="([^"]+)"[^>]*>([^<]*)</data>', page)


def test_newest_first_and_filters(logged: None, admin_client: FlaskClient, organizer: User) -> None:
    assert labels(audit_page(admin_client)[1]) == ["=HYPERLINK(1)", "C", "B", "A"]
    assert labels(audit_page(admin_client, action="event.cancelled")[1]) == ["B"]
    assert labels(audit_page(admin_client, actor=str(organizer.id))[1]) == ["B", "A"]
    assert labels(audit_page(admin_client, actor="cli")[1]) == ["=HYPERLINK(1)"]
    assert labels(audit_page(admin_client, subject_type="event")[1]) == ["B", "A"]
    day = (DEFAULT_NOW - timedelta(days=1)).date().isoformat()
    assert labels(audit_page(admin_client, since=day)[1]) == ["=HYPERLINK(1)", "C", "B"]
    assert labels(audit_page(admin_client, until=day)[1]) == ["B", "A"]
    assert labels(audit_page(admin_client, since=day, until=day)[1]) == ["B"]
    empty = audit_page(admin_client, action="proposal.approved")[1]
    assert "No entries match these filters." in empty


def test_pages_of_fifty(app: Flask, admin: User, admin_client: FlaskClient) -> None:
    for n in range(51):
        add(
            AuditAction.EVENT_UPDATED,
            actor=admin,
            at=DEFAULT_NOW + timedelta(minutes=n),
            label=f"n{n}",
        )
    first = audit_page(admin_client, action="event.updated")[1]
    assert len(labels(first)) == 50
    assert labels(first)[0] == "n50"
    assert 'href="/admin/audit/?page=2&amp;action=event.updated"' in first
    second = audit_page(admin_client, action="event.updated", page="2")[1]
    assert labels(second) == ["n0"]
    assert audit_page(admin_client, page="x")[0] == 200


def test_csv_with_the_same_filters_and_no_formulas(logged: None, admin_client: FlaskClient) -> None:
    response = admin_client.get("/admin/audit/audit.csv", query_string={"subject_type": "event"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "When (UTC)"
    assert [row[6] for row in rows[1:]] == ["B", "A"]
    assert rows[1][1] == "Organizer Omid"
    everything = admin_client.get("/admin/audit/audit.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(everything.lstrip("\ufeff"))))
    assert rows[1][6] == "'=HYPERLINK(1)"
    assert rows[1][1] == "command line"
    page = audit_page(admin_client, subject_type="event")[1]
    assert 'href="/admin/audit/audit.csv?subject_type=event"' in page


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"action": "event.deleted"}, "action", "Not a valid choice"),
        ({"actor": "999999"}, "actor", "Not a valid choice"),
        ({"subject_type": "rsvp"}, "subject_type", "Not a valid choice"),
        ({"since": "yesterday"}, "since", "Not a valid date value"),
        ({"since": "2026-11-25", "until": "2026-11-24"}, "until", "before the start date"),
        ({"until": "2026-13-01"}, "until", "Not a valid date value"),
    ],
)
def test_bad_filters_are_a_400_with_the_message_at_the_field(
    admin_client: FlaskClient, params: dict[str, str], field: str, message: str
) -> None:
    status, page = audit_page(admin_client, **params)
    assert status == 400
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', page)
    assert error
    assert message in error.group(1)
    assert admin_client.get("/admin/audit/audit.csv", query_string=params).status_code == 400


def test_the_admin_navigation_links_the_log(admin_client: FlaskClient) -> None:
    page = admin_client.get("/admin/organizers").get_data(as_text=True)
    assert 'href="/admin/audit/"' in page
    assert 'aria-current="page">Audit log' in audit_page(admin_client)[1]


# --- what the page calls the actions ----------------------------------------------------------


def words(member: AuditAction | AuditSubject) -> str:
    """The member's label as an English page says it."""
    with current_app.test_request_context("/"):
        return member.label


def unlabelled(members: Iterable[AuditAction | AuditSubject]) -> list[str]:
    """The members without words of their own: no label, an empty one, the code itself,
    or the same words as another member (the filter could not tell them apart)."""
    missing, seen = [], set()
    for member in members:
        try:
            label = words(member)
        except KeyError:
            label = ""
        if not label.strip() or label == member.value or label in seen:
            missing.append(member.value)
        seen.add(label)
    return missing


def test_every_action_and_subject_has_words_of_its_own(app: Flask) -> None:
    assert unlabelled(AuditAction) == []
    assert unlabelled(AuditSubject) == []
    assert words(AuditAction.ACCOUNT_SECOND_FACTOR_ON) == "Two-step sign-in turned on"


def test_the_label_check_can_fail(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """An action added without words, or given another's, is named by the check above."""
    monkeypatch.delitem(audit_models._ACTION_LABELS, AuditAction.PROPOSAL_REJECTED)
    monkeypatch.setitem(
        audit_models._ACTION_LABELS,
        AuditAction.EVENT_UPDATED,
        audit_models._ACTION_LABELS[AuditAction.EVENT_CREATED],
    )
    assert unlabelled(AuditAction) == ["event.updated", "proposal.rejected"]


def visible_text(page: str) -> str:
    """The page's text without its tags (and so without attribute values)."""
    return re.sub(r"<[^>]*>", " ", page)


def test_the_page_and_its_filter_say_actions_in_words_and_the_csv_keeps_codes(
    logged: None, admin_client: FlaskClient
) -> None:
    page = audit_page(admin_client)[1]
    assert shown_actions(page) == [
        ("statement.published", "Statement published"),
        ("account.deactivated", "Account deactivated"),
        ("event.cancelled", "Event cancelled"),
        ("event.created", "Event created"),
    ]
    option = re.compile(r'<option(?: selected)? value="([^"]*)">([^<]*)</option>')
    options = {value: html.unescape(text) for value, text in option.findall(page)}
    for action in AuditAction:
        assert options[action.value] == words(action)
    for subject in AuditSubject:
        assert options[subject.value] == words(subject)
    text = visible_text(page)
    for action in AuditAction:
        assert action.value not in text
    assert "Event #1" in text
    # A filtered page says which action it shows, in words.
    filtered_page = audit_page(admin_client, action="event.cancelled")[1]
    assert '<option selected value="event.cancelled">Event cancelled</option>' in filtered_page
    # The CSV is for machines: codes, whatever the language.
    german = admin_client.get("/admin/audit/audit.csv", headers={"Accept-Language": "de"})
    rows = list(csv.reader(io.StringIO(german.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(row[3], row[4]) for row in rows[1:]] == [
        ("statement.published", "statement"),
        ("account.deactivated", "account"),
        ("event.cancelled", "event"),
        ("event.created", "event"),
    ]
    # The words are looked up per request, in the reader's language.
    german_page = admin_client.get("/admin/audit/", headers={"Accept-Language": "de"})
    assert "Veranstaltung #1" in visible_text(german_page.get_data(as_text=True))


# --- who may see it ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/admin/audit/", "/admin/audit/audit.csv"])
def test_organizers_get_a_404_and_anonymous_visitors_the_sign_in_page(
    app: Flask, organizer_client: FlaskClient, url: str
) -> None:
    assert organizer_client.get(url).status_code == 404
    response = app.test_client().get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_a_deactivated_admin_is_refused(app: Flask, admin: User, admin_client: FlaskClient) -> None:
    db.session.get_one(User, admin.id).is_active = False
    db.session.commit()
    assert admin_client.get("/admin/audit/").status_code in (302, 404)


# --- append-only in the database --------------------------------------------------------------


def test_the_database_refuses_to_update_or_delete_an_entry(logged: None) -> None:
    for statement in (
        update(AuditEntry).values(label="rewritten"),
        delete(AuditEntry),
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(statement)
        db.session.rollback()
    assert [entry.label for entry in entries()] == ["A", "B", "C", "=HYPERLINK(1)"]


def test_entries_are_written_in_utc(logged: None) -> None:
    assert entries()[2].created_at == DEFAULT_NOW
    assert entries()[2].created_at.tzinfo == UTC
