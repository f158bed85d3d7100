"""The main window: a navigation list on the left, the pages of the registry on the right."""
from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMainWindow,
                               QStackedWidget, QWidget)

from common.errors import DomainError
from desktop.services.people_index import rebuild_index, refresh_pinyin

from .context import AppContext
from .pages import PAGES, PageSpec, load_page_class, page_available

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """Builds each page the first time it is shown (fast cold start) and keeps it after."""

    def __init__(self, ctx: AppContext, pages: list[PageSpec] | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        ctx.navigate = self.navigate
        self.setWindowTitle(f"一张表 — {ctx.user.display_name}")
        self.resize(1280, 800)
        self._specs: list[PageSpec] = []
        self._pages: dict[str, QWidget] = {}
        self.last_error: str = ""

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
            if not spec.visible_to(ctx.user.role):
                continue  # e.g. the config centre: county admins only (the server agrees)
            if not page_available(spec):
                log.info("page %s not installed", spec.key)
                continue
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
        # Not at once: the first pages' reads and paint come first on a cold start.
        QTimer.singleShot(2500, self.refresh_people_index)

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
        """The page for `key`, built on first use (its module imported then)."""
        if key not in self._pages:
            row = self.page_keys().index(key)
            spec = self._specs[row]
            cls = load_page_class(spec)
            if cls is None:
                page = QLabel(f"“{spec.title}”暂时无法打开（功能模块加载失败），其他功能不受影响")
                page.setAlignment(Qt.AlignmentFlag.AlignCenter)
            else:
                page = cls(self.ctx, self)
            page.setObjectName(f"page_{key}")
            old = self.stack.widget(row)
            self.stack.insertWidget(row, page)
            self.stack.removeWidget(old)
            old.deleteLater()
            self._pages[key] = page
        return self._pages[key]

    def navigate(self, key: str, **kw: object) -> None:
        """Show the page `key`; pass `kw` to its `open_record` if it has one."""
        if key not in self.page_keys():
            self.statusBar().showMessage("该功能暂不可用", 5000)
            return
        row = self.page_keys().index(key)
        if self.nav.currentRow() != row:
            self.nav.setCurrentRow(row)
        page = self.page(key)
        if kw and hasattr(page, "open_record"):
            page.open_record(**kw)

    def current_page(self) -> QWidget | None:
        row = self.nav.currentRow()
        return self.page(self._specs[row].key) if row >= 0 else None

    def _show_row(self, row: int) -> None:
        if row < 0:
            return
        page = self.page(self._specs[row].key)
        self.stack.setCurrentIndex(row)
        if hasattr(page, "refresh"):
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

    def closeEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt's name
        self.ctx.tasks.shutdown(wait=True)
        super().closeEvent(event)
