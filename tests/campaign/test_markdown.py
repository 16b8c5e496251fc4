"""app.markdown: Markdown rendered, then sanitised against an allowlist (security.md T14)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from markupsafe import Markup

from app.markdown import first_paragraph, render_markdown

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "<javascript:alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<svg onload=alert(1)>",
    "![x](https://tracker.example/pixel.png)",
    '[x](https://ok.example "title" onmouseover=alert(1))',
    "<!-- comment --><style>body{}</style>",
    "```\n<script>alert(1)</script>\n```",
]


ALLOWED_TAGS = {"p", "br", "em", "strong", "a", "ul", "ol", "li", "blockquote"}
ALLOWED_TAGS |= {"h2", "h3", "h4", "code", "pre", "hr"}


class _Elements(HTMLParser):
    """Collects every element and attribute a browser would build from the HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.found


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_markdown_is_inert(text: str) -> None:
    for tag, attrs in elements(str(render_markdown(text))):
        assert tag in ALLOWED_TAGS
        for name, value in attrs:
            assert tag == "a"
            assert name in {"href", "rel"}
            if name == "href":
                assert value is not None
                assert value.startswith(("https://", "http://", "mailto:"))


def test_raw_html_is_shown_as_text() -> None:
    assert str(render_markdown("<b>bold?</b>")) == "<p>&lt;b&gt;bold?&lt;/b&gt;</p>\n"


def test_allowed_formatting_survives() -> None:
    text = (
        "## Demands\n\n*free* and **all**\n\n- one\n- two\n\n1. first\n\n> quoted\n\n"
        "`code`\n\n---\n\n[site](https://example.org/a?b=1)"
    )
    html = str(render_markdown(text))
    for fragment in (
        "<h2>Demands</h2>",
        "<em>free</em>",
        "<strong>all</strong>",
        "<ul>",
        "<ol>",
        "<li>one</li>",
        "<blockquote>",
        "<code>code</code>",
        "<hr>",
        '<a href="https://example.org/a?b=1" rel="nofollow noopener noreferrer">site</a>',
    ):
        assert fragment in html


def test_returns_markup() -> None:
    assert isinstance(render_markdown("x"), Markup)


def test_line_breaks_render_as_written() -> None:
    assert str(render_markdown("line one\nline two")) == "<p>line one<br>\nline two</p>\n"


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://example.org", True),
        ("http://example.org", True),
        ("mailto:info@example.org", True),
        ("/relative", False),
        ("//evil.example/x", False),
        ("ftp://example.org", False),
    ],
)
def test_only_http_https_mailto_links(url: str, kept: bool) -> None:
    html = str(render_markdown(f"[x]({url})"))
    assert ("href=" in html) is kept
    assert 'rel="nofollow noopener noreferrer"' in html


def test_headings_clamped_to_h2_h4_and_images_become_text() -> None:
    html = str(render_markdown("# Top\n\n###### Deep\n\n![a photo](https://x.example/p.png)"))
    assert "<h2>Top</h2>" in html
    assert "<h4>Deep</h4>" in html
    assert "<p>a photo</p>" in html
    assert "x.example" not in html


def test_persian_text_kept_byte_exact() -> None:
    text = "زن، زندگی، آزادی — می\u200cخواهیم 🕯️✊🏽"
    assert text in str(render_markdown(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "# Title\n\nFirst *one* [link](https://x.example)\nsame para\n\nSecond",
            "First one link same para",
        ),
        ("> quoted first\n\nnext", "quoted first"),
        ("", ""),
        ("# Only a heading", ""),
        ("<script>x</script> & more", "<script>x</script> & more"),
    ],
)
def test_first_paragraph(text: str, expected: str) -> None:
    assert first_paragraph(text) == expected
