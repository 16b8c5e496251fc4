"""/admin/audit: the log for admins, newest first, filtered, paginated, as CSV.

Guarded by the admin area's ``require_admin`` (set by app.admin.views; STYLE.md rule 5):
anonymous visitors go to the sign-in page, signed-in accounts that are not active admins
get a 404.
"""

from __future__ import annotations

from flask import Response as FlaskResponse
from flask import render_template, request

from app.audit import bp
from app.audit.export import actor_label, audit_csv
from app.audit.forms import COMMAND_LINE, AuditFilterForm
from app.audit.queries import PER_PAGE, AuditFilters, actor_choices, export_entries, filtered
from app.extensions import db
from app.models import AuditAction, AuditSubject


def _filters(form: AuditFilterForm) -> AuditFilters:
    actor = form.actor.data or ""
    return AuditFilters(
        action=AuditAction(form.action.data) if form.action.data else None,
        actor_id=0 if actor == COMMAND_LINE else (int(actor) if actor else None),
        subject_type=AuditSubject(form.subject_type.data) if form.subject_type.data else None,
        since=form.since.data,
        until=form.until.data,
    )


def _form() -> tuple[AuditFilterForm, bool]:
    """The filter form from the query string, and whether its values are valid."""
    form = AuditFilterForm(formdata=request.args, actors=actor_choices())
    return form, form.validate()


@bp.get("/")
def index() -> tuple[str, int]:
    """The log, newest first, ``PER_PAGE`` entries a page; bad filters: the form again, 400."""
    form, valid = _form()
    if not valid:
        return render_template("audit/index.html", form=form, page=None), 400
    page = db.paginate(
        filtered(_filters(form)),
        page=request.args.get("page", 1, type=int),
        per_page=PER_PAGE,
        max_per_page=PER_PAGE,
        error_out=False,
    )
    query = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template(
        "audit/index.html", form=form, page=page, query=query, actor_label=actor_label
    ), 200


@bp.get("/audit.csv")
def export() -> FlaskResponse | tuple[str, int]:
    """The filtered log as CSV (the newest ``EXPORT_MAX`` entries); bad filters: 400 page."""
    form, valid = _form()
    if not valid:
        return render_template("audit/index.html", form=form, page=None), 400
    return FlaskResponse(
        audit_csv(export_entries(_filters(form))),
        mimetype="text/csv",
        headers={
            "Content-Disposition": 'attachment; filename="audit.csv"',
            "Cache-Control": "no-store",
        },
    )
