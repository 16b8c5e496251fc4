"""Capacity holds under real concurrent connections, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from flask import Flask
from sqlalchemy import func, select

from app.extensions import db
from app.models.rsvp import Rsvp, RsvpStatus
from app.rsvp.services import create_rsvp
from tests.factories import make_event

CLIENTS = 60
CAPACITY = 10


def test_concurrent_rsvps_never_overbook(app: Flask) -> None:
    event = make_event(capacity=CAPACITY)
    event_id = event.id
    start = threading.Barrier(CLIENTS)

    def rsvp(_n: int) -> str:
        # Each thread has its own app context, hence its own session and connection.
        with app.app_context():
            start.wait()
            try:
                return create_rsvp(event_id, display_name=None, party_size=1, email=None).status
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        statuses = list(pool.map(rsvp, range(CLIENTS)))

    assert statuses.count(RsvpStatus.GOING) == CAPACITY
    assert statuses.count(RsvpStatus.WAITLISTED) == CLIENTS - CAPACITY
    db.session.rollback()  # a fresh snapshot: SQLite's WAL keeps the old one otherwise
    going = db.session.scalar(
        select(func.sum(Rsvp.party_size)).where(
            Rsvp.event_id == event_id, Rsvp.status == RsvpStatus.GOING
        )
    )
    assert going == CAPACITY
    assert db.session.scalar(select(func.count()).select_from(Rsvp)) == CLIENTS
