"""The 配置中心 page: only county admins see it; refusals show the server's words under the field;
offline it shows the local copy and says why nothing can be changed; retiring asks first."""
from __future__ import annotations

import dataclasses

from desktop.ui.config.dialogs import FIXED_NOTE
from desktop.ui.config.page import OFFLINE_TIP
from desktop.ui.main_window import MainWindow
from desktop.ui.pages import PAGES
from tests.desktop.ui.conftest import wait_idle
from tests.integration.test_config_centre_client import admin_page


def _window_for(ctx, qtbot, role: str) -> MainWindow:  # noqa: ANN001
    ctx.user = dataclasses.replace(ctx.user, role=role)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    wait_idle(qtbot, ctx)
    return window


def test_the_config_centre_is_listed_after_the_ledgers_for_a_county_admin_only(ctx, qtbot):
    keys = _window_for(ctx, qtbot, "county_admin").page_keys()
    assert keys.index("config") == keys.index("ledgers") + 1
    assert "config" not in _window_for(ctx, qtbot, "township_office").page_keys()
    assert "config" not in _window_for(ctx, qtbot, "grid_worker").page_keys()
    # every other page is shown to every role, as before
    assert [s.key for s in PAGES if not s.roles] == [
        k for k in _window_for(ctx, qtbot, "grid_worker").page_keys()]


def test_a_bad_field_code_shows_the_servers_reason_under_the_code(live, tmp_path,
                                                                   monkeypatch, qtbot):
    page, admin, tasks = admin_page(live, tmp_path, monkeypatch, qtbot)
    page.choose_type("土地台账")
    before = page.fields.rowCount()
    page.add_field()
    dialog = page.dialog
    dialog.editors["code"].setText("Bad Code")
    dialog.editors["label"].setText("灌溉方式")
    with qtbot.waitSignal(page.change_finished, timeout=20000):
        dialog.submit()
    reason = dialog.error_text("code")
    assert "字段代码" in reason and "Bad Code" in reason and "小写英文字母开头" in reason
    assert dialog.isVisible() and dialog.editors["code"].text() == "Bad Code"  # kept to fix
    assert dialog.error_text("label") == ""
    # fixed and sent again: saved, the dialog closes
    dialog.editors["code"].setText("irrigation")
    with qtbot.waitSignal(page.change_finished, timeout=20000):
        dialog.submit()
    assert not dialog.isVisible()
    assert page.fields.rowCount() == before + 1
    tasks.shutdown()
    admin.close()


def test_a_duplicate_type_name_is_refused_under_the_name(live, tmp_path, monkeypatch,
                                                        qtbot):
    page, admin, tasks = admin_page(live, tmp_path, monkeypatch, qtbot)
    page.add_type()
    dialog = page.dialog
    dialog.editors["code"].setText("land_again")
    dialog.editors["name"].setText("土地台账")
    with qtbot.waitSignal(page.change_finished, timeout=20000):
        dialog.submit()
    assert "土地台账" in dialog.error_text("name")
    dialog.editors["name"].setText("养蜂台账")
    dialog.editors["code"].setText("beekeeping")
    dialog.editors["binding"].setCurrentIndex(dialog.editors["binding"].findData("household"))
    with qtbot.waitSignal(page.change_finished, timeout=20000):
        dialog.submit()
    assert "养蜂台账（beekeeping）" in [page.types.item(i).text()
                                      for i in range(page.types.count())]
    tasks.shutdown()
    admin.close()


def test_editing_a_field_says_the_code_and_type_are_fixed_and_changes_its_label(
        live, tmp_path, monkeypatch, qtbot):
    page, admin, tasks = admin_page(live, tmp_path, monkeypatch, qtbot)
    page.choose_type("土地台账")
    page.fields.selectRow(0)
    code = page.current_field().code
    page.edit_field()
    dialog = page.dialog
    assert not dialog.editors["code"].isEnabled()
    assert not dialog.editors["field_type"].isEnabled()
    assert dialog.note.text() == FIXED_NOTE
    dialog.editors["label"].setText("耕地面积（实测）")
    with qtbot.waitSignal(page.change_finished, timeout=20000):
        dialog.submit()
    field = next(f for f in page.current_type().fields if f.code == code)
    assert field.label == "耕地面积（实测）"
    tasks.shutdown()
    admin.close()


def test_retiring_a_field_asks_first_saying_rows_are_kept(live, tmp_path, monkeypatch,
                                                        qtbot):
    page, admin, tasks = admin_page(live, tmp_path, monkeypatch, qtbot)
    page.choose_type("土地台账")
    page.fields.selectRow(0)
    label = page.current_field().label
    asked: list[str] = []
    page.confirm = lambda title, text: asked.append(text) or False
    page.retire_field()
    wait_idle(qtbot, page.ctx)
    assert "会保留" in asked[0] and label in asked[0]
    assert label in [f.label for f in page.current_type().fields]  # declined: nothing changed
    page.confirm = lambda title, text: True
    with qtbot.waitSignal(page.change_finished, timeout=20000):
        page.retire_field()
    assert label not in [f.label for f in page.current_type().fields]
    tasks.shutdown()
    admin.close()


def test_with_the_server_stopped_the_page_shows_the_local_copy_and_explains(
        live, tmp_path, monkeypatch, qtbot):
    page, admin, tasks = admin_page(live, tmp_path, monkeypatch, qtbot)
    live.stop()
    with qtbot.waitSignal(page.online_changed, timeout=20000) as online:
        page.refresh()
    assert online.args == [False]
    wait_idle(qtbot, page.ctx, timeout=20000)
    assert OFFLINE_TIP in page.connection.text()
    assert "无法连接服务器" in page.connection.text()
    assert "土地台账（land）" in [page.types.item(i).text() for i in range(page.types.count())]
    assert page.fields.rowCount() > 0
    for button in (page.add_type_button, page.add_field_button, page.add_entry_button):
        assert not button.isEnabled()
        assert button.toolTip() == OFFLINE_TIP
    tasks.shutdown()
    admin.close()


def test_retiring_a_ledger_type_removes_it_from_the_local_ledgers_after_the_sync(
        live, tmp_path, monkeypatch, qtbot):
    from sqlalchemy.orm import Session

    from desktop.assistant.ledgers import list_ledgers
    page, admin, tasks = admin_page(live, tmp_path, monkeypatch, qtbot)
    page.choose_type("车辆台账")
    asked: list[str] = []
    page.confirm = lambda title, text: asked.append(text) or True
    with qtbot.waitSignal(page.change_finished, timeout=20000):
        page.retire_type()
    assert "已有的台账记录和其中的数值都会保留" in asked[0]
    names = [page.types.item(i).text() for i in range(page.types.count())]
    assert names and not any("车辆台账" in n for n in names)
    with Session(admin.engine) as s:
        assert "车辆台账" not in [d.name for d in list_ledgers(s)]
    tasks.shutdown()
    admin.close()


def test_relabelling_a_dictionary_entry_keeps_its_code(live, tmp_path, monkeypatch,
                                                      qtbot):
    page, admin, tasks = admin_page(live, tmp_path, monkeypatch, qtbot)
    page.tabs.setCurrentIndex(1)
    page.choose_dict("livestock_kind")
    row = [e.code for e in page.current_entries()].index("camel")
    page.entries.selectRow(row)
    page.edit_entry()
    dialog = page.dialog
    assert not dialog.editors["code"].isEnabled() and "不能修改" in dialog.note.text()
    dialog.editors["label"].setText("双峰驼")
    with qtbot.waitSignal(page.change_finished, timeout=20000):
        dialog.submit()
    assert ("camel", "双峰驼") in [(e.code, e.label) for e in page.current_entries()]
    tasks.shutdown()
    admin.close()
