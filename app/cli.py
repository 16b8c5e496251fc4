"""Registers every feature's click commands on the app."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.auth.cli import users
    from app.campaign.cli import statement
    from app.demo.cli import demo
    from app.proposals.cli import proposals
    from app.rsvp.cli import rsvp
    from app.venues.cli import venues

    for group in (users, venues, statement, demo, rsvp, proposals):
        app.cli.add_command(group)
