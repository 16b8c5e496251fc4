"""Fixtures of the proposal tests: the real in-process SMTP server of the RSVP tests."""

from __future__ import annotations

from tests.rsvp.conftest import smtp

__all__ = ["smtp"]
