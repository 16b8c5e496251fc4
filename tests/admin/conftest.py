"""Fixtures of the admin tests: an admin, an organizer and their signed-in clients."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.models import User
from tests.conftest import login
from tests.factories import PASSWORD, make_admin, make_organizer


@pytest.fixture
def admin(app: Flask) -> User:
    return make_admin(display_name="Admin Ada", email="ada@example.org")


@pytest.fixture
def organizer(app: Flask) -> User:
    return make_organizer(display_name="Organizer Omid", email="omid@example.org")


@pytest.fixture
def admin_client(app: Flask, admin: User) -> FlaskClient:
    client = app.test_client()
    assert login(client, admin.email, PASSWORD).status_code == 303
    return client


@pytest.fixture
def organizer_client(app: Flask, organizer: User) -> FlaskClient:
    client = app.test_client()
    assert login(client, organizer.email, PASSWORD).status_code == 303
    return client
