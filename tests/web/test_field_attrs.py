"""A form field's extra attributes (maxlength, autocomplete, placeholder) reach the browser as
attributes: escaped, they were text the browser ignored (a length limit not enforced, a password
manager not offered, a placeholder broken at its first space)."""
from __future__ import annotations

import re

from fastapi.testclient import TestClient

from sync_server.web.deps import templates


def test_the_sign_in_page_offers_the_password_manager_its_fields(web):
    page = TestClient(web.app).get("/admin/login").text
    assert 'autocomplete="username"' in page and 'autocomplete="current-password"' in page
    assert "&#34;" not in page


def test_a_resident_field_keeps_its_limit_and_whole_placeholder():
    html = templates.env.from_string(
        '{% from "h5/_field.html" import field %}'
        '{{ field("address", "详细地址", "<b>", attrs=\'maxlength="120" '
        'placeholder="如：幸福路 12 号 3 单元"\') }}').render()
    tag = re.search(r"<input[^>]*>", html).group(0)
    assert 'maxlength="120"' in tag and 'placeholder="如：幸福路 12 号 3 单元"' in tag
    assert 'value="&lt;b&gt;"' in tag  # the value a user typed is still escaped
