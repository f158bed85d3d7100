"""The page list: every page in it builds, and a broken page stops the window loudly."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QWidget

from desktop.ui.context import CurrentUser
from desktop.ui.main_window import MainWindow
from desktop.ui.pages import PAGES, PageSpec
from tests.desktop.ui.conftest import wait_idle


def test_every_page_in_the_list_builds_and_refreshes(ctx, qtbot):
    ctx.user = CurrentUser(id="user-1", username="admin", display_name="县管理员",
                           role="county_admin", scope_node_id=ctx.user.scope_node_id)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    assert window.page_keys() == [spec.key for spec in PAGES]
    for spec in PAGES:
        window.navigate(spec.key)  # builds the page and calls its refresh()
        wait_idle(qtbot, ctx)
        page = window.current_page()
        assert isinstance(page, spec.page) and page.objectName() == f"page_{spec.key}"
    assert window.last_error == ""


def test_pages_are_shown_only_to_their_roles(ctx, qtbot):
    window = MainWindow(ctx)  # a grid worker
    qtbot.addWidget(window)
    assert "config" not in window.page_keys()
    assert window.page_keys() == [s.key for s in PAGES if s.visible_to("grid_worker")]


class BrokenPage(QWidget):
    def __init__(self, ctx, parent=None) -> None:  # noqa: ANN001
        raise RuntimeError("broken page")


def test_a_broken_page_fails_loudly_instead_of_vanishing(ctx, qtbot):
    window = MainWindow(ctx, [PAGES[0], PageSpec("broken", "坏页面", BrokenPage)])
    qtbot.addWidget(window)
    assert window.page_keys() == ["home", "broken"]
    with pytest.raises(RuntimeError, match="broken page"):
        window.page("broken")
