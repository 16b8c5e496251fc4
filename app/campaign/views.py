"""Home page and the full statement."""

from __future__ import annotations

from flask import render_template

from app.campaign import bp


@bp.get("/")
def home() -> str:
    return render_template("campaign/home.html")


@bp.get("/statement")
def statement() -> str:
    return render_template("campaign/home.html")
