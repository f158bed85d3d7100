"""扫码入户: check in at a house by its door-plate QR (camera or a photo of the plate), and print
plates; a scanned web console sign-in QR (or a typed code) opens 扫码登录网页 instead. A good plate opens the house and starts a visit with the check-in time; a plate from
another grid, a forged or a damaged one gets its own plain message."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QPushButton,
                               QVBoxLayout, QWidget)

from desktop.services import doorplates, web_sign_in
from desktop.services.doorplates import CheckIn

from ..context import AppContext, worker_of
from ..widgets.errors import error_text
from ..widgets.file_dialogs import open_file
from ..widgets.labels import local_time
from ..widgets.photos import PHOTO_FILTER
from ..widgets.tasks import GuardedTasks
from .camera import CameraWidget, gray_bytes
from .labels import LabelPrintDialog


class QrPage(QWidget):
    """Signals: `checked_in(CheckIn)`, `check_in_failed(str)` (the Chinese reason)."""

    checked_in = Signal(object)
    check_in_failed = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tasks = GuardedTasks(ctx.tasks, self)
        self.last: CheckIn | None = None
        self._decoding = False
        self._checking_in = False
        open_photo = QPushButton("打开门牌照片(&O)…")
        open_photo.setToolTip("Ctrl+O")
        open_photo.clicked.connect(self._choose_photo)
        self.camera_button = QPushButton("启动摄像头(&K)")
        self.camera_button.clicked.connect(self.toggle_camera)
        print_button = QPushButton("打印门牌(&P)…")
        print_button.clicked.connect(self.open_label_dialog)
        web_button = QPushButton("扫码登录网页(&W)…")
        web_button.setToolTip("确认网页管理端“扫码登录”页显示的登录码（也可用摄像头扫它的二维码）")
        web_button.clicked.connect(lambda: self.open_web_sign_in())
        web_button.setEnabled(ctx.sync is not None)
        QShortcut(QKeySequence("Ctrl+O"), self, activated=self._choose_photo)

        self.message = QLabel("扫描门牌二维码即可入户签到并开始走访")
        self.message.setObjectName("qr_message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("font-size: 16px;")
        self.residents = QListWidget()
        self.residents.setAccessibleName("住户")
        self.residents.setMaximumHeight(140)
        self.visit_button = QPushButton("填写走访记录(&V)")
        self.visit_button.setEnabled(False)
        self.visit_button.clicked.connect(self.open_visit)
        self.house_button = QPushButton("查看房屋(&H)")
        self.house_button.setEnabled(False)
        self.house_button.clicked.connect(
            lambda: self.last and self.ctx.navigate("places", house_id=self.last.house_id))
        self.event_button = QPushButton("上报事件(&E)")
        self.event_button.setEnabled(False)
        self.event_button.clicked.connect(
            lambda: self.last and self.ctx.navigate("events", house_id=self.last.house_id))
        self.camera = CameraWidget()
        self.camera.frame_ready.connect(self.scan_frame)
        self.camera.camera_failed.connect(self._show_error_text)

        row = QHBoxLayout()
        for b in (open_photo, self.camera_button, print_button, web_button):
            row.addWidget(b)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(QLabel("住户："))
        layout.addWidget(self.residents)
        actions = QHBoxLayout()
        actions.addWidget(self.visit_button)
        actions.addWidget(self.house_button)
        actions.addWidget(self.event_button)
        actions.addStretch(1)
        layout.addLayout(actions)
        layout.addWidget(self.camera, 1)

    # -- the three ways in ---------------------------------------------------------------------
    def refresh(self) -> None:
        """Nothing to reload when shown: the page waits for a scan or a photo."""

    def check_in_file(self, path: str) -> None:
        """Check in from a photo of a plate (decoded and recorded on the writer thread)."""
        worker, now = worker_of(self.ctx), self.ctx.now()
        self.message.setText("正在识别…")
        self.tasks.write(
            lambda s: doorplates.check_in_from_file(s, worker, path, now=now),
            self._checked_in, self._failed, touches="visits")

    def check_in_texts(self, texts: list[str]) -> None:
        worker, now = worker_of(self.ctx), self.ctx.now()
        self._checking_in = True
        self.tasks.write(lambda s: doorplates.check_in(s, worker, texts, now=now),
                             self._checked_in, self._failed, touches="visits")

    def toggle_camera(self) -> None:
        if self.camera.is_running():
            self.camera.stop()
            self.camera_button.setText("启动摄像头(&K)")
        elif self.camera.start():
            self.camera_button.setText("关闭摄像头(&K)")

    def scan_frame(self, image: QImage) -> None:
        """Decode one camera frame off the GUI thread; a plate found checks in once."""
        if self._decoding or self._checking_in:
            return  # one frame at a time: a slow laptop skips frames rather than queueing them
        self._decoding = True
        w, h, data, stride = gray_bytes(image)
        self.tasks.read(lambda _s: doorplates.decode_gray_frame(w, h, data, stride),
                            self._decoded, lambda _e: setattr(self, "_decoding", False))

    def _decoded(self, texts: list[str]) -> None:
        self._decoding = False
        if not texts or self._checking_in:
            return
        if self.camera.is_running():
            self.toggle_camera()  # one plate, one check-in
        link = next((t for t in texts if web_sign_in.is_sign_in_link(t)), None)
        if link is not None:  # the QR of a browser waiting to sign in, not a door plate
            self.open_web_sign_in(link)
            return
        self.check_in_texts(texts)

    def open_web_sign_in(self, code: str = "") -> Any:
        """扫码登录网页: confirm a browser's sign-in code (typed, or read by the camera)."""
        from ..sync.web_sign_in import open_web_sign_in
        if code:
            self.message.setText("识别到网页登录码，请在弹出的窗口中确认")
        return open_web_sign_in(self.ctx, self, code)

    def _choose_photo(self) -> None:
        path = open_file(self, "打开门牌照片", "", PHOTO_FILTER)
        if path:
            self.check_in_file(path)

    # -- outcomes ------------------------------------------------------------------------------
    def _checked_in(self, result: CheckIn) -> None:
        self._checking_in = False
        self.last = result
        at = local_time(result.checkin_at, "%H:%M")
        self.message.setText(f"已签到：{result.door_plate}（{at}），走访已开始")
        self.residents.clear()
        self.residents.addItems([name for _pid, name in result.residents] or ["（无登记住户）"])
        self.visit_button.setEnabled(True)
        self.house_button.setEnabled(True)
        self.event_button.setEnabled(True)
        self.visit_button.setFocus()
        self.checked_in.emit(result)

    def _failed(self, exc: BaseException) -> None:
        self._checking_in = False
        self._show_error_text(error_text(exc))

    def _show_error_text(self, text: str) -> None:
        self.message.setText(text)
        self.check_in_failed.emit(text)

    def open_visit(self) -> None:
        if self.last is not None:
            self.ctx.navigate("visits", visit_id=self.last.visit_id, house_id=self.last.house_id)

    def open_label_dialog(self) -> LabelPrintDialog:
        dialog = LabelPrintDialog(self.ctx, self)
        dialog.show()
        return dialog

    def hideEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt's name
        if self.camera.is_running():  # never leave the camera light on behind another page
            self.toggle_camera()
        super().hideEvent(event)
