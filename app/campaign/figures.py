"""The campaign's figures. Apart from app.campaign.queries because they count people
going (app.rsvp), which the API, feeds and previews that read the statement must not
reach (tests/core/test_imports.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app.campaign.queries import CAMPAIGN_KIND, vigil_planned
from app.extensions import db
from app.models import Event, Venue
from app.rsvp.queries import people_going_to_upcoming


@dataclass(frozen=True)
class CampaignFigures:
    """How far the campaign has come: upcoming vigils (a series once), the countries
    and cities they are in, and the people going to them (hidden counts left out)."""

    vigil_count: int
    country_count: int
    city_count: int
    people_count: int


def campaign_figures() -> CampaignFigures:
    """The campaign's figures in two aggregate queries, whatever the number of vigils."""
    # A city is its name within its country (two Frankfurts are two cities).
    city = Venue.country_code + ":" + func.lower(Venue.city)
    vigils, countries, cities = db.session.execute(
        select(
            func.count(func.distinct(Event.id)),
            func.count(func.distinct(Venue.country_code)),
            func.count(func.distinct(city)),
        )
        .join(Venue, Event.venue_id == Venue.id)
        .where(*vigil_planned())
    ).one()
    return CampaignFigures(
        vigil_count=int(vigils),
        country_count=int(countries),
        city_count=int(cities),
        people_count=people_going_to_upcoming(CAMPAIGN_KIND),
    )
