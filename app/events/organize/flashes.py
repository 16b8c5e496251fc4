"""What the flash after an organizer's change says about who was told."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext


def notified_sentence(count: int) -> str:
    """How many people were told by e-mail, for the flash after a change."""
    if count == 0:
        return str(_("Nobody was notified by e-mail."))
    return str(
        ngettext(
            "%(num)d person was notified by e-mail.",
            "%(num)d people were notified by e-mail.",
            count,
        )
    )
