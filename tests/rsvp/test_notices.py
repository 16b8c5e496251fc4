"""E-mail notices: a real SMTP server (aiosmtpd) runs in-process and we read what arrived.

Issue 4, "Notices", and design/security.md T18 (no user text in any header).
"""

from __future__ import annotations

import email
import logging
from email import policy
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select, update

from app import mail
from app.config import LANGUAGES
from app.extensions import db
from app.models import Event
from app.models.rsvp import OutboxMessage, Rsvp, RsvpStatus
from app.rsvp import notices
from app.rsvp.services import cancel_rsvps
from tests.conftest import csrf_token, signed_in
from tests.events.forms import event_form, post_event
from tests.factories import berlin_embassy, hamburg_consulate, make_event, make_rsvp
from tests.rsvp.smtp import (
    SUBJECT_CANCELLED,
    SUBJECT_CANCELLED_FA,
    SUBJECT_CHANGED,
    SUBJECT_MANAGE,
    SUBJECT_MANAGE_FA,
    SUBJECT_PROMOTED,
    Received,
    SmtpSink,
    free_port,
)

# What every notice carries, and nothing else: no header holds user text.
EXPECTED_HEADERS = {
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "auto-submitted",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
}


@pytest.fixture
def app_overrides(smtp: SmtpSink) -> dict[str, Any]:
    return smtp.settings


def _rsvp(event: Event, email_address: str | None, party_size: int = 1, locale: str = "en") -> int:
    return make_rsvp(event, party_size=party_size, email=email_address, locale=locale).rsvp_id


def _outbox() -> list[OutboxMessage]:
    db.session.rollback()  # a fresh snapshot
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _edit_url(event: Event) -> str:
    return f"/organize/events/{event.id}/edit"


def _move_to_16h(client: FlaskClient, event: Event, **overrides: Any) -> None:
    form = event_form(
        event.venue, starts_at="2026-12-05T16:00", ends_at="2026-12-05T18:00", **overrides
    )
    assert post_event(client, _edit_url(event), form).status_code == 303


def _organizer_event(client: FlaskClient, **overrides: Any) -> Event:
    organizer = signed_in(client)
    return make_event(organizer=organizer, **overrides)


def _assert_clean_headers(item: Received, recipient: str) -> None:
    assert item.rcpt_tos == [recipient]
    assert {key.lower() for key in item.message} == EXPECTED_HEADERS
    assert item.message.get_all("To") == [recipient]
    assert item.message["From"] == "notices@vigil.example"
    assert "Bcc" not in item.message
    assert item.message.get_content_type() == "text/plain"


# --- time, place, cancellation ---------------------------------------------------------


def test_time_change_mails_each_address_once(client: FlaskClient, smtp: SmtpSink) -> None:
    event = _organizer_event(client, capacity=1)
    _rsvp(event, "going@example.org")
    _rsvp(event, "waiting@example.org")  # waitlisted: told too
    _rsvp(event, None)
    _rsvp(event, "Going@example.org")  # the same mailbox twice gets one message

    _move_to_16h(client, event, capacity="1")

    assert sorted(item.rcpt_tos[0] for item in smtp.received) == [
        "going@example.org",
        "waiting@example.org",
    ]
    for item in smtp.received:
        _assert_clean_headers(item, item.rcpt_tos[0])
        assert item.message["Subject"] == SUBJECT_CHANGED
        assert "Vigil for the prisoners" in item.body
        # The new time in the venue's local time with its zone, the place, the page.
        assert "Saturday, December 5, 2026, 16:00–18:00 CET" in item.body
        assert "Local time at the place: Germany (Berlin) Time." in item.body
        assert "Podbielskiallee 65–67, Berlin" in item.body
        assert f"http://localhost/events/{event.slug}" in item.body
    assert _outbox() == []  # sent messages are deleted: they hold an address


def test_other_edits_send_nothing(client: FlaskClient, smtp: SmtpSink) -> None:
    event = _organizer_event(client)
    _rsvp(event, "going@example.org")
    form = event_form(
        event.venue,
        title="A new title",
        starts_at="2026-12-05T15:00",
        ends_at="2026-12-05T17:00",
    )
    assert post_event(client, _edit_url(event), form).status_code == 303
    assert smtp.received == []
    assert _outbox() == []


def test_new_place_is_mailed(client: FlaskClient, smtp: SmtpSink) -> None:
    event = _organizer_event(client)
    _rsvp(event, "going@example.org")
    hamburg = hamburg_consulate()
    form = event_form(hamburg, starts_at="2026-12-05T15:00", ends_at="2026-12-05T17:00")
    assert post_event(client, _edit_url(event), form).status_code == 303
    [item] = smtp.received
    assert item.message["Subject"] == SUBJECT_CHANGED
    assert "Bebelallee 18, Hamburg" in item.body


def test_mail_goes_out_only_after_the_commit(
    client: FlaskClient, smtp: SmtpSink, app: Flask
) -> None:
    event = _organizer_event(client)
    _rsvp(event, "going@example.org")
    seen_starts = []
    # The handler runs in the SMTP server's thread, without app context or session.
    engine, event_id = db.engine, event.id

    def read_committed_start() -> None:
        # Another connection sees only committed data.
        with engine.connect() as connection:
            seen_starts.append(
                connection.scalar(select(Event.starts_at).where(Event.id == event_id))
            )

    smtp.on_data = read_committed_start
    _move_to_16h(client, event)
    assert len(smtp.received) == 1
    assert [start.hour for start in seen_starts] == [15]  # 16:00 CET is 15:00 UTC


def test_cancel_mails_the_reason(client: FlaskClient, smtp: SmtpSink) -> None:
    event = _organizer_event(client)
    _rsvp(event, "going@example.org")
    _rsvp(event, None)
    response = post_event(
        client, f"/organize/events/{event.id}/cancel", {"reason": "The police banned it."}
    )
    assert response.status_code == 303
    [item] = smtp.received
    _assert_clean_headers(item, "going@example.org")
    assert item.message["Subject"] == SUBJECT_CANCELLED
    assert "The police banned it." in item.body
    assert "Vigil for the prisoners" in item.body
    assert _outbox() == []


def test_persian_notice_has_persian_subject_and_body(
    client: FlaskClient, smtp: SmtpSink, app: Flask
) -> None:
    event = _organizer_event(client)
    _rsvp(event, "going@example.org", locale="fa")  # the supporter's page language
    _rsvp(event, "english@example.org", locale="en")
    post_event(client, f"/organize/events/{event.id}/cancel", {"reason": "لغو شد"})
    by_address = {item.rcpt_tos[0]: item for item in smtp.received}
    assert by_address["english@example.org"].message["Subject"] != SUBJECT_CANCELLED_FA
    item = by_address["going@example.org"]
    assert item.message["Subject"] == SUBJECT_CANCELLED_FA
    assert "=?utf-8?" in item.message.as_string().lower()  # encoded, as RFC 2047 wants
    assert "لغو شد" in item.body
    assert "دسامبر" in item.body  # the date, formatted by Babel in Persian
    assert "Hello" not in item.body
    # The zone named in the reader's language, not by its database id.
    assert "وقت آلمان (برلین)" in item.body
    assert "Germany (Berlin) Time" in by_address["english@example.org"].body
    assert "Europe/Berlin" not in item.body


# --- failures and retries --------------------------------------------------------------


def test_smtp_down_keeps_the_change_and_cli_sends_later(
    client: FlaskClient,
    smtp: SmtpSink,
    app: Flask,
    runner: FlaskCliRunner,
    caplog: pytest.LogCaptureFixture,
) -> None:
    event = _organizer_event(client)
    _rsvp(event, "one@example.org")
    _rsvp(event, "two@example.org")
    app.config["SMTP_PORT"] = free_port()  # nothing listens there

    _move_to_16h(client, event)

    db.session.expire_all()
    assert db.session.get(Event, event.id).starts_at.hour == 15  # type: ignore[union-attr]
    waiting = _outbox()
    assert sorted(message.recipient for message in waiting) == [
        "one@example.org",
        "two@example.org",
    ]
    assert {message.attempts for message in waiting} == {0}  # an outage costs no attempt
    assert smtp.received == []
    assert "mail server unavailable (ConnectionRefusedError)" in caplog.text

    failed = runner.invoke(args=["rsvp", "send-notices"])
    assert failed.exit_code == 1
    assert len(_outbox()) == 2

    app.config["SMTP_PORT"] = smtp.port
    result = runner.invoke(args=["rsvp", "send-notices"])
    assert result.exit_code == 0, result.output
    assert "Sent 2" in result.output
    assert sorted(item.rcpt_tos[0] for item in smtp.received) == [
        "one@example.org",
        "two@example.org",
    ]
    assert all(item.message["Subject"] == SUBJECT_CHANGED for item in smtp.received)
    assert _outbox() == []


def test_refused_recipient_is_retried_then_given_up(
    client: FlaskClient,
    smtp: SmtpSink,
    runner: FlaskCliRunner,
    caplog: pytest.LogCaptureFixture,
) -> None:
    event = _organizer_event(client)
    _rsvp(event, "gone@example.org")
    _rsvp(event, "fine@example.org")
    smtp.refuse.add("gone@example.org")

    _move_to_16h(client, event)
    assert [item.rcpt_tos for item in smtp.received] == [["fine@example.org"]]
    [left] = _outbox()
    assert (left.recipient, left.attempts) == ("gone@example.org", 1)
    left_id = left.id

    for attempt in range(2, notices.MAX_ATTEMPTS + 1):
        result = runner.invoke(args=["rsvp", "send-notices"])
        assert result.exit_code == 0
        if attempt < notices.MAX_ATTEMPTS:
            assert [message.attempts for message in _outbox()] == [attempt]
    assert _outbox() == []
    assert f"outbox message {left_id} given up after {notices.MAX_ATTEMPTS} attempts" in (
        caplog.text
    )
    assert "SMTPRecipientsRefused" in caplog.text


def test_a_dropped_connection_leaves_the_rest_for_the_cli(
    client: FlaskClient, smtp: SmtpSink, runner: FlaskCliRunner
) -> None:
    event = _organizer_event(client)
    for n in range(3):
        _rsvp(event, f"person{n}@example.org")
    smtp.hang_up_once = True
    _move_to_16h(client, event)
    assert smtp.received == []
    # The message in flight counts one attempt; the others were not tried.
    assert [(m.recipient, m.attempts) for m in _outbox()] == [
        ("person0@example.org", 1),
        ("person1@example.org", 0),
        ("person2@example.org", 0),
    ]
    result = runner.invoke(args=["rsvp", "send-notices"])
    assert result.exit_code == 0, result.output
    assert len(smtp.received) == 3
    assert _outbox() == []


def test_a_message_claimed_by_another_sender_is_not_sent_twice(app: Flask, smtp: SmtpSink) -> None:
    event = make_event()
    message = OutboxMessage(
        event_id=event.id, recipient="a@example.org", kind="changed", locale="en", body="x"
    )
    db.session.add(message)
    db.session.commit()
    message_id = message.id
    # Two senders (the request and the cron job) both read the message as untried...
    first, second = notices._read(message_id), notices._read(message_id)
    assert first is not None
    assert second is not None
    # ...only the first one's compare-and-set on the attempt count succeeds.
    assert notices._take(first)
    assert not notices._take(second)
    assert [m.attempts for m in _outbox()] == [1]
    assert notices.send_pending().sent == 1
    assert len(smtp.received) == 1


# --- waitlist promotion ----------------------------------------------------------------


def test_promotion_by_cancellation_is_mailed(app: Flask, smtp: SmtpSink) -> None:
    event = make_event(capacity=2)
    first = make_rsvp(event, party_size=2, email="first@example.org")
    _rsvp(event, "next@example.org")
    _rsvp(event, None)
    with app.test_request_context("/rsvp/manage"):
        promoted = cancel_rsvps(first.token)
        # Queued in the cancelling transaction, sent once it is committed.
        assert [message.kind for message in _outbox()] == ["promoted"]
        report = notices.deliver_queued()
    assert len(promoted) == 2
    assert report.sent == 1
    [item] = smtp.received
    _assert_clean_headers(item, "next@example.org")
    assert item.message["Subject"] == SUBJECT_PROMOTED
    assert "waiting list" in item.body
    assert f"http://localhost/events/{event.slug}" in item.body


def test_promotion_by_raised_capacity_is_mailed(client: FlaskClient, smtp: SmtpSink) -> None:
    event = _organizer_event(client, capacity=1)
    _rsvp(event, "going@example.org")
    _rsvp(event, "waiting@example.org")
    form = event_form(
        event.venue, starts_at="2026-12-05T15:00", ends_at="2026-12-05T17:00", capacity="2"
    )
    assert post_event(client, _edit_url(event), form).status_code == 303
    [item] = smtp.received
    assert item.rcpt_tos == ["waiting@example.org"]
    assert item.message["Subject"] == SUBJECT_PROMOTED
    db.session.expire_all()
    statuses = db.session.scalars(select(Rsvp.status).where(Rsvp.event_id == event.id))
    assert set(statuses) == {RsvpStatus.GOING}


def test_removal_by_the_organizer_is_mailed_to_who_moves_up_only(
    client: FlaskClient, smtp: SmtpSink
) -> None:
    event = _organizer_event(client, capacity=2)
    removed = _rsvp(event, "removed@example.org", party_size=2)
    _rsvp(event, "waiting@example.org", party_size=2)
    token = csrf_token(client, f"/organize/events/{event.id}/rsvps")
    response = client.post(
        f"/organize/events/{event.id}/rsvps/{removed}/remove", data={"csrf_token": token}
    )
    assert response.status_code == 303
    # Mailed once the removal committed, by the request's after-request hook.
    [item] = smtp.received
    _assert_clean_headers(item, "waiting@example.org")
    assert item.message["Subject"] == SUBJECT_PROMOTED
    # The removed supporter hears nothing, and the address is gone with the RSVP.
    assert smtp.to("removed@example.org") == []
    assert _outbox() == []
    assert db.session.scalar(select(func.count()).where(Rsvp.email == "removed@example.org")) == 0


# --- the manage link -------------------------------------------------------------------


def _send_manage_link(app: Flask, event: Event, locale: str = "en") -> bool:
    with app.test_request_context("/"):
        return notices.send_manage_link(
            recipient="me@example.org",
            event=event,
            days=[event.starts_at.astimezone(event.zone).date()],
            manage_url="http://localhost/rsvp/manage#SECRET-TOKEN-123",
            locale=locale,
        )


def test_manage_link_is_sent_directly_and_never_stored(app: Flask, smtp: SmtpSink) -> None:
    event = make_event()
    assert _send_manage_link(app, event)
    [item] = smtp.received
    _assert_clean_headers(item, "me@example.org")
    assert item.message["Subject"] == SUBJECT_MANAGE
    assert "http://localhost/rsvp/manage#SECRET-TOKEN-123" in item.body
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_manage_link_in_persian(app: Flask, smtp: SmtpSink) -> None:
    event = make_event()
    assert _send_manage_link(app, event, locale="fa")
    [item] = smtp.received
    assert item.message["Subject"] == SUBJECT_MANAGE_FA
    assert "SECRET-TOKEN-123" in item.body


def test_manage_link_failure_is_logged_without_details(
    app: Flask, smtp: SmtpSink, caplog: pytest.LogCaptureFixture
) -> None:
    event = make_event()
    app.config["SMTP_PORT"] = free_port()
    assert not _send_manage_link(app, event)
    assert f"manage link for event {event.id} not sent" in caplog.text
    assert "SECRET-TOKEN" not in caplog.text
    assert "me@example.org" not in caplog.text
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


# --- headers: design/security.md T18 ---------------------------------------------------

ENCODED_NEWLINE_TITLE = "Vigil =?UTF-8?Q?=0A?=Bcc: x@evil.example"
RAW_NEWLINE_TITLE = "Vigil\r\nBcc: x@evil.example"


def test_title_with_encoded_newline_reaches_no_header(client: FlaskClient, smtp: SmtpSink) -> None:
    organizer = signed_in(client)
    venue = berlin_embassy()
    # The form accepts it: it has no raw control characters.
    create = event_form(
        venue, title=ENCODED_NEWLINE_TITLE, starts_at="2026-12-05T15:00", ends_at="2026-12-05T17:00"
    )
    assert post_event(client, "/organize/events/new", create).status_code == 303
    event = db.session.scalars(select(Event).where(Event.organizer_id == organizer.id)).one()
    _rsvp(event, "victim@example.org")
    _move_to_16h(client, event, title=ENCODED_NEWLINE_TITLE)
    [item] = smtp.received
    _assert_clean_headers(item, "victim@example.org")
    assert ENCODED_NEWLINE_TITLE in item.body  # verbatim, in the body only
    assert "evil.example" not in str(item.message["Subject"])


def test_title_with_raw_newline_from_the_database_reaches_no_header(
    client: FlaskClient, smtp: SmtpSink
) -> None:
    event = _organizer_event(client)
    # The form refuses CR/LF (T44); the mailer must not rely on that.
    db.session.execute(update(Event).where(Event.id == event.id).values(title=RAW_NEWLINE_TITLE))
    db.session.commit()
    _rsvp(event, "victim@example.org")
    post_event(client, f"/organize/events/{event.id}/cancel", {"reason": "Bcc: y@evil.example"})
    [item] = smtp.received
    _assert_clean_headers(item, "victim@example.org")
    assert "Bcc: x@evil.example" in item.body
    assert not any("evil.example" in address for address in item.rcpt_tos)


def test_an_address_with_a_newline_written_to_the_database_gets_no_mail(
    client: FlaskClient, smtp: SmtpSink, caplog: pytest.LogCaptureFixture
) -> None:
    event = _organizer_event(client)
    rsvp_id = _rsvp(event, "victim@example.org")
    db.session.execute(
        update(Rsvp).where(Rsvp.id == rsvp_id).values(email="a@example.org\r\nBcc: x@evil.example")
    )
    db.session.commit()
    _move_to_16h(client, event)
    assert smtp.received == []
    assert _outbox() == []
    assert f"rsvp {rsvp_id} has an unusable address" in caplog.text


@pytest.mark.parametrize(
    "recipient",
    [
        "a@example.org\r\nBcc: x@evil.example",
        "a@example.org\nBcc: x@evil.example",
        "a@example.org, x@evil.example",
        "a@example.org;x@evil.example",
        "Someone <a@example.org>",
        "a@example.org (comment)",
        " a@example.org",
        "a@@example.org",
        "a@example..org",
        "a@example.org\x00",
        "ä@example.org",
        "",
        "a" * 250 + "@example.org",
    ],
)
def test_mailer_refuses_anything_but_one_plain_address(app: Flask, recipient: str) -> None:
    assert not mail.is_valid_address(recipient)
    with pytest.raises(ValueError, match="exactly one"):
        mail.build_message(recipient, "Subject", "Body")


@pytest.mark.parametrize("locale", LANGUAGES)
@pytest.mark.parametrize("kind", list(notices.NoticeKind))
def test_every_subject_arrives_exactly_as_written(app: Flask, kind: str, locale: str) -> None:
    """Folding a long Persian subject once dropped the space between two words."""
    subject = notices.subject_for(kind, locale)
    raw = mail.build_message("a@example.org", subject, "Body").as_bytes()
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == subject
    if locale == "fa":
        assert subject != notices.subject_for(kind, "en")


@pytest.mark.parametrize("subject", ["Line\nBcc: x@evil.example", "Line\r", ""])
def test_mailer_refuses_a_subject_that_is_not_one_line(app: Flask, subject: str) -> None:
    with pytest.raises(ValueError, match="one line"):
        mail.build_message("a@example.org", subject, "Body")


# --- development console, logs ---------------------------------------------------------


def test_without_smtp_host_mails_are_printed(
    app: Flask, smtp: SmtpSink, capsys: pytest.CaptureFixture[str]
) -> None:
    app.config["SMTP_HOST"] = None
    with pytest.raises(mail.MailNotConfiguredError):  # production: never print
        mail.send_message("dev@example.org", "Test subject", "Hello from the console")
    assert capsys.readouterr().out == ""
    app.config["MAIL_CONSOLE"] = True  # development (make run)
    mail.send_message("dev@example.org", "Test subject", "Hello from the console")
    printed = capsys.readouterr().out
    assert "To: dev@example.org" in printed
    assert "Subject: Test subject" in printed
    assert "Hello from the console" in printed
    assert smtp.received == []


def test_no_address_token_or_name_in_any_log_record(
    client: FlaskClient,
    smtp: SmtpSink,
    app: Flask,
    runner: FlaskCliRunner,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    canaries = ("canary-one@example.org", "canary-two@example.org", "canary-three@example.org")
    event = _organizer_event(client, capacity=1)
    _rsvp(event, canaries[0])
    _rsvp(event, canaries[1])  # waitlisted
    smtp.refuse.add(canaries[1])
    _move_to_16h(client, event, capacity="1")  # one sent, one refused
    app.config["SMTP_PORT"] = free_port()
    runner.invoke(args=["rsvp", "send-notices"])  # server down
    app.config["SMTP_PORT"] = smtp.port
    runner.invoke(args=["rsvp", "send-notices"])  # refused again
    _send_manage_link(app, event)
    with app.test_request_context("/"):
        notices.send_manage_link(
            recipient=canaries[2],
            event=event,
            days=[event.starts_at.astimezone(event.zone).date()],
            manage_url="http://x/#TOKEN-CANARY",
            locale="en",
        )
    post_event(client, f"/organize/events/{event.id}/cancel", {"reason": "Reason"})

    ours = [
        record
        for record in caplog.records
        # aiosmtpd's own log stands for the mail relay's, not ours.
        if not record.name.startswith("mail.log")
    ]
    assert any(record.name.startswith("app.") for record in ours)
    for record in ours:
        text = record.getMessage()
        for canary in (*canaries, "TOKEN-CANARY", "example.org"):
            assert canary not in text, (record.name, text)
