"""A real SMTP server in-process (aiosmtpd) for the tests of e-mail notices."""

from __future__ import annotations

import email
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from typing import Any

SUBJECT_CHANGED = "The time or place of an event you plan to attend has changed"
SUBJECT_CANCELLED = "An event you planned to attend is cancelled"
SUBJECT_PROMOTED = "A place became free: you are now on the list of people going"
SUBJECT_MANAGE = "Your RSVP: your private link, and please confirm your address"
SUBJECT_CANCELLED_FA = "رویدادی که قصد شرکت در آن را داشتید لغو شد"
SUBJECT_MANAGE_FA = "اعلام حضور شما: پیوند خصوصی‌تان، و لطفاً نشانی‌تان را تأیید کنید"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def body(self) -> str:
        content: str = self.message.get_content()
        return content


@dataclass
class SmtpSink:
    """An aiosmtpd handler that keeps every message and can refuse some recipients."""

    port: int = 0
    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    on_data: Callable[[], None] | None = None
    hang_up_once: bool = False  # drop the connection instead of answering the next DATA

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.on_data is not None:
            self.on_data()
        if self.hang_up_once:
            self.hang_up_once = False
            server.transport.close()
            return "421 4.3.0 Going away"
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    @property
    def settings(self) -> dict[str, Any]:
        """The app's mail settings for this server: plain SMTP on loopback."""
        return {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": self.port,
            "SMTP_SECURITY": "none",
            "MAIL_FROM": "notices@vigil.example",
        }

    def to(self, address: str) -> list[Received]:
        return [item for item in self.received if address in item.rcpt_tos]


def free_port() -> int:
    """A loopback port nobody listens on (the socket is closed again)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
