"""Link previews: Open Graph and Twitter-card metadata, and schema.org JSON-LD for events.

Pages put ``{{ preview_tags(event_preview(event, dates)) }}`` or
``{{ preview_tags(page_preview(endpoint, title, description)) }}`` in their
``{% block head %}``; app.previews.meta builds the values, one macro writes the tags.
"""

from flask import Flask

from app.previews.meta import event_preview, page_preview, preview_tags


def init_app(app: Flask) -> None:
    """Give templates the preview builders and the macro that writes their tags."""
    app.jinja_env.globals.update(
        event_preview=event_preview, page_preview=page_preview, preview_tags=preview_tags
    )
