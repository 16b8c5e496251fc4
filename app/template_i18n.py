"""The templates' ``_``, ``gettext``, ``ngettext`` and ``pgettext``: counts in the page's digits.

Flask-Babel installs Jinja's "new style" gettext, which formats a message's ``%(num)d``
with Python's ``%``, so a Persian page said "1 تاریخ" with a Latin one. These do what
Jinja's new-style functions do (translate, mark safe under autoescape, always format),
except that in a language with its own digits every whole-number placeholder is written
in them (app.dates.native_digits). Only the numbers passed in change: links and names
inside the other values keep their characters.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask_babel import get_locale, get_translations
from jinja2.runtime import Context
from jinja2.utils import pass_context
from markupsafe import Markup

from app.dates import has_native_digits, native_digits

# "%(num)d", "%(km)d": Babel's python-format whole-number placeholders.
_WHOLE_NUMBER = re.compile(r"%\((\w+)\)d")


def _format(context: Context, translated: str, variables: dict[str, Any]) -> str:
    language = str(get_locale())
    if has_native_digits(language):
        translated = _WHOLE_NUMBER.sub(r"%(\1)s", translated)
        variables = {
            name: native_digits(str(value), language)
            if isinstance(value, int) and not isinstance(value, bool)
            else value
            for name, value in variables.items()
        }
    if not context.eval_ctx.autoescape:
        return translated % variables
    # Our own catalogs' text is markup, as under Jinja's functions; the values are escaped.
    return Markup(translated) % variables  # noqa: S704


@pass_context
def gettext(context: Context, string: str, /, **variables: Any) -> str:
    return _format(context, get_translations().ugettext(string), variables)


@pass_context
def ngettext(context: Context, singular: str, plural: str, num: int, /, **variables: Any) -> str:
    variables.setdefault("num", num)
    return _format(context, get_translations().ungettext(singular, plural, num), variables)


@pass_context
def pgettext(context: Context, message_context: str, string: str, /, **variables: Any) -> str:
    return _format(context, get_translations().upgettext(message_context, string), variables)


def init_app(app: Flask) -> None:
    """Replace Flask-Babel's template functions (after ``babel.init_app``)."""
    app.jinja_env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext, pgettext=pgettext)
