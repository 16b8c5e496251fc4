"""Reading a page's place picker: the options of its select and the markup around it."""

from __future__ import annotations

from html.parser import HTMLParser


class _Picker(HTMLParser):
    def __init__(self, select_id: str) -> None:
        super().__init__()
        self._select_id = select_id
        self._in_select = False
        self._option: dict[str, str | None] | None = None
        self.options: list[dict[str, str | None]] = []
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.elements.append((tag, found))
        if tag == "select" and found.get("id") == self._select_id:
            self._in_select = True
        elif tag == "option" and self._in_select:
            self._option = {**found, "label": ""}
            self.options.append(self._option)

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option["label"] = (self._option["label"] or "") + data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option":
            self._option = None
        elif tag == "select":
            self._in_select = False


def picker_options(html: str, select_id: str = "venue") -> list[dict[str, str | None]]:
    """The options of the select ``select_id``, in order: their attributes and ``label``."""
    parser = _Picker(select_id)
    parser.feed(html)
    parser.close()
    return parser.options


def elements(
    html: str, tag: str, *, class_: str | None = None, id_: str | None = None
) -> list[dict[str, str | None]]:
    """The attributes of every ``tag`` element of the page with the class ``class_`` or the
    id ``id_``."""
    parser = _Picker("")
    parser.feed(html)
    parser.close()
    return [
        attrs
        for name, attrs in parser.elements
        if name == tag
        and (class_ is None or class_ in (attrs.get("class") or "").split())
        and (id_ is None or attrs.get("id") == id_)
    ]
