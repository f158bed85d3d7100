"""xlsx export of the people list: the filtered rows, masked unless asked and allowed, in scope,
logged; a large export runs in the background behind a progress page."""
from __future__ import annotations

import io
import time

from openpyxl import load_workbook
from sqlalchemy import select

from sync_server.db.tables import OpLog
from tests.web.conftest import csrf_of
from tests.web.test_people_list import _browser, _people


def _rows(body: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(body), read_only=True).active.iter_rows(values_only=True))


def _export(client, **form):
    token = csrf_of(client.get("/admin/people").text)
    return client.post("/admin/people/export", data={"csrf_token": token, **form},
                       follow_redirects=False)


def test_the_export_has_the_filtered_rows_masked_and_is_logged(web):
    _people(web)
    answer = _export(_browser(web), ethnicity="01")
    assert answer.status_code == 200
    rows = _rows(answer.content)
    header, body = rows[0], rows[1:]
    assert header[0] == "姓名" and "联系电话" in header and len(body) == 3
    phones = [r[header.index("联系电话")] for r in body]
    assert all("****" in p for p in phones)
    with web.session() as s:
        logged = s.scalars(select(OpLog).where(OpLog.action == "export")).all()
    assert len(logged) == 1 and logged[0].details["rows"] == 3 and not logged[0].details["clear"]


def test_a_clear_export_shows_full_values_for_a_user_with_the_right(web):
    _people(web)
    rows = _rows(_export(_browser(web), clear="true").content)
    phones = {r[rows[0].index("联系电话")] for r in rows[1:]}
    assert "13812348000" in phones


def test_a_grid_worker_cannot_export_clear_values(web):
    _people(web)
    assert _export(_browser(web, "worker1a"), clear="true").status_code == 403


def test_a_township_users_export_holds_only_their_township(web):
    _people(web)
    rows = _rows(_export(_browser(web, "office1")).content)
    assert len(rows) - 1 == 3


def test_a_large_export_runs_in_the_background_with_progress_and_a_file(web):
    _people(web)
    web.settings.web_export_inline_rows = 2
    client = _browser(web)
    answer = _export(client)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/admin/jobs/")
    job = answer.headers["location"]
    assert "导出人口" in client.get(job).text
    for _ in range(100):
        progress = client.get(job + "/progress").text
        if "下载文件" in progress:
            break
        time.sleep(0.05)
    assert "共 6 条" in progress
    rows = _rows(client.get(job + "/file").content)
    assert len(rows) == 7
    other = _browser(web, "office1")
    assert other.get(job).status_code == 404  # another user's job cannot be seen


def test_a_finished_exports_file_is_deleted_a_day_later_and_strays_at_once(web):
    """An export may hold clear ID numbers: housekeeping deletes its file a day after it was
    made (the job's page then says it is gone), and a file no job knows (left by a restart)
    at once."""
    import datetime as dt

    from sync_server.web import jobs
    from sync_server.web.exports import exports_dir
    _people(web)
    web.settings.web_export_inline_rows = 2
    client = _browser(web)
    job = _export(client).headers["location"]
    for _ in range(100):
        if "下载文件" in client.get(job + "/progress").text:
            break
        time.sleep(0.05)
    folder = exports_dir(web.settings)
    stray = folder / "left-by-a-restart.xlsx"
    stray.write_bytes(b"PK")
    made = folder / f"{job.rsplit('/', 1)[1]}.xlsx"
    assert made.is_file()
    now = web.clock()
    assert jobs.purge(web.app, folder, now=now + dt.timedelta(hours=23)) == 1
    assert not stray.exists() and made.is_file()
    assert client.get(job + "/file").status_code == 200
    assert jobs.purge(web.app, folder, now=now + dt.timedelta(hours=25)) == 1
    assert not made.exists()
    assert client.get(job + "/file").status_code == 404
