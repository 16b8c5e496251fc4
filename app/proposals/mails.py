"""Mails of the review queue: to a proposal's host (confirm, approved with the private link,
rejected, changes) and to an organizer whose event a reviewer published or sent back.

Sent after the commit (STYLE.md rule 2) through app.mail; subjects are our own fixed,
translated strings and the host's text appears only in the body. Never raises for mail
problems: returns False, and the log names the error class only (no address, no code).
"""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from app import mail
from app.dates import format_when
from app.models import Event, Proposal
from app.urls import absolute_url
from app.venues.countries import place_line


def confirm_url(code: str) -> str:
    """The confirmation link: the code rides in the #fragment, which browsers never send."""
    return absolute_url("proposals.confirm") + "#" + code


def manage_url(code: str) -> str:
    """The host's private management link, the code in the #fragment."""
    return absolute_url("proposals.manage") + "#" + code


def when_line(proposal: Proposal) -> str:
    """The first date's local start and end at the venue, as event pages word them."""
    return format_when(proposal.starts_at, proposal.ends_at, proposal.timezone)


def _send(proposal: Proposal, template: str, subject: str, locale: str, **values: object) -> bool:
    address = proposal.host_email
    if address is None:
        return False
    with force_locale(locale):
        body = render_template(
            template,
            proposal=proposal,
            place=place_line(proposal.venue, locale),
            when=when_line(proposal),
            **values,
        )
        subject_text = str(subject)
    return mail.send_or_log(address, subject_text, body, what="proposal")


def send_confirmation(proposal: Proposal, code: str, locale: str) -> bool:
    """Ask the host to confirm their address and so their proposal."""
    with force_locale(locale):
        subject = _("Please confirm your proposal for a vigil")
    return _send(
        proposal, "mail/proposal_confirm.txt", subject, locale, confirm_url=confirm_url(code)
    )


def send_approved(proposal: Proposal, code: str, locale: str, event_url: str) -> bool:
    """Tell the host their vigil is published, with their private management link."""
    with force_locale(locale):
        subject = _("Your vigil is published")
    return _send(
        proposal,
        "mail/proposal_approved.txt",
        subject,
        locale,
        manage_url=manage_url(code),
        event_url=event_url,
    )


def send_rejected(proposal: Proposal, locale: str) -> bool:
    """Tell the host their proposal was not accepted, and why."""
    with force_locale(locale):
        subject = _("Your proposal for a vigil was not accepted")
    return _send(proposal, "mail/proposal_rejected.txt", subject, locale)


def send_changes_requested(proposal: Proposal, code: str, locale: str) -> bool:
    """Ask the host for changes, with the private link to make them."""
    with force_locale(locale):
        subject = _("Your proposal for a vigil: the reviewers ask for changes")
    return _send(
        proposal, "mail/proposal_changes.txt", subject, locale, manage_url=manage_url(code)
    )


def _send_to_organizer(
    event: Event, template: str, subject: str, locale: str, **values: object
) -> bool:
    with force_locale(locale):
        body = render_template(template, event=event, **values)
        subject_text = str(subject)
    return mail.send_or_log(event.organizer.email, subject_text, body, what="review")


def send_event_approved(event: Event, locale: str) -> bool:
    """Tell an organizer that a reviewer published their event."""
    with force_locale(locale):
        subject = _("Your event is published")
    url = absolute_url("events.show", slug=event.slug)
    return _send_to_organizer(event, "mail/event_approved.txt", subject, locale, event_url=url)


def send_event_sent_back(event: Event, locale: str) -> bool:
    """Tell an organizer that a reviewer sent their event back, and why."""
    with force_locale(locale):
        subject = _("Your event was sent back by a reviewer")
    url = absolute_url("organize.edit", event_id=event.id)
    return _send_to_organizer(event, "mail/event_sent_back.txt", subject, locale, edit_url=url)
