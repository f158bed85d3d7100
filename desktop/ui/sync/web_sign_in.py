"""扫码登录网页: the browser shows an 8-character code (and its QR image); the signed-in desktop
user types it here (or the 扫码入户 camera reads it), confirms, and the browser signs in as them.
The approval runs on the network lane (services/web_sign_in.py): the dialog never does HTTP."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QLineEdit, QPushButton,
                               QVBoxLayout)

from common.errors import DomainError
from desktop.services import web_sign_in

from ..context import AppContext
from ..widgets.errors import error_text
from ..widgets.record_form import ERROR_STYLE
from ..widgets.tasks import GuardedTasks


class WebSignInDialog(QDialog):
    """Signals: `approved(str)` (the code, as shown), `refused(str)` (the Chinese reason)."""

    approved = Signal(str)
    refused = Signal(str)

    def __init__(self, ctx: AppContext, code: str = "", parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tasks = GuardedTasks(ctx.tasks, self)
        self.setWindowTitle("扫码登录网页")
        intro = QLabel(f"在网页管理端的“扫码登录”页，把显示的 8 位登录码填在这里并确认，"
                       f"网页即以您（{ctx.user.display_name}）的身份登录。登录码 2 分钟内有效。")
        intro.setWordWrap(True)
        self.code = QLineEdit(code)
        self.code.setObjectName("qr_code")
        self.code.setAccessibleName("扫码登录码")
        self.code.setPlaceholderText("如 ACDE-FH34")
        self.code.setMaxLength(200)  # a scanned address is longer than the code
        code_label = QLabel("登录码(&C)")
        code_label.setBuddy(self.code)
        self.error = QLabel("")
        self.error.setObjectName("error_code")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.message = QLabel("")
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.approve_button = QPushButton("确认登录网页(&A)")
        self.approve_button.setDefault(True)
        self.buttons.addButton(self.approve_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton("关闭", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.approve)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(code_label)
        layout.addWidget(self.code)
        layout.addWidget(self.error)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        if ctx.sync is None:
            self.approve_button.setEnabled(False)
            self.message.setText("本账号没有连接服务器，不能确认网页登录")

    def approve(self) -> None:
        """Check the code here, then approve it on the network lane."""
        text = self.code.text()
        self.error.clear()
        self.message.clear()
        try:
            web_sign_in.code_of(text)
        except DomainError as err:
            self._refused(err)
            return
        sync = self.ctx.sync
        self.approve_button.setEnabled(False)
        self.message.setText("正在确认…")
        self.tasks.network(lambda: web_sign_in.approve(sync, text), self._approved,
                           self._refused, name="web_sign_in")

    def _approved(self, code: str) -> None:
        self.approve_button.setEnabled(True)
        self.message.setText(f"已确认：网页（登录码 {code}）将以您的身份登录")
        self.code.clear()
        self.approved.emit(code)

    def _refused(self, exc: BaseException) -> None:
        self.approve_button.setEnabled(self.ctx.sync is not None)
        self.message.clear()
        text = error_text(exc)
        self.error.setText(text)
        self.code.setFocus()
        self.refused.emit(text)


def open_web_sign_in(ctx: AppContext, parent: Any = None, code: str = "") -> WebSignInDialog:
    dialog = WebSignInDialog(ctx, code, parent)
    dialog.show()
    return dialog
