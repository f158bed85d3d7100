"""The main window: pages from the registry, keyboard navigation, drill-down, home figures."""
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop.ui.main_window import MainWindow
from tests.desktop.ui.conftest import wait_idle


def test_every_core_page_is_reachable_from_the_keyboard(ctx, qtbot):
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.wait_exposed(window)
    wait_idle(qtbot, ctx)
    for key, shortcut_key in (("search", Qt.Key.Key_2), ("people", Qt.Key.Key_3),
                              ("households", Qt.Key.Key_4), ("organisations", Qt.Key.Key_5),
                              ("places", Qt.Key.Key_6), ("home", Qt.Key.Key_1)):
        qtbot.keyClick(window, shortcut_key, Qt.KeyboardModifier.ControlModifier)
        wait_idle(qtbot, ctx)
        assert window.current_page().objectName() == f"page_{key}"
    # Ctrl+L focuses the navigation list; arrows move between pages
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is window.nav
    qtbot.keyClick(window.nav, Qt.Key.Key_Down)
    wait_idle(qtbot, ctx)
    assert window.current_page().objectName() == "page_search"


def test_home_shows_the_scope_figures(ctx, qtbot):
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    wait_idle(qtbot, ctx)
    home = window.page("home")
    qtbot.wait_until(lambda: home.figures is not None, timeout=5000)
    assert home.cards["people"].text().startswith("5\n")
    assert home.cards["households"].text().startswith("1\n")
    assert "60岁以上老人 2 人" in home.tags.text()


def test_drill_down_shows_counts_and_enter_on_a_house_lists_its_people(ctx, scope, qtbot):
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    window.navigate("places")
    page = window.page("places")
    wait_idle(qtbot, ctx)
    tree = page.tree
    assert page.node_texts() == [("托克逊县", "5")]
    county = page.model.index(0, 0)
    qtbot.wait_until(lambda: page.node_texts(county) == [("托克逊镇", "5")], timeout=5000)
    township = page.model.index(0, 0, county)
    tree.expand(township)
    wait_idle(qtbot, ctx)
    village = page.model.index(0, 0, township)
    tree.expand(village)
    wait_idle(qtbot, ctx)
    assert sorted(page.node_texts(village)) == [("第一网格", "3"), ("第二网格", "2")]
    grid = [page.model.index(r, 0, village) for r in range(2)
            if page.model.index(r, 0, village).data() == "第一网格"][0]
    tree.expand(grid)
    wait_idle(qtbot, ctx)
    assert sorted(page.node_texts(grid)) == [("幸福小区", "2"), ("英阿瓦提村3组12号", "1")]
    rural = [page.model.index(r, 0, grid) for r in range(2)
             if page.model.index(r, 0, grid).data() == "英阿瓦提村3组12号"][0]
    tree.setCurrentIndex(rural)
    tree.setFocus()
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    wait_idle(qtbot, ctx)
    search = window.current_page()
    assert search.objectName() == "page_search"
    qtbot.wait_until(lambda: search.count.text() == "符合条件：1 人", timeout=5000)


def test_people_arriving_by_sync_become_searchable_by_pinyin_after_the_index_refresh(
        ctx, scope, qtbot):
    from sqlalchemy.orm import Session

    from common.schema import Person
    from desktop.services.people_index import fresh_index
    from desktop.services.search import PeopleQuery, count_people
    from desktop.storage.changes import record_change
    from tests.desktop.people_factories import NOW, make_id_number
    engine, org, _ = scope
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.refresh_people_index()
    wait_idle(qtbot, ctx)
    with Session(engine) as s:
        assert fresh_index(s) is not None
        # a record written without the people service (as a pull applies it): no pinyin keys
        record_change(s, Person, None, {"id_number": make_id_number(), "name": "曾国强",
                                        "grid_id": org["grid"].id}, now=NOW)
        s.commit()
        assert fresh_index(s) is None
        assert count_people(s, PeopleQuery(text="zgq"), today=NOW.date()) == 0
    window.refresh_people_index()
    wait_idle(qtbot, ctx)
    wait_idle(qtbot, ctx)
    with Session(engine) as s:
        assert fresh_index(s) is not None
        assert count_people(s, PeopleQuery(text="zgq"), today=NOW.date()) == 1
        assert count_people(s, PeopleQuery(text="zengguoqiang"), today=NOW.date()) == 1



def _open_window(folder, *action: str) -> dict:
    """The main window opened in a child process on a 1366x768 screen (a cheap laptop)."""
    import json
    import os
    import subprocess
    import sys
    screens = folder / "screens.json"
    screens.write_text(json.dumps({"screens": [{"name": "laptop", "x": 0, "y": 0,
                                                "width": 1366, "height": 768,
                                                "logicalDpi": 96, "dpr": 1}]}))
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={screens}"}
    out = subprocess.run([sys.executable, "-m", "tests.desktop.ui.window_probe", str(folder),
                          *action], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_window_fits_a_1366x768_screen_and_opens_again_where_it_was_left(tmp_path):
    """A 1280x800 window was taller than a 1366x768 laptop's screen: the status bar and the
    last rows were off-screen. The frame fits the screen's free area; the next start restores
    the size and place the user left, and the maximised state."""
    from PySide6.QtCore import QRect
    first = _open_window(tmp_path, "resize", "1000", "600", "40", "50")
    assert first["area"] == [0, 0, 1366, 768]
    assert QRect(*first["area"]).contains(QRect(*first["frame"])), first
    assert first["status_bar"] and not first["maximised"]
    second = _open_window(tmp_path, "maximise")
    assert second["geometry"] == first["left"]
    assert first["left"][2:] == [1000, 600]
    third = _open_window(tmp_path)
    assert third["maximised"]


def test_the_people_index_is_built_on_its_own_once_the_home_figures_are_shown(
        ctx, scope, qtbot, monkeypatch):
    """Start-up: the home figures are not kept waiting by the index build, and searches leave
    the SQL path without anyone asking."""
    from sqlalchemy.orm import Session

    from desktop.services.people_index import fresh_index
    from desktop.ui import main_window
    engine, *_ = scope
    shown_first = []
    real = main_window.rebuild_index

    def rebuild(session):  # noqa: ANN001, ANN202
        shown_first.append(home.figures is not None)
        return real(session)
    monkeypatch.setattr(main_window, "rebuild_index", rebuild)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    home = window.page("home")
    window.show()
    qtbot.wait_until(lambda: home.figures is not None, timeout=5000)
    qtbot.wait_until(lambda: bool(shown_first), timeout=5000)
    wait_idle(qtbot, ctx)
    assert shown_first == [True]
    with Session(engine) as s:
        assert fresh_index(s) is not None
