"""A read-only JSON API of public data: ``/api/v1/…`` (events, venues, the statement)."""

from flask import Blueprint, Flask, Response, request

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from app.api import views  # noqa: E402,F401  (routes register on import)

# Anyone's page may read the API: public data only, and never with credentials.
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "If-None-Match, If-Modified-Since",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, Retry-After",
    "Access-Control-Max-Age": "86400",
}


def _is_api_request() -> bool:
    return request.path.startswith(bp.url_prefix or "/api/v1")


def _cors(response: Response) -> Response:
    """CORS headers on every answer under /api/ (errors too, so scripts can read them)."""
    if _is_api_request():
        response.headers.update(CORS_HEADERS)
    return response


def init_app(app: Flask) -> None:
    """Answer API requests cross-origin (CORS, preflight included). They have no session
    and set no cookie (app.sessions)."""
    app.after_request(_cors)
