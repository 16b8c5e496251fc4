"""What makes a page an embed: framed only by the operator's sites, and cookie-free.

An embed is shown inside other sites (VIGIL_EMBED_ORIGINS), so it must not know or
change who the visitor is here: it reads no session and sets no cookie. Its answer
is then the same for every visitor, and the page cache (app.pagecache) keeps it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec

from flask import current_app

from app.web import allow_framing

P = ParamSpec("P")


def embed(view: Callable[P, Any]) -> Callable[P, Any]:
    """Make ``view`` an embed: framable by VIGIL_EMBED_ORIGINS. Embeds live under
    /embed/, where requests have no session and set no cookie (app.sessions).

    Goes outside ``cached_page`` so a page served from the cache is treated alike.
    """

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Any:
        allow_framing(current_app.config["EMBED_ORIGINS"])
        return view(*args, **kwargs)

    return wrapper
