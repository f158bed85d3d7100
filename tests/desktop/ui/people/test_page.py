"""People pages driven through their real widgets over a real encrypted database."""
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.schema import Person
from common.validation import id_check_digit
from desktop.storage.local_log import OperationLog
from desktop.ui.people.page import PeoplePage
from desktop.ui.people.person_dialog import PersonDialog
from tests.desktop.ui.conftest import wait_idle


def test_a_wrong_check_digit_shows_the_chinese_message_next_to_the_field_and_saves_nothing(
        ctx, scope, qtbot):
    engine, org, _ = scope
    dialog = PersonDialog(ctx, None)
    qtbot.addWidget(dialog)
    wait_idle(qtbot, ctx)
    first17 = "65212319900101123"
    wrong = "0" if id_check_digit(first17) != "0" else "1"
    dialog.form.editors["name"].setText("新登记")  # keyClicks types ASCII only
    qtbot.keyClicks(dialog.form.editors["id_number"], first17 + wrong)
    with Session(engine) as s:
        before = s.execute(select(func.count()).select_from(Person)).scalar()
    qtbot.mouseClick(dialog.buttons.buttons()[0], Qt.MouseButton.LeftButton)
    qtbot.wait_until(lambda: dialog.form.error_text("id_number") != "", timeout=5000)
    assert "校验位错误" in dialog.form.error_text("id_number")
    assert f"应为 {id_check_digit(first17)}" in dialog.form.error_text("id_number")
    assert dialog.isVisible() or dialog.result() == 0
    with Session(engine) as s:
        assert s.execute(select(func.count()).select_from(Person)).scalar() == before


def test_a_corrected_person_is_saved_and_appears_in_the_list(ctx, scope, qtbot):
    engine, *_ = scope
    page = PeoplePage(ctx)
    qtbot.addWidget(page)
    page.refresh()
    wait_idle(qtbot, ctx)
    assert page.count.text() == "共 5 人"
    page.create()
    dialog = page.dialog
    wait_idle(qtbot, ctx)
    first17 = "65212319900101123"
    dialog.form.editors["name"].setText("新登记")
    dialog.form.editors["id_number"].setText(first17 + id_check_digit(first17))
    with qtbot.wait_signal(dialog.person_saved, timeout=5000):
        dialog.save()
    wait_idle(qtbot, ctx)
    assert page.count.text() == "共 6 人"
    with Session(engine) as s:
        p = s.execute(select(Person).where(Person.name == "新登记")).scalar_one()
        assert p.sex == "male" and str(p.birth_date) == "1990-01-01"


def test_marking_a_person_deceased_updates_the_record(ctx, scope, qtbot):
    engine, *_ = scope
    page = PeoplePage(ctx)
    qtbot.addWidget(page)
    page.refresh()
    wait_idle(qtbot, ctx)
    page.filter.setText("zs")
    page.reload()
    wait_idle(qtbot, ctx)
    assert page.count.text() == "共 1 人"
    page.table.selectRow(0)
    page.mark_status(page.table.selected_id(), "deceased", "2026-11-20")
    wait_idle(qtbot, ctx)
    with Session(engine) as s:
        p = s.execute(select(Person).where(Person.name == "张三")).scalar_one()
        assert p.status == "deceased" and "2026-11-20" in p.notes
    assert page.table.model().index(0, 7).data() == "死亡"


def test_ids_are_masked_until_revealed_and_the_reveal_is_logged(ctx, scope, qtbot):
    engine, *_ = scope
    page = PeoplePage(ctx)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    wait_idle(qtbot, ctx)
    page.table.selectRow(0)
    pid = page.table.selected_id()
    shown = page.table.model().index(0, 4).data()
    assert "****" in shown
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot, ctx)
    with Session(engine) as s:
        real = s.get(Person, pid).id_number
        log = s.execute(select(OperationLog).where(OperationLog.action == "reveal")).scalar_one()
    assert page.table.model().index(0, 4).data() == real
    assert (log.record_id, log.user_id) == (pid, "user-1")


def test_marking_deceased_asks_first_and_names_the_person_with_a_masked_id(ctx, scope, qtbot):
    engine, *_ = scope
    page = PeoplePage(ctx)
    qtbot.addWidget(page)
    page.refresh()
    wait_idle(qtbot, ctx)
    page.filter.setText("zs")
    page.reload()
    wait_idle(qtbot, ctx)
    page.table.selectRow(0)
    with Session(engine) as s:
        clear_id = s.execute(select(Person.id_number).where(Person.name == "张三")).scalar_one()
    qtbot.mouseClick(page.findChild(QPushButton, "button_deceased"), Qt.MouseButton.LeftButton)
    dialog = page.status_dialog
    question = dialog.question.text()
    assert "张三" in question and "死亡" in question
    assert clear_id[:6] + "********" + clear_id[-4:] in question
    assert clear_id not in question
    dialog.note.setText("2026-11-20")
    dialog.reject()  # cancelled: nothing changes
    wait_idle(qtbot, ctx)
    with Session(engine) as s:
        assert s.execute(select(Person.status).where(Person.name == "张三")).scalar_one() \
            == "normal"
    qtbot.mouseClick(page.findChild(QPushButton, "button_deceased"), Qt.MouseButton.LeftButton)
    page.status_dialog.note.setText("2026-11-20")
    page.status_dialog.accept()
    wait_idle(qtbot, ctx)
    with Session(engine) as s:
        p = s.execute(select(Person).where(Person.name == "张三")).scalar_one()
        assert p.status == "deceased" and "2026-11-20" in p.notes


def test_religion_is_chosen_in_the_form_masked_in_the_list_and_revealed_with_a_log_line(
        ctx, scope, qtbot):
    from desktop.ui.widgets.people_model import COLUMNS
    engine, *_ = scope
    page = PeoplePage(ctx)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    wait_idle(qtbot, ctx)
    page.table.selectRow(0)
    pid = page.table.selected_id()
    dialog = PersonDialog(ctx, pid)
    qtbot.addWidget(dialog)
    wait_idle(qtbot, ctx)
    combo = dialog.form.editors["religion"]
    combo.setCurrentIndex(combo.findText("佛教"))
    qtbot.mouseClick(dialog.buttons.buttons()[0], Qt.MouseButton.LeftButton)
    wait_idle(qtbot, ctx)
    with Session(engine) as s:
        assert s.get(Person, pid).religion == "buddhism"
    page.reload()
    wait_idle(qtbot, ctx)
    col = COLUMNS.index("religion")
    header = page.table.model().headerData(col, Qt.Orientation.Horizontal,
                                           Qt.ItemDataRole.DisplayRole)
    row = next(r for r in range(page.table.model().rowCount())
               if page.table.model().index(r, 0).data(Qt.ItemDataRole.UserRole) == pid)
    assert header == "宗教信仰" and page.table.model().index(row, col).data() == "***"
    page.table.selectRow(row)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.AltModifier)
    wait_idle(qtbot, ctx)
    assert page.table.model().index(row, col).data() == "佛教"
    with Session(engine) as s:
        logs = s.execute(select(OperationLog).where(OperationLog.action == "reveal")).scalars()
        assert any(e.detail.get("field") == "religion" and e.record_id == pid for e in logs)
