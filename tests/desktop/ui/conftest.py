"""UI fixtures: a real encrypted profile database with a small scope, a task manager over it,
and a context with a fixed clock."""
from __future__ import annotations

import datetime as dt
import os
import time

import pytest
from sqlalchemy.orm import Session

from desktop.tasks import TaskManager
from desktop.ui.context import AppContext, CurrentUser
from tests.desktop.people_factories import (NOW, make_database, make_org, make_person,
                                            make_places)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session", autouse=True)
def qt_speaks_chinese(qapp):
    """Qt's own words (standard buttons, file dialog, context menus) in Chinese, as the client
    loads them (desktop/app.py): tests see what users see."""
    from desktop.app import install_translations
    assert install_translations(qapp)


@pytest.fixture
def beijing_time(monkeypatch):
    """The laptop's clock set to Beijing time (UTC+8), as in Xinjiang's offices."""
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def scope(tmp_path):
    """(engine, org nodes, places): 5 people in two grids, houses, a household."""
    engine = make_database(tmp_path / "local.db")
    with Session(engine, expire_on_commit=False) as s:
        org = make_org(s)
        pl = make_places(s, org["grid"].id)
        g = org["grid"].id
        make_person(s, g, name="张三", birth=dt.date(1950, 3, 1), tags=("elderly_60", "dibao"),
                    house_id=pl["house"].id, household_id=pl["household"].id,
                    relation_to_head="head", phone="13899001122")
        make_person(s, g, name="李秀英", birth=dt.date(1955, 5, 1), female=True,
                    tags=("elderly_60",), house_id=pl["house"].id,
                    household_id=pl["household"].id, relation_to_head="spouse")
        make_person(s, g, name="单小明", birth=dt.date(2005, 6, 1), tags=("left_behind_child",),
                    house_id=pl["rural"].id)
        make_person(s, org["grid2"].id, name="阿依古丽·买买提", birth=dt.date(1990, 12, 1),
                    female=True, ethnicity="05", resident_type="floating")
        make_person(s, org["grid2"].id, name="王强", birth=dt.date(1985, 2, 1))
        s.commit()
    yield engine, org, pl
    engine.dispose()


@pytest.fixture
def ctx(scope, qtbot):
    engine, org, _ = scope
    tasks = TaskManager(engine)
    context = AppContext(tasks=tasks, user=CurrentUser(id="user-1", username="worker",
                                                       display_name="测试网格员",
                                                       scope_node_id=org["county"].id),
                         now=lambda: NOW)
    yield context
    tasks.shutdown()


def wait_idle(qtbot, ctx, timeout=5000):
    """Wait until every background task has delivered its result."""
    qtbot.wait_until(lambda: not ctx.tasks.is_busy(), timeout=timeout)
    qtbot.wait(20)
    qtbot.wait_until(lambda: not ctx.tasks.is_busy(), timeout=timeout)


@pytest.fixture(autouse=True)
def collect_widgets_while_qt_is_alive(qapp):
    """Destroy each test's widgets and models before the next test, not at interpreter exit
    (PySide6 can crash finalizing Qt objects after the application is gone)."""
    import gc

    from PySide6.QtCore import QCoreApplication, QEvent
    yield
    for _ in range(2):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        qapp.processEvents()
        gc.collect()
