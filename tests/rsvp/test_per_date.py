"""RSVPs of a repeating vigil are per date.

Each date of a series has its own capacity, waiting list, counts, notices and
retention; one private code can hold several dates. The series of these tests is
make_series': Saturdays 2026-12-05 to 2027-01-02, 15:00–17:00 in Berlin.
"""

from __future__ import annotations

import csv
import io
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app import clock
from app.extensions import db
from app.models import Event, Repeat
from app.models.rsvp import OutboxMessage, Rsvp, RsvpStatus
from app.rsvp.queries import RsvpClosedReason
from app.rsvp.services import (
    RsvpClosedError,
    cancel_rsvps,
    change_party_size,
    create_rsvp,
    find_rsvps,
    going_count,
    purge_ended_events,
)
from tests.conftest import login, signed_in
from tests.events.forms import event_form, post_event
from tests.factories import (
    PASSWORD,
    make_event,
    make_rsvp,
    make_series,
    make_user,
    sydney_consulate,
)
from tests.feeds.parsing import get_feed, vevents
from tests.rsvp.pages import all_rsvps, post_manage, post_rsvp, rsvp, rsvp_count
from tests.rsvp.smtp import SmtpSink

GOING, WAITLISTED = RsvpStatus.GOING, RsvpStatus.WAITLISTED
FIRST, SECOND, THIRD = date(2026, 12, 5), date(2026, 12, 12), date(2026, 12, 19)
SUBJECT_DATE_CANCELLED = "A date you planned to attend is cancelled"


def _text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def _main(response: Any) -> str:
    return _text(response).split('<main id="main"')[1].split("</main>")[0]


def _statuses(event: Event) -> dict[tuple[date, str | None], RsvpStatus]:
    """(date, display name) -> status of the event's stored RSVPs."""
    db.session.rollback()  # a fresh snapshot
    rows = db.session.execute(
        select(Rsvp.occurs_on, Rsvp.display_name, Rsvp.status).where(Rsvp.event_id == event.id)
    )
    return {(row.occurs_on, row.display_name): row.status for row in rows}


def _going(event: Event, day: date) -> int:
    db.session.rollback()
    return going_count(event.id, day)


def _date_label(page: str, day: date) -> str:
    """The label of the RSVP form's checkbox for ``day``, tags removed."""
    match = re.search(
        rf'value="{day.isoformat()}"[^>]*>\s*<label[^>]*>(.*?)</label>', page, re.DOTALL
    )
    assert match, f"no checkbox for {day}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def _csv_rows(response: Any) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


# --- capacity and the waiting list ----------------------------------------------------


def test_each_date_has_its_own_capacity_and_waiting_list(app: Flask) -> None:
    event = make_series(capacity=2)
    full = make_rsvp(event, display_name="Full", party_size=2, dates=[FIRST])
    waiting = make_rsvp(event, display_name="Waiting", dates=[FIRST])
    # The first Saturday is full: the second one still has both places.
    second = make_rsvp(event, display_name="Second", party_size=2, dates=[SECOND])
    late = make_rsvp(event, display_name="Late", dates=[SECOND])
    assert [r.status for r in (full, waiting, second, late)] == [
        GOING,
        WAITLISTED,
        GOING,
        WAITLISTED,
    ]
    assert (_going(event, FIRST), _going(event, SECOND), _going(event, THIRD)) == (2, 2, 0)

    promoted = cancel_rsvps(full.token)
    # Only the first Saturday's waiting list moves up.
    assert [rsvp.id for rsvp in promoted] == [waiting.rsvp_id]
    assert _statuses(event) == {
        (FIRST, "Waiting"): GOING,
        (SECOND, "Second"): GOING,
        (SECOND, "Late"): WAITLISTED,
    }
    assert (_going(event, FIRST), _going(event, SECOND)) == (1, 2)


def test_one_code_for_several_dates_gets_a_status_per_date(app: Flask) -> None:
    event = make_series(capacity=2)
    make_rsvp(event, party_size=2, dates=[SECOND])
    both = make_rsvp(event, display_name="Both", dates=[FIRST, SECOND])
    assert [(stored.occurs_on, stored.status) for stored in both.dates] == [
        (FIRST, GOING),
        (SECOND, WAITLISTED),
    ]
    rows = find_rsvps(both.token)
    assert [(row.occurs_on, row.status) for row in rows] == [(FIRST, GOING), (SECOND, WAITLISTED)]
    assert len({row.token_hash for row in rows}) == 1  # one private code


def test_the_event_page_shows_the_places_of_each_date(client: FlaskClient) -> None:
    event = make_series(capacity=2)
    make_rsvp(event, party_size=2, dates=[FIRST])
    make_rsvp(event, dates=[SECOND])
    page = _text(client.get(f"/events/{event.slug}"))
    assert _date_label(page, FIRST).endswith("(full: waiting list)")
    assert _date_label(page, SECOND).endswith("(1 place left)")
    assert _date_label(page, THIRD).endswith("(2 places left)")
    # The next date is ticked, the others are not.
    assert re.search(rf'value="{FIRST.isoformat()}"\s+checked', page)
    assert not re.search(rf'value="{SECOND.isoformat()}"\s+checked', page)


def test_the_organizer_list_counts_and_lists_each_date(client: FlaskClient) -> None:
    event = make_series(organizer=signed_in(client), capacity=2)
    make_rsvp(event, display_name="Nasrin", party_size=2, dates=[FIRST])
    make_rsvp(event, display_name="Reza", dates=[FIRST])
    make_rsvp(event, display_name="Sara", dates=[SECOND, THIRD])
    url = f"/organize/events/{event.id}/rsvps"

    first = _main(client.get(url))  # by default the next date
    counts = re.sub(r"\s+", " ", first.split('class="facts rsvp-counts">')[1].split("</dl>")[0])
    assert "<dt>Going</dt> <dd>2 people" in counts
    assert "<dt>Waiting list</dt> <dd>1 person" in counts
    assert "Nasrin" in first
    assert "Reza" in first
    assert "Sara" not in first.split('class="rsvp-list"')[1]
    # The table of dates: each with its own counts.
    dates = re.sub(r"\s+", " ", first.split('class="rsvp-dates"')[1].split("</table>")[0])
    assert re.search(r"2026-12-05.*?</td> <td>2 people</td> <td>1 person</td>", dates)
    assert re.search(r"2026-12-12.*?</td> <td>1 person</td> <td>0 people</td>", dates)

    second = _main(client.get(f"{url}?on=2026-12-12"))
    rows = second.split('class="rsvp-list"')[1]
    assert "Sara" in rows
    assert "Nasrin" not in rows
    assert f"/remove?on={SECOND.isoformat()}" in rows  # a removal comes back to this date

    assert client.get(f"{url}?on=12/12/2026").status_code == 400
    assert client.get(f"{url}.csv?on=next-week").status_code == 400


def test_the_csv_has_one_date_or_every_date(client: FlaskClient) -> None:
    event = make_series(organizer=signed_in(client), capacity=2)
    make_rsvp(event, display_name="Nasrin", party_size=2, dates=[FIRST])
    make_rsvp(event, display_name="Reza", dates=[FIRST])
    make_rsvp(event, display_name="Sara", dates=[SECOND, THIRD])
    header = ["Date", "Display name", "People", "Status", "RSVP date"]
    url = f"/organize/events/{event.id}/rsvps.csv"

    assert _csv_rows(client.get(f"{url}?on=2026-12-12")) == [
        header,
        ["2026-12-12", "Sara", "1", "Going", "2026-11-25"],
    ]
    rows = _csv_rows(client.get(url))
    assert rows[0] == header
    assert sorted(rows[1:]) == [
        ["2026-12-05", "Nasrin", "2", "Going", "2026-11-25"],
        ["2026-12-05", "Reza", "1", "Waiting list", "2026-11-25"],
        ["2026-12-12", "Sara", "1", "Going", "2026-11-25"],
        ["2026-12-19", "Sara", "1", "Going", "2026-11-25"],
    ]


# --- the supporter's pages -----------------------------------------------------------


def test_two_dates_with_one_code_through_the_pages(client: FlaskClient) -> None:
    event = make_series(capacity=2)
    make_rsvp(event, party_size=2, dates=[SECOND])  # the second Saturday is full
    response = post_rsvp(client, event, dates=[FIRST.isoformat(), SECOND.isoformat()])
    assert response.status_code == 303
    done = _main(client.get(response.headers["Location"]))
    assert "You are on the list for some dates and on the waiting list for others" in done
    table = re.sub(r"\s+", " ", done.split('class="rsvp-dates"')[1].split("</table>")[0])
    assert "Saturday, December 5, 2026" in table
    assert "Saturday, December 12, 2026" in table
    assert table.index("December 5") < table.index("Going") < table.index("December 12")
    assert "On the waiting list: number 1 in line" in table
    code = re.search(r'href="http://localhost/rsvp/manage#([A-Za-z0-9_-]+)"', done)
    assert code
    token = code.group(1)
    mine = {(row.occurs_on, row.status) for row in all_rsvps() if row.party_size == 1}
    assert mine == {(FIRST, GOING), (SECOND, WAITLISTED)}

    page = _main(post_manage(client, "/rsvp/manage", token=token))
    assert "Saturday, December 5, 2026" in page
    assert "Saturday, December 12, 2026" in page
    assert page.count("Cancel this date") == 2

    response = post_manage(client, "/rsvp/manage/cancel", token=token, occurs_on="2026-12-05")
    assert response.status_code == 200
    page = _main(response)
    assert "Your RSVP for that date is cancelled." in page
    assert "December 5" not in page
    assert "Saturday, December 12, 2026" in page
    assert {(row.occurs_on, row.party_size) for row in all_rsvps()} == {(SECOND, 2), (SECOND, 1)}

    # The code still opens the date that is left.
    page = _main(post_manage(client, "/rsvp/manage", token=token))
    assert "Saturday, December 12, 2026" in page
    response = post_manage(client, "/rsvp/manage/cancel", token=token, occurs_on="2026-12-12")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/rsvp/cancelled")
    assert rsvp_count() == 1  # the other supporter's
    assert post_manage(client, "/rsvp/manage", token=token).status_code == 404


def test_cancel_without_a_date_cancels_every_date(client: FlaskClient) -> None:
    event = make_series()
    token = rsvp(client, event, dates=[FIRST.isoformat(), THIRD.isoformat()])
    assert rsvp_count() == 2
    response = post_manage(client, "/rsvp/manage/cancel", token=token)
    assert response.status_code == 303
    assert rsvp_count() == 0


def test_a_new_party_size_applies_to_every_date(client: FlaskClient) -> None:
    event = make_series(capacity=3)
    make_rsvp(event, party_size=2, dates=[SECOND])
    token = rsvp(client, event, dates=[FIRST.isoformat(), SECOND.isoformat()])
    response = post_manage(client, "/rsvp/manage/party-size", token=token, party_size="3")
    assert response.status_code == 200
    mine = sorted((row.occurs_on, row.party_size, row.status) for row in all_rsvps()[1:])
    # Three fit on the empty first Saturday, not beside the two of the second.
    assert mine == [(FIRST, 3, GOING), (SECOND, 3, WAITLISTED)]


def test_the_manage_page_takes_a_pasted_whole_link(client: FlaskClient) -> None:
    event = make_series()
    token = rsvp(client, event, dates=[SECOND.isoformat()])
    response = post_manage(client, "/rsvp/manage", token=f" http://localhost/rsvp/manage#{token} ")
    assert response.status_code == 200
    assert "Saturday, December 12, 2026" in _main(response)


def test_a_series_rsvp_without_a_date_is_refused(client: FlaskClient) -> None:
    event = make_series()
    response = post_rsvp(client, event)
    assert response.status_code == 422
    assert "Choose at least one date." in _text(response)
    assert rsvp_count() == 0


@pytest.mark.parametrize(
    "dates",
    [
        ["2026-12-06"],  # a Sunday: not a date of the series
        ["2027-01-09"],  # after its last date
        ["2026-12-05", "2026-12-06"],  # one good date does not carry a bad one
        ["2026-13-01"],
        ["next saturday"],
        ["2026-12-05T15:00"],
    ],
)
def test_dates_that_are_not_dates_of_the_series_are_refused(
    client: FlaskClient, dates: list[str]
) -> None:
    event = make_series()
    response = post_rsvp(client, event, dates=dates)
    assert response.status_code in (409, 422)
    assert rsvp_count() == 0


def test_a_skipped_date_takes_no_rsvp(client: FlaskClient) -> None:
    event = make_series(skip_dates=frozenset({SECOND}))
    page = _text(client.get(f"/events/{event.slug}"))
    assert f'value="{SECOND.isoformat()}"' not in page  # not offered
    response = post_rsvp(client, event, dates=[SECOND.isoformat()])
    assert response.status_code in (409, 422)
    assert rsvp_count() == 0


def test_a_date_that_started_takes_no_rsvp(app: Flask) -> None:
    event = make_series()
    clock.freeze(datetime(2026, 12, 5, 14, 30, tzinfo=UTC))  # 15:30 in Berlin, first Saturday
    with pytest.raises(RsvpClosedError) as refused:
        create_rsvp(event.id, display_name=None, party_size=1, email=None, dates=[FIRST, SECOND])
    assert refused.value.reason == RsvpClosedReason.STARTED
    later = create_rsvp(event.id, display_name=None, party_size=1, email=None, dates=[SECOND])
    assert [stored.occurs_on for stored in later.dates] == [SECOND]


# --- concurrency -----------------------------------------------------------------------

CLIENTS = 40
CAPACITY = 5


def test_concurrent_rsvps_for_two_dates_never_overbook_either(app: Flask) -> None:
    event = make_series(capacity=CAPACITY)
    event_id = event.id
    untouched = make_rsvp(event, display_name="Untouched", party_size=3, dates=[THIRD])
    start = threading.Barrier(CLIENTS)

    def rsvp_for(n: int) -> tuple[date, RsvpStatus]:
        day = FIRST if n % 2 else SECOND
        # Each thread has its own app context, hence its own session and connection.
        with app.app_context():
            start.wait()
            try:
                result = create_rsvp(
                    event_id, display_name=None, party_size=1, email=None, dates=[day]
                )
                return day, result.status
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        results = list(pool.map(rsvp_for, range(CLIENTS)))

    for day in (FIRST, SECOND):
        statuses = [status for chosen, status in results if chosen == day]
        assert statuses.count(GOING) == CAPACITY
        assert statuses.count(WAITLISTED) == CLIENTS // 2 - CAPACITY
        assert _going(event, day) == CAPACITY
    assert _going(event, THIRD) == 3
    assert [(row.occurs_on, row.status) for row in find_rsvps(untouched.token)] == [(THIRD, GOING)]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Rsvp)) == CLIENTS + 1


# --- the organizer cancels one date ----------------------------------------------------


class TestOneDateCancelled:
    @pytest.fixture
    def app_overrides(self, smtp: SmtpSink) -> dict[str, Any]:
        return smtp.settings

    def test_only_that_dates_rsvps_are_told_and_calendars_drop_it(
        self, client: FlaskClient, smtp: SmtpSink
    ) -> None:
        event = make_series(organizer=signed_in(client), capacity=10)
        make_rsvp(event, email="first@example.org", dates=[FIRST])
        make_rsvp(event, email="second@example.org", dates=[SECOND])
        make_rsvp(event, email="both@example.org", dates=[FIRST, SECOND, THIRD])
        make_rsvp(event, email="third@example.org", dates=[THIRD])
        make_rsvp(event, dates=[SECOND])  # no address: nobody to tell

        url = f"/organize/events/{event.id}/dates/2026-12-12/cancel"
        assert client.get(url).status_code == 200
        response = post_event(client, url, {"reason": "The square is closed for a fair."})
        assert response.status_code == 303

        assert sorted(rcpt for item in smtp.received for rcpt in item.rcpt_tos) == [
            "both@example.org",
            "second@example.org",
        ]
        for item in smtp.received:
            assert item.message["Subject"] == SUBJECT_DATE_CANCELLED
            assert "The square is closed for a fair." in item.body
            assert "December 12, 2026" in item.body  # the cancelled date, named
            assert "December 5, 2026" not in item.body
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0  # sent

        # Calendars drop the date: an EXDATE in the form of DTSTART.
        body = get_feed(client, f"/events/{event.slug}.ics")
        [vevent] = vevents(body).values()
        excluded = [when.dt for exdate in _as_list(vevent.get("EXDATE")) for when in exdate.dts]
        assert [when.astimezone(UTC) for when in excluded] == [
            datetime(2026, 12, 12, 14, 0, tzinfo=UTC)
        ]
        assert b"EXDATE;TZID=Europe/Berlin:20261212T150000" in body

        # The event page shows it struck through with the reason; the others are on.
        page = _main(client.get(f"/events/{event.slug}"))
        [cancelled] = re.findall(r'<li class="cancelled-date">.*?</li>', page, re.DOTALL)
        assert "<s>Saturday, December 12, 2026" in cancelled
        assert "Cancelled" in cancelled
        assert "The square is closed for a fair." in cancelled
        assert f'value="{SECOND.isoformat()}"' not in page  # no longer offered
        assert f'value="{THIRD.isoformat()}"' in page
        # So does the page of all dates.
        dates = _main(client.get(f"/events/{event.slug}/dates"))
        [cancelled] = re.findall(r'<li class="cancelled-date">.*?</li>', dates, re.DOTALL)
        assert "<s>Saturday, December 12, 2026" in cancelled
        assert "The square is closed for a fair." in cancelled

    def test_a_time_change_tells_each_rsvp_its_own_date(
        self, client: FlaskClient, smtp: SmtpSink
    ) -> None:
        event = make_series(organizer=signed_in(client))
        make_rsvp(event, email="second@example.org", dates=[SECOND])
        response = post_event(client, f"/organize/events/{event.id}/edit", _series_form(event))
        assert response.status_code == 303
        [item] = smtp.received
        assert item.rcpt_tos == ["second@example.org"]
        assert "December 12, 2026" in item.body
        assert "16:00" in item.body

    def test_a_whole_event_change_is_one_mail_naming_every_date_of_the_code(
        self, client: FlaskClient, smtp: SmtpSink
    ) -> None:
        event = make_series(organizer=signed_in(client))
        make_rsvp(event, email="both@example.org", dates=[FIRST, THIRD])
        response = post_event(client, f"/organize/events/{event.id}/cancel", {"reason": ""})
        assert response.status_code == 303
        [item] = smtp.received
        assert item.rcpt_tos == ["both@example.org"]
        assert "December 5, 2026" in item.body
        assert "December 19, 2026" in item.body
        assert "December 12, 2026" not in item.body  # not one of theirs


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


# --- the organizer edits the series ----------------------------------------------------


def _series_form(event: Event, **overrides: Any) -> dict[str, Any]:
    """The edit form of make_series' series, moved to 16:00–18:00 unless overridden."""
    values = {
        "starts_at": "2026-12-05T16:00",
        "ends_at": "2026-12-05T18:00",
        "repeat": "weekly",
        "repeat_until": "2027-01-02",
        "capacity": str(event.capacity or ""),
        **overrides,
    }
    return event_form(event.venue, **values)


def test_a_new_time_of_day_keeps_rsvps_on_their_dates(client: FlaskClient) -> None:
    event = make_series(organizer=signed_in(client), capacity=2)
    make_rsvp(event, display_name="A", party_size=2, dates=[FIRST])
    make_rsvp(event, display_name="B", dates=[FIRST, SECOND])
    before = _statuses(event)
    response = post_event(client, f"/organize/events/{event.id}/edit", _series_form(event))
    assert response.status_code == 303
    assert before == {(FIRST, "A"): GOING, (FIRST, "B"): WAITLISTED, (SECOND, "B"): GOING}
    assert _statuses(event) == before


def test_a_new_weekday_moves_rsvps_to_the_next_date_within_capacity(
    client: FlaskClient,
) -> None:
    event = make_series(organizer=signed_in(client), capacity=2)
    make_rsvp(event, display_name="A", party_size=2, dates=[FIRST])
    make_rsvp(event, display_name="B", dates=[SECOND])
    make_rsvp(event, display_name="C", dates=[THIRD])
    # Sundays from 13 December: the 5th and the 12th both move to the 13th, the 19th to the 20th.
    form = _series_form(
        event,
        starts_at="2026-12-13T15:00",
        ends_at="2026-12-13T17:00",
        repeat_until="2027-01-03",
    )
    assert post_event(client, f"/organize/events/{event.id}/edit", form).status_code == 303
    assert _statuses(event) == {
        (date(2026, 12, 13), "A"): GOING,
        (date(2026, 12, 13), "B"): WAITLISTED,  # A's two fill the 13th
        (date(2026, 12, 20), "C"): GOING,
    }
    assert _going(event, date(2026, 12, 13)) == 2


# --- retention -----------------------------------------------------------------------


def test_the_purge_deletes_a_past_date_and_keeps_the_codes_later_date(app: Flask) -> None:
    event = make_series()
    kept = make_rsvp(event, email="someone@example.org", dates=[FIRST, SECOND])
    other = make_rsvp(event, dates=[SECOND])
    first_ends = datetime(2026, 12, 5, 16, 0, tzinfo=UTC)  # 17:00 in Berlin

    assert purge_ended_events(now=first_ends + timedelta(hours=23)).rsvps == 0
    db.session.commit()
    assert len(find_rsvps(kept.token)) == 2

    result = purge_ended_events(now=first_ends + timedelta(hours=25))
    db.session.commit()
    assert result.rsvps == 1
    assert [row.occurs_on for row in find_rsvps(kept.token)] == [SECOND]
    assert [row.occurs_on for row in find_rsvps(other.token)] == [SECOND]
    # The code of the date that is left still opens it, with its address.
    assert find_rsvps(kept.token)[0].email == "someone@example.org"


class TestSkippedInTheEditForm:
    @pytest.fixture
    def app_overrides(self, smtp: SmtpSink) -> dict[str, Any]:
        return smtp.settings

    def test_a_date_skipped_in_the_edit_form_tells_only_its_rsvps(
        self, client: FlaskClient, smtp: SmtpSink
    ) -> None:
        event = make_series(organizer=signed_in(client))
        make_rsvp(event, email="first@example.org", dates=[FIRST])
        make_rsvp(event, email="second@example.org", dates=[SECOND])
        form = _series_form(
            event, starts_at="2026-12-05T15:00", ends_at="2026-12-05T17:00", skip_dates="2026-12-12"
        )
        assert post_event(client, f"/organize/events/{event.id}/edit", form).status_code == 303
        # Only the skipped date's RSVPs hear of it; the time and place did not change.
        [item] = smtp.received
        assert item.rcpt_tos == ["second@example.org"]
        assert item.message["Subject"] == SUBJECT_DATE_CANCELLED
        assert "December 12, 2026" in item.body


def test_the_manage_page_says_a_date_was_cancelled(client: FlaskClient) -> None:
    event = make_series(organizer=signed_in(client))
    token = rsvp(client, event, dates=[FIRST.isoformat(), SECOND.isoformat()])
    url = f"/organize/events/{event.id}/dates/2026-12-12/cancel"
    assert post_event(client, url, {"reason": "Storm warning"}).status_code == 303
    page = _main(post_manage(client, "/rsvp/manage", token=token))
    line = page.split("Saturday, December 12, 2026")[1].split("</li>")[0]
    assert "The organizers cancelled this date." in line
    assert "Storm warning" in line
    assert "The organizers cancelled this date." not in page.split("December 12")[0]


def test_removing_an_rsvp_promotes_on_its_date_only(client: FlaskClient) -> None:
    event = make_series(organizer=signed_in(client), capacity=1)
    flood = make_rsvp(event, display_name="Flood", dates=[FIRST, SECOND])
    make_rsvp(event, display_name="First in line", dates=[FIRST])
    make_rsvp(event, display_name="Second in line", dates=[SECOND])
    [first_row, _second_row] = flood.dates
    url = f"/organize/events/{event.id}/rsvps/{first_row.rsvp_id}/remove?on=2026-12-05"
    response = post_event(client, url, {})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/organize/events/{event.id}/rsvps?on=2026-12-05")
    assert _statuses(event) == {
        (FIRST, "First in line"): GOING,
        (SECOND, "Flood"): GOING,
        (SECOND, "Second in line"): WAITLISTED,
    }


def test_a_new_party_size_leaves_a_date_that_started_alone(app: Flask) -> None:
    event = make_series(capacity=10)
    both = make_rsvp(event, dates=[FIRST, SECOND])
    clock.freeze(datetime(2026, 12, 5, 14, 30, tzinfo=UTC))  # the first Saturday is on
    change_party_size(both.token, 4)
    db.session.rollback()
    assert [(row.occurs_on, row.party_size) for row in find_rsvps(both.token)] == [
        (FIRST, 1),
        (SECOND, 4),
    ]


def test_a_single_events_rsvps_follow_it_to_its_new_day(client: FlaskClient) -> None:
    event = make_event(organizer=signed_in(client), capacity=2)
    make_rsvp(event, display_name="A", party_size=2)
    make_rsvp(event, display_name="B")
    form = event_form(
        event.venue, starts_at="2026-12-06T15:00", ends_at="2026-12-06T17:00", capacity="2"
    )
    assert post_event(client, f"/organize/events/{event.id}/edit", form).status_code == 303
    sunday = date(2026, 12, 6)
    assert _statuses(event) == {(sunday, "A"): GOING, (sunday, "B"): WAITLISTED}
    page = _text(client.get(f"/organize/events/{event.id}/rsvps"))
    assert "<dt>Going</dt> <dd>2 people" in re.sub(r"\s+", " ", page)


def test_dates_are_local_dates_of_the_venue(client: FlaskClient) -> None:
    # 09:00 in Sydney is the evening before in UTC: the date is Sydney's.
    event = make_series(sydney_consulate(), starts_local=datetime(2026, 12, 5, 9, 0))  # noqa: DTZ001
    page = _text(client.get(f"/events/{event.slug}"))
    assert 'value="2026-12-05"' in page
    assert 'value="2026-12-04"' not in page
    token = rsvp(client, event, dates=["2026-12-12"])
    assert [row.occurs_on for row in all_rsvps()] == [SECOND]
    page = _main(post_manage(client, "/rsvp/manage", token=token))
    assert "Saturday, December 12, 2026, 09:00" in page


def test_the_place_in_line_is_counted_per_date(client: FlaskClient) -> None:
    event = make_series(capacity=1)
    for day in (FIRST, FIRST, FIRST, SECOND):
        make_rsvp(event, dates=[day])  # the first Saturday: one going, two in line
    token = rsvp(client, event, dates=[FIRST.isoformat(), SECOND.isoformat()])
    page = re.sub(r"\s+", " ", _main(post_manage(client, "/rsvp/manage", token=token)))
    first, second = page.split("Saturday, December 12, 2026")
    assert "On the waiting list: number 3 in line" in first
    assert "On the waiting list: number 1 in line" in second


def test_a_date_that_started_is_no_longer_offered_or_listed_first(client: FlaskClient) -> None:
    organizer = make_user()
    event = make_series(organizer=organizer)
    make_rsvp(event, display_name="Sara", dates=[SECOND])
    clock.freeze(datetime(2026, 12, 5, 14, 30, tzinfo=UTC))  # the first Saturday is on
    page = _text(client.get(f"/events/{event.slug}"))
    assert f'value="{FIRST.isoformat()}"' not in page
    assert re.search(rf'value="{SECOND.isoformat()}"\s+checked', page)
    clock.freeze(datetime(2026, 12, 6, 12, 0, tzinfo=UTC))
    login(client, organizer.email, PASSWORD)  # signed in now: sessions expire
    listing = _main(client.get(f"/organize/events/{event.id}/rsvps"))
    assert "RSVPs for" in listing
    assert "Sara" in listing.split('class="rsvp-list"')[1]  # the next date: the 12th


def test_a_raised_capacity_promotes_on_every_date(client: FlaskClient) -> None:
    event = make_series(organizer=signed_in(client), capacity=1)
    for day in (FIRST, SECOND):
        make_rsvp(event, display_name="Going", dates=[day])
        make_rsvp(event, display_name="Waiting", dates=[day])
    form = _series_form(event, starts_at="2026-12-05T15:00", ends_at="2026-12-05T17:00")
    form["capacity"] = "2"
    assert post_event(client, f"/organize/events/{event.id}/edit", form).status_code == 303
    assert set(_statuses(event).values()) == {GOING}


def test_moved_rsvps_queue_behind_those_already_on_the_date(client: FlaskClient) -> None:
    event = make_series(organizer=signed_in(client), capacity=2)
    make_rsvp(event, display_name="Moved", dates=[FIRST])
    make_rsvp(event, display_name="There", party_size=2, dates=[SECOND])
    # The series now starts a week later: the 5th is gone, its RSVP moves to the 12th.
    form = _series_form(event, starts_at="2026-12-12T15:00", ends_at="2026-12-12T17:00")
    assert post_event(client, f"/organize/events/{event.id}/edit", form).status_code == 303
    assert _statuses(event) == {(SECOND, "Moved"): WAITLISTED, (SECOND, "There"): GOING}
    assert _going(event, SECOND) == 2


class TestManageLinkMail:
    @pytest.fixture
    def app_overrides(self, smtp: SmtpSink) -> dict[str, Any]:
        return smtp.settings

    def test_the_link_mail_names_the_dates_and_the_waiting_list(
        self, client: FlaskClient, smtp: SmtpSink
    ) -> None:
        event = make_series(capacity=1)
        make_rsvp(event, dates=[SECOND])
        token = rsvp(
            client,
            event,
            dates=[FIRST.isoformat(), SECOND.isoformat()],
            notify="y",
            email="me@example.org",
        )
        [item] = smtp.received
        assert item.rcpt_tos == ["me@example.org"]
        assert f"http://localhost/rsvp/manage#{token}" in item.body
        assert "waiting list" in item.body
        assert "December 5, 2026" in item.body
        assert "December 12, 2026" in item.body


def test_the_rsvps_of_a_cancelled_date_go_two_days_after_it(client: FlaskClient) -> None:
    """app.rsvp.services.purge_ended_events: a date that is no longer one of the event's
    dates "goes two days after that date, when it is over in every time zone"."""
    event = make_series(organizer=signed_in(client))
    cancelled = make_rsvp(event, email="someone@example.org", dates=[SECOND])
    kept = make_rsvp(event, dates=[THIRD])
    url = f"/organize/events/{event.id}/dates/2026-12-12/cancel"
    assert post_event(client, url, {"reason": ""}).status_code == 303
    # Saturday the 12th is over everywhere by Sunday 12:00 UTC; two days later, plus the
    # 24 hours kept after any date, is Tuesday 12:00 UTC.
    purge_ended_events(now=datetime(2026, 12, 15, 12, 0, tzinfo=UTC))
    db.session.commit()
    assert find_rsvps(cancelled.token) == []
    assert [row.occurs_on for row in find_rsvps(kept.token)] == [THIRD]


def test_a_code_is_never_twice_on_one_date_after_a_reschedule(client: FlaskClient) -> None:
    event = make_series(organizer=signed_in(client), capacity=3)
    both = make_rsvp(event, display_name="Both", party_size=2, dates=[FIRST, SECOND])
    # The series now starts a week later: the 5th is gone, its RSVP would move to the 12th,
    # where the same supporter (same code) already is.
    form = _series_form(event, starts_at="2026-12-12T15:00", ends_at="2026-12-12T17:00")
    assert post_event(client, f"/organize/events/{event.id}/edit", form).status_code == 303
    db.session.rollback()
    assert [(row.occurs_on, row.status) for row in find_rsvps(both.token)] == [(SECOND, GOING)]
    assert _going(event, SECOND) == 2  # the party counted once


def test_cancelling_a_date_the_code_does_not_hold_changes_nothing_and_says_so(
    client: FlaskClient,
) -> None:
    event = make_series()
    token = rsvp(client, event, dates=[FIRST.isoformat(), SECOND.isoformat()])
    response = post_manage(client, "/rsvp/manage/cancel", token=token, occurs_on="12/05/2026")
    assert response.status_code == 400
    response = post_manage(client, "/rsvp/manage/cancel", token=token, occurs_on="2026-12-19")
    assert sorted(row.occurs_on for row in all_rsvps()) == [FIRST, SECOND]
    # Nothing was cancelled: the answer must not say a date was.
    assert "Your RSVP for that date is cancelled." not in _text(response)


def test_at_most_twelve_dates_and_each_once(client: FlaskClient) -> None:
    event = make_series(repeat=Repeat.DAILY, repeat_until_on=date(2026, 12, 31))
    days = [(FIRST + timedelta(days=n)).isoformat() for n in range(13)]
    assert post_rsvp(client, event, dates=days).status_code == 422
    assert rsvp_count() == 0
    # A date sent twice is one date.
    assert post_rsvp(client, event, dates=[days[0], days[0]]).status_code == 303
    assert [row.occurs_on for row in all_rsvps()] == [FIRST]
    assert post_rsvp(client, event, dates=days[1:13]).status_code == 303
    assert rsvp_count() == 13


def test_a_single_event_takes_its_own_date_only(client: FlaskClient) -> None:
    event = make_event()
    page = _text(client.get(f"/events/{event.slug}"))
    assert 'name="dates"' not in page  # nothing to choose
    assert post_rsvp(client, event, dates=["2026-12-06"]).status_code in (409, 422)
    assert rsvp_count() == 0
    rsvp(client, event)
    assert [row.occurs_on for row in all_rsvps()] == [FIRST]
