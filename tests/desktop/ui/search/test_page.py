"""全息检索 page: conditions change the count and the list; saved searches; logged export."""
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.storage.local_log import OperationLog
from desktop.ui.search.page import SearchPage
from tests.desktop.ui.conftest import wait_idle


def shown_names(page):
    qtbot, ctx = page._test_handles
    wait_idle(qtbot, ctx)
    model = page.table.model()
    return sorted(model.index(r, 0).data() for r in range(model.rowCount()))


def test_each_condition_changes_the_count(ctx, qtbot):
    page = SearchPage(ctx)
    page._test_handles = (qtbot, ctx)
    qtbot.addWidget(page)
    page.refresh()
    wait_idle(qtbot, ctx)
    assert page.count.text() == "符合条件：5 人"
    page.age_min.setValue(60)
    qtbot.wait_until(lambda: page.count.text() == "符合条件：2 人", timeout=5000)
    assert shown_names(page) == ["张三", "李秀英"]
    page.sex.setCurrentIndex(page.sex.findData("female"))
    qtbot.wait_until(lambda: page.count.text() == "符合条件：1 人", timeout=5000)
    page.reset()
    wait_idle(qtbot, ctx)
    assert page.count.text() == "符合条件：5 人"
    page.tags.set_checked(("elderly_60", "dibao"))
    qtbot.wait_until(lambda: page.count.text() == "符合条件：2 人", timeout=5000)
    page.tag_mode.setCurrentIndex(1)  # all of
    qtbot.wait_until(lambda: page.count.text() == "符合条件：1 人", timeout=5000)
    assert shown_names(page) == ["张三"]


def test_typing_pinyin_initials_finds_the_person(ctx, qtbot):
    page = SearchPage(ctx)
    page._test_handles = (qtbot, ctx)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    wait_idle(qtbot, ctx)
    page.text.setFocus()
    qtbot.keyClicks(page.text, "sxm")
    qtbot.wait_until(lambda: page.count.text() == "符合条件：1 人", timeout=5000)
    wait_idle(qtbot, ctx)
    assert shown_names(page) == ["单小明"]


def test_a_saved_search_restores_its_conditions(ctx, qtbot):
    page = SearchPage(ctx)
    page._test_handles = (qtbot, ctx)
    qtbot.addWidget(page)
    page.refresh()
    wait_idle(qtbot, ctx)
    page.age_min.setValue(60)
    page.ethnicities.set_checked(("01",))
    wait_idle(qtbot, ctx)
    saved = page.query()
    page.save_as("汉族老人")
    wait_idle(qtbot, ctx)
    page.reset()
    wait_idle(qtbot, ctx)
    i = page.saved.findText("汉族老人")
    assert i > 0
    page.saved.setCurrentIndex(i)
    page.saved.activated.emit(i)
    wait_idle(qtbot, ctx)
    assert page.query() == saved
    assert page.count.text() == "符合条件：2 人"


def test_export_writes_the_result_and_logs_it(ctx, scope, qtbot, tmp_path):
    engine, *_ = scope
    page = SearchPage(ctx)
    page._test_handles = (qtbot, ctx)
    qtbot.addWidget(page)
    page.refresh()
    wait_idle(qtbot, ctx)
    page.resident_types.set_checked(("floating",))
    wait_idle(qtbot, ctx)
    out = tmp_path / "流动人口.xlsx"
    page.export_to(str(out))
    wait_idle(qtbot, ctx)
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["阿依古丽·买买提"]
    with Session(engine) as s:
        log = s.execute(select(OperationLog).where(OperationLog.action == "export")).scalar_one()
    assert log.detail["rows"] == 1 and log.user_id == "user-1"


def test_drill_down_scope_limits_the_search(ctx, scope, qtbot):
    _, _, pl = scope
    page = SearchPage(ctx)
    page._test_handles = (qtbot, ctx)
    qtbot.addWidget(page)
    page.refresh()
    wait_idle(qtbot, ctx)
    page.open_record(house_id=pl["house"].id, title="1号楼1单元101")
    wait_idle(qtbot, ctx)
    assert page.count.text() == "符合条件：2 人"
    assert "1号楼1单元101" in page.scope_label.text()
    qtbot.mouseClick(page.clear_scope, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, ctx)
    assert page.count.text() == "符合条件：5 人"


def test_a_drill_down_starts_a_clean_search_of_the_place(ctx, scope, qtbot):
    _, _, pl = scope
    page = SearchPage(ctx)
    page._test_handles = (qtbot, ctx)
    qtbot.addWidget(page)
    page.refresh()
    wait_idle(qtbot, ctx)
    page.text.setText("王强")  # an earlier search, about someone who lives elsewhere
    page.age_min.setValue(30)
    page.run()
    wait_idle(qtbot, ctx)
    assert page.count.text() == "符合条件：1 人"
    page.open_record(house_id=pl["house"].id, title="1号楼1单元101")
    wait_idle(qtbot, ctx)
    assert page.text.text() == "" and page.age_min.value() == -1
    assert page.count.text() == "符合条件：2 人"
    assert shown_names(page) == ["张三", "李秀英"]
    assert page.empty_hint.isHidden()


def test_no_result_names_the_active_conditions_and_one_click_clears_them(ctx, scope, qtbot):
    _, _, pl = scope
    page = SearchPage(ctx)
    page._test_handles = (qtbot, ctx)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    wait_idle(qtbot, ctx)
    page.open_record(house_id=pl["house"].id, title="1号楼1单元101")
    wait_idle(qtbot, ctx)
    page.text.setText("王强")
    page.run()
    wait_idle(qtbot, ctx)
    assert page.count.text() == "符合条件：0 人"
    assert page.empty_hint.isVisible() and page.clear_all.isVisible()
    hint = page.empty_hint.text()
    assert "关键字“王强”" in hint and "限定 1号楼1单元101" in hint
    qtbot.mouseClick(page.clear_all, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, ctx)
    assert page.count.text() == "符合条件：5 人"
    assert page.text.text() == "" and not page.scope
    assert not page.empty_hint.isVisible() and not page.clear_all.isVisible()
