"""The sign-in dialog: server address, account, password, and a captcha when the server asks for
one (after a few failed sign-ins). Runs the sign-in on the network lane and emits
`signed_in(SignedIn)`; refusals (wrong password, unreachable server) show in Chinese."""
from __future__ import annotations

import os
from typing import Any, Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (QComboBox, QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QVBoxLayout, QWidget)

from common.errors import DomainError
from desktop.services.session import SignedIn, fetch_captcha, known_profiles, sign_in
from desktop.services.sync import initial_sync as pull_scope
from desktop.tasks import TaskManager

from ..widgets.record_form import ERROR_STYLE

DEFAULT_SERVER = "http://127.0.0.1:8000"


class SignInDialog(QDialog):
    signed_in = Signal(object)

    def __init__(self, tasks: TaskManager, now: Callable[[], Any], parent: Any = None,
                 initial_sync: Any = pull_scope) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.now = now
        self.initial_sync = initial_sync
        self.result_value: SignedIn | None = None
        self.setWindowTitle("一张表 — 登录")
        self.setMinimumWidth(420)
        profiles = known_profiles()
        self.server = QLineEdit(objectName="server")
        self.server.setText(next((p.get("server_url") for p in profiles if p.get("server_url")),
                                 os.environ.get("YZB_DEFAULT_SERVER") or DEFAULT_SERVER))
        self.account = QComboBox(objectName="account")
        self.account.setEditable(True)
        for p in profiles:
            self.account.addItem(p["name"])
        self.password = QLineEdit(objectName="password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel("", objectName="message")
        self.message.setWordWrap(True)
        self.hint = QLabel("首次登录需要联网；以后可以离线登录（使用同一密码）。"
                           if not profiles else
                           f"本机已有 {len(profiles)} 个账号的数据，可离线登录。")
        self.hint.setWordWrap(True)
        self.button = QPushButton("登录(&L)", objectName="signin")
        self.button.setDefault(True)
        self.button.clicked.connect(self.submit)
        self.password.returnPressed.connect(self.button.click)
        # The captcha row: hidden until the server asks for one.
        self.captcha_id: str | None = None
        self.captcha_image = QLabel(objectName="captcha_image")
        self.captcha_image.setAccessibleName("验证码图片")
        self.captcha = QLineEdit(objectName="captcha")
        self.captcha.setPlaceholderText("图中的字母和数字")
        self.captcha.setMaxLength(8)
        self.captcha.returnPressed.connect(self.button.click)
        another = QPushButton("换一张")
        another.clicked.connect(self._load_captcha)
        self.captcha_row = QWidget()
        row = QHBoxLayout(self.captcha_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.captcha, 1)
        row.addWidget(self.captcha_image)
        row.addWidget(another)
        form = QFormLayout()
        for text, widget in (("服务器地址(&U)", self.server), ("账号(&A)", self.account),
                             ("密码(&P)", self.password), ("验证码(&V)", self.captcha_row)):
            label = QLabel(text)
            label.setBuddy(self.captcha if widget is self.captcha_row else widget)
            form.addRow(label, widget)
        form.setRowVisible(self.captcha_row, False)
        self._form = form
        title = QLabel("托克逊县基层治理“一张表”")
        title.setStyleSheet("font-size: 18px; font-weight: bold;")
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        layout.addWidget(self.message)
        layout.addWidget(self.button)
        tasks.progress_reported.connect(self._progress)
        (self.password if profiles else self.server).setFocus()

    def submit(self) -> None:
        if not self.button.isEnabled():
            return
        server, account = self.server.text(), self.account.currentText()
        password, now, initial = self.password.text(), self.now(), self.initial_sync
        captcha = (self.captcha_id, self.captcha.text().strip()) if self.captcha_id else None
        self.captcha_id = None  # a captcha is good for one try
        self.button.setEnabled(False)
        self.message.setStyleSheet("")
        self.message.setText("正在登录…")

        def run(progress):  # noqa: ANN001, ANN202 - on the network lane
            return sign_in(server, account, password, now=now, initial_sync=initial,
                           progress=progress, captcha=captcha)
        self.tasks.network(run, self._done, self._failed, name="signin")

    def _load_captcha(self) -> None:
        server = self.server.text()
        self._form.setRowVisible(self.captcha_row, True)
        self.captcha.clear()

        def shown(result: tuple[str, bytes]) -> None:
            self.captcha_id = result[0]
            pixmap = QPixmap()
            pixmap.loadFromData(result[1], "PNG")
            self.captcha_image.setPixmap(pixmap)

        def failed(exc: BaseException) -> None:
            self.captcha_image.setText("验证码加载失败，请点“换一张”")

        self.tasks.network(lambda: fetch_captcha(server), shown, failed,
                           name="captcha")

    def _progress(self, name: str, done: int, total: int, text: str) -> None:
        if name == "signin" and text:
            self.message.setText(text + (f"（{done}/{total}）" if total else ""))

    def _done(self, result: SignedIn) -> None:
        self.result_value = result
        self.message.setText("")
        self.signed_in.emit(result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.button.setEnabled(True)
        self.message.setStyleSheet(ERROR_STYLE)
        if isinstance(exc, DomainError):
            self.message.setText(exc.message())
        else:
            self.message.setText("登录失败，请重试；如果问题重复出现，请联系管理员")
        if isinstance(exc, DomainError) and exc.params.get("captcha_required"):
            self._load_captcha()  # the server asks for one from now on: a fresh one each try
        if isinstance(exc, DomainError) and exc.code in ("captcha_required", "captcha_wrong"):
            self.captcha.setFocus()
            return
        self.password.selectAll()
        self.password.setFocus()
