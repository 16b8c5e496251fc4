"""Poster routes: one event's share image (PNG) and printable poster (PDF).

What they serve and how it is cached: app.posters.documents and app.httpcache.
"""

from __future__ import annotations

from flask import Response, abort, request
from flask_babel import gettext as _

from app.events.queries import is_slug
from app.httpcache import serve
from app.posters import bp
from app.posters.documents import DEFAULT_SIZE, POSTER, SHARE_IMAGE, Poster, ShareImage
from app.posters.render import PAGE_SIZES


@bp.get("/events/<slug>/share.png")
def share_image(slug: str) -> Response:
    """The event's 1200×630 link-preview image in the page language; 404 for drafts."""
    if not is_slug(slug):
        abort(404)
    return serve(SHARE_IMAGE, ShareImage(slug))


@bp.get("/events/<slug>/poster.pdf")
def poster(slug: str) -> Response:
    """A one-page poster with a QR code, ``?size=a4`` (default) or ``letter``.

    404 for drafts and unknown slugs, 400 for another size.
    """
    if not is_slug(slug):
        abort(404)
    size = request.args.get("size") or DEFAULT_SIZE
    if size not in PAGE_SIZES:
        abort(400, description=_("The poster comes in two sizes: size=a4 or size=letter."))
    disposition = f'inline; filename="{slug[:60]}-{size}.pdf"'
    return serve(POSTER, Poster(slug, size), {"Content-Disposition": disposition})
