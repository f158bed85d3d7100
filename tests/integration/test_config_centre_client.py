"""The config centre over real HTTP: a county admin adds a ledger field through the desktop page,
the page syncs and lists it, and a grid worker's device gets the column in its ledger export."""
from __future__ import annotations

import os

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from desktop.assistant.ledgers import export_ledger, list_ledgers
from desktop.net.sync import HttpSyncTransport
from desktop.services.session import sign_in
from desktop.services.sync import SyncService
from tests.conftest import NOW
from tests.factories import PASSWORD

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def admin_page(live, tmp_path, monkeypatch, qtbot):  # noqa: ANN001, ANN201
    """The config page of the county admin signed in on a fresh device, synced once."""
    from desktop.tasks import TaskManager
    from desktop.ui.config import ConfigPage
    from desktop.ui.context import AppContext, CurrentUser
    monkeypatch.setenv("YZB_HOME", str(tmp_path / "admin"))
    profile = sign_in(live.url, "admin", PASSWORD, now=NOW).profile
    sync = SyncService(profile, HttpSyncTransport(live.url), clock=lambda: NOW)
    sync.sync_now()
    tasks = TaskManager(profile.engine)
    ctx = AppContext(tasks=tasks, user=CurrentUser(id=profile.info.get("user_id") or "",
                                                   username="admin", display_name="县管理员",
                                                   role="county_admin"),
                     now=lambda: NOW, sync=sync)
    page = ConfigPage(ctx)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.online_changed, timeout=15000) as online:
        page.refresh()
    assert online.args == [True]
    qtbot.wait_until(lambda: page.view is not None, timeout=5000)
    return page, profile, tasks


def test_a_field_the_admin_adds_on_the_page_reaches_a_workers_ledger_export(
        live, tmp_path, monkeypatch, qtbot):
    page, admin, tasks = admin_page(live, tmp_path, monkeypatch, qtbot)
    page.choose_type("养殖台账")
    assert page.add_field_button.isEnabled()
    page.add_field()
    dialog = page.dialog
    dialog.editors["code"].setText("vaccinated_count")
    dialog.editors["label"].setText("已免疫头数")
    dialog.editors["field_type"].setCurrentIndex(
        dialog.editors["field_type"].findData("int"))
    dialog.editors["unit"].setText("头")
    with qtbot.waitSignal(page.change_finished, timeout=30000) as finished:
        dialog.submit()
    assert "已保存到服务器并同步到本机" in finished.args[0]
    assert not dialog.isVisible()
    # the page lists it from the local copy, which the sync brought up to date
    labels = [page.fields.item(r, 1).text() for r in range(page.fields.rowCount())]
    assert "已免疫头数" in labels
    with Session(admin.engine) as s:
        livestock = next(d for d in list_ledgers(s) if d.name == "养殖台账")
    assert "已免疫头数(头)" in livestock.headers()

    monkeypatch.setenv("YZB_HOME", str(tmp_path / "worker"))
    worker = sign_in(live.url, "worker1a", PASSWORD, now=NOW).profile
    SyncService(worker, HttpSyncTransport(live.url), clock=lambda: NOW).sync_now()
    out = tmp_path / "养殖台账.xlsx"
    with Session(worker.engine) as s:
        export_ledger(s, "养殖台账", out)
    headers = [c.value for c in next(load_workbook(out).active.iter_rows(max_row=1))]
    assert "已免疫头数(头)" in headers
    tasks.shutdown()
    admin.close()
    worker.close()


def test_a_dictionary_entry_the_admin_adds_becomes_an_option_on_every_device(
        live, tmp_path, monkeypatch, qtbot):
    page, admin, tasks = admin_page(live, tmp_path, monkeypatch, qtbot)
    page.tabs.setCurrentIndex(1)
    page.choose_dict("tag")
    page.add_entry()
    page.dialog.editors["code"].setText("beekeeper")
    page.dialog.editors["label"].setText("养蜂户")
    with qtbot.waitSignal(page.change_finished, timeout=30000):
        page.dialog.submit()
    assert "养蜂户" in [e.label for e in page.current_entries()]
    # deactivate it again: the entry stays, marked 已停用
    row = [e.code for e in page.current_entries()].index("beekeeper")
    page.entries.selectRow(row)
    page.confirm = lambda title, text: "保持不变" in text
    with qtbot.waitSignal(page.change_finished, timeout=30000):
        page.toggle_entry()
    entry = next(e for e in page.current_entries() if e.code == "beekeeper")
    assert not entry.active
    row = [e.code for e in page.current_entries()].index("beekeeper")
    assert page.entries.item(row, 3).text() == "已停用"
    tasks.shutdown()
    admin.close()


def test_an_ethnicity_and_an_event_category_the_admin_adds_are_options_after_the_next_sync(
        live, tmp_path, monkeypatch, qtbot):
    """A worker's window already open: its next sync brings the entries, and the person and
    event dialogs opened after it offer them (the dictionaries are read again after a sync)."""
    from desktop.services.records import load_dictionaries
    from desktop.tasks import TaskManager
    from desktop.ui.context import AppContext, CurrentUser
    from desktop.ui.events.dialogs import EventDialog
    from desktop.ui.people.person_dialog import PersonDialog
    from desktop.ui.widgets.labels import labels_of

    monkeypatch.setenv("YZB_HOME", str(tmp_path / "worker"))
    worker = sign_in(live.url, "worker1a", PASSWORD, now=NOW).profile
    worker_sync = SyncService(worker, HttpSyncTransport(live.url), clock=lambda: NOW)
    worker_sync.sync_now()
    worker_tasks = TaskManager(worker.engine)
    with Session(worker.engine) as s:  # as the window does when it opens
        opened = load_dictionaries(s)
    ctx = AppContext(tasks=worker_tasks, user=CurrentUser(
        id=worker.info.get("user_id") or "", username="worker1a", display_name="网格员",
        scope_node_id=worker.info.get("scope_node_id")), now=lambda: NOW,
        dictionaries=opened, profile_dir=worker.path)
    labels = labels_of(ctx)
    assert "塔塔尔族" not in dict(labels.options("ethnicity")).values()

    page, admin, tasks = admin_page(live, tmp_path, monkeypatch, qtbot)
    page.tabs.setCurrentIndex(1)
    for dict_code, code, text in (("ethnicity", "50", "塔塔尔族"),
                                  ("event_category", "livestock_dispute", "牲畜纠纷")):
        page.choose_dict(dict_code)
        page.add_entry()
        page.dialog.editors["code"].setText(code)
        page.dialog.editors["label"].setText(text)
        with qtbot.waitSignal(page.change_finished, timeout=30000):
            page.dialog.submit()

    worker_sync.sync_now()
    worker_tasks.data_changed.emit("")  # what the background sync and the sync page emit
    qtbot.wait_until(lambda: "塔塔尔族" in dict(labels.options("ethnicity")).values(),
                     timeout=5000)
    person = PersonDialog(ctx)
    qtbot.addWidget(person)
    combo = person.form.editors["ethnicity"]
    assert "塔塔尔族" in [combo.itemText(i) for i in range(combo.count())]
    event = EventDialog(ctx)
    qtbot.addWidget(event)
    assert event.category.itemData(event.category.findText("牲畜纠纷")) == "livestock_dispute"
    tasks.shutdown()
    worker_tasks.shutdown()
    admin.close()
    worker.close()
