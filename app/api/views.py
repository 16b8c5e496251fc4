"""Routes of the read-only JSON API (/api/v1/…).

Each docstring's YAML after ``---`` is the route's OpenAPI operation (app.api.openapi);
query parameters are added from the form named in ``QUERY_FORMS``.
"""

from __future__ import annotations

from typing import Any

from flask import Response, render_template
from flask_wtf import FlaskForm

from app.api import bp
from app.api.documents import (
    EVENT,
    EVENTS,
    STATEMENT,
    VENUES,
    EventList,
    OneEvent,
    Statement,
    VenueList,
    build_limit,
    to_json,
)
from app.api.forms import EventQueryForm, VenueQueryForm
from app.api.openapi import build_spec
from app.httpcache import Built, Kind, serve

QUERY_FORMS: dict[str, type[FlaskForm]] = {
    "api.events": EventQueryForm,
    "api.venues": VenueQueryForm,
}
# The document changes with the code (and the kinds' labels with the language).
OPENAPI = Kind(
    name="api-openapi",
    content_type="application/json",
    cache_control="public, max-age=3600",
)


@bp.get("/events")
def events() -> Response:
    """Upcoming dates of public events, filtered as on /events.
    ---
    get:
      summary: Upcoming rallies and vigils
      description: >
        One item per upcoming date of a public event, soonest first (nearest first
        with `near`). Cancelled events are listed with status `cancelled`. Pages
        follow each other through the `next` link.
      responses:
        "200":
          description: A page of upcoming dates.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/EventPage"}
        "400": {$ref: "#/components/responses/BadRequest"}
        "429": {$ref: "#/components/responses/TooManyRequests"}
    """
    return serve(EVENTS, EventList())


@bp.get("/events/<slug>")
def event(slug: str) -> Response:
    """One public event with all its upcoming dates and its cancelled ones.
    ---
    get:
      summary: One event
      parameters:
        - in: path
          name: slug
          required: true
          schema: {type: string, pattern: "^[a-z0-9-]{1,120}$"}
          description: The event's slug, as in its page's address.
      responses:
        "200":
          description: The event.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Event"}
        "404": {$ref: "#/components/responses/NotFound"}
        "429": {$ref: "#/components/responses/TooManyRequests"}
    """
    return serve(EVENT, OneEvent(slug))


@bp.get("/venues")
def venues() -> Response:
    """The Iranian missions of the bundled list.
    ---
    get:
      summary: Missions
      description: Embassies, consulates and other missions, in a stable order.
      responses:
        "200":
          description: A page of missions.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/VenuePage"}
        "400": {$ref: "#/components/responses/BadRequest"}
        "429": {$ref: "#/components/responses/TooManyRequests"}
    """
    return serve(VENUES, VenueList())


@bp.get("/statement")
def statement() -> Response:
    """The pinned campaign statement.
    ---
    get:
      summary: The campaign statement
      responses:
        "200":
          description: The statement's current version.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Statement"}
        "404": {$ref: "#/components/responses/NotFound"}
        "429": {$ref: "#/components/responses/TooManyRequests"}
    """
    return serve(STATEMENT, Statement())


class _Document:
    """The OpenAPI document (an ``app.httpcache.Source``)."""

    def canonical(self) -> str:
        return "openapi"

    def build(self) -> Built:
        with build_limit():
            return Built(to_json(build_spec(QUERY_FORMS)))


@bp.get("/openapi.json")
def openapi() -> Response:
    """This API's OpenAPI 3.1 document."""
    return serve(OPENAPI, _Document())


@bp.get("/docs")
def docs() -> str:
    """A readable page of the API, rendered from its OpenAPI document."""
    spec: dict[str, Any] = build_spec(QUERY_FORMS)
    return render_template("api/docs.html", spec=spec)
