"""Flask extensions, created unbound and attached in ``create_app``."""

from __future__ import annotations

from flask import Flask
from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from app.db import Base
from app.privacy import client_key

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
cache = Cache()
limiter = Limiter(key_func=client_key, default_limits=[])


def init_limiter(app: Flask) -> None:
    """Attach Flask-Limiter without the check it runs before every request.

    Every limit of Vigil is on a view (``@limiter.limit``, checked by the decorator
    when the view runs) or inside one (``with limiter.limit``). The hook that
    Flask-Limiter adds before every request looks only for default and application-wide
    limits, of which there are none, and costs every request, a bare 304 included.
    """
    limiter.init_app(app)
    if not (app.config.get("RATELIMIT_DEFAULT") or app.config.get("RATELIMIT_APPLICATION")):
        app.before_request_funcs[None].remove(limiter._check_request_limit)
