"""Link previews: Open Graph and Twitter-card metadata, and schema.org JSON-LD for events."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Nothing to connect yet."""
