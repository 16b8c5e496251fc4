"""Reads of the campaign: its statement, and the missions waiting for a vigil."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import joinedload

from app.clock import now_utc
from app.extensions import db
from app.models import (
    Event,
    EventKind,
    EventStatus,
    Occurrence,
    StatementVersion,
    Venue,
    VenueStatus,
)
from app.venues.countries import country_name, name_sort_key

# What the campaign asks for, and what its figures, map and missions count.
CAMPAIGN_KIND = EventKind.VIGIL


def pinned_statement() -> StatementVersion | None:
    """The pinned original of the statement, or None before one was loaded."""
    # Bare boolean conditions match the partial unique index's WHERE clause.
    return db.session.scalar(
        select(StatementVersion).where(StatementVersion.is_pinned, ~StatementVersion.is_translation)
    )


def pinned_in(language: str) -> StatementVersion | None:
    """The version pinned in ``language`` (the original or a translation), or None."""
    return db.session.scalar(
        select(StatementVersion).where(
            StatementVersion.is_pinned, StatementVersion.language == language
        )
    )


@dataclass(frozen=True)
class ShownStatement:
    """What a page in some language shows of the statement.

    ``version``: the pinned version in the page language, else the original.
    ``original``: the pinned original when ``version`` is a translation (for its link).
    ``is_fallback``: the page language has no version; ``version`` is the original.
    """

    version: StatementVersion
    original: StatementVersion | None = None
    is_fallback: bool = False


def statement_for(language: str) -> ShownStatement | None:
    """The statement for a page in ``language``; None before one was loaded."""
    pinned = {
        version.language: version
        for version in db.session.scalars(
            select(StatementVersion).where(StatementVersion.is_pinned)
        )
    }
    original = next((v for v in pinned.values() if not v.is_translation), None)
    version = pinned.get(language)
    if version is not None:
        return ShownStatement(version, original if version.is_translation else None)
    if original is None:
        return None
    return ShownStatement(original, is_fallback=True)


def statement_history() -> list[StatementVersion]:
    """Every version, newest first, with its author loaded (templates run no queries)."""
    return list(
        db.session.scalars(
            select(StatementVersion)
            .options(joinedload(StatementVersion.created_by))
            .order_by(StatementVersion.created_at.desc(), StatementVersion.id.desc())
        )
    )


def get_statement_version_or_404(version_id: int) -> StatementVersion:
    """The version with ``version_id`` and its author; 404 if there is none."""
    version = db.session.get(
        StatementVersion, version_id, options=[joinedload(StatementVersion.created_by)]
    )
    if version is None:
        abort(404)
    return version


def vigil_planned() -> list[ColumnElement[bool]]:
    """Conditions on Event of a published vigil with a date not yet over.

    Cancelled and draft vigils are not planned: their mission still waits for one.
    """
    not_over = exists().where(Occurrence.event_id == Event.id, Occurrence.ends_at > now_utc())
    return [Event.status == EventStatus.PUBLISHED, Event.kind == CAMPAIGN_KIND, not_over]


@dataclass(frozen=True)
class CountryMissions:
    """The missions of one country that wait for a vigil, by city and name."""

    country_code: str
    country: str
    missions: list[Venue]


def missions_without_vigil(locale: str) -> list[CountryMissions]:
    """Missions from the bundled list that are not reported closed and have no vigil
    planned (``vigil_planned``), grouped by country, countries by their name in
    ``locale``. One query, whatever the number of missions and vigils.
    """
    planned = exists().where(Event.venue_id == Venue.id, *vigil_planned())
    venues = db.session.scalars(
        select(Venue)
        .where(Venue.import_key.is_not(None), Venue.status != VenueStatus.CLOSED, ~planned)
        .order_by(Venue.country_code, Venue.city, Venue.name, Venue.id)
    )
    grouped: dict[str, list[Venue]] = {}
    for venue in venues:
        grouped.setdefault(venue.country_code, []).append(venue)
    countries = [
        CountryMissions(code, country_name(code, locale), missions)
        for code, missions in grouped.items()
    ]
    return sorted(countries, key=lambda group: name_sort_key(group.country))
