"""Camera photos do not linger in the clear (issue 10, accounts): a photo taken for a record is
written owner-only and deleted when the app quits, and frames for the QR decoder stay in memory."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage

from desktop.ui.qr import camera


@pytest.mark.qt
def test_a_camera_photo_is_owner_only_and_deleted_when_the_app_quits(qtbot, tmp_path,
                                                                      monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    widget = camera.CameraWidget()
    qtbot.addWidget(widget)
    frame = QImage(64, 48, QImage.Format.Format_RGB32)
    frame.fill(QColor("white"))
    widget._latest = frame  # what the last camera frame left
    path = Path(widget.grab_photo())
    assert path.exists() and path.parent == tmp_path
    if os.name == "posix":
        assert path.stat().st_mode & 0o777 == 0o600
    camera.discard_camera_files()  # what atexit runs
    assert not path.exists() and list(tmp_path.iterdir()) == []
