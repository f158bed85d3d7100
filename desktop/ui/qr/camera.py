"""The laptop camera: a live preview that hands grayscale frames to the QR decoder a few times a
second, and can keep the current frame as a photo. QtMultimedia (pyside6-addons) is imported
when the camera is first started; a machine without a camera gets a Chinese line instead."""
from __future__ import annotations

import atexit
import os
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

# Photos taken with the camera wait in the temp folder (0600, mkstemp) only until the record
# that attaches them has copied them into the profile's encrypted photo store; they are deleted
# when the app quits at the latest. Frames for the QR decoder never touch the disk.
_WRITTEN: list[Path] = []


def discard_camera_files() -> None:
    """Delete every photo this process wrote to the temp folder (also run at exit)."""
    while _WRITTEN:
        _WRITTEN.pop().unlink(missing_ok=True)


atexit.register(discard_camera_files)

FRAME_INTERVAL_S = 0.3
"""Decode at most ~3 frames a second: enough to catch a plate held still, light on a cheap CPU."""


def gray_bytes(image: QImage) -> tuple[int, int, bytes, int]:
    """(width, height, pixels, stride) of an image as 8-bit grayscale, for the decoder."""
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    return gray.width(), gray.height(), bytes(gray.constBits()), gray.bytesPerLine()


class CameraWidget(QWidget):
    """Owns one QCamera while started. Signals: `frame_ready(QImage)` (throttled),
    `camera_failed(str)` (no camera, or it stopped with an error, in Chinese)."""

    frame_ready = Signal(QImage)
    camera_failed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._camera = None
        self._session = None
        self._video = None
        self._last_emit = 0.0
        self._latest: QImage | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._hint = QLabel("摄像头未启动")
        self._layout.addWidget(self._hint)

    def is_running(self) -> bool:
        return self._camera is not None

    def start(self) -> bool:
        """Start the default camera; False (and `camera_failed`) when there is none."""
        if self._camera is not None:
            return True
        # Imported when first used: loading QtMultimedia probes the system's media back-ends
        # (about 0.13 s, and log lines), which no other page needs.
        from PySide6.QtMultimedia import QCamera, QMediaCaptureSession, QMediaDevices
        from PySide6.QtMultimediaWidgets import QVideoWidget
        device = QMediaDevices.defaultVideoInput()
        if device.isNull():
            self.camera_failed.emit("没有找到可用的摄像头，可以改为打开门牌照片")
            return False
        self._camera = QCamera(device)
        self._session = QMediaCaptureSession()
        self._session.setCamera(self._camera)
        self._video = QVideoWidget()
        self._video.setMinimumSize(320, 240)
        self._layout.addWidget(self._video)
        self._session.setVideoOutput(self._video)
        self._video.videoSink().videoFrameChanged.connect(self._on_frame)
        self._camera.errorOccurred.connect(lambda _e, text: self._fail(text))
        self._hint.setText("请将门牌二维码对准摄像头")
        self._camera.start()
        return True

    def stop(self) -> None:
        if self._camera is not None:
            self._camera.stop()
            self._camera.deleteLater()
            self._camera = None
        if self._video is not None:
            self._video.deleteLater()
            self._video = None
        self._session = None
        self._hint.setText("摄像头未启动")

    def grab_photo(self) -> str | None:
        """Save the current frame as a JPEG in the temp folder; its path (or None)."""
        if self._latest is None or self._latest.isNull():
            return None
        fd, name = tempfile.mkstemp(prefix="yzb_camera_", suffix=".jpg")
        os.close(fd)
        path = Path(name)
        _WRITTEN.append(path)
        self._latest.save(str(path), "JPG", 90)
        return str(path)

    def _on_frame(self, frame) -> None:  # noqa: ANN001 - a QVideoFrame
        now = time.monotonic()
        if now - self._last_emit < FRAME_INTERVAL_S:
            return
        image = frame.toImage()
        if image.isNull():
            return
        self._last_emit = now
        self._latest = image
        self.frame_ready.emit(image)

    def _fail(self, text: str) -> None:
        self.stop()
        self.camera_failed.emit(f"摄像头出错：{text}" if text else "摄像头出错")


def take_photo(parent: QWidget | None = None) -> str | None:
    """A small dialog with the live camera and a 拍摄 button; the saved photo's path or None."""
    from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox

    dialog = QDialog(parent)
    dialog.setWindowTitle("拍照")
    cam = CameraWidget(dialog)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    shoot = buttons.addButton("拍摄(&S)", QDialogButtonBox.ButtonRole.AcceptRole)
    shoot.setDefault(True)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(cam, 1)
    layout.addWidget(buttons)
    if not cam.start():
        QMessageBox.information(parent, "拍照", "没有找到可用的摄像头，请改用“添加照片”选择照片文件")
        return None
    path = cam.grab_photo() if dialog.exec() == QDialog.DialogCode.Accepted else None
    cam.stop()
    return path
