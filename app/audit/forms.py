"""The filters of /admin/audit: a GET form; a bad value is shown at its field (400)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import Optional, ValidationError

from app.models import AuditAction, AuditSubject

# The actor filter's value for what was done on the command line.
COMMAND_LINE = "cli"


class AuditFilterForm(FlaskForm):
    """Action, actor, subject type and a range of UTC dates; every field optional."""

    class Meta:
        csrf = False

    action = SelectField(_l("Action"), choices=[], validators=[Optional()], default="")
    actor = SelectField(_l("Who"), choices=[], validators=[Optional()], default="")
    subject_type = SelectField(_l("Subject"), choices=[], validators=[Optional()], default="")
    since = DateField(_l("From (UTC date)"), validators=[Optional()])
    until = DateField(_l("Until (UTC date)"), validators=[Optional()])

    def __init__(self, *args: Any, actors: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.action.choices = [("", _("Any action")), *((a.value, a.label) for a in AuditAction)]
        self.actor.choices = [
            ("", _("Anyone")),
            (COMMAND_LINE, _("command line")),
            *((str(actor_id), name) for actor_id, name in actors),
        ]
        self.subject_type.choices = [
            ("", _("Any subject")),
            *((s.value, s.label) for s in AuditSubject),
        ]

    def validate_until(self, field: DateField) -> None:
        if self.since.data and field.data and field.data < self.since.data:
            raise ValidationError(_("The end date is before the start date."))
