"""The main window: a navigation list on the left, the pages of the registry on the right."""
from __future__ import annotations

import base64
import json
import logging
import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QRect, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMainWindow,
                               QMessageBox, QStackedWidget, QWidget)

from common.errors import DomainError
from desktop.services.bundles import keep_key  # USB bundles on days without signal
from desktop.services.people_index import rebuild_index, refresh_pinyin

from .context import AppContext
from .pages import PAGES, PageSpec
from .sync.background import BackgroundSync, describe
from .widgets.labels import local_time

log = logging.getLogger(__name__)

DEFAULT_SIZE = (1280, 800)
FRAME_ALLOWANCE = (16, 40)
"""Room left for the window manager's title bar and borders before the first show."""
WINDOW_FILE = "window.json"
"""In the profile's folder: the window's last size, place and maximised state (no secrets)."""


class MainWindow(QMainWindow):
    """Builds each page the first time it is shown (fast cold start) and keeps it after."""

    def __init__(self, ctx: AppContext, pages: list[PageSpec] | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        ctx.navigate = self.navigate
        self.setWindowTitle(f"一张表 — {ctx.user.display_name}")
        self._specs: list[PageSpec] = []
        self._pages: dict[str, QWidget] = {}
        self.last_error: str = ""
        self._leaving = False
        # Background sync (ui/sync/background.py) when the profile has a server; made before
        # the first page so the home page can show its state.
        self.background: BackgroundSync | None = None
        if ctx.sync is not None:
            self.background = BackgroundSync(ctx.tasks, ctx.sync, self,
                                             **ctx.background_options,
                                             after_sync=keep_key)
            ctx.background = self.background
            self.background.revoked.connect(ctx.signed_out)

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setAccessibleName("功能导航")
        self.nav.setFixedWidth(150)
        self.nav.setSpacing(3)
        nav_font = self.nav.font()
        nav_font.setPointSizeF(nav_font.pointSizeF() * 1.2)  # relative: follows the system size
        self.nav.setFont(nav_font)
        self.stack = QStackedWidget()
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(4, 4, 4, 4)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        for spec in pages if pages is not None else PAGES:
            if not spec.visible_to(ctx.user.role, ctx.user.permissions):
                continue  # the role's permissions from the server (e.g. the config centre)
            self._specs.append(spec)
            item = QListWidgetItem(spec.title)
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            if spec.shortcut:
                item.setToolTip(f"{spec.title}（{spec.shortcut}）")
                QShortcut(QKeySequence(spec.shortcut), self,
                          activated=lambda k=spec.key: self.navigate(k))
            self.nav.addItem(item)
            placeholder = QWidget()
            self.stack.addWidget(placeholder)
        QShortcut(QKeySequence("Ctrl+L"), self, activated=self.nav.setFocus)

        self._busy = QLabel("")
        self.statusBar().addPermanentWidget(self._busy)
        self.sync_label = QLabel("", objectName="sync_status")
        if self.background is not None:
            self.statusBar().addPermanentWidget(self.sync_label)
            self.background.state_changed.connect(
                lambda st: self.sync_label.setText(describe(st, local_time)))
        ctx.tasks.task_failed.connect(self.show_error)
        ctx.tasks.busy_changed.connect(lambda b: self._busy.setText("处理中…" if b else ""))
        self.nav.currentRowChanged.connect(self._show_row)
        if self._specs:
            self.nav.setCurrentRow(0)
        # The in-memory people index (services/people_index.py): built once the window is up,
        # refreshed shortly after local writes and checked now and then for synced changes.
        self._index_timer = QTimer(self, singleShot=True, interval=800)
        self._index_timer.timeout.connect(self.refresh_people_index)
        ctx.tasks.data_changed.connect(
            lambda what: self._index_timer.start() if what != "search_index" else None)
        self._index_poll = QTimer(self, interval=30_000)
        self._index_poll.timeout.connect(self.refresh_people_index)
        self._index_poll.start()
        # The build is seconds of Python on a reader thread: beside the first page's reads it
        # would take the GIL from them and from the paint. So it starts once the home page shows
        # its figures (at once when the first page is another; after 3 s whatever happens).
        self._index_begun = False
        loaded = getattr(self.current_page(), "loaded", None)
        if loaded is not None:
            loaded.connect(self._begin_people_index)
            QTimer.singleShot(3000, self._begin_people_index)
        else:
            QTimer.singleShot(0, self._begin_people_index)
        self._fitted = False
        self._started = False
        self.place_on_screen()

    def _begin_people_index(self) -> None:
        if not self._index_begun:
            self._index_begun = True
            self.refresh_people_index()

    def refresh_people_index(self) -> None:
        """Rebuild the in-memory people index if the database changed; then bring the pinyin
        index up to date for people who arrived or were renamed (a write, so the writer lane)."""
        if self.ctx.tasks.engine is None:
            return

        def rebuilt(how: str) -> None:
            if how == "rebuilt":  # local saves index pinyin themselves; pulls do not
                self.ctx.tasks.write(refresh_pinyin, touches="search_index",
                                     name="pinyin_index")
        self.ctx.tasks.read(rebuild_index, rebuilt, lambda exc: log.warning(
            "people index not rebuilt: %s", exc), name="people_index")

    # -- navigation ----------------------------------------------------------------------------
    def page_keys(self) -> list[str]:
        return [s.key for s in self._specs]

    def page(self, key: str) -> QWidget:
        """The page for `key`, built on first use."""
        if key not in self._pages:
            row = self.page_keys().index(key)
            spec = self._specs[row]
            page = spec.page(self.ctx, self)
            page.setObjectName(f"page_{key}")
            old = self.stack.widget(row)
            self.stack.insertWidget(row, page)
            self.stack.removeWidget(old)
            old.deleteLater()
            self._pages[key] = page
        return self._pages[key]

    def navigate(self, key: str, **kw: object) -> None:
        """Show the page `key`; pass `kw` to its `open_record` (pages navigated to with
        arguments define one)."""
        if key not in self.page_keys():
            self.statusBar().showMessage("该功能暂不可用", 5000)
            return
        row = self.page_keys().index(key)
        if self.nav.currentRow() != row:
            self.nav.setCurrentRow(row)
        page = self.page(key)
        if kw:
            page.open_record(**kw)

    def current_page(self) -> QWidget | None:
        row = self.nav.currentRow()
        return self.page(self._specs[row].key) if row >= 0 else None

    def _show_row(self, row: int) -> None:
        if row < 0:
            return
        page = self.page(self._specs[row].key)
        self.stack.setCurrentIndex(row)
        page.refresh()

    # -- errors ----------------------------------------------------------------------------
    def show_error(self, exc: object) -> None:
        """Errors nobody else handled: a domain error's Chinese text, or a generic line."""
        if isinstance(exc, DomainError):
            text = exc.message()
        else:
            text = "操作失败，请重试；如果问题重复出现，请联系管理员"
        self.last_error = text
        self.statusBar().showMessage(text, 10000)

    # -- size and place ----------------------------------------------------------------------
    def _geometry_file(self) -> Path | None:
        folder = self.ctx.profile_dir
        return Path(folder) / WINDOW_FILE if folder is not None else None

    def place_on_screen(self) -> None:
        """Where the window was last closed (size, place, maximised), else a size that fits
        the screen's free area (a 1366x768 laptop with its task bar), centred."""
        if self._restore_geometry():
            return
        area = self._available()
        width = min(DEFAULT_SIZE[0], area.width() - FRAME_ALLOWANCE[0])
        height = min(DEFAULT_SIZE[1], area.height() - FRAME_ALLOWANCE[1])
        self.resize(max(width, 640), max(height, 480))
        self.move(area.x() + (area.width() - self.width()) // 2,
                  area.y() + max((area.height() - self.height() - FRAME_ALLOWANCE[1]) // 2, 0))

    def _available(self) -> QRect:
        screen = self.screen() or QGuiApplication.primaryScreen()
        return screen.availableGeometry()

    def _restore_geometry(self) -> bool:
        path = self._geometry_file()
        try:
            saved = json.loads(path.read_text("utf-8")) if path and path.exists() else None
            if not saved:
                return False
            ok = self.restoreGeometry(QByteArray(base64.b64decode(saved["geometry"])))
        except (OSError, ValueError, KeyError, TypeError) as err:
            log.warning("window geometry not restored: %s", err)
            return False
        if ok and saved.get("maximised"):
            self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)
        return bool(ok)

    def save_geometry(self) -> None:
        path = self._geometry_file()
        if path is None or not path.parent.exists():
            return
        data = {"geometry": base64.b64encode(bytes(self.saveGeometry().data())).decode("ascii"),
                "maximised": self.isMaximized()}
        tmp = path.with_suffix(".tmp")
        try:
            tmp.write_text(json.dumps(data), "utf-8")
            os.replace(tmp, path)
        except OSError as err:
            log.warning("window geometry not saved: %s", err)

    def showEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt's name
        super().showEvent(event)
        if self.background is not None and not self._started:
            self._started = True
            self.background.start()  # signed in: sync now if the server answers
        if not self._fitted and not self.isMaximized():
            self._fitted = True
            # Now the window manager's frame is known: pull the whole frame onto the screen.
            area, frame = self._available(), self.frameGeometry()
            if not area.contains(frame):
                extra_w = frame.width() - self.width()
                extra_h = frame.height() - self.height()
                self.resize(min(self.width(), area.width() - extra_w),
                            min(self.height(), area.height() - extra_h))
                frame = self.frameGeometry()
                self.move(min(max(frame.x(), area.x()), area.right() - frame.width() + 1),
                          min(max(frame.y(), area.y()), area.bottom() - frame.height() + 1))

    def closeEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt's name
        bg = self.background
        if bg is not None and not self._leaving and self.isVisible() and not bg.stopped \
                and bg.state.pending:
            choice = self.ask_before_closing(bg.state.pending)
            if choice == "cancel":
                event.ignore()
                return
            if choice == "sync":
                event.ignore()
                self.statusBar().showMessage("正在同步，完成后退出…")
                bg.sync_now(then=lambda _ok: self._leave())
                return
        if bg is not None:
            bg.stop()
        self.save_geometry()
        self.ctx.tasks.shutdown(wait=True)
        super().closeEvent(event)

    def ask_before_closing(self, pending: int) -> str:
        """Unsent edits at closing: "sync" (同步后退出), "close" (直接退出) or "cancel"."""
        box = QMessageBox(QMessageBox.Icon.Question, "还有修改没有上传",
                          f"本机还有 {pending} 条修改没有上传到服务器。\n"
                          "直接退出不会丢失这些修改，下次联网同步时会上传。", parent=self)
        box.setObjectName("close_question")
        sync = box.addButton("同步后退出", QMessageBox.ButtonRole.AcceptRole)
        leave = box.addButton("直接退出", QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton("取消", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(sync)
        box.setEscapeButton(cancel)
        box.exec()
        clicked = box.clickedButton()
        return "sync" if clicked is sync else "close" if clicked is leave else "cancel"

    def _leave(self) -> None:
        self._leaving = True
        self.close()
