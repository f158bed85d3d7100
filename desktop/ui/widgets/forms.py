"""Form dialogs' keyboard and submit rules shared by every dialog that saves something: Enter in
a one-line field moves to the next field instead of submitting a half-filled form, Ctrl+Enter
submits, the button's own Alt+letter stays a working accelerator, and a submit runs once until
its answer arrives."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractButton, QAbstractSpinBox, QApplication, QHBoxLayout, QLabel,
                               QLineEdit, QWidget)

_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class _EnterMovesOn(QObject):
    """Event filter on a dialog: a plain Enter that a one-line field passed up (a QLineEdit or a
    spin box ignores Enter, and QDialog would then press the default button) moves focus on."""

    def __init__(self, dialog: QWidget) -> None:
        super().__init__(dialog)
        self.dialog = dialog

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if (watched is self.dialog and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent) and event.key() in _ENTER
                and not event.modifiers() & Qt.KeyboardModifier.ControlModifier):
            focus = QApplication.focusWidget()
            if isinstance(focus, (QLineEdit, QAbstractSpinBox)) and self.dialog.isAncestorOf(focus):
                self.dialog.focusNextChild()
                return True
        return False


def form_keys(dialog: QWidget, submit: QAbstractButton) -> None:
    """Enter moves on, Ctrl+Enter clicks `submit` (a disabled button ignores the click). The
    button keeps the accelerator of its text (保存(&S)): a `setShortcut` would replace it, and
    Alt+S would then type an "s" into the focused field."""
    dialog.installEventFilter(_EnterMovesOn(dialog))
    for keys in ("Ctrl+Return", "Ctrl+Enter"):
        QShortcut(QKeySequence(keys), dialog, activated=submit.click)


class SubmitOnce:
    """One submission at a time: `start()` is False while one is running (so a double click or
    a held key sends nothing twice) and disables the buttons until `done()`."""

    def __init__(self, *buttons: Any) -> None:
        self.buttons = buttons
        self.running = False

    def start(self) -> bool:
        if self.running:
            return False
        self.running = True
        for b in self.buttons:
            b.setEnabled(False)
        return True

    def done(self, *_: Any) -> None:
        self.running = False
        for b in self.buttons:
            b.setEnabled(True)


def labelled_bar(text: str, control: QWidget) -> QHBoxLayout:
    """A page's top bar: `text` (with its Alt+letter) naming `control`, then space; buttons
    added afterwards sit at the right."""
    bar = QHBoxLayout()
    label = QLabel(text)
    label.setBuddy(control)
    bar.addWidget(label)
    bar.addWidget(control)
    bar.addStretch(1)
    return bar
