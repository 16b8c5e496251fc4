from flask.testing import FlaskClient

from tests.conftest import login
from tests.factories import PASSWORD, make_user


def test_healthz(client: FlaskClient) -> None:
    assert client.get("/healthz").data == b"ok\n"


def test_login_and_logout_ends_copied_cookie(client: FlaskClient) -> None:
    user = make_user()
    response = login(client, user.email, PASSWORD)
    assert response.status_code == 303
    assert client.get("/organize/").status_code == 200
