"""The photo list of a record's form: add from a file or the camera, remove."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtWidgets import QHBoxLayout, QListWidget, QPushButton, QVBoxLayout, QWidget

from .file_dialogs import open_files

PHOTO_FILTER = "图片 (*.jpg *.jpeg *.png *.webp)"


class PhotoListWidget(QWidget):
    """Photos chosen for a record: add from a file (Alt+P) or the camera, remove (Delete)."""

    def __init__(self, parent: QWidget | None = None, camera_grab: Callable[[], str | None]
                 | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setAccessibleName("照片")
        self.list.setMaximumHeight(90)
        add = QPushButton("添加照片(&P)…")
        add.clicked.connect(self._choose)
        remove = QPushButton("移除照片")
        remove.clicked.connect(self._remove)
        buttons = QVBoxLayout()
        buttons.addWidget(add)
        if camera_grab is not None:
            shot = QPushButton("拍照(&C)")
            shot.clicked.connect(lambda: self._add_path(camera_grab()))
            buttons.addWidget(shot)
        buttons.addWidget(remove)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)

    def paths(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def add_paths(self, paths: list[str | Path]) -> None:
        for p in paths:
            self._add_path(str(p))

    def _add_path(self, path: str | None) -> None:
        if path and path not in self.paths():
            self.list.addItem(path)

    def _choose(self) -> None:
        files = open_files(self, "选择照片", "", PHOTO_FILTER)
        self.add_paths(files)

    def _remove(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))
