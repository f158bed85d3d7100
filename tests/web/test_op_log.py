"""The operation log page (操作明细) over plain HTTP: search by user, action, record, time
range and place; the scope of a township office; bad dates answered beside the field."""
from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient

from sync_server.services.oplog import log_operation
from tests.web.conftest import sign_in


def _entries(web):
    """Three reveals and an export, by users of two townships, on three days (Beijing time)."""
    t = web.tree.users
    base = web.clock()
    with web.session() as s:
        for user, action, record, days in ((t["worker1a"], "reveal_id_number", "p-1", 0),
                                           (t["worker1b"], "reveal", "p-2", 1),
                                           (t["worker2"], "reveal", "p-3", 2),
                                           (t["office1"], "export", None, 0)):
            log_operation(s, user=user, action=action, entity="people", record_id=record,
                          now=base - dt.timedelta(days=days), details={"field": "phone"})
        s.commit()
    return base


def _browser(web, username="admin") -> TestClient:
    client = TestClient(web.app)
    assert sign_in(client, username).status_code == 303
    return client


def _records(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1]
    return re.findall(r"<td>(p-\d)</td>", body)


def _day(at: dt.datetime) -> str:
    return (at + dt.timedelta(hours=8)).date().isoformat()


def test_the_county_admin_sees_every_line_and_searches_by_user_action_record(web):
    _entries(web)
    client = _browser(web)
    page = client.get("/admin/op-log", params={"entity": "people"})
    assert page.status_code == 200 and "共 4 条" in page.text
    assert sorted(_records(page.text)) == ["p-1", "p-2", "p-3"]
    assert "查看身份证号" in page.text and "导出" in page.text
    assert _records(client.get("/admin/op-log", params={"user": "worker2"}).text) == ["p-3"]
    assert sorted(_records(client.get("/admin/op-log", params={"action": "reveal"}).text)) \
        == ["p-2", "p-3"]
    assert _records(client.get("/admin/op-log", params={"record_id": "p-2"}).text) == ["p-2"]


def test_a_time_range_and_a_place_narrow_the_log(web):
    base = _entries(web)
    client = _browser(web)
    day = client.get("/admin/op-log", params={"since": _day(base - dt.timedelta(days=1)),
                                              "until": _day(base - dt.timedelta(days=1))})
    assert _records(day.text) == ["p-2"]
    place = client.get("/admin/op-log", params={"place": web.tree.id("t2")}).text
    assert _records(place) == ["p-3"] and "共 1 条" in place


def test_a_township_office_sees_only_its_township(web):
    _entries(web)
    client = _browser(web, "office1")
    page = client.get("/admin/op-log", params={"entity": "people"}).text
    assert sorted(_records(page)) == ["p-1", "p-2"] and "共 3 条" in page
    # A place outside the scope gives nothing, not the other township's lines.
    other = client.get("/admin/op-log", params={"place": web.tree.id("t2")}).text
    assert _records(other) == [] and "共 0 条" in other
    assert "夏乡" not in client.get("/admin/op-log").text.split("<table", 1)[0]


def test_a_grid_worker_may_not_open_the_log(web):
    _entries(web)
    client = _browser(web, "worker1a")
    page = client.get("/admin/op-log")
    assert page.status_code == 403 and "权限" in page.text
    assert "操作明细" not in client.get("/admin/").text


def test_a_bad_date_is_answered_beside_the_field_and_lists_nothing(web):
    _entries(web)
    client = _browser(web)
    page = client.get("/admin/op-log", params={"since": "2026-13-40"})
    assert page.status_code == 422
    assert re.search(r'id="e-since"[^>]*>开始日期 2026-13-40 不是有效的日期', page.text)
    assert _records(page.text) == []
    backwards = client.get("/admin/op-log", params={"since": "2026-05-02", "until": "2026-05-01"})
    assert backwards.status_code == 422 and "结束日期不能早于开始日期" in backwards.text
