"""Sending plain-text mail: one message, one recipient, fixed headers.

design/security.md decision 14 and T18: the Python here (3.11.7) lacks the
CVE-2024-6923 fix, so an encoded newline in a header value could still turn
into a real ``Bcc:`` header. The defence is structural: subjects are fixed
strings of ours (translated, never user text), the recipient is checked to be
exactly one plain address, and the SMTP envelope names that recipient
explicitly, so nothing in a message can add another one. Event titles and
reasons only ever appear in the body.

With ``SMTP_HOST`` unset and ``MAIL_CONSOLE`` on (development, ``make run``) messages are
printed to standard output
instead of being sent.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email import policy
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import current_app

from app.clock import now_utc

log = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 10
ADDRESS_MAX = 254
# One ASCII address: no spaces, no control characters, no list or comment syntax.
# Stricter than RFC 5322 on purpose; the RSVP form uses the same check.
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")

SendFunction = Callable[[str, str, str], None]


def is_valid_address(address: str) -> bool:
    """True if ``address`` is exactly one plain ASCII e-mail address (``local@domain``).

    Rejects CR, LF and every other control character, whitespace, display
    names, comments and lists ("a@x, b@y"), and addresses over 254 characters.
    """
    return (
        len(address) <= ADDRESS_MAX
        and _ADDRESS.fullmatch(address) is not None
        and ".." not in address.rsplit("@", 1)[1]
    )


def _check_subject(subject: str) -> None:
    # Subjects are our own translated strings; this only guards against a bad catalog.
    if not subject or any(ord(char) < 32 or ord(char) == 127 for char in subject):
        raise ValueError("A mail subject must be one line of text.")


def build_message(recipient: str, subject: str, body: str) -> EmailMessage:
    """A plain-text UTF-8 message to ``recipient``.

    Raises ValueError if the recipient is not one valid address or the subject is not
    one line. ``body`` may hold any text (it is encoded, never parsed as headers).
    """
    if not is_valid_address(recipient):
        raise ValueError("The recipient must be exactly one e-mail address.")
    _check_subject(subject)
    sender = current_app.config["MAIL_FROM"]
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = sender
    message["To"] = recipient
    if subject.isascii():
        message["Subject"] = subject
    else:
        # Python 3.11's folding of a long non-ASCII header splits it into encoded words
        # at a space and drops that space ("یا لغو" arrived as "یالغو", measured);
        # email.header.Header keeps each space inside an encoded word. The value is
        # ASCII encoded words of our own fixed subject, so it is stored as it is.
        encoded = Header(subject, "utf-8", header_name="Subject").encode(linesep="\r\n")
        message.set_raw("Subject", encoded)
    message["Date"] = format_datetime(now_utc())
    # An explicit domain: the default asks DNS for this host's name and puts it in the mail.
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[1])
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
    message.set_content(body, cte="quoted-printable")
    return message


class MailNotConfiguredError(OSError):
    """Neither VIGIL_SMTP_HOST nor VIGIL_MAIL_CONSOLE is set: mail cannot go anywhere."""


def _print_message(message: EmailMessage) -> None:
    # Development only (SMTP_HOST unset): this is the developer's console standing in
    # for a mail server, not a log, so the whole message is shown, address included.
    sys.stdout.write(message.as_string(policy=policy.SMTP.clone(linesep="\n")))
    sys.stdout.write("\n")
    sys.stdout.flush()


def _open_smtp() -> smtplib.SMTP:
    """Connect (and authenticate) to the configured server; raises OSError/SMTPException."""
    config = current_app.config
    host, port, security = config["SMTP_HOST"], config["SMTP_PORT"], config["SMTP_SECURITY"]
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if security == "tls":
        smtp = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT_SECONDS, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT_SECONDS)
    try:
        if security == "starttls":
            smtp.starttls(context=context)
        if config["SMTP_USERNAME"]:
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


@contextmanager
def connection() -> Iterator[SendFunction]:
    """Open one connection and yield ``send(recipient, subject, body)`` for a batch.

    Opening raises OSError or smtplib.SMTPException when the server cannot be used;
    each ``send`` raises ValueError (bad recipient or subject) or the same errors for
    that message. Without ``SMTP_HOST`` the messages are printed instead.
    """
    if not current_app.config["SMTP_HOST"]:
        if not current_app.config["MAIL_CONSOLE"]:
            # A server without a mail server must not print addresses and manage
            # links into its service log: notices wait in the outbox instead.
            raise MailNotConfiguredError

        def print_one(recipient: str, subject: str, body: str) -> None:
            _print_message(build_message(recipient, subject, body))

        yield print_one
        return

    smtp = _open_smtp()

    def send_one(recipient: str, subject: str, body: str) -> None:
        message = build_message(recipient, subject, body)
        # The envelope names the one recipient; smtplib never reads recipients
        # from the headers when to_addrs is given.
        smtp.send_message(message, from_addr=current_app.config["MAIL_FROM"], to_addrs=[recipient])

    try:
        yield send_one
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


def send_message(recipient: str, subject: str, body: str) -> None:
    """Send one plain-text message (or print it when ``SMTP_HOST`` is unset).

    Raises ValueError for a bad recipient or subject, and OSError or
    smtplib.SMTPException when sending fails; callers log the error class only.
    """
    with connection() as send:
        send(recipient, subject, body)


def send_or_log(recipient: str, subject: str, body: str, *, what: str) -> bool:
    """``send_message`` for a mail whose failure must not stop the request: False when it
    could not be sent, logged as ``what`` and the error class only (never the address)."""
    try:
        send_message(recipient, subject, body)
    except (ValueError, OSError, smtplib.SMTPException) as exc:
        log.warning("%s mail not sent: %s", what, type(exc).__name__)
        return False
    return True
