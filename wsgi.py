"""WSGI entry point: ``gunicorn wsgi:app`` and ``flask --app wsgi``."""

import sys

from app import create_app
from app.config import ConfigError

try:
    app = create_app()
except ConfigError as exc:
    sys.exit(f"Vigil cannot start: {exc}")
