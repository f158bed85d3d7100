"""Web console fixtures: the server app with every captcha's answer fixed (a test-only setting),
and a browser-like client that signs in through the form."""
from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.factories import PASSWORD
from tests.sync_server.conftest import Server

CAPTCHA = "ACDE"


@pytest.fixture
def web(db_url, tmp_path):
    srv = Server(db_url, tmp_path)
    srv.settings.captcha_fixed_answer = CAPTCHA
    yield srv
    srv.close()


def form_fields(html: str) -> dict[str, str]:
    """The hidden fields of the page's form (form token, captcha id, next)."""
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))


def sign_in(client: TestClient, username: str, *, password: str = PASSWORD,
            answer: str = CAPTCHA, next_: str | None = None):
    page = client.get("/admin/login" + (f"?next={next_}" if next_ else ""))
    data = form_fields(page.text) | {"username": username, "password": password,
                                     "captcha_answer": answer}
    return client.post("/admin/login", data=data, follow_redirects=False)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
