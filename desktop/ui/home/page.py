"""首页: counts for the scope, visits due and overdue, open events, sync state, tagged groups."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFrame, QGridLayout, QGroupBox, QHBoxLayout, QLabel,
                               QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget)

from desktop.services.home import HomeFigures, TodayItem, home_figures, tag_counts, today_work
from desktop.services.workflows import work_items

from ..context import AppContext, local_today, worker_of
from ..widgets.labels import labels_of, local_time

CARDS = (("people", "人口", "search"), ("households", "户", "households"),
         ("houses", "房屋", "places"), ("organisations", "单位", "organisations"),
         ("tagged_people", "重点人群", "search"), ("visits_due_today", "今日待走访", "visits"),
         ("visits_overdue", "逾期走访", "visits"), ("open_events", "未办结事件", "events"),
         ("pending_changes", "待上传的修改", "sync"))


class FigureCard(QPushButton):
    """A big number with its caption; pressing it (Enter/Space) opens the related page."""

    def __init__(self, caption: str, parent: Any = None) -> None:
        super().__init__(parent)
        self.caption = caption
        self.setMinimumSize(150, 80)
        self.set_value("…")

    def set_value(self, value: Any) -> None:
        self.setText(f"{value}\n{self.caption}")
        self.setAccessibleName(f"{self.caption} {value}")


class HomePage(QWidget):
    loaded = Signal()  # the figures are shown (the main window then builds the people index)

    def __init__(self, ctx: AppContext, parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.labels = labels_of(ctx)
        self.figures: HomeFigures | None = None
        title = QLabel(f"{ctx.user.display_name}，您好")
        title.setStyleSheet("font-size: 20px; font-weight: bold;")
        self.sync_line = QLabel("", objectName="sync_line")
        # online/offline, pending edits, last sync and conflicts from the background sync
        self.background = ctx.background
        if self.background is not None:
            self.background.state_changed.connect(self._sync_state_changed)
            self.sync_line.setCursor(Qt.CursorShape.PointingHandCursor)
            self.sync_line.setToolTip("同步状态；点击打开“数据同步”")
            self.sync_line.mousePressEvent = lambda _e: ctx.navigate("sync")
        grid = QGridLayout()
        self.cards: dict[str, FigureCard] = {}
        for i, (key, caption, page) in enumerate(CARDS):
            card = FigureCard(caption)
            card.setObjectName(f"card_{key}")
            card.setStyleSheet("QPushButton { font-size: 16px; text-align: center; }")
            card.clicked.connect(lambda _c=False, p=page: ctx.navigate(p))
            grid.addWidget(card, i // 5, i % 5)
            self.cards[key] = card
        # my work items (申请与审核): reviews waiting for me, my requests sent back
        self.work_cards: dict[str, FigureCard] = {}
        for i, (key, caption) in enumerate((("to_review", "待我审核"), ("overdue", "超期未审核"),
                                            ("returned", "被退回的申请"))):
            card = FigureCard(caption)
            card.setObjectName(f"card_{key}")
            card.clicked.connect(lambda _c=False: ctx.navigate("workflows"))
            grid.addWidget(card, 2, i)
            self.work_cards[key] = card
        self.tags = QLabel("", objectName="tag_counts")
        self.tags.setWordWrap(True)
        self.tags.setTextFormat(Qt.TextFormat.PlainText)
        frame = QFrame()
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        fv = QVBoxLayout(frame)
        fv.addWidget(QLabel("重点人群"))
        fv.addWidget(self.tags)
        # what to do today, most overdue first; Enter or a double-click opens the work page
        self.task_list = self._todo_list("today_tasks", "visits", "task_id")
        self.event_list = self._todo_list("today_events", "events", "event_id")
        todo = QHBoxLayout()
        for caption, view in (("今日及逾期的走访任务", self.task_list),
                              ("今明两天到期及已逾期的事件", self.event_list)):
            box = QGroupBox(caption)
            QVBoxLayout(box).addWidget(view)
            todo.addWidget(box)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.sync_line)
        layout.addLayout(grid)
        layout.addWidget(frame)
        layout.addLayout(todo, 1)
        ctx.tasks.data_changed.connect(lambda _w: self.refresh() if self.isVisible() else None)

    def _todo_list(self, name: str, page: str, key: str) -> QListWidget:
        view = QListWidget(objectName=name)
        view.itemActivated.connect(
            lambda item: self.ctx.navigate(page, **{key: item.data(Qt.ItemDataRole.UserRole)}))
        return view

    def refresh(self) -> None:
        today = local_today(self.ctx)  # the worker's calendar day, not UTC's
        worker = worker_of(self.ctx)
        self.ctx.tasks.read(lambda s: (home_figures(s, today=today), tag_counts(s),
                                       today_work(s, today=today),
                                       work_items(s, worker, today=today)), self._loaded)

    @staticmethod
    def _fill(view: QListWidget, items: list[TodayItem], empty: str) -> None:
        view.clear()
        for it in items:
            when = f"逾期 {it.days_late} 天" if it.days_late else \
                (f"{it.due:%m-%d} 到期" if it.due else "")
            row = QListWidgetItem(f"{it.title}　{when}")
            row.setData(Qt.ItemDataRole.UserRole, it.id)
            if it.days_late:
                row.setForeground(Qt.GlobalColor.darkRed)
            view.addItem(row)
        if not items:
            view.addItem(empty)

    def _sync_state_changed(self, state: Any) -> None:
        from ..sync.background import describe
        self.sync_line.setText(describe(state, local_time))
        self.cards["pending_changes"].set_value(state.pending)

    def _loaded(self, result: tuple) -> None:
        figures, tags, (tasks, events), items = result
        for key, card in self.work_cards.items():
            card.set_value(getattr(items, key))
        self._fill(self.task_list, tasks, "今天没有待走访的任务")
        self._fill(self.event_list, events, "没有临期或逾期的事件")
        self.figures = figures
        for key, card in self.cards.items():
            card.set_value(getattr(figures, key))
        if self.background is not None:
            self._sync_state_changed(self.background.state)
        else:
            when = local_time(figures.last_sync_at) if figures.last_sync_at \
                else "尚未同步"
            self.sync_line.setText(f"上次同步：{when}　待上传的修改：{figures.pending_changes} 条")
        self.tags.setText("　".join(f"{self.labels.label('tag', code)} {n} 人"
                                   for code, n in sorted(tags.items(), key=lambda t: -t[1]))
                          or "暂无")
        self.loaded.emit()
