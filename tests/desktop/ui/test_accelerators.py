"""Every accelerator a dialog shows works: Alt+S on 保存(S)/上报(S)/确定(S) saves from a focused
one-line field and types no "s" into it; no dialog shows one letter twice."""
from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QPlainTextEdit

from desktop.ui.config.dialogs import DictEntryDialog, LedgerFieldDialog, LedgerTypeDialog
from desktop.ui.events.dialogs import ActionDialog, EventDialog
from desktop.ui.people.households import HouseholdDialog
from desktop.ui.people.person_dialog import PersonDialog
from desktop.ui.visits.dialog import VisitDialog
from desktop.ui.visits.page import TaskDialog
from tests.desktop.ui.conftest import wait_idle

DIALOGS = {
    "person": lambda ctx: PersonDialog(ctx, None),
    "household": lambda ctx: HouseholdDialog(ctx, None),
    "event": lambda ctx: EventDialog(ctx),
    "event_action": lambda ctx: ActionDialog(ctx, "no-such-event", "handle", []),
    "visit": lambda ctx: VisitDialog(ctx),
    "visit_task": lambda ctx: TaskDialog(ctx),
    "ledger_type": lambda ctx: LedgerTypeDialog([("person", "人员")]),
    "ledger_field": lambda ctx: LedgerFieldDialog("养蜂台账", [("text", "文本")], []),
    "dict_entry": lambda ctx: DictEntryDialog("民族"),
}


def _mnemonic(text: str) -> str | None:
    m = re.search(r"&([^&])", text.replace("&&", ""))
    return m.group(1).upper() if m else None


@pytest.mark.parametrize("name", sorted(DIALOGS))
def test_alt_s_in_a_focused_field_saves_and_types_nothing(ctx, qtbot, name):
    dialog = DIALOGS[name](ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.wait_until(dialog.isActiveWindow, timeout=5000)
    wait_idle(qtbot, ctx)
    save = [b for b in dialog.findChildren(QAbstractButton) if _mnemonic(b.text()) == "S"]
    assert len(save) == 1, f"{name}: one button answers Alt+S"
    edit = next(e for e in (*dialog.findChildren(QLineEdit), *dialog.findChildren(QPlainTextEdit))
                if e.isVisibleTo(dialog) and e.isEnabled() and not e.isReadOnly())
    text = edit.text if isinstance(edit, QLineEdit) else edit.toPlainText
    (edit.setText if isinstance(edit, QLineEdit) else edit.setPlainText)("王")
    edit.setFocus()
    clicks: list[bool] = []
    save[0].clicked.connect(lambda *_: clicks.append(True))
    qtbot.keyClick(edit, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    assert text() == "王", f"{name}: Alt+S typed into the field"
    qtbot.wait_until(lambda: bool(clicks), timeout=2000)  # a mnemonic animates its click
    assert text() == "王"
    wait_idle(qtbot, ctx)


@pytest.mark.parametrize("name", sorted(DIALOGS))
def test_no_dialog_shows_the_same_accelerator_twice(ctx, qtbot, name):
    dialog = DIALOGS[name](ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    wait_idle(qtbot, ctx)
    letters = [_mnemonic(w.text()) for w in (*dialog.findChildren(QAbstractButton),
                                              *dialog.findChildren(QLabel))
               if w.isVisibleTo(dialog)]
    letters = [x for x in letters if x]
    assert len(letters) == len(set(letters)), f"{name}: {sorted(letters)}"
