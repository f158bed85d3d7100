"""The 一张表 page drives the real assistant over a real encrypted database, off the GUI thread."""
from __future__ import annotations

import openpyxl
import pytest
from sqlalchemy import select

from desktop.storage.local_log import OperationLog
from desktop.tasks import TaskManager
from desktop.ui.assistant import AssistantPage
from desktop.ui.context import AppContext, CurrentUser
from tests.desktop.assistant.builders import sheet_with_title
from tests.desktop.assistant.conftest import demo_client, demo_client_template  # noqa: F401
from tests.desktop.assistant.county import NOW

pytestmark = pytest.mark.qt


@pytest.fixture
def page(demo_client, qtbot):
    engine = demo_client.kw["bind"]
    tasks = TaskManager(engine)
    ctx = AppContext(tasks=tasks, user=CurrentUser(id="u-1", username="wg", display_name="网格员"),
                     now=lambda: NOW)
    w = AssistantPage(ctx)
    qtbot.addWidget(w)
    yield w, demo_client
    tasks.shutdown()


def _people(sessions, n):
    from common.schema import Person
    with sessions() as s:
        return s.execute(select(Person.name, Person.id_number, Person.phone)
                         .where(Person.phone.is_not(None)).limit(n)).all()


def test_a_dropped_sheet_shows_its_mapping_which_the_user_corrects_before_running(page, qtbot,
                                                                                 tmp_path):
    w, sessions = page
    people = _people(sessions, 5)
    src = sheet_with_title(tmp_path / "名单.xlsx", ["序号", "姓名", "身份证号", "手机", "户主电话"],
                           [[i + 1, p.name, p.id_number, None, None]
                            for i, p in enumerate(people)])
    with qtbot.wait_signal(w.plan_loaded, timeout=10000):
        w.load_file(src)
    assert w.mapping.rowCount() == 5
    # the first values of each column are shown beside it, personal numbers masked
    assert w.mapping.item(1, 2).text() == f"{people[0].name}、{people[1].name}"
    shown = w.mapping.item(2, 2).text()
    assert people[0].id_number not in shown
    assert shown.startswith(people[0].id_number[:6] + "********")
    combo = w.mapping.cellWidget(4, 3)
    assert w.mapping.item(4, 4).text() == "模糊匹配，请确认"
    # the user says 户主电话 is not this person's phone
    combo.setCurrentIndex(0)
    combo.activated.emit(0)
    assert w.plan.columns[4].field is None
    assert w.mapping.item(4, 4).text() == "已手动指定"
    w.set_job("complete")
    out = tmp_path / "结果.xlsx"
    with qtbot.wait_signal(w.job_finished, timeout=30000) as blocker:
        w.run_job(out)
    report = blocker.args[0]
    assert report.matched == 5
    ws = openpyxl.load_workbook(out)["花名册"]
    assert [ws.cell(r, 4).value for r in range(4, 9)] == [p.phone for p in people]
    assert all(ws.cell(r, 5).value is None for r in range(4, 9))
    assert w.open_result.isEnabled() and "匹配成功 5" in w.status.text()
    with sessions() as s:
        log = s.scalars(select(OperationLog).where(OperationLog.action == "export")).all()
    assert len(log) == 1 and log[0].detail["job"] == "complete" and log[0].user_id == "u-1"


def test_fill_shows_population_conditions_and_an_unreadable_file_shows_a_message(page, qtbot,
                                                                                tmp_path):
    w, _ = page
    w.set_job("fill")
    assert not w.population.isHidden()
    w.set_job("check")
    assert w.population.isHidden()
    bad = tmp_path / "旧.xls"
    bad.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64)
    with qtbot.wait_signal(w.job_failed, timeout=10000) as blocker:
        w.load_file(bad)
    assert "另存为 .xlsx" in blocker.args[0]
    assert not w.run_button.isEnabled()


def test_fill_says_how_many_rows_it_will_write_and_can_take_a_saved_search(page, qtbot,
                                                                          tmp_path):
    from common.validation import age_on
    from desktop.services.saved_searches import save_search
    from desktop.services.search import PeopleQuery
    from common.schema import Person
    w, sessions = page
    with sessions() as s:
        save_search(s, "八十岁以上女性", PeopleQuery(sex="female", age_min=80), now=NOW)
        s.commit()
        people = s.execute(select(Person.sex, Person.birth_date)).all()
    over_80 = sum(1 for p in people if p.sex == "female" and p.birth_date
                  and age_on(p.birth_date, NOW.date()) >= 80)
    men_over_65 = sum(1 for p in people if p.sex == "male" and p.birth_date
                      and age_on(p.birth_date, NOW.date()) >= 65)
    w.set_job("fill")
    w.sex.setCurrentIndex(w.sex.findText("男"))
    w.age.setText("65-")
    qtbot.waitUntil(lambda: f"符合条件 {men_over_65} 人" in w.count_label.text(), timeout=10000)
    w.age.setText("六十五")
    qtbot.waitUntil(lambda: "年龄" in w.count_label.text(), timeout=10000)
    # a search saved on the 全息检索 page is offered and replaces the typed conditions
    w.refresh()
    qtbot.waitUntil(lambda: w.saved.count() == 2, timeout=10000)
    w.saved.setCurrentIndex(1)
    w.saved.activated.emit(1)
    assert not w.age.isEnabled()
    qtbot.waitUntil(lambda: f"符合条件 {over_80} 人" in w.count_label.text(), timeout=10000)
    src = sheet_with_title(tmp_path / "高龄.xlsx", ["序号", "姓名", "身份证号"], [], footer=False)
    with qtbot.wait_signal(w.plan_loaded, timeout=10000):
        w.load_file(src)
    with qtbot.wait_signal(w.job_finished, timeout=30000) as blocker:
        w.run_job(tmp_path / "高龄_结果.xlsx")
    assert blocker.args[0].rows == over_80 > 0


def test_after_a_run_the_rows_that_need_a_person_are_listed_with_their_reason(page, qtbot,
                                                                             tmp_path):
    w, sessions = page
    people = _people(sessions, 3)
    rows = [[1, people[0].name, people[0].id_number, None],
            [2, "不存在的人", "650102198001010011", None],
            [3, people[1].name, 6.52123e17, None],
            [4, people[2].name, people[2].id_number, None]]
    src = sheet_with_title(tmp_path / "名单.xlsx", ["序号", "姓名", "身份证号", "手机"], rows)
    with qtbot.wait_signal(w.plan_loaded, timeout=10000):
        w.load_file(src)
    assert w.problems.isHidden()
    w.set_job("complete")
    with qtbot.wait_signal(w.job_finished, timeout=30000) as blocker:
        w.run_job(tmp_path / "结果.xlsx")
    report = blocker.args[0]
    assert report.matched == 2 and len(report.problems) == 2
    shown = [w.problems.item(i).text() for i in range(w.problems.count())]
    assert not w.problems.isHidden() and len(shown) == 2
    assert shown[0].startswith("第 5 行：") and shown[1].startswith("第 6 行：")
    assert "需要人工处理的行（2）" in w.problems_label.text()


def test_fill_leaves_out_the_deceased_like_search_and_the_summary_says_its_conditions(
        page, qtbot, tmp_path):
    from sqlalchemy import update
    from common.validation import age_on
    from common.schema import Person
    w, sessions = page
    with sessions() as s:
        people = s.execute(select(Person.id, Person.birth_date, Person.status)).all()
        old = [p for p in people if p.birth_date and age_on(p.birth_date, NOW.date()) >= 65]
        living = [p for p in old if p.status == "normal"]
        s.execute(update(Person).where(Person.id == living[0].id).values(status="deceased"))
        s.commit()
    w.set_job("fill")
    assert w.person_status.currentText() == "正常"
    w.age.setText("65-")
    n = len(living) - 1
    qtbot.waitUntil(lambda: f"符合条件 {n} 人" in w.count_label.text(), timeout=10000)
    src = sheet_with_title(tmp_path / "老人.xlsx", ["序号", "姓名", "身份证号"], [], footer=False)
    with qtbot.wait_signal(w.plan_loaded, timeout=10000):
        w.load_file(src)
    with qtbot.wait_signal(w.job_finished, timeout=30000) as blocker:
        w.run_job(tmp_path / "老人_结果.xlsx")
    assert blocker.args[0].rows == n
    assert "人群条件：年龄：65岁及以上；人员状态：正常" in w.status.text()


def test_an_existing_result_is_replaced_only_when_the_user_says_so(page, qtbot, tmp_path,
                                                                    monkeypatch):
    from PySide6.QtWidgets import QMessageBox
    w, sessions = page
    people = _people(sessions, 2)
    src = sheet_with_title(tmp_path / "名单.xlsx", ["序号", "姓名", "身份证号", "手机"],
                           [[i + 1, p.name, p.id_number, None] for i, p in enumerate(people)])
    out = tmp_path / "结果.xlsx"
    out.write_bytes(b"last week's result")
    with qtbot.wait_signal(w.plan_loaded, timeout=10000):
        w.load_file(src)
    w.set_job("complete")
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or
                        QMessageBox.StandardButton.No)
    w.run_job(out)
    assert asked and "结果.xlsx" in asked[0] and "已存在" in asked[0]
    assert out.read_bytes() == b"last week's result" and "已保留原文件" in w.status.text()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    with qtbot.wait_signal(w.job_finished, timeout=30000):
        w.run_job(out)
    assert openpyxl.load_workbook(out)["花名册"].cell(4, 4).value == people[0].phone
