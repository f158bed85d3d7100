"""The 台账管理 page over a real encrypted profile: types from data, rows with labels, adding a
row (refused with the field named, or written with its outbox entry), importing a sheet with
good and bad rows, and an export that imports back unchanged."""
from __future__ import annotations

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.ledger_types import ledger_type_id
from common.schema import LedgerField, LedgerRow
from desktop.storage.changes import record_change
from desktop.storage.local_log import OperationLog
from desktop.storage.tables import OutboxEntry
from desktop.tasks import TaskManager
from desktop.ui.context import AppContext, CurrentUser
from desktop.ui.ledgers import LedgersPage
from tests.desktop.ledger_fixtures import NOW, ledger_scope  # noqa: F401

from tests.desktop.ui.conftest import wait_idle

pytestmark = pytest.mark.qt


@pytest.fixture
def ledger_ctx(ledger_scope, qtbot):
    tasks = TaskManager(ledger_scope.engine)
    context = AppContext(tasks=tasks, user=CurrentUser(
        id="user-1", username="worker", display_name="测试网格员",
        scope_node_id=ledger_scope.grid), now=lambda: NOW)
    yield context
    tasks.shutdown()


@pytest.fixture
def page(ledger_ctx, qtbot):
    p = LedgersPage(ledger_ctx)
    qtbot.addWidget(p)
    p.resize(1200, 700)
    p.show()
    wait_idle(qtbot, ledger_ctx)
    return p


def _table(p: LedgersPage) -> list[list[str]]:
    m = p.model
    return [[m.text(r, c) for c in range(m.columnCount())] for r in range(m.rowCount())]


def _headers(p: LedgersPage) -> list[str]:
    return [p.model.headerData(c, Qt.Orientation.Horizontal)
            for c in range(p.model.columnCount())]


def _outbox(engine) -> int:  # noqa: ANN001
    with Session(engine) as s:
        return s.scalar(select(func.count()).select_from(OutboxEntry)
                        .where(OutboxEntry.entity == "ledger_rows"))


def test_choosing_a_type_shows_its_rows_in_the_grid_with_labels_and_units(page, ledger_ctx,
                                                                           ledger_scope, qtbot):
    names = [page.types.item(i).text() for i in range(page.types.count())]
    assert names == ["土地台账（2）", "生产生活台账（0）", "收支台账（0）", "自建房台账（0）",
                     "农机台账（0）", "养殖台账（0）", "车辆台账（1）", "种植台账（0）"]
    assert _headers(page)[:5] == ["户号", "户主姓名", "年度", "耕地面积(亩)", "林地面积(亩)"]
    rows = _table(page)
    col = _headers(page).index("流转方式")
    assert [(r[0], r[1], r[2], r[3], r[col]) for r in rows] == [
        ("652123000101", "张三", "2025", "12.5", "出租"),
        ("652123000102", "买买提·吐尔逊", "2024", "8", "未流转")]   # not 王强: another grid
    assert page.count.text() == "共 2 行"
    with qtbot.wait_signal(page.counted, timeout=5000):
        page.choose_type("车辆台账")
    wait_idle(qtbot, ledger_ctx)
    (vehicle,) = _table(page)
    clear = ledger_scope.people["张三"].id_number
    assert vehicle[:4] == [clear[:6] + "********" + clear[-4:], "张三", "三轮车", "新KA12345"]
    assert not page.year.isEnabled()


def test_the_year_and_text_filters_narrow_the_list_and_the_count(page, ledger_ctx, qtbot):
    assert page.year.itemText(1) == "2025 年"
    with qtbot.wait_signal(page.counted, timeout=5000):
        page.set_year(2024)
    wait_idle(qtbot, ledger_ctx)
    assert [r[1] for r in _table(page)] == ["买买提·吐尔逊"]
    assert page.count.text() == "共 1 行（已筛选）"
    page.set_year(None)
    page.text.setText("出租")
    with qtbot.wait_signal(page.counted, timeout=5000):
        page.reload()
    wait_idle(qtbot, ledger_ctx)
    assert [r[1] for r in _table(page)] == ["张三"]


def test_a_field_an_admin_adds_appears_as_a_column_without_code(page, ledger_scope, ledger_ctx,
                                                                qtbot):
    with Session(ledger_scope.engine) as s:
        record_change(s, LedgerField, None, {
            "ledger_type_id": ledger_type_id("land"), "code": "irrigated", "label": "灌溉面积",
            "field_type": "decimal", "unit": "亩", "dict_code": None, "required": False,
            "sort": 99}, now=NOW)
        s.commit()
    page.refresh()
    wait_idle(qtbot, ledger_ctx)
    assert _headers(page)[-1] == "灌溉面积(亩)"


def test_adding_a_row_without_a_required_field_shows_the_reason_and_writes_nothing(
        page, ledger_scope, ledger_ctx, qtbot):
    before = _outbox(ledger_scope.engine)
    page.add()
    dialog = page.dialog
    dialog.key.setText("652123000102")
    dialog.year.setText("2026")
    dialog.editors["plots"].setText("3")
    dialog.save()
    wait_idle(qtbot, ledger_ctx)
    assert dialog.isVisible()
    assert dialog.error_text("arable_area") == "耕地面积不能为空"
    assert dialog.errors["arable_area"].isVisible()
    assert _outbox(ledger_scope.engine) == before
    dialog.editors["arable_area"].setText("-2")
    dialog.key.setText("652123000201")            # 王强's household: another grid
    dialog.save()
    wait_idle(qtbot, ledger_ctx)
    assert dialog.error_text("arable_area") == "耕地面积应在 0 到 500 之间，填的是 -2"
    assert dialog.error_text("_key") == "找不到户号“652123000201”"
    assert _outbox(ledger_scope.engine) == before


def test_a_valid_row_is_written_with_its_outbox_entry_and_listed(page, ledger_scope,
                                                                 ledger_ctx, qtbot):
    before = _outbox(ledger_scope.engine)
    page.add()
    dialog = page.dialog
    dialog.key.setText("652123000102")
    dialog.year.setText("2026")
    dialog.editors["arable_area"].setText("9.5")
    mode = dialog.editors["transfer_mode"]
    mode.setCurrentIndex(mode.findText("入股"))
    with qtbot.wait_signal(page.row_saved, timeout=5000) as saved:
        dialog.save()
    wait_idle(qtbot, ledger_ctx)
    assert not dialog.isVisible()
    assert _outbox(ledger_scope.engine) == before + 1
    with Session(ledger_scope.engine) as s:
        row = s.get(LedgerRow, saved.args[0])
        assert (row.year, row.data) == (2026, {"arable_area": 9.5,
                                               "transfer_mode": "shareholding"})
    assert page.count.text() == "共 3 行"
    assert ["652123000102", "买买提·吐尔逊", "2026", "9.5"] in [r[:4] for r in _table(page)]


def test_editing_and_deleting_the_selected_row(page, ledger_scope, ledger_ctx, qtbot):
    page.table.selectRow(0)
    page.edit()
    dialog = page.dialog
    with qtbot.wait_signal(dialog.loaded, timeout=5000):
        pass
    assert dialog.key.isReadOnly() and dialog.key.text() == "652123000101"
    assert dialog.editors["arable_area"].text() == "12.5"
    assert dialog.editors["transfer_mode"].currentText() == "出租"
    dialog.editors["arable_area"].setText("13")
    with qtbot.wait_signal(page.row_saved, timeout=5000):
        dialog.save()
    wait_idle(qtbot, ledger_ctx)
    assert _table(page)[0][3] == "13"
    page.table.selectRow(0)
    with qtbot.wait_signal(page.row_deleted, timeout=5000):
        page.delete(page.selected_id())
    wait_idle(qtbot, ledger_ctx)
    assert [r[1] for r in _table(page)] == ["买买提·吐尔逊"]


def test_the_list_fetches_further_pages_as_the_view_scrolls(ledger_ctx, ledger_scope, qtbot):
    from desktop.assistant.ledgers import ledger
    from desktop.services.ledgers import LedgerQuery
    from desktop.ui.ledgers.model import LedgerRowsModel
    with Session(ledger_scope.engine) as s:
        land_def = ledger(s, "land")
    model = LedgerRowsModel(ledger_ctx.tasks, None, page_size=2)  # every grid: 3 rows
    with qtbot.wait_signal(model.loaded, timeout=5000):
        model.set_query(land_def, LedgerQuery())
    assert model.rowCount() == 2 and model.canFetchMore()
    with qtbot.wait_signal(model.loaded, timeout=5000):
        model.fetchMore()
    assert model.rowCount() == 3 and not model.canFetchMore()
    assert [model.text(r, 1) for r in range(3)] == ["张三", "买买提·吐尔逊", "王强"]


def _sheet(path, rows):  # noqa: ANN001, ANN202
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["户号", "户主姓名", "年度", "耕地面积(亩)", "流转方式", "记录编号"])
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_import_keeps_good_rows_and_lists_bad_ones_by_row_number(page, ledger_scope,
                                                                 ledger_ctx, qtbot, tmp_path):
    queued = _outbox(ledger_scope.engine)
    path = _sheet(tmp_path / "land.xlsx", [
        ["652123000102", None, 2026, 7, "出租", None],          # row 2: good
        ["999", None, 2026, 7, None, None],                    # row 3: unknown household
        ["652123000101", None, 2026, None, "卖掉了", None],     # row 4: two reasons
        ["652123000101", None, 2026, 3.5, None, None],         # row 5: good
    ])
    progress = []
    ledger_ctx.tasks.progress_reported.connect(lambda *a: progress.append(a[:3]))
    with qtbot.wait_signal(page.imported, timeout=10000) as done:
        page.import_from(path)
    wait_idle(qtbot, ledger_ctx)
    assert ("ledger-import", 0, 4) in progress    # ran on the writer lane, reporting progress
    report = done.args[0]
    assert (report.created, report.updated) == (2, 0)
    lines = page.bad_row_lines()
    assert lines[0] == "第 3 行：找不到户号“999”"
    assert lines[1].startswith("第 4 行：") and "耕地面积不能为空" in lines[1] \
        and "流转方式“卖掉了”不在可选项中" in lines[1]
    assert len(lines) == 2 and page.result.isVisible()
    assert "新增 2 行，更新 0 行，有误 2 行" in page.result_summary.text()
    page.copy_bad_rows()
    assert QGuiApplication.clipboard().text().splitlines() == lines
    assert page.count.text() == "共 4 行"
    assert _outbox(ledger_scope.engine) == queued + 2


def test_an_exported_file_imports_back_unchanged_and_the_export_is_logged(
        page, ledger_scope, ledger_ctx, qtbot, tmp_path):
    before = _table(page)   # the worker's grid only: 王强's row in another grid stays out
    with qtbot.wait_signal(page.exported, timeout=10000) as done:
        page.export_to(tmp_path / "土地台账.xlsx")
    assert done.args[0] == 2 and "已导出 2 行" in page.message.text()
    header = [c.value for c in openpyxl.load_workbook(tmp_path / "土地台账.xlsx").active[1]]
    assert header[:4] == ["户号", "户主姓名", "年度", "耕地面积(亩)"]
    with qtbot.wait_signal(page.imported, timeout=10000) as got:
        page.import_from(tmp_path / "土地台账.xlsx")
    wait_idle(qtbot, ledger_ctx)
    report = got.args[0]
    assert (report.created, report.updated, report.errors) == (0, 2, [])
    assert not page.bad_rows.isVisible()
    assert _table(page) == before
    with Session(ledger_scope.engine) as s:
        (log,) = s.scalars(select(OperationLog).where(OperationLog.action == "export")).all()
        assert (log.entity, log.detail["rows"]) == ("ledger_rows", 2)
