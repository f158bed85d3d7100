"""接诉即办: event lists (due today, overdue, mine, open, supervised, closed), an event's
details and timeline, the actions the worker's role allows, and new 随手拍 events."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QListWidget, QPushButton,
                               QSplitter, QVBoxLayout, QWidget)

from desktop.services import events

from ..context import AppContext, local_day_end, worker_of
from ..widgets.errors import error_text
from ..widgets.forms import labelled_bar
from ..widgets.labels import labels_of, local_time
from ..widgets.rows_model import RowsModel, rows_table
from ..widgets.tasks import GuardedTasks
from .dialogs import ActionDialog, EventDialog

LISTS = (("open", "全部待办"), ("due_today", "今日到期"), ("overdue", "已逾期"), ("mine", "我承办的"),
         ("supervised", "督办中"), ("closed", "已办结"), ("all", "全部"))
ACTION_KEYS = {"handle": "H", "assign": "A", "transfer": "Z", "escalate": "E",
               "supervise": "U", "postpone": "P", "close": "J", "comment": "B"}


class EventsPage(QWidget):
    """Ctrl+N new event; Alt+letter on each action button. Signals: `events_loaded(int)`,
    `detail_loaded(dict)`, `event_created(str)`, `acted(str)`."""

    events_loaded = Signal(int)
    detail_loaded = Signal(dict)
    event_created = Signal(str)
    acted = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._wanted_event: str | None = None
        self.ctx = ctx
        self.labels = labels_of(ctx)  # the synced dictionaries
        self.tasks = GuardedTasks(ctx.tasks, self)
        self.dialog = None
        self.detail: dict[str, Any] | None = None
        self.which = QComboBox()
        for code, text in LISTS:
            self.which.addItem(text, code)
        self.which.currentIndexChanged.connect(lambda _i: self.refresh())
        new = QPushButton("新建事件(&N)")
        new.clicked.connect(self.new_event)
        QShortcut(QKeySequence("Ctrl+N"), self, activated=self.new_event)
        self.model = RowsModel([
            ("标题", lambda e: e.title),
            ("类别", lambda e: self.labels.label("event_category", e.category)),
            ("状态", lambda e: self.labels.label("event_status", e.status)),
            ("紧急程度", lambda e: self.labels.label("priority", e.priority)),
            ("办结时限", lambda e: local_time(e.due_at, "%m-%d %H:%M")),
            ("承办人", lambda e: e.assignee), ("督办", lambda e: "督办" if e.supervised else ""),
            ("地点", lambda e: e.location)])
        self.view = rows_table(self.model, "事件列表")
        self.view.selectionModel().currentRowChanged.connect(
            lambda cur, _prev: self._load_detail(self.model.row_at(cur.row())))
        self.info = QLabel("")
        self.info.setWordWrap(True)
        self.timeline = QListWidget()
        self.timeline.setAccessibleName("办理过程")
        self.actions_row = QHBoxLayout()
        self.message = QLabel("")
        self.message.setWordWrap(True)

        top = labelled_bar("显示(&S)：", self.which)
        top.addWidget(new)
        detail = QWidget()
        dl = QVBoxLayout(detail)
        dl.addWidget(self.info)
        dl.addWidget(QLabel("办理过程："))
        dl.addWidget(self.timeline, 1)
        dl.addLayout(self.actions_row)
        split = QSplitter()
        split.addWidget(self.view)
        split.addWidget(detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addWidget(self.message)
        self.action_buttons: dict[str, QPushButton] = {}

    # -- lists ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        which, worker, now = self.which.currentData(), worker_of(self.ctx), self.ctx.now()
        day_end = local_day_end(self.ctx)
        self.tasks.read(
            lambda s: events.list_events(s, worker, which, now=now, day_end=day_end),
            self._show, self._failed)

    def _show(self, rows: list[Any]) -> None:
        current = self._wanted_event or (self.detail["id"] if self.detail else None)
        if self._wanted_event in {r.id for r in rows}:
            self._wanted_event = None
        self.model.set_rows(rows)
        self.events_loaded.emit(len(rows))
        ids = [r.id for r in rows]
        if rows:
            self.view.selectRow(ids.index(current) if current in ids else 0)
        else:
            self._show_detail(None)

    def _load_detail(self, row: Any) -> None:
        if row is None:
            self._show_detail(None)
            return
        worker = worker_of(self.ctx)
        self.tasks.read(lambda s: events.event_detail(s, worker, row.id), self._show_detail,
                            self._failed)

    def _show_detail(self, d: dict[str, Any] | None) -> None:
        self.detail = d
        self.timeline.clear()
        for b in self.action_buttons.values():
            b.deleteLater()
        self.action_buttons = {}
        if d is None:
            self.info.setText("")
            return
        due = local_time(d["due_at"]) or "无"
        self.info.setText(
            f"{d['title']}（{self.labels.label('event_status', d['status'])}，"
            f"{self.labels.label('priority', d['priority'])}"
            f"{'，督办' if d['supervised'] else ''}）\n"
            f"地点：{d['location'] or '—'}　办结时限：{due}　承办人：{d['assignee'] or '未指派'}\n"
            f"{d['description']}")
        for step in d["timeline"]:
            who = f"{step['actor']}" + (f" → {step['target']}" if step["target"] else "")
            note = f"：{step['note']}" if step["note"] else ""
            self.timeline.addItem(f"{local_time(step['at'], '%m-%d %H:%M')}　{step['label']}　{who}{note}")
        for action in d["actions"]:
            key = ACTION_KEYS.get(action, "")
            b = QPushButton(f"{self.labels.label('event_action', action)}(&{key})")
            b.clicked.connect(lambda _c=False, a=action: self.start_action(a))
            self.actions_row.addWidget(b)
            self.action_buttons[action] = b
        self.detail_loaded.emit(d)

    # -- actions -------------------------------------------------------------------------------
    def new_event(self, house_id: str | None = None) -> EventDialog:
        dialog = EventDialog(self.ctx, self, house_id=house_id)
        dialog.event_created.connect(self._created)
        self.dialog = dialog
        dialog.open()
        return dialog

    def open_record(self, event_id: str | None = None, house_id: str | None = None,
                    **_kw: Any) -> None:
        """From the home page's to-do list: that event selected among all open ones;
        otherwise (a QR check-in) a new event at the house."""
        if event_id is None:
            self.new_event(house_id=house_id)
            return
        self._wanted_event = event_id
        index = self.which.findData("open")
        if index >= 0 and index != self.which.currentIndex():
            self.which.setCurrentIndex(index)  # refreshes
        else:
            self.refresh()

    def _created(self, event_id: str) -> None:
        self.message.setText("事件已上报")
        self.event_created.emit(event_id)
        self.refresh()

    def start_action(self, action: str) -> ActionDialog | None:
        if self.detail is None:
            return None
        dialog = ActionDialog(self.ctx, self.detail["id"], action, self.detail["people"], self)
        dialog.acted.connect(self._acted)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _acted(self, action: str) -> None:
        self.message.setText(f"已{self.labels.label('event_action', action)}")
        self.acted.emit(action)
        self.refresh()

    def _failed(self, exc: BaseException) -> None:
        self.message.setText(error_text(exc))
