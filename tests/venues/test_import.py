"""Importing the bundled list of Iranian missions (services.import_missions and the CLI)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from app import PROJECT_ROOT
from app.extensions import db
from app.models import Venue
from app.venues import timezones
from app.venues.cli import DEFAULT_MISSIONS_PATH
from app.venues.importer import COLUMNS, import_missions

BUNDLED = DEFAULT_MISSIONS_PATH
BUNDLED_ROWS = 73
BUNDLED_WITH_COORDINATES = 57

BERLIN = {
    "name": "Embassy of Iran, Berlin",
    "kind": "embassy",
    "city": "Berlin",
    "country_code": "DE",
    "address": "Podbielskiallee 65-67, Berlin",
    "latitude": "52.4609",
    "longitude": "13.2998",
    "status": "open",
    "source_url": "https://example.org/berlin",
}
PARIS = {
    **BERLIN,
    "name": "Embassy of Iran, Paris",
    "city": "Paris",
    "country_code": "FR",
    "address": "4 avenue d'Iéna",
    "latitude": "48.8659",
    "longitude": "2.2947",
}


def write_csv(path: Path, rows: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS) -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    return path


def venue_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Venue)) or 0


def venue_named(name: str) -> Venue:
    return db.session.scalars(select(Venue).where(Venue.name == name)).one()


def test_bundled_file_matches_shared_data() -> None:
    # The project's shared/ folder sits beside the repository on developer machines and CI.
    shared = PROJECT_ROOT.parent / "shared" / "data" / "iran_missions.csv"
    if shared.exists():
        assert BUNDLED.read_bytes() == shared.read_bytes()
    assert BUNDLED.read_text("utf-8").count("\n") == BUNDLED_ROWS + 1
    assert (BUNDLED.parent / "iran_missions_sources.csv").is_file()
    assert "Provenance and licences" in (BUNDLED.parent / "README.md").read_text("utf-8")


def test_import_bundled_file(app: Flask) -> None:
    report = import_missions(BUNDLED)
    db.session.commit()

    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (BUNDLED_ROWS, 0, 0)
    assert report.without_coordinates == BUNDLED_ROWS - BUNDLED_WITH_COORDINATES
    assert venue_count() == BUNDLED_ROWS
    with_coordinates = db.session.scalar(
        select(func.count()).select_from(Venue).where(Venue.latitude.is_not(None))
    )
    assert with_coordinates == BUNDLED_WITH_COORDINATES

    berlin = venue_named("Embassy of Iran, Berlin")
    assert berlin.import_key == "mission:Embassy of Iran, Berlin"
    assert (berlin.kind, berlin.mission_kind, berlin.status) == ("embassy", "embassy", "open")
    assert (berlin.latitude, berlin.longitude) == (52.4609, 13.2998)
    assert berlin.timezone == "Europe/Berlin"
    assert berlin.timezone_is_manual is False
    assert berlin.source_url == "https://de.wiki.li/Iranische_Botschaft_in_Berlin"
    assert berlin.created_by_id is None

    hamburg = venue_named("Consulate General of Iran, Hamburg")
    assert not hamburg.has_coordinates
    assert (hamburg.latitude, hamburg.longitude) == (None, None)
    assert hamburg.timezone == "Europe/Berlin"
    assert (hamburg.kind, hamburg.mission_kind) == ("consulate", "consulate_general")
    assert hamburg.is_closed

    # Zones derived from city names need GeoNames' alternate spellings.
    washington = venue_named(
        "Interests Section of Iran (under the Embassy of Pakistan), Washington, D.C."
    )
    assert (washington.kind, washington.mission_kind) == ("other", "interests_section")
    assert washington.timezone == "America/New_York"
    assert venue_named("Embassy of Iran, Sana'a").timezone == "Asia/Aden"
    assert venue_named("Consulate General of Iran, Kapan").timezone == "Asia/Yerevan"

    new_york = venue_named("Permanent Mission of Iran to the United Nations, New York")
    assert (new_york.kind, new_york.mission_kind) == ("other", "un_mission")

    # Every venue got a zone the event form accepts.
    assert all(timezones.is_known_zone(v.timezone) for v in db.session.scalars(select(Venue)))


def test_second_import_changes_nothing_and_skips_zone_lookup(app: Flask) -> None:
    import_missions(BUNDLED)
    db.session.commit()
    before = {v.id: v.updated_at for v in db.session.scalars(select(Venue))}
    timezones._finder.cache_clear()

    report = import_missions(BUNDLED)
    db.session.commit()

    assert (report.created, report.updated, report.unchanged) == (0, 0, BUNDLED_ROWS)
    assert report.without_coordinates == BUNDLED_ROWS - BUNDLED_WITH_COORDINATES
    assert venue_count() == BUNDLED_ROWS
    assert {v.id: v.updated_at for v in db.session.scalars(select(Venue))} == before
    # Unchanged places reuse their stored zone: the polygons are not loaded again.
    assert timezones._finder.cache_info().currsize == 0


def test_reimport_restores_changed_fields_and_rederives_zone(app: Flask) -> None:
    import_missions(BUNDLED)
    berlin = venue_named("Embassy of Iran, Berlin")
    berlin.status = "closed"
    berlin.latitude, berlin.longitude, berlin.timezone = 48.8659, 2.2947, "Europe/Paris"
    db.session.commit()

    report = import_missions(BUNDLED)
    db.session.commit()

    assert (report.created, report.updated, report.unchanged) == (0, 1, BUNDLED_ROWS - 1)
    berlin = venue_named("Embassy of Iran, Berlin")
    assert berlin.status == "open"
    assert (berlin.latitude, berlin.longitude) == (52.4609, 13.2998)
    assert berlin.timezone == "Europe/Berlin"


def test_manual_zone_survives_reimport(app: Flask) -> None:
    import_missions(BUNDLED)
    berlin = venue_named("Embassy of Iran, Berlin")
    berlin.timezone, berlin.timezone_is_manual = "Europe/Paris", True
    berlin.status = "unknown"
    db.session.commit()

    report = import_missions(BUNDLED)
    db.session.commit()

    assert report.updated == 1
    berlin = venue_named("Embassy of Iran, Berlin")
    assert berlin.status == "open"
    assert (berlin.timezone, berlin.timezone_is_manual) == ("Europe/Paris", True)


def test_import_keeps_custom_venues_and_missions_missing_from_file(
    app: Flask, tmp_path: Path
) -> None:
    import_missions(BUNDLED)
    db.session.commit()

    report = import_missions(write_csv(tmp_path / "one.csv", [BERLIN]))
    db.session.commit()

    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    assert venue_count() == BUNDLED_ROWS


def test_byte_order_mark_is_accepted(app: Flask, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "m.csv", [BERLIN])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())

    report = import_missions(path)

    assert report.errors == []
    assert report.created == 1


def test_line_numbers_count_quoted_line_breaks(app: Flask, tmp_path: Path) -> None:
    # Line breaks are refused in the single-line address, and the next
    # record's line number still points at the right physical line.
    path = write_csv(
        tmp_path / "m.csv",
        [{**BERLIN, "address": "Podbielskiallee 65\nBerlin"}, {**PARIS, "latitude": "95"}],
    )

    report = import_missions(path)

    assert report.errors == [
        "line 2: address contains a control or bidi character",
        "line 4: latitude 95 is out of range (-90 to 90)",
    ]


BAD_ROWS = [
    pytest.param({"latitude": "95"}, "latitude 95 is out of range", id="lat-95"),
    pytest.param({"latitude": "-91"}, "latitude -91 is out of range", id="lat--91"),
    pytest.param({"longitude": "181"}, "longitude 181 is out of range", id="lon-181"),
    pytest.param({"latitude": "NaN"}, "latitude 'NaN' is not a plain decimal", id="nan"),
    pytest.param({"longitude": "inf"}, "longitude 'inf' is not a plain decimal", id="inf"),
    pytest.param({"latitude": "1e309"}, "not a plain decimal", id="1e309"),
    pytest.param({"latitude": "52,5"}, "not a plain decimal", id="comma"),
    pytest.param({"longitude": ""}, "both be given or both be empty", id="lat-only"),
    pytest.param({"kind": "palace"}, "unknown kind 'palace'", id="kind"),
    pytest.param({"status": "gone"}, "unknown status 'gone'", id="status"),
    pytest.param({"country_code": "XX"}, "country_code 'XX' is not", id="country-unknown"),
    pytest.param({"country_code": "de"}, "country_code 'de' is not", id="country-lower"),
    pytest.param({"country_code": "EU"}, "country_code 'EU' is not", id="country-eu"),
    pytest.param({"country_code": "DEU"}, "country_code 'DEU' is not", id="country-alpha3"),
    pytest.param({"name": ""}, "name is empty", id="name-empty"),
    pytest.param({"name": "E" * 201}, "name is longer than 200", id="name-long"),
    pytest.param({"address": "A" * 301}, "address is longer than 300", id="address-long"),
    pytest.param({"city": "C" * 101}, "city is longer than 100", id="city-long"),
    pytest.param({"city": ""}, "city is empty", id="city-empty"),
    pytest.param({"name": "Embassy\x00"}, "name contains a control", id="name-nul"),
    pytest.param({"address": "\u202eevil"}, "address contains a control or bidi", id="bidi"),
    pytest.param({"source_url": "javascript:alert(1)"}, "not an http(s)", id="url-js"),
    pytest.param({"source_url": "https://" + "a" * 500}, "longer than 500", id="url-long"),
    pytest.param({"name": BERLIN["name"]}, "is already on line 2", id="duplicate"),
    pytest.param(
        {"country_code": "BV", "latitude": "", "longitude": ""},
        "no time zone found for 'Paris' in BV; add coordinates",
        id="no-zone",
    ),
]


@pytest.mark.parametrize(("change", "message"), BAD_ROWS)
def test_bad_last_row_refuses_whole_file(
    app: Flask, tmp_path: Path, change: dict[str, str], message: str
) -> None:
    path = write_csv(tmp_path / "bad.csv", [BERLIN, PARIS, {**PARIS, "name": "X", **change}])

    report = import_missions(path)
    db.session.commit()

    assert len(report.errors) == 1, report.errors
    assert report.errors[0].startswith("line 4: ")
    assert message in report.errors[0]
    assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
    assert venue_count() == 0


def test_all_bad_rows_are_reported_and_existing_venues_untouched(
    app: Flask, tmp_path: Path
) -> None:
    import_missions(BUNDLED)
    db.session.commit()
    path = write_csv(
        tmp_path / "bad.csv",
        [
            {**BERLIN, "status": "closed"},
            {**PARIS, "latitude": "95"},
            {**PARIS, "name": "Somewhere", "kind": "palace", "longitude": "0x10"},
        ],
    )

    report = import_missions(path)
    db.session.commit()

    assert report.errors == [
        "line 3: latitude 95 is out of range (-90 to 90)",
        "line 4: unknown kind 'palace' (expected one of: embassy, consulate_general,"
        " consulate, interests_section, un_mission)",
        "line 4: longitude '0x10' is not a plain decimal number",
    ]
    assert venue_named("Embassy of Iran, Berlin").status == "open"
    assert venue_count() == BUNDLED_ROWS


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"", "line 1: the file is empty", id="empty"),
        pytest.param(b"name,kind\n", "line 1: missing column(s): city, country_code", id="cols"),
        pytest.param(",".join(COLUMNS).encode() + b"\n", "the file has no rows", id="no-rows"),
        pytest.param(
            ",".join(COLUMNS).encode() + b"\nBerlin,embassy\n",
            "line 2: expected 9 fields, found 2",
            id="short-row",
        ),
        pytest.param(
            ",".join(COLUMNS).encode() + b'\n\n"Embassy, Berlin\xff",embassy\n',
            "line 3: not UTF-8 text",
            id="not-utf8",
        ),
        pytest.param(
            ",".join(COLUMNS).encode() + b'\n"Embassy,embassy,Berlin\n',
            "line 2: unexpected end of data",
            id="open-quote",
        ),
    ],
)
def test_malformed_file_is_refused(
    app: Flask, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)

    report = import_missions(path)

    assert report.errors
    assert report.errors[0].startswith(message)
    assert venue_count() == 0


def test_cli_imports_bundled_file_from_any_directory(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    result = runner.invoke(args=["venues", "import"])

    assert result.exit_code == 0, result.output
    assert "73 created, 0 updated, 0 unchanged; 16 without coordinates" in result.stdout
    db.session.remove()
    assert venue_count() == BUNDLED_ROWS

    again = runner.invoke(args=["venues", "import"])
    assert "0 created, 0 updated, 73 unchanged" in again.stdout


def test_cli_refuses_bad_file_with_line_numbers(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "bad.csv", [BERLIN, {**PARIS, "latitude": "95"}])

    result = runner.invoke(args=["venues", "import", str(path)])

    assert result.exit_code == 1
    assert "line 3: latitude 95 is out of range" in result.stderr
    assert "Nothing was imported." in result.stderr
    db.session.remove()
    assert venue_count() == 0


def test_cli_reports_missing_file(runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(args=["venues", "import", str(tmp_path / "nope.csv")])

    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_reimport_that_moves_a_venue_bumps_its_events(app: Flask) -> None:
    from datetime import UTC, datetime

    from app import clock
    from tests.factories import make_event

    import_missions(BUNDLED)
    berlin = venue_named("Embassy of Iran, Berlin")
    event = make_event(berlin)
    untouched = make_event(venue_named("Embassy of Iran, London"))
    berlin.address = "Somewhere else"
    db.session.commit()
    clock.freeze(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))

    import_missions(BUNDLED)
    db.session.commit()

    db.session.refresh(event)
    db.session.refresh(untouched)
    assert event.sequence == 1
    assert event.last_modified_at == datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    assert untouched.sequence == 0
