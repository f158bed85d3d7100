"""Lists show what they hold: a township's people list says where each person lives (网格/村),
and no column cuts off its text while others have room; the last one scrolls into full view."""
import dataclasses

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from common.schema import Person
from desktop.ui.people.households import HouseholdsPage
from desktop.ui.search.page import SearchPage
from desktop.ui.widgets.columns import MAX_WIDTH
from desktop.ui.widgets.people_model import COLUMNS
from tests.desktop.ui.conftest import wait_idle

LONG_ADDRESS = "新疆维吾尔自治区吐鲁番市托克逊县托克逊镇英阿瓦提村幸福小区1号楼1单元101室（东侧）"


def _search_page(ctx, qtbot, role):
    ctx.user = dataclasses.replace(ctx.user, role=role)
    page = SearchPage(ctx)
    qtbot.addWidget(page)
    page.resize(1280, 700)
    page.show()
    page.refresh()
    wait_idle(qtbot, ctx)
    wait_idle(qtbot, ctx)
    return page


def _fully_shown(view, column):
    return view.horizontalHeader().sectionSize(column) >= view.sizeHintForColumn(column)


def test_a_township_list_shows_each_persons_village_and_grid(ctx, scope, qtbot):
    page = _search_page(ctx, qtbot, "township_office")
    view, col = page.table, COLUMNS.index("grid_id")
    assert not view.isColumnHidden(col)
    assert view.model().headerData(col, view.horizontalHeader().orientation()) == "网格/村"
    rows = {view.model().index(r, 0).data(): view.model().index(r, col).data()
            for r in range(view.model().rowCount())}
    assert rows["张三"].endswith("第一网格") and rows["王强"].endswith("第二网格")
    assert rows["张三"].split()[0] == rows["王强"].split()[0] != ""  # the village is named
    assert _fully_shown(view, col)


def test_a_grid_workers_list_leaves_out_the_column_that_would_say_the_same_everywhere(
        ctx, scope, qtbot):
    page = _search_page(ctx, qtbot, "grid_worker")
    assert page.table.isColumnHidden(COLUMNS.index("grid_id"))


def test_columns_fit_their_content_and_the_long_address_can_be_scrolled_into_view(
        ctx, scope, qtbot):
    engine, *_ = scope
    with Session(engine) as s:
        s.execute(update(Person).where(Person.name == "张三").values(address=LONG_ADDRESS))
        s.commit()
    page = _search_page(ctx, qtbot, "township_office")
    view = page.table
    for name in ("name", "id_number", "grid_id", "address"):
        assert _fully_shown(view, COLUMNS.index(name)), name
    for c in range(len(COLUMNS) - 1):
        assert view.horizontalHeader().sectionSize(c) <= MAX_WIDTH
    bar = view.horizontalScrollBar()
    bar.setValue(bar.maximum())
    qtbot.wait(20)
    address = COLUMNS.index("address")
    header = view.horizontalHeader()
    right = header.sectionViewportPosition(address) + header.sectionSize(address)
    assert right <= view.viewport().width() + 1  # fully scrolled: the address ends in view


def test_household_members_names_and_ids_are_not_cut_off(ctx, scope, qtbot):
    engine, *_ = scope
    with Session(engine) as s:
        s.execute(update(Person).where(Person.name == "李秀英")
                  .values(name="阿依古丽·买买提·艾则孜·吐尔逊"))
        s.commit()
    page = HouseholdsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1100, 600)
    page.show()
    page.refresh()
    wait_idle(qtbot, ctx)
    page.list.selectRow(0)
    wait_idle(qtbot, ctx)
    assert page.members.rowCount() == 2
    for c in (0, 3):  # 姓名, 公民身份号码 (masked)
        assert _fully_shown(page.members, c), page.members.horizontalHeaderItem(c).text()
    for c in range(page.list.columnCount()):
        assert _fully_shown(page.list, c) or page.list.horizontalHeader().sectionSize(c) \
            == MAX_WIDTH


def test_unit_names_and_their_workers_are_not_cut_off(ctx, scope, qtbot):
    from desktop.ui.people.organisations import OrganisationsPage
    page = OrganisationsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1100, 600)
    page.show()
    page.refresh()
    wait_idle(qtbot, ctx)
    page.new()
    page.form.editors["name"].setText("托克逊县阿不都外力民族服装加工合作社")
    page.form.editors["legal_person"].setText("阿不都外力·伊斯马伊力")
    page.save()
    wait_idle(qtbot, ctx)
    assert page.list.rowCount() == 1
    for c in range(page.list.columnCount() - 1):
        assert _fully_shown(page.list, c), page.list.horizontalHeaderItem(c).text()
