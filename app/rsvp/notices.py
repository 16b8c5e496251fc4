"""E-mail notices to supporters who left an address, through an outbox.

How a notice travels:

1. The operation that changes things (an organizer's edit or cancellation, a
   waitlist promotion) calls a ``queue_…`` function. It writes one
   ``OutboxMessage`` per address **in the same transaction** as the change, so
   the change and its notices commit together and nothing is lost if the mail
   server is down.
2. Once that transaction has committed, ``deliver_queued()`` tries to send the
   messages it wrote; after each request a hook (``init_app``) calls it, so
   nothing is mailed before the commit, nor for a change rolled back. A failure
   is logged (message id and error class only, never an address) and the
   message stays for ``flask --app wsgi rsvp send-notices`` (``send_pending()``),
   which retries everything. Sent messages are deleted at once: they hold an
   address.
3. A message that the server itself refuses ``MAX_ATTEMPTS`` times is deleted
   and the giving-up is logged. When the server cannot be reached at all no
   attempt is counted: an outage must not cost notices, and the retention purge
   deletes whatever is left once the event is over.

Delivery is at least once: a message is claimed (its ``attempts`` raised in a
committed compare-and-set) before it is sent, so two senders rarely both send
it, but a crash between sending and deleting sends it again on the next run.

The manage link is the exception: it carries the supporter's private token, so
it is never stored; ``send_manage_link`` sends it right after the RSVP commit.

Bodies are rendered from ``templates/mail/*.txt`` in the message's language;
subjects are fixed per kind and language and never contain user text
(design/security.md decision 14, T18).
"""

from __future__ import annotations

import dataclasses
import logging
import smtplib
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from flask import Flask, Response, current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, event, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, SessionTransaction

from app import mail
from app.clock import now_utc
from app.events.queries import upcoming_occurrences, when_on
from app.extensions import db
from app.models import Event
from app.models.rsvp import NoticeKind, OutboxMessage, Rsvp
from app.urls import absolute_url
from app.venues.countries import place_line
from app.web import format_when

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Ids of the messages queued in the session's open transaction, then once it committed.
_PENDING_KEY = "vigil_outbox_pending"
_COMMITTED_KEY = "vigil_outbox_committed"


_TEMPLATES = {
    NoticeKind.CHANGED: "mail/changed.txt",
    NoticeKind.CANCELLED: "mail/cancelled.txt",
    NoticeKind.DATE_CANCELLED: "mail/date_cancelled.txt",
    NoticeKind.REINSTATED: "mail/reinstated.txt",
    NoticeKind.PROMOTED: "mail/promoted.txt",
    NoticeKind.MANAGE_LINK: "mail/manage_link.txt",
}


def subject_for(kind: NoticeKind, locale: str) -> str:
    """The fixed subject of a ``kind`` of notice in ``locale``; never contains user text."""
    subject: str
    with force_locale(locale):
        if kind == NoticeKind.CHANGED:
            subject = _("The time or place of an event you plan to attend has changed")
        elif kind == NoticeKind.CANCELLED:
            subject = _("An event you planned to attend is cancelled")
        elif kind == NoticeKind.DATE_CANCELLED:
            subject = _("A date you planned to attend is cancelled")
        elif kind == NoticeKind.REINSTATED:
            subject = _("An event you planned to attend takes place after all")
        elif kind == NoticeKind.PROMOTED:
            subject = _("A place became free: you are now on the list of people going")
        else:
            subject = _("Your RSVP: your private link, and please confirm your address")
    return subject


def _event_url(event: Event) -> str:
    # Never the Host of the request that caused the notice: anyone can send that.
    return absolute_url("events.show", slug=event.slug)


def _when(event: Event, days: Sequence[date]) -> str:
    """The dates ``days`` of the event in venue time with the zone, one per line; without
    days, its next (or last) date."""
    if days:
        return "\n".join(format_when(*when_on(event, day), event.timezone) for day in days)
    occurrences = upcoming_occurrences(event, limit=1)
    if occurrences:
        return format_when(occurrences[0].starts_at, occurrences[0].ends_at, event.timezone)
    return format_when(event.starts_at, event.ends_at, event.timezone)


def render_body(
    kind: NoticeKind, event: Event, locale: str, days: Sequence[date] = (), **extra: Any
) -> str:
    """The plain-text body of a notice about ``event`` in ``locale``: about the supporter's
    dates ``days`` if given (a series' RSVPs are per date), else the event's next date."""
    with force_locale(locale):
        return render_template(
            _TEMPLATES[kind],
            event=event,
            when=_when(event, days),
            for_dates=bool(days),
            place=place_line(event.venue, locale),
            event_url=_event_url(event),
            **extra,
        )


def _locale_of(rsvp: Rsvp) -> str:
    """The supporter's language when they RSVPed; the site default if it is unknown now."""
    if rsvp.locale in current_app.config["LANGUAGES"]:
        return rsvp.locale
    return str(current_app.config["DEFAULT_LOCALE"])


@dataclasses.dataclass
class _Recipient:
    address: str
    locale: str
    days: list[date]


def _recipients(rsvps: Iterable[Rsvp]) -> list[_Recipient]:
    """Each confirmed, usable address once, with the dates of its RSVPs: nobody gets the
    same notice twice, and nobody gets one without having confirmed the address
    (app.rsvp.consent)."""
    chosen: dict[str, _Recipient] = {}
    for rsvp in rsvps:
        if not rsvp.email or not rsvp.email_confirmed:
            continue
        if not mail.is_valid_address(rsvp.email):
            log.warning("rsvp %s has an unusable address; no notice queued", rsvp.id)
            continue
        recipient = chosen.setdefault(
            rsvp.email.lower(), _Recipient(rsvp.email, _locale_of(rsvp), [])
        )
        if rsvp.occurs_on not in recipient.days:
            recipient.days.append(rsvp.occurs_on)
    return list(chosen.values())


def _queue(kind: NoticeKind, event: Event, rsvps: Iterable[Rsvp], **extra: Any) -> int:
    """Write one outbox message per address; flushes. Returns the number queued.

    For a series, each message names the supporter's own dates; a single event's, its date.
    """
    bodies: dict[tuple[str, tuple[date, ...]], str] = {}
    messages = []
    for recipient in _recipients(rsvps):
        days = tuple(sorted(recipient.days)) if event.is_recurring else ()
        key = (recipient.locale, days)
        if key not in bodies:
            bodies[key] = render_body(kind, event, recipient.locale, days, **extra)
        messages.append(
            OutboxMessage(
                event_id=event.id,
                recipient=recipient.address,
                kind=kind,
                locale=recipient.locale,
                body=bodies[key],
                attempts=0,
                created_at=now_utc(),
            )
        )
    if not messages:
        return 0
    db.session.add_all(messages)
    db.session.flush()
    db.session.info.setdefault(_PENDING_KEY, []).extend(message.id for message in messages)
    log.info("event %s: %s %s notices queued", event.id, len(messages), kind)
    return len(messages)


def _with_email(event: Event, occurs_on: date | None = None) -> list[Rsvp]:
    """RSVPs with an address, of ``occurs_on`` or of every date from today (venue time) on:
    the dates that are over need no notice."""
    query = select(Rsvp).where(
        Rsvp.event_id == event.id, Rsvp.email.is_not(None), Rsvp.email_confirmed.is_(True)
    )
    if occurs_on is not None:
        query = query.where(Rsvp.occurs_on == occurs_on)
    else:
        query = query.where(Rsvp.occurs_on >= now_utc().astimezone(event.zone).date())
    return list(db.session.scalars(query.order_by(Rsvp.occurs_on, Rsvp.id)))


def queue_event_changed(event: Event) -> int:
    """Queue a "changed" notice (new time, place, link) to every RSVP with an address.

    Call inside the transaction that changes the event, after flushing it. Flushes.
    """
    return _queue(NoticeKind.CHANGED, event, _with_email(event))


def queue_event_cancelled(event: Event) -> int:
    """Queue a "cancelled" notice (with the reason) to every RSVP with an address. Flushes."""
    return _queue(NoticeKind.CANCELLED, event, _with_email(event), reason=event.cancel_reason)


def queue_event_reinstated(event: Event) -> int:
    """Queue a "takes place after all" notice to every RSVP with an address. Flushes."""
    return _queue(NoticeKind.REINSTATED, event, _with_email(event))


def queue_date_cancelled(event: Event, occurs_on: date, reason: str | None) -> int:
    """Queue a "date cancelled" notice to the RSVPs of that one date with an address. Flushes."""
    return _queue(NoticeKind.DATE_CANCELLED, event, _with_email(event, occurs_on), reason=reason)


def queued_count() -> int:
    """How many notices the session's open transaction has queued so far."""
    return len(db.session.info.get(_PENDING_KEY, []))


def committed_count() -> int:
    """How many notices this request has queued and committed, to be mailed after it."""
    return len(db.session.info.get(_COMMITTED_KEY, []))


def queue_promoted(event: Event, promoted: Iterable[Rsvp]) -> int:
    """Queue a "promoted" notice to each RSVP just moved from the waitlist. Flushes."""
    return _queue(NoticeKind.PROMOTED, event, promoted)


def send_manage_link(
    *,
    recipient: str,
    event: Event,
    days: Sequence[date],
    manage_url: str,
    locale: str,
    **extra: Any,
) -> bool:
    """Mail the private manage link right away; call after the RSVP is committed.

    It is the first mail to the address, so ``extra`` carries ``confirm_url``: the
    owner confirms the address there before any notice is sent (app.rsvp.consent).
    ``manage_url`` is the full link including ``#token``. It is never stored (the
    outbox would then hold a working token), so a failure is not retried: it is
    logged without details and False is returned; the confirmation page still
    shows the link. Never raises for mail problems.
    """
    try:
        days = days if event.is_recurring else ()
        body = render_body(
            NoticeKind.MANAGE_LINK, event, locale, days, manage_url=manage_url, **extra
        )
        mail.send_message(recipient, subject_for(NoticeKind.MANAGE_LINK, locale), body)
    except (ValueError, OSError, smtplib.SMTPException):
        log.warning("manage link for event %s not sent", event.id)
        return False
    return True


@dataclasses.dataclass
class DeliveryReport:
    """What one delivery run did: sent, failed (kept for a retry), dropped, deferred."""

    sent: int = 0
    failed: int = 0
    dropped: int = 0
    deferred: int = 0  # not tried because the mail server could not be reached


@dataclasses.dataclass(frozen=True)
class _Claimed:
    id: int
    recipient: str
    kind: NoticeKind
    locale: str
    body: str
    attempts: int


def _read(message_id: int) -> _Claimed | None:
    """The message as stored now, or None if it is gone; commits (ends the read)."""
    row = db.session.execute(
        select(
            OutboxMessage.recipient,
            OutboxMessage.kind,
            OutboxMessage.locale,
            OutboxMessage.body,
            OutboxMessage.attempts,
        ).where(OutboxMessage.id == message_id)
    ).one_or_none()
    db.session.commit()
    if row is None:
        return None
    return _Claimed(message_id, row.recipient, row.kind, row.locale, row.body, row.attempts)


def _take(message: _Claimed) -> bool:
    """Raise the attempt count if nobody did since ``message`` was read; commits.

    This compare-and-set is the claim: of two senders that read the same message,
    only one sends it.
    """
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.attempts == message.attempts)
        .values(attempts=message.attempts + 1)
    )
    db.session.commit()
    return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]


def _claim(message_id: int) -> _Claimed | None:
    """The message to send now (its attempt count raised), or None if gone or taken."""
    message = _read(message_id)
    if message is None or not _take(message):
        return None
    return dataclasses.replace(message, attempts=message.attempts + 1)


def _delete(message_id: int) -> None:
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.id == message_id))
    db.session.commit()


def _send_claimed(send: mail.SendFunction, message: _Claimed, report: DeliveryReport) -> bool:
    """Send one claimed message; returns False if the connection is no longer usable."""
    try:
        send(message.recipient, subject_for(message.kind, message.locale), message.body)
    except ValueError:
        _delete(message.id)
        report.dropped += 1
        log.error("outbox message %s dropped: unusable recipient or subject", message.id)
        return True
    except (OSError, smtplib.SMTPException) as exc:
        log.warning(
            "outbox message %s not sent (attempt %s): %s",
            message.id,
            message.attempts,
            type(exc).__name__,
        )
        if message.attempts >= MAX_ATTEMPTS:
            _delete(message.id)
            report.dropped += 1
            log.error("outbox message %s given up after %s attempts", message.id, message.attempts)
        else:
            report.failed += 1
        # A refusal of this message leaves the connection usable; anything else may not.
        return isinstance(exc, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused)
    _delete(message.id)
    report.sent += 1
    return True


def _deliver(message_ids: list[int]) -> DeliveryReport:
    report = DeliveryReport()
    if not message_ids:
        return report
    done = 0
    try:
        with mail.connection() as send:
            for message_id in message_ids:
                done += 1
                message = _claim(message_id)
                if message is not None and not _send_claimed(send, message, report):
                    break
    except (OSError, smtplib.SMTPException) as exc:
        # Only opening the connection gets here: sending errors are handled per message.
        db.session.rollback()
        report.deferred = len(message_ids) - done
        log.warning(
            "mail server unavailable (%s); %s notices wait for `rsvp send-notices`",
            type(exc).__name__,
            report.deferred,
        )
    else:
        report.deferred = len(message_ids) - done
        if report.deferred:
            log.warning("connection lost; %s notices wait for `rsvp send-notices`", report.deferred)
    return report


def deliver_queued() -> DeliveryReport:
    """Try to send the notices this app context queued and committed, and not yet tried.

    Never raises for mail or database problems: the change is committed already, and
    what could not be sent stays in the outbox for ``rsvp send-notices``.
    """
    queued: list[int] = db.session.info.pop(_COMMITTED_KEY, [])
    try:
        return _deliver(queued)
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.warning("notice delivery stopped (%s); the outbox keeps the rest", type(exc).__name__)
        return DeliveryReport(deferred=len(queued))


def send_pending() -> DeliveryReport:
    """Try to send every message in the outbox, oldest first (the CLI's retry)."""
    message_ids = list(db.session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)))
    db.session.commit()
    return _deliver(message_ids)


def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING_KEY, None)
    if pending:
        session.info.setdefault(_COMMITTED_KEY, []).extend(pending)


def _after_rollback(session: Session, previous: SessionTransaction) -> None:
    # The messages were written in the transaction just rolled back: they are gone.
    if not previous.nested:
        session.info.pop(_PENDING_KEY, None)


def _deliver_after_request(response: Response) -> Response:
    # registry.has(): a request that never opened a database session has nothing to send.
    if db.session.registry.has() and db.session.info.get(_COMMITTED_KEY):
        deliver_queued()
    return response


def init_app(app: Flask) -> None:
    """Mail what each request queued, once its transaction has committed.

    Calling it again changes nothing. The session listeners are global (``db``
    serves every app), added with the first app.
    """
    if not event.contains(db.session, "after_commit", _after_commit):
        event.listen(db.session, "after_commit", _after_commit)
        event.listen(db.session, "after_soft_rollback", _after_rollback)
    if _deliver_after_request not in app.after_request_funcs.get(None, []):
        app.after_request(_deliver_after_request)
