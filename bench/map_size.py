"""How large /events.geojson is at many events over a few hundred places.

The markers are one feature per place, so the document grows with places, not events.
This fills a scratch database as a busy site would be: the missions of ``flask venues
import``, ``--places`` more typed in at the largest cities (app.venues.places), then
``--events`` demo events (``flask demo seed``: a fifth of them weekly series, spread
over every place with a position), and prints the size of /events.geojson (as built,
and gzipped as sent), its places, and how long one build takes in-process.

    .venv/bin/python bench/map_size.py                      # a temporary SQLite file
    .venv/bin/python bench/map_size.py --database-url postgresql+psycopg://…/scratch

A PostgreSQL database must be empty (it is emptied afterwards). No load generator,
no gunicorn: bench/map.py measures requests per second.
"""

from __future__ import annotations

import argparse
import gzip
import json
import secrets
import sys
import tempfile
import time
from pathlib import Path

GZIP = {"Accept-Encoding": "gzip"}
BOUND_GZIP = 200_000  # the markers' bound, gzipped


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000, help="Demo events (100,000).")
    parser.add_argument("--places", type=int, default=300, help="Places typed in (300).")
    parser.add_argument("--database-url", help="An empty PostgreSQL database (else SQLite).")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from sqlalchemy import func, select, text

    from app import create_app
    from app.db import Base
    from app.extensions import db
    from app.models import Venue
    from app.venues.places import labelled_cities
    from app.venues.timezones import zone_for_point

    with tempfile.TemporaryDirectory(prefix="vigil-map-size-") as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'vigil.db'}"
        settings = {
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DATABASE_URL": url,
            "BASE_URL": "http://localhost",
            "CACHE_DIR": str(Path(folder) / "cache"),
            "LOG_LEVEL": "WARNING",
        }
        app = create_app(settings, environ={})
        runner = app.test_cli_runner()
        try:
            for command in (["db", "upgrade"], ["venues", "import"]):
                result = runner.invoke(args=command)
                if result.exit_code != 0:
                    print(result.output, file=sys.stderr)
                    return 2
            with app.app_context():
                for name, latitude, longitude, _rank in labelled_cities()[: args.places]:
                    zone = zone_for_point(latitude, longitude) or "UTC"
                    db.session.add(
                        Venue(
                            name=f"Square in {name}",
                            city=name,
                            country_code="DE",  # the size does not depend on it
                            latitude=latitude,
                            longitude=longitude,
                            timezone=zone,
                        )
                    )
                db.session.commit()
                placed = db.session.scalar(
                    select(func.count()).select_from(Venue).where(Venue.latitude.is_not(None))
                )
            print(f"Seeding {args.events:,} events over {placed} places…", file=sys.stderr)
            started = time.perf_counter()
            result = runner.invoke(args=["demo", "seed", "--events", str(args.events)])
            if result.exit_code != 0:
                print(result.output, file=sys.stderr)
                return 2
            print(f"  {time.perf_counter() - started:,.0f} s", file=sys.stderr)
            if url.startswith("postgresql"):
                # Planner statistics, as autovacuum gives a live site.
                with app.app_context():
                    engine = db.engine.execution_options(isolation_level="AUTOCOMMIT")
                    with engine.connect() as connection:
                        connection.execute(text("ANALYZE"))
            client = app.test_client()
            builds = []
            for n in range(3):
                started = time.perf_counter()
                # A new query string each time: a build, not the cached answer.
                response = client.get(f"/events.geojson?to=2100-12-{n + 1:02d}", headers=GZIP)
                builds.append(1000 * (time.perf_counter() - started))
                assert response.status_code == 200, response.status_code
            body = gzip.decompress(response.data)
            features = json.loads(body)["features"]
            events = sum(feature["properties"]["event_count"] for feature in features)
            busiest = max(features, key=lambda feature: feature["properties"]["event_count"])
            listed = client.get(busiest["properties"]["events_url"], headers=GZIP)
            print(
                f"\n/events.geojson at {events:,} events: {len(features):,} places,"
                f" {len(body):,} bytes, {len(response.data):,} gzipped"
                f" ({'within' if len(response.data) <= BOUND_GZIP else 'OVER'} the"
                f" {BOUND_GZIP // 1000} kB bound); one build in-process"
                f" {sorted(builds)[1]:,.0f} ms (median of 3, {url.split(':')[0]})."
                f"\nThe busiest place's list ({busiest['properties']['event_count']:,} events,"
                f" at most 500 listed): {len(listed.data):,} bytes gzipped."
            )
            return 0 if len(response.data) <= BOUND_GZIP else 3
        finally:
            if args.database_url:
                with app.app_context():
                    Base.metadata.drop_all(db.engine)
                    db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
                    db.session.commit()


if __name__ == "__main__":
    sys.exit(main())
