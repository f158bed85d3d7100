"""The client speaks Chinese everywhere: every page and every dialog it can open, as a grid
worker, a township clerk and a county admin over the demo county, shows no Latin-alphabet word
that is not data (names, paths, addresses) or on a short list of words Chinese offices use as
they are (Excel, QR, ID, USB, PDF, xlsx, key names)."""
from __future__ import annotations

import re
import time

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (QAbstractButton, QApplication, QGroupBox,
                               QInputDialog, QLabel, QLineEdit, QMessageBox, QPlainTextEdit,
                               QTableView, QTabWidget, QTextEdit, QTreeView, QWidget)
from sqlalchemy import select
from sqlalchemy.orm import Session

ALLOWED = {"excel", "qr", "id", "usb", "xlsx", "pdf", "csv", "jpg", "jpeg", "png", "webp",
           "ctrl", "shift", "alt", "enter", "esc", "tab", "del", "space", "wifi"}
WORD = re.compile(r"[A-Za-z]{2,}")
DATA = (re.compile(r"https?://\S+"), re.compile(r"代码 [a-z][a-z0-9_]*"), re.compile(r"(?:[A-Za-z]:)?[/\\][^\s，。；）)]+"),
        re.compile(r"\b[\w.-]+\.(?:yzb|xlsx|pdf|db)\b"), re.compile(r"<[^>]+>"),
        re.compile(r"&[a-z]+;"), re.compile(r"\bF\d{1,2}\b"), re.compile(r"\bX\b"))


def latin_words(text: str, data: set[str]) -> list[str]:
    """The Latin words of `text` that are neither data nor allowed."""
    for value in data:
        text = text.replace(value, " ")
    for pattern in DATA:
        text = pattern.sub(" ", text)
    return [w for w in WORD.findall(text.replace("&", "")) if w.lower() not in ALLOWED]


def shown_texts(top: QWidget) -> list[tuple[str, str]]:
    """What a user reads on `top`: titles, labels, buttons, placeholders, tooltips, tabs, group
    titles, table headers and menu entries of every visible widget."""
    out = [("窗口标题", top.windowTitle())]
    for w in (top, *top.findChildren(QWidget)):
        if w is not top and not w.isVisibleTo(top):
            continue
        where = f"{type(w).__name__}#{w.objectName()}"
        out.append((where + " tooltip", w.toolTip()))
        if isinstance(w, QLabel):
            out.append((where, w.text()))
        elif isinstance(w, QAbstractButton):
            out.append((where, w.text()))
        elif isinstance(w, QLineEdit):
            out.append((where + " placeholder", w.placeholderText()))
        elif isinstance(w, (QPlainTextEdit, QTextEdit)):
            out.append((where + " placeholder", w.placeholderText()))
        elif isinstance(w, QGroupBox):
            out.append((where, w.title()))
        elif isinstance(w, QTabWidget):
            out += [(where + " tab", w.tabText(i)) for i in range(w.count())]
        header = w.horizontalHeader() if isinstance(w, QTableView) else \
            w.header() if isinstance(w, QTreeView) else None
        if header is not None and not header.isHidden() and w.model() is not None:
            m = w.model()
            out += [(where + " header", str(m.headerData(c, Qt.Orientation.Horizontal) or ""))
                    for c in range(m.columnCount(QModelIndex()))]
        for a in w.actions():
            out += [(where + " action", a.text()), (where + " action tip", a.toolTip())]
            if a.menu() is not None:
                out += [(where + " menu", x.text()) for x in a.menu().actions()]
        if isinstance(w, QAbstractButton) and getattr(w, "menu", None) and w.menu():
            out += [(where + " menu", x.text()) for x in w.menu().actions()]
    return out


def english_on(top: QWidget, data: set[str]) -> list[str]:
    return [f"{where}: {text!r}" for where, text in shown_texts(top)
            if text and latin_words(text, data)]


def settle(ctx_tasks, seconds: float = 0.2) -> None:
    app = QApplication.instance()
    deadline = time.monotonic() + 15
    quiet = None
    while time.monotonic() < deadline:
        app.processEvents()
        if ctx_tasks.is_busy():
            quiet = None
        elif quiet is None:
            quiet = time.monotonic()
        elif time.monotonic() - quiet > seconds:
            return
        time.sleep(0.01)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from tests.demo_profile import build_demo_profile
    with pytest.MonkeyPatch.context() as mp:
        home = tmp_path_factory.mktemp("demo")
        mp.setenv("YZB_HOME", str(home))
        built = build_demo_profile(home, scale=0.005)
        yield built["profile"]
        built["profile"].close()


def _window(profile, role: str, qtbot):  # noqa: ANN001, ANN202
    from common.schema import User
    from desktop.app import build_main_window
    from desktop.tasks import TaskManager
    from tests.demo_profile import DEMO_NOW, demo_signed_in
    with Session(profile.engine) as s:
        u = s.scalars(select(User).where(User.role == role).order_by(User.username)).first()
        info = {"username": u.username, "user_id": u.id, "display_name": u.display_name,
                "role": u.role, "scope_node_id": u.scope_node_id}
    profile.update_info(**info)
    tasks = TaskManager()
    window = build_main_window(demo_signed_in(profile), tasks, now=lambda: DEMO_NOW)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    settle(tasks)
    # a ledger or dictionary code is typed in Latin letters by design: its examples are data
    codes = {"beekeeping", "hive_count", "camel"}
    return window, tasks, {u.username, profile.path.name, str(profile.path), *codes}


def _dialogs(window):  # noqa: ANN001, ANN202 - (name, a function opening one dialog)
    from desktop.services import events
    from desktop.ui.config.dialogs import DictEntryDialog, LedgerFieldDialog, LedgerTypeDialog
    from desktop.ui.events.dialogs import ActionDialog, EventDialog
    from desktop.ui.people.households import AddMemberDialog, HouseholdDialog
    from desktop.ui.people.page import StatusChangeDialog
    from desktop.ui.people.person_dialog import PersonDialog
    from desktop.ui.qr.labels import LabelPrintDialog
    from desktop.ui.visits.dialog import VisitDialog
    from desktop.ui.visits.page import TaskDialog
    from desktop.ui.visits.rules import RulesDialog
    from desktop.ui.widgets.file_dialogs import file_dialog
    ctx = window.ctx
    actions = sorted({a for acts in events.ROLE_ACTIONS.values() for a in acts})
    out = [("新增人员", lambda: PersonDialog(ctx, None, window)),
           ("新增户", lambda: HouseholdDialog(ctx, None, window)),
           ("添加家庭成员", lambda: AddMemberDialog(ctx, "none", window)),
           ("标记死亡", lambda: StatusChangeDialog("张三", "652123********1234", "deceased",
                                                 window)),
           ("新建事件", lambda: EventDialog(ctx, window)),
           *[(f"事件{a}", lambda a=a: ActionDialog(ctx, "none", a, [("u", "王建国")], window))
             for a in actions],
           ("走访记录", lambda: VisitDialog(ctx, window)),
           ("走访任务", lambda: TaskDialog(ctx, window)),
           ("走访规则", lambda: RulesDialog(ctx, window)),
           ("打印门牌", lambda: LabelPrintDialog(ctx, window)),
           ("台账类型", lambda: LedgerTypeDialog([("person", "人员")], parent=window)),
           ("台账字段", lambda: LedgerFieldDialog("养蜂台账", [("text", "文本")], [],
                                                 parent=window)),
           ("字典项", lambda: DictEntryDialog("民族", parent=window)),
           ("打开文件", lambda: file_dialog(window, "导入台账", "", "表格文件 (*.xlsx *.csv)")),
           ("保存文件", lambda: _save_dialog(window)),
           ("询问", lambda: _question(window)),
           ("输入", lambda: _input(window)),
           ("登录", lambda: _sign_in(ctx))]
    ledgers = window.page("ledgers")
    settle(ctx.tasks)
    for d in getattr(ledgers, "ledger_defs", [])[:2]:
        from desktop.ui.ledgers.dialog import LedgerRowDialog
        out.append((f"台账{d.name}", lambda d=d: LedgerRowDialog(ctx, d, None, parent=window)))
    return out


def _save_dialog(window):  # noqa: ANN001, ANN202
    from desktop.ui.widgets.file_dialogs import file_dialog
    return file_dialog(window, "保存门牌标签", "", "PDF 文件 (*.pdf)", save=True)


def _question(window):  # noqa: ANN001, ANN202
    box = QMessageBox(QMessageBox.Icon.Question, "删除记录", "确定删除选中的这条台账记录吗？",
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, window)
    return box


def _sign_in(ctx):  # noqa: ANN001, ANN202
    from desktop.ui.signin.dialog import SignInDialog
    return SignInDialog(ctx.tasks, ctx.now, initial_sync=None)


def _input(window):  # noqa: ANN001, ANN202
    d = QInputDialog(window)
    d.setWindowTitle("保存检索")
    d.setLabelText("检索名称：")
    return d


@pytest.mark.parametrize("role", ["grid_worker", "township_office", "county_admin"])
def test_every_page_and_dialog_speaks_chinese(demo, qtbot, role):
    window, tasks, data = _window(demo, role, qtbot)
    found: list[str] = []
    try:
        for key in window.page_keys():
            window.navigate(key)
            settle(tasks)
            found += [f"[{key}] {x}" for x in english_on(window, data)]
            for edit in window.current_page().findChildren(QLineEdit)[:1]:
                menu = edit.createStandardContextMenu()
                found += [f"[{key} 右键菜单] {a.text()!r}" for a in menu.actions()
                          if latin_words(a.text(), data)]
                menu.deleteLater()
        # the dialogs do not change with the role: walked once, in the township clerk's window
        for name, make in _dialogs(window) if role == "township_office" else ():
            dialog = make()
            dialog.show()
            settle(tasks)
            found += [f"[{name}] {x}" for x in english_on(dialog, data)]
            dialog.close()
            dialog.deleteLater()
    finally:
        window.close()
        tasks.shutdown(wait=True)
    assert not found, "\n".join(found)


def test_the_check_finds_english_and_lets_data_and_usual_words_through():
    assert latin_words("Cancel", set()) == ["Cancel"]
    assert latin_words("导出 xlsx(&X)…", set()) == []
    assert latin_words("已保存到 /tmp/out/结果.xlsx", set()) == []
    assert latin_words("同步 xz_tuokexun 的数据", {"xz_tuokexun"}) == []
    assert latin_words("_conflicts", set()) == ["conflicts"]
