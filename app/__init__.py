"""Vigil: rallies and vigils in front of Iranian embassies and consulates."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import load_config

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Flask:
    """Build the application: read and validate config, attach extensions and blueprints.

    Does no I/O beyond reading configuration: no tables, no migrations, no network.
    Raises app.config.ConfigError with a readable message on bad configuration.
    """
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(load_config(Path(app.instance_path), environ, overrides))
    _configure_logging(app)

    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        # Never X-Forwarded-Host: the site's address is VIGIL_BASE_URL, and the Host
        # header must name it (app.config sets TRUSTED_HOSTS), whoever forwarded it.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops
        )

    from app import (
        cli,
        errors,
        health,
        httpcache,
        pagecache,
        privacy,
        requestlog,
        sessions,
        template_i18n,
        web,
    )
    from app.extensions import babel, cache, csrf, db, init_limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    cache.init_app(app)
    httpcache.init_app(app)
    pagecache.init_app(app)
    init_limiter(app)
    privacy.init_app(app)  # the rate-limit keys' in-memory secret
    babel.init_app(app, locale_selector=web.select_locale)
    login_manager.init_app(app)
    sessions.init_app(app)
    web.init_app(app)
    template_i18n.init_app(app)  # after babel: replaces its template functions
    errors.init_app(app)

    from app.db import configure_sqlite

    with app.app_context():
        configure_sqlite(db.engine)

    from app.admin import bp as admin_bp
    from app.api import bp as api_bp
    from app.audit import bp as audit_bp
    from app.auth import bp as auth_bp
    from app.auth.account import bp as account_bp
    from app.campaign import bp as campaign_bp
    from app.events import bp as events_bp
    from app.events.organize import bp as organize_bp
    from app.feeds import bp as feeds_bp
    from app.maps import bp as maps_bp
    from app.maps.vendor import bp as vendor_bp
    from app.posters import bp as posters_bp
    from app.proposals import bp as proposals_bp
    from app.rsvp import bp as rsvp_bp
    from app.syndication import bp as syndication_bp

    for blueprint in (
        campaign_bp,
        auth_bp,
        account_bp,
        events_bp,
        organize_bp,
        admin_bp,
        audit_bp,
        feeds_bp,
        rsvp_bp,
        maps_bp,
        vendor_bp,
        api_bp,
        syndication_bp,
        posters_bp,
        proposals_bp,
    ):
        app.register_blueprint(blueprint)

    from app import api, audit, events, feeds, maps, posters, previews, rsvp, syndication
    from app.events.signals import event_changed_by

    # Features connect to the signals of those they are built on, and fill their panels.
    events.init_app(app)
    rsvp.init_app(app)
    audit.init_app(app, event_changes=event_changed_by)
    feeds.init_app(app)
    maps.init_app(app)
    api.init_app(app)
    syndication.init_app(app)
    posters.init_app(app)
    previews.init_app(app)
    cli.init_app(app)
    # Outermost: the probes answer before the access log and Flask see the request.
    requestlog.init_app(app)
    health.init_app(app, PROJECT_ROOT / "migrations")
    return app


def _configure_logging(app: Flask) -> None:
    """Log to stderr at the configured level; records never carry client data."""
    level = getattr(logging, app.config["LOG_LEVEL"].upper())
    logging.getLogger("app").setLevel(level)
    # Werkzeug's development server logs every request with the client's IP.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
