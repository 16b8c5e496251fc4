"""Markdown to safe HTML: the one sanitizer of user-written rich text.

Text written by admins (the campaign statement) and organizers (event
descriptions) is Markdown. It is rendered with markdown-it-py and the result is
always cleaned by nh3 against an explicit allowlist; it is never trusted raw,
not even when an admin wrote it (a phished admin account must not be able to
plant script on the public pages, design/security.md T14).

``render_markdown`` is the only output that templates may treat as safe HTML.
It already returns ``Markup``, so templates print it without ``|safe``; any
other ``|safe`` in a template is a bug (STYLE.md rule 7).
"""

from __future__ import annotations

from collections.abc import Sequence

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

# "commonmark" enables raw HTML by default; it is turned off so that tags in the
# text show as text. breaks=True: a single line break in plain text stays a line
# break (people paste statements and poems). No linkify: links must be written as links.
_parser = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False})

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "em",
        "strong",
        "a",
        "ul",
        "ol",
        "li",
        "blockquote",
        "h2",
        "h3",
        "h4",
        "code",
        "pre",
        "hr",
    }
)
# "*" is given explicitly: nh3 otherwise allows lang and title on every tag.
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {"a": {"href"}, "*": set()}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener noreferrer"

_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=set(ALLOWED_URL_SCHEMES),
    # Only absolute http(s)/mailto links: a relative link would point elsewhere
    # once the text is shown in a mail or a feed reader.
    url_relative="deny",
    link_rel=LINK_REL,
    strip_comments=True,
)

# The page title is the <h1>; Markdown headings are kept between h2 and h4.
_MIN_HEADING, _MAX_HEADING = 2, 4


def _adjust(tokens: Sequence[Token]) -> None:
    """Clamp heading levels and turn images into their alt text, in place."""
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(max(int(token.tag[1]), _MIN_HEADING), _MAX_HEADING)
            token.tag = f"h{level}"
        elif token.type == "inline" and token.children:
            token.children = [
                Token("text", "", 0, content=_inline_text(child))
                if child.type == "image"
                else child
                for child in token.children
            ]


def render_markdown(text: str) -> Markup:
    """Render Markdown ``text`` to sanitised HTML.

    Raw HTML in the text is shown as text; the output holds only the tags of
    ``ALLOWED_TAGS``, links only with http, https or mailto URLs and always with
    ``rel="nofollow noopener noreferrer"``; images, scripts, styles and event
    handlers never survive. Headings are moved into the range h2 to h4;
    an image shows as its description (no request leaves for its host).
    """
    tokens = _parser.parse(text)
    _adjust(tokens)
    html = _parser.renderer.render(tokens, _parser.options, {})
    return Markup(_cleaner.clean(html))  # noqa: S704  (nh3 output against our allowlist)


def _inline_text(token: Token) -> str:
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            # An image's alt text is its children's text.
            parts.append(_inline_text(child))
    return "".join(parts)


def first_paragraph(text: str) -> str:
    """Plain text of the first paragraph of Markdown ``text`` ("" if it has none).

    Markup is dropped (emphasis, link targets) and line breaks become spaces;
    the result is ordinary text for the template to escape.
    """
    tokens = _parser.parse(text)
    for index, token in enumerate(tokens):
        if token.type == "paragraph_open" and index + 1 < len(tokens):
            return " ".join(_inline_text(tokens[index + 1]).split())
    return ""
