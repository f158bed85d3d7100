"""The people list over plain HTTP: paging, sort, filters, masking, the logged reveal, scope."""
from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from sync_server.db.tables import OpLog as OperationLog
from tests.factories import make_id_number, make_person
from tests.web.conftest import csrf_of, sign_in

NAMES = ["艾力", "布阿依", "陈明", "丁雪", "古丽", "海燕"]


def _people(web):
    api = web.as_("admin")
    for i, name in enumerate(NAMES):
        grid = "g1a" if i % 2 == 0 else "g2"
        r = api.post("/api/people", json=make_person(
            web.tree.id(grid), name=name, phone=f"1381234800{i}",
            ethnicity="01" if i < 3 else "05", id_number=make_id_number(f"198{i}0101")))
        assert r.status_code in (200, 201), r.text


def _names(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1]
    return re.findall(r'<tr><td><a href="/admin/registry/people/[^"]+">([^<]+)</a>', body)


def _browser(web, username="admin") -> TestClient:
    client = TestClient(web.app)
    sign_in(client, username)
    return client


def test_the_list_shows_a_page_with_its_total_and_masks_id_numbers_and_phones(web):
    _people(web)
    page = _browser(web).get("/admin/people?size=20")
    assert page.status_code == 200
    assert "共 6 条" in page.text
    assert "138****8000" in page.text and "13812348000" not in page.text
    assert "公民身份号码" in page.text and not re.search(r"\d{17}[\dX]", page.text)


def test_the_list_sorts_by_a_column_both_ways_and_pages(web):
    _people(web)
    client = _browser(web)
    up = _names(client.get("/admin/people?sort=birth_date").text)
    down = _names(client.get("/admin/people?sort=birth_date&dir=desc").text)
    assert up == list(reversed(down)) == NAMES
    second = _names(client.get("/admin/people?sort=birth_date&dir=desc&size=20&page=2").text)
    assert second == []


def test_masked_columns_do_not_sort_since_the_order_would_betray_the_hidden_digits(web):
    _people(web)
    client = _browser(web)
    page = client.get("/admin/people").text
    assert "sort=birth_date" in page and "sort=phone" not in page and "sort=id_number" not in page
    assert _names(client.get("/admin/people?sort=phone&dir=desc").text) == \
        _names(client.get("/admin/people").text)


def test_the_list_filters_by_a_dictionary_facet_and_a_name(web):
    _people(web)
    client = _browser(web)
    han = client.get("/admin/people?ethnicity=01").text
    assert "共 3 条" in han
    one = client.get("/admin/people", params={"q": "古丽"}).text
    assert "共 1 条" in one and "古丽" in one


def test_a_township_user_sees_only_their_township(web):
    _people(web)
    page = _browser(web, "office1").get("/admin/people").text
    assert "共 3 条" in page
    for i, name in enumerate(NAMES):
        assert (name in page) == (i % 2 == 0)


def test_a_reveal_shows_the_clear_value_and_is_in_the_operation_log(web):
    _people(web)
    client = _browser(web)
    page = client.get("/admin/people?sort=birth_date").text
    url = re.search(r'hx-post="(/admin/people/[^"]+/reveal/phone)"', page).group(1)
    answer = client.post(url, headers={"X-CSRF-Token": csrf_of(page)})
    assert answer.status_code == 200 and "13812348000" in answer.text
    with web.session() as s:
        actions = s.scalars(select(OperationLog.action).where(
            OperationLog.entity == "people")).all()
    assert "reveal" in actions


def test_a_reveal_without_the_csrf_token_is_refused_and_not_logged(web):
    _people(web)
    client = _browser(web)
    page = client.get("/admin/people").text
    url = re.search(r'hx-post="(/admin/people/[^"]+/reveal/\w+)"', page).group(1)
    assert client.post(url).status_code == 403
    with web.session() as s:
        assert not s.scalars(select(OperationLog).where(
            OperationLog.action.like("reveal%"))).all()


def test_a_township_user_cannot_reveal_a_person_outside_their_township(web):
    _people(web)
    admin_page = _browser(web).get("/admin/people?sort=birth_date&dir=desc").text
    outside = re.search(r'hx-post="(/admin/people/[^"]+/reveal/phone)"', admin_page).group(1)
    client = _browser(web, "office1")
    token = csrf_of(client.get("/admin/people").text)
    assert client.post(outside, headers={"X-CSRF-Token": token}).status_code == 404
