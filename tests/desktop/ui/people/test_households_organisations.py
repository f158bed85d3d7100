"""Households, organisations and record history through their widgets."""
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from sqlalchemy import select
from sqlalchemy.orm import Session

from common.schema import Organisation, Person
from desktop.storage.local_log import OperationLog
from desktop.ui.people.history_dialog import HistoryDialog
from desktop.ui.people.households import AddMemberDialog, HouseholdsPage
from desktop.ui.people.organisations import OrganisationsPage
from desktop.ui.people.person_dialog import PersonDialog
from tests.desktop.ui.conftest import wait_idle


def test_a_household_shows_its_members_and_takes_a_new_one(ctx, scope, qtbot):
    engine, *_ = scope
    page = HouseholdsPage(ctx)
    qtbot.addWidget(page)
    page.refresh()
    wait_idle(qtbot, ctx)
    assert page.list.rowCount() == 1
    assert page.list.item(0, 1).text() == "张三" and page.list.item(0, 2).text() == "2"
    page.list.selectRow(0)
    wait_idle(qtbot, ctx)
    assert [page.members.item(r, 1).text() for r in range(2)] == ["户主", "配偶"]
    dialog = AddMemberDialog(ctx, page.selected_id(), page)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.text, "sxm")
    qtbot.wait_until(lambda: dialog.people.model().rowCount() == 1, timeout=5000)
    dialog.people.selectRow(0)
    dialog.relation.setCurrentIndex(dialog.relation.findData("son"))
    with qtbot.wait_signal(dialog.accepted, timeout=5000):
        dialog.save()
    page.reload()
    wait_idle(qtbot, ctx)
    assert page.list.item(0, 2).text() == "3"
    with Session(engine) as s:
        p = s.execute(select(Person).where(Person.name == "单小明")).scalar_one()
        assert p.relation_to_head == "son" and p.household_id == page.selected_id()


def test_an_organisation_with_a_bad_number_is_refused_next_to_the_field(ctx, scope, qtbot):
    engine, *_ = scope
    page = OrganisationsPage(ctx)
    qtbot.addWidget(page)
    page.refresh()
    wait_idle(qtbot, ctx)
    page.new()
    page.form.editors["name"].setText("托克逊县某合作社")
    page.form.editors["kind"].setCurrentIndex(page.form.editors["kind"].findData("cooperative"))
    page.form.editors["employee_count"].setText("十二")
    page.save()
    wait_idle(qtbot, ctx)
    assert "不是有效的数字" in page.form.error_text("employee_count")
    with Session(engine) as s:
        assert s.execute(select(Organisation)).first() is None
    page.form.editors["employee_count"].setText("12")
    page.save()
    wait_idle(qtbot, ctx)
    assert page.list.rowCount() == 1 and page.form.error_text("employee_count") == ""


def test_opening_a_person_for_edit_is_logged_and_history_lists_the_change(ctx, scope, qtbot):
    engine, *_ = scope
    with Session(engine) as s:
        pid = s.execute(select(Person.id).where(Person.name == "王强")).scalar_one()
    dialog = PersonDialog(ctx, pid)
    qtbot.addWidget(dialog)
    wait_idle(qtbot, ctx)
    assert dialog.form.editors["name"].text() == "王强"
    dialog.form.editors["phone"].setText("13912345678")
    with qtbot.wait_signal(dialog.person_saved, timeout=5000):
        dialog.save()
    with Session(engine) as s:
        log = s.execute(select(OperationLog).where(OperationLog.action == "reveal")).scalar_one()
        assert log.record_id == pid and log.detail["via"] == "edit_form"
    history = HistoryDialog(ctx, Person, pid)
    qtbot.addWidget(history)
    wait_idle(qtbot, ctx)
    rows = [[history.table.item(r, c).text() for c in range(5)]
            for r in range(history.table.rowCount())]
    phone = [r for r in rows if r[1] == "联系电话"]
    assert phone and phone[0][3] == "139****5678" and phone[0][4].startswith("本机")
    qtbot.keyClick(history, Qt.Key.Key_Escape)


def test_a_new_household_or_unit_saved_twice_in_a_hurry_is_made_once(ctx, scope, qtbot):
    from common.schema import Household
    from desktop.ui.people.households import HouseholdDialog
    engine, *_ = scope
    with Session(engine) as s:
        before = len(s.scalars(select(Household)).all())
    dialog = HouseholdDialog(ctx, None)
    qtbot.addWidget(dialog)
    dialog.form.editors["household_no"].setText("652123000099")
    with qtbot.wait_signal(dialog.accepted, timeout=5000):
        dialog.save()
        dialog.save()  # a double click, or Alt+S held down
    page = OrganisationsPage(ctx)
    qtbot.addWidget(page)
    page.refresh()
    wait_idle(qtbot, ctx)
    page.new()
    page.form.editors["name"].setText("托克逊县某合作社")
    page.save()
    page.save()
    wait_idle(qtbot, ctx)
    with Session(engine) as s:
        assert len(s.scalars(select(Household)).all()) == before + 1
        assert len(s.scalars(select(Organisation)).all()) == 1
    assert page.findChild(QPushButton, "button_save").isEnabled()  # ready for the next one
