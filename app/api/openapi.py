"""The OpenAPI 3.1 document of the API, generated from the code with apispec.

Paths and operations come from the API's routes: each view's docstring holds its
operation in YAML after a ``---`` line; query parameters come from the form that
reads them (app.api.forms), so a filter added there is documented without more
code; schemas from app.api.schemas.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from apispec import APISpec
from apispec.yaml_utils import load_operations_from_docstring
from flask import current_app
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import DateField, Field, IntegerField, SelectField
from wtforms.validators import Length, NumberRange, Optional

from app.api.schemas import COMPONENTS
from app.urls import site_origin

API_VERSION = "1.0.0"
_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
# Shared answers, referred to from the views' docstrings.
RESPONSES: dict[str, str] = {
    "BadRequest": "A parameter is not valid; the detail says which.",
    "NotFound": "There is no such public item.",
    "TooManyRequests": "Too many answers built for this client; see Retry-After.",
}
_RULE_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def openapi_path(rule: str) -> str:
    """A Flask rule (``/events/<slug>``) as an OpenAPI path (``/events/{slug}``)."""
    return _RULE_ARGUMENT.sub(r"{\1}", rule)


def field_schema(field: Field) -> dict[str, Any]:
    """The JSON Schema of a query-string field, from its type and validators."""
    schema: dict[str, Any]
    if isinstance(field, IntegerField):
        schema = {"type": "integer"}
    elif isinstance(field, DateField):
        schema = {"type": "string", "format": "date"}
    elif isinstance(field, SelectField):
        schema = {"type": "string", "enum": [str(option.data) for option in field if option.data]}
    else:
        schema = {"type": "string"}
    for validator in field.validators:
        if isinstance(validator, NumberRange):
            if validator.min is not None:
                schema["minimum"] = validator.min
            if validator.max is not None:
                schema["maximum"] = validator.max
        elif isinstance(validator, Length) and validator.max >= 0:
            schema["maxLength"] = validator.max
    if any(isinstance(validator, Optional) for validator in field.validators):
        # A blank value is no filter, as when the form on /events is sent with it empty.
        schema = {"anyOf": [schema, {"const": ""}]}
    default = field.default
    if isinstance(default, int | str) and default != "" and not isinstance(default, date):
        schema["default"] = default
    return schema


def form_parameters(form_class: type[FlaskForm]) -> list[dict[str, Any]]:
    """The query parameters that ``form_class`` reads, in its field order."""
    form = form_class(formdata=MultiDict())
    return [
        {
            "name": field.name,
            "in": "query",
            "required": False,
            "description": str(field.description or field.label.text),
            "schema": field_schema(field),
        }
        for field in form
    ]


def build_spec(query_forms: Mapping[str, type[FlaskForm]]) -> dict[str, Any]:
    """The OpenAPI document of every ``api.`` route of the current app.

    ``query_forms`` names the form that reads each endpoint's query string.
    """
    spec = APISpec(
        title="Vigil API",
        version=API_VERSION,
        openapi_version="3.1.0",
        info={
            "description": _(
                "Public data of Vigil, read-only: upcoming rallies and vigils for Iran's "
                "political prisoners, the missions they are held at and the campaign "
                "statement. Errors are RFC 9457 problem details."
            )
        },
        servers=[{"url": site_origin()}],
    )
    for name, schema in COMPONENTS.items():
        spec.components.schema(name, schema)
    for name, description in RESPONSES.items():
        spec.components.response(name, {"description": description, "content": _PROBLEM})
    rules = sorted(current_app.url_map.iter_rules(), key=lambda rule: rule.rule)
    for rule in rules:
        if not rule.endpoint.startswith("api."):
            continue
        view = current_app.view_functions[rule.endpoint]
        operations = load_operations_from_docstring(view.__doc__ or "")
        if not operations:
            continue
        form_class = query_forms.get(rule.endpoint)
        if form_class is not None:
            operations["get"].setdefault("parameters", []).extend(form_parameters(form_class))
        operations["get"].setdefault("operationId", rule.endpoint.removeprefix("api."))
        spec.path(path=openapi_path(rule.rule), operations=operations)
    document: dict[str, Any] = spec.to_dict()
    return document
