"""E-mail only with its owner's consent.

Anyone can type anyone's address into the RSVP form, so an address is a claim
until its owner confirms it. The first mail to it (the private link, sent right
after the RSVP) asks its owner to confirm with a second, mail-only code; notices
(changes, cancellations, promotions) go only to confirmed addresses
(app.rsvp.notices). An address nobody confirms is deleted after
``UNCONFIRMED_DAYS`` by the purge, or with its RSVP, whichever comes first.

Mails that are not notices (the private link, a new link for a lost one) are
counted per address: at most ``UNCONFIRMED_MAIL_LIMIT`` a day (3 by default), so
Vigil cannot be used to flood a mailbox. The counter's key is a keyed hash of the
address (app.privacy.pseudonym, a key of the day held only in memory), never the
address, in the limiter's storage (Redis in production).

Codes are 256-bit random strings stored only as their SHA-256, like manage codes;
links carry them in the #fragment, which browsers never send to the server.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from limits import parse_many
from sqlalchemy import Integer, func, select, update

from app import mail
from app.clock import now_utc
from app.extensions import db, limiter
from app.models import Event
from app.models.rsvp import Rsvp
from app.privacy import pseudonym
from app.rsvp.services import hash_token
from app.urls import absolute_url
from app.venues.countries import place_line

log = logging.getLogger(__name__)

# An address nobody confirmed within this time is deleted by the purge.
UNCONFIRMED_DAYS = 7
_COUNTER = "mail-to-address"


def new_code() -> tuple[str, str]:
    """A fresh random code (256 bits) and the SHA-256 that is stored in its place."""
    code = secrets.token_urlsafe(32)
    return code, hash_token(code)


def confirm_url(code: str) -> str:
    return absolute_url("rsvp.confirm_email") + "#" + code


def manage_url(code: str) -> str:
    """The private link: the code rides in the #fragment, which browsers never send."""
    return absolute_url("rsvp.manage") + "#" + code


def may_mail(address: str) -> bool:
    """Count one mail to ``address``; False once today's budget is spent (send nothing).

    Always True when the limiter is switched off.
    """
    if not limiter.enabled:
        return True
    key = pseudonym("mail:" + address.lower())
    strategy = limiter.limiter
    return all(
        strategy.hit(item, _COUNTER, key)
        for item in parse_many(current_app.config["UNCONFIRMED_MAIL_LIMIT"])
    )


def confirm(code: str) -> bool:
    """Confirm the address of the RSVPs mailed ``code``; True if there were any. Commits.

    The code works once: it is cleared with the confirmation.
    """
    if not 20 <= len(code) <= 100 or not code.isascii():
        return False
    confirmed = db.session.execute(
        update(Rsvp)
        .where(Rsvp.confirm_hash == hash_token(code), Rsvp.email.is_not(None))
        .values(email_confirmed=True, confirm_hash=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    count: int = confirmed.rowcount  # type: ignore[attr-defined]
    if count:
        log.info("an RSVP address was confirmed (%s dates)", count)
    return count > 0


def forget_unconfirmed() -> int:
    """Delete the addresses nobody confirmed within UNCONFIRMED_DAYS; flushes. Returns rows."""
    cutoff = now_utc().date() - timedelta(days=UNCONFIRMED_DAYS)
    forgotten = db.session.execute(
        update(Rsvp)
        .where(Rsvp.email.is_not(None), Rsvp.email_confirmed.is_(False), Rsvp.created_on < cutoff)
        .values(email=None, confirm_hash=None)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    count: int = forgotten.rowcount  # type: ignore[attr-defined]
    return count


@dataclass(frozen=True)
class NewLink:
    """A lost link replaced: the event and the new codes, for the mail only, and the old
    hashes, to put back if the mail cannot be sent."""

    event: Event
    manage_code: str
    confirm_code: str | None  # for an address still unconfirmed
    old_hash: str
    old_confirm_hash: str | None


def replace_links(address: str) -> list[NewLink]:
    """Give every current RSVP code that left ``address`` a new code; the old ones stop
    working. An unconfirmed address also gets a new confirmation code. Commits.

    Dates that are over are left alone: the purge deletes them soon.
    """
    today = now_utc().date() - timedelta(days=1)  # a date still running somewhere
    rows = db.session.execute(
        select(
            Rsvp.token_hash,
            Rsvp.event_id,
            func.max(Rsvp.email_confirmed.cast(Integer)),
            func.max(Rsvp.confirm_hash),
        )
        .where(func.lower(Rsvp.email) == address.lower(), Rsvp.occurs_on >= today)
        .group_by(Rsvp.token_hash, Rsvp.event_id)
        .order_by(Rsvp.event_id)
    ).all()
    links = []
    for old_hash, event_id, confirmed, old_confirm_hash in rows:
        manage_code, manage_hash = new_code()
        confirm_code, confirm_hash = new_code() if not confirmed else (None, None)
        _set_hashes(old_hash, manage_hash, confirm_hash)
        event = db.session.get(Event, event_id)
        if event is not None:
            links.append(NewLink(event, manage_code, confirm_code, old_hash, old_confirm_hash))
    db.session.commit()
    return links


def _set_hashes(where_hash: str, token_hash: str, confirm_hash: str | None) -> None:
    db.session.execute(
        update(Rsvp)
        .where(Rsvp.token_hash == where_hash)
        .values(token_hash=token_hash, confirm_hash=confirm_hash)
        .execution_options(synchronize_session=False)
    )


def restore_links(links: list[NewLink]) -> None:
    """Put the old codes back (the mail with the new ones could not be sent). Commits."""
    for link in links:
        _set_hashes(hash_token(link.manage_code), link.old_hash, link.old_confirm_hash)
    db.session.commit()


def send_new_links(address: str, links: list[NewLink], locale: str) -> bool:
    """Mail the new links, or, without any, that no RSVP uses this address. Never raises
    for mail problems; False if the mail could not be sent. The caller has counted it
    (``may_mail``)."""
    with force_locale(locale):
        body = render_template(
            "mail/new_links.txt",
            links=[
                {
                    "event": link.event,
                    "place": place_line(link.event.venue, locale),
                    "manage_url": manage_url(link.manage_code),
                    "confirm_url": confirm_url(link.confirm_code) if link.confirm_code else None,
                }
                for link in links
            ],
        )
        subject = _("Your new private links to your RSVPs")
    return mail.send_or_log(address, subject, body, what="lost-link")
