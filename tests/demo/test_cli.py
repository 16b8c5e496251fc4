"""``flask demo seed``: demo events at real missions, refusing to mix with real data."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from app.demo.services import DEMO_EMAIL
from app.events.services import _rebuild_occurrences
from app.extensions import db
from app.models import Event, User, Venue


def _import_venues(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["venues", "import"])
    assert result.exit_code == 0, result.output


def test_seed_creates_twenty_varied_events(runner: FlaskCliRunner, client: FlaskClient) -> None:
    _import_venues(runner)
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    events = list(db.session.scalars(select(Event)))
    assert len(events) == 20
    assert len({e.venue.country_code for e in events}) >= 5
    assert len({e.timezone for e in events}) >= 4
    assert sum(e.is_recurring for e in events) >= 3
    assert [e.status for e in events].count("cancelled") == 1
    organizer = db.session.scalars(select(User).where(User.email == DEMO_EMAIL)).one()
    assert organizer.password_hash is None  # no usable password until one is set
    assert all(e.venue.import_key for e in events)  # at real missions
    body = client.get("/events").get_data(as_text=True)
    assert body.count('class="event-card') == 20


def test_seed_refuses_when_events_exist(runner: FlaskCliRunner) -> None:
    _import_venues(runner)
    assert runner.invoke(args=["demo", "seed", "--events", "2"]).exit_code == 0
    refused = runner.invoke(args=["demo", "seed"])
    assert refused.exit_code != 0
    assert "--force" in refused.output
    quiet = runner.invoke(args=["demo", "seed", "--if-empty"])
    assert quiet.exit_code == 0
    forced = runner.invoke(args=["demo", "seed", "--events", "3", "--force"])
    assert forced.exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(Event)) == 5


def test_seed_needs_venues(runner: FlaskCliRunner) -> None:
    assert db.session.scalar(select(func.count()).select_from(Venue)) == 0
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code != 0
    assert "venues import" in result.output


def test_seed_rejects_bad_counts(runner: FlaskCliRunner) -> None:
    for value in ("0", "-5", "abc", "1000001"):
        assert runner.invoke(args=["demo", "seed", "--events", value]).exit_code == 2


def test_seed_stores_dates_as_the_events_service_does(
    runner: FlaskCliRunner, client: FlaskClient
) -> None:
    """The seed writes rows in bulk; a series' dates are those an edit would rebuild."""
    _import_venues(runner)
    assert runner.invoke(args=["demo", "seed", "--events", "1"]).exit_code == 0
    assert "1 event found" in client.get("/events").get_data(as_text=True)  # now cached
    result = runner.invoke(args=["demo", "seed", "--events", "10", "--force"])
    assert result.exit_code == 0, result.output
    assert "Created 10 demo events (24 dates)" in result.output
    # A new cache generation: the list cached before is not served again.
    assert "11 events found" in client.get("/events").get_data(as_text=True)
    series = db.session.scalars(select(Event).where(Event.repeat == "weekly")).all()
    assert len(series) == 2
    for event in series:
        seeded = [(o.starts_at, o.ends_at, o.occurs_on) for o in event.occurrences]
        assert len(seeded) == 8  # nine weeks, one skipped
        assert [skip.occurs_on for skip in event.skips] == [seeded[0][2] + timedelta(weeks=2)]
        _rebuild_occurrences(event)  # what editing the event would write
        db.session.flush()
        db.session.expire(event, ["occurrences"])
        assert [(o.starts_at, o.ends_at, o.occurs_on) for o in event.occurrences] == seeded
    page = client.get(f"/events/{series[0].slug}/dates")
    assert page.status_code == 200
    assert page.get_data(as_text=True).count("<time") >= 8
