"""Background tasks: writes are serial and committed, failures reach the GUI thread by signal."""
import os
import threading

import pytest
from sqlalchemy import text

from common.errors import DomainError
from desktop.storage.database import open_database
from desktop.tasks import TaskManager

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def tasks(tmp_path, qtbot):
    engine = open_database(tmp_path / "t.db", b"k" * 32)
    with engine.begin() as c:
        c.execute(text("create table t (n integer)"))
    tm = TaskManager(engine)
    yield tm
    tm.shutdown()
    engine.dispose()


def test_a_write_is_committed_and_its_result_arrives_on_the_gui_thread(tasks, qtbot):
    got = []

    def insert(session):
        session.execute(text("insert into t values (1)"))
        return threading.current_thread().name

    with qtbot.wait_signal(tasks.data_changed, timeout=5000):
        tasks.write(insert, lambda r: got.append((r, threading.current_thread().name)),
                    touches="t")
    assert got[0][0].startswith("db-write")
    assert got[0][1] == threading.main_thread().name
    with tasks.session() as s:
        assert s.execute(text("select count(*) from t")).scalar() == 1


def test_a_failed_write_is_rolled_back_and_reported_to_its_failure_callback(tasks, qtbot):
    errors = []

    def bad(session):
        session.execute(text("insert into t values (2)"))
        raise DomainError("not_found")

    tasks.write(bad, on_failure=errors.append)
    qtbot.wait_until(lambda: bool(errors), timeout=5000)
    assert errors[0].code == "not_found"
    with tasks.session() as s:
        assert s.execute(text("select count(*) from t")).scalar() == 0


def test_a_full_disk_is_said_in_plain_words_and_the_write_leaves_nothing_behind(tmp_path,
                                                                               qtbot):
    from sqlalchemy import event
    engine = open_database(tmp_path / "full.db", b"k" * 32)
    with engine.begin() as c:
        c.execute(text("create table t (n integer, filler text)"))
        c.execute(text("insert into t values (0, 'kept')"))
        pages = c.execute(text("pragma page_count")).scalar()
    engine.dispose()

    @event.listens_for(engine, "connect")
    def small_disk(dbapi_conn, _record):  # noqa: ANN001, ANN202 - SQLite's own SQLITE_FULL
        dbapi_conn.execute(f"pragma max_page_count = {pages + 3}")

    tm = TaskManager(engine)
    errors = []

    def fill(session):
        for n in range(1, 10_000):
            session.execute(text("insert into t values (:n, :f)"), {"n": n, "f": "x" * 2000})

    tm.write(fill, on_failure=errors.append)
    qtbot.wait_until(lambda: bool(errors), timeout=10000)
    assert isinstance(errors[0], DomainError) and errors[0].code == "disk_full"
    assert "磁盘空间已满" in errors[0].message() and "仍在窗口里" in errors[0].message()
    with tm.session() as s:
        assert s.execute(text("select n, filler from t")).all() == [(0, "kept")]
    tm.shutdown()
    engine.dispose()


def test_an_unhandled_failure_is_broadcast_with_task_failed(tasks, qtbot):
    with qtbot.wait_signal(tasks.task_failed, timeout=5000) as blocker:
        tasks.read(lambda s: 1 / 0)
    assert isinstance(blocker.args[0], ZeroDivisionError)


def test_writes_run_one_at_a_time_in_submission_order(tasks, qtbot):
    order = []
    for i in range(20):
        tasks.write(lambda s, i=i: s.execute(text(f"insert into t values ({i})")) and i,
                    order.append)
    qtbot.wait_until(lambda: len(order) == 20, timeout=10000)
    assert order == list(range(20))
    with tasks.session() as s:
        rows = [r[0] for r in s.execute(text("select n from t order by rowid"))]
    assert rows == list(range(20))


def test_a_task_asking_for_progress_reports_it_by_signal(tasks, qtbot):
    def slow(progress):
        for i in range(3):
            progress.report(i + 1, 3, "下载中")
        return "ok"

    seen = []
    tasks.progress_reported.connect(lambda *a: seen.append(a))
    done = []
    tasks.network(slow, done.append, name="download")
    qtbot.wait_until(lambda: bool(done), timeout=5000)
    qtbot.wait_until(lambda: len(seen) == 3, timeout=5000)
    assert seen[-1] == ("download", 3, 3, "下载中")
    assert not tasks.is_busy()


def test_thousands_of_signals_leave_the_true_singleton_intact(qtbot):
    # PySide6 6.12.0's emit() dropped a reference to True per call (the process then aborts);
    # pyproject.toml keeps PySide6 below 6.12 for it.
    import sys

    from PySide6.QtCore import QObject, Signal

    class Emitter(QObject):
        happened = Signal(int)

    e = Emitter()
    e.happened.connect(lambda _n: None)
    before = sys.getrefcount(True)
    for i in range(5000):
        e.happened.emit(i)
    assert sys.getrefcount(True) >= before


def test_a_result_for_a_widget_closed_while_its_task_ran_is_dropped_quietly(tasks, qtbot):
    from PySide6.QtWidgets import QComboBox

    release = threading.Event()
    box = QComboBox()
    done = []

    def slow_read(session):
        release.wait(5)
        return ["a", "b"]

    def show(items):
        box.clear()  # the widget is gone by now
        box.addItems(items)

    tasks.read(slow_read, show)
    tasks.read(lambda s: 1, done.append)  # a later, unrelated result still arrives
    box.deleteLater()
    qtbot.wait_until(lambda: not __import__("shiboken6").isValid(box), timeout=5000)
    release.set()
    qtbot.wait_until(lambda: done == [1] and not tasks.is_busy(), timeout=5000)


def test_other_errors_in_a_callback_still_surface(tasks, qtbot):
    def broken(_):
        raise RuntimeError("a real bug")

    with qtbot.capture_exceptions() as raised:
        tasks.read(lambda s: 1, broken)
        qtbot.wait_until(lambda: bool(raised), timeout=5000)
    assert "a real bug" in str(raised[0][1])
