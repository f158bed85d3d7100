"""工作日志: write today's entry (or back-fill an earlier day, marked 补填), see my recent
entries, and the statistics per person (days filled, days missed, total, back-filled)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QComboBox, QDateEdit, QHBoxLayout, QLabel, QPlainTextEdit,
                               QPushButton, QTabWidget, QVBoxLayout, QWidget)

from desktop.services import work_logs

from ..context import AppContext, local_today, worker_of
from ..widgets.errors import error_text
from ..widgets.forms import labelled_bar
from ..widgets.rows_model import RowsModel, rows_table
from ..widgets.tasks import GuardedTasks

PERIODS = (("month", "本月"), ("last_month", "上月"), ("30", "近 30 天"))


def period_range(code: str, today: dt.date) -> tuple[dt.date, dt.date]:
    first = today.replace(day=1)
    if code == "month":
        nxt = (first + dt.timedelta(days=32)).replace(day=1)
        return first, nxt - dt.timedelta(days=1)
    if code == "last_month":
        end = first - dt.timedelta(days=1)
        return end.replace(day=1), end
    return today - dt.timedelta(days=29), today


class WorkLogPage(QWidget):
    """Ctrl+S saves the entry for the chosen day. Signals: `log_saved(str)`,
    `stats_loaded(list)`, `logs_loaded(int)`."""

    log_saved = Signal(str)
    stats_loaded = Signal(list)
    logs_loaded = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tasks = GuardedTasks(ctx.tasks, self)
        self.existing = False
        today = local_today(ctx)
        self.day = QDateEdit(QDate(today.year, today.month, today.day))
        self.day.setCalendarPopup(True)
        self.day.setMaximumDate(QDate(today.year, today.month, today.day))
        self.day.dateChanged.connect(lambda _d: self.load_entry())
        self.backfill_hint = QLabel("")
        self.content = QPlainTextEdit()
        self.content.setTabChangesFocus(True)
        self.content.setPlaceholderText("今天做了哪些工作：走访、调解、台账更新、会议……")
        self.save_button = QPushButton("保存日志(&S)")
        self.save_button.clicked.connect(self.save)
        QShortcut(QKeySequence("Ctrl+S"), self, activated=self.save)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.mine = RowsModel([("日期", lambda r: r.log_date.isoformat()),
                               ("补填", lambda r: "补填" if r.backfilled else ""),
                               ("工作内容", lambda r: r.content.replace("\n", " "))])
        self.mine_view = rows_table(self.mine, "我的日志")
        self.mine_view.activated.connect(self._pick_row)

        write = QWidget()
        wl = QVBoxLayout(write)
        row = QHBoxLayout()
        lbl = QLabel("日期(&D)：")
        lbl.setBuddy(self.day)
        row.addWidget(lbl)
        row.addWidget(self.day)
        row.addWidget(self.backfill_hint, 1)
        wl.addLayout(row)
        lbl2 = QLabel("工作内容(&W)：")
        lbl2.setBuddy(self.content)
        wl.addWidget(lbl2)
        wl.addWidget(self.content, 1)
        wl.addWidget(self.save_button)
        wl.addWidget(QLabel("近 30 天的日志（回车打开）："))
        wl.addWidget(self.mine_view, 1)

        self.period = QComboBox()
        for code, text in PERIODS:
            self.period.addItem(text, code)
        self.period.currentIndexChanged.connect(lambda _i: self.load_stats())
        self.stats = RowsModel([("人员", lambda s: s.name), ("填写天数", lambda s: s.days_filled),
                                ("缺填天数", lambda s: s.days_missed), ("日志总数", lambda s: s.total),
                                ("补填条数", lambda s: s.backfilled)])
        self.stats_view = rows_table(self.stats, "日志统计")
        stats = QWidget()
        sl = QVBoxLayout(stats)
        sl.addLayout(labelled_bar("统计期间(&P)：", self.period))
        sl.addWidget(self.stats_view)

        self.tabs = QTabWidget()
        self.tabs.addTab(write, "写日志(&1)")
        self.tabs.addTab(stats, "日志统计(&2)")
        self.tabs.currentChanged.connect(lambda _i: self.refresh())
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.message)

    def chosen_day(self) -> dt.date:
        return self.day.date().toPython()

    def refresh(self) -> None:
        if self.tabs.currentIndex() == 0:
            self.load_entry()
            self.load_mine()
        else:
            self.load_stats()

    def load_entry(self) -> None:
        day, uid, today = self.chosen_day(), self.ctx.user.id, local_today(self.ctx)
        self.backfill_hint.setText("（补填，将标记为补填）" if day < today else "")
        self.tasks.read(lambda s: work_logs.entry_for(s, uid, day), self._show_entry,
                            self._failed)

    def _show_entry(self, content: str | None) -> None:
        self.existing = content is not None
        self.content.setPlainText(content or "")
        self.save_button.setText("修改日志(&S)" if self.existing else "保存日志(&S)")

    def load_mine(self) -> None:
        uid, today = self.ctx.user.id, local_today(self.ctx)
        self.tasks.read(
            lambda s: work_logs.logs_for(s, uid, today - dt.timedelta(days=29), today),
            self._show_mine, self._failed)

    def _show_mine(self, rows: list[Any]) -> None:
        self.mine.set_rows(rows)
        self.logs_loaded.emit(len(rows))

    def _pick_row(self, index) -> None:  # noqa: ANN001
        row = self.mine.row_at(index.row())
        if row is not None:
            d = row.log_date
            self.day.setDate(QDate(d.year, d.month, d.day))
            self.content.setFocus()

    def save(self) -> None:
        worker, now, day = worker_of(self.ctx), self.ctx.now(), self.chosen_day()
        text, replace, today = self.content.toPlainText(), self.existing, local_today(self.ctx)
        self.tasks.write(
            lambda s: work_logs.write_log(s, worker, day, text, now=now, replace=replace,
                                          today=today),
            self._saved, self._failed, touches="work_logs")

    def _saved(self, log_id: str) -> None:
        self.existing = True
        self.save_button.setText("修改日志(&S)")
        backfilled = self.chosen_day() < local_today(self.ctx)
        self.message.setText("日志已保存（补填）" if backfilled else "日志已保存")
        self.log_saved.emit(log_id)
        self.load_mine()

    def load_stats(self) -> None:
        today = local_today(self.ctx)
        start, end = period_range(self.period.currentData(), today)
        self.tasks.read(lambda s: work_logs.statistics(s, start, end, today=today),
                            self._show_stats, self._failed)

    def _show_stats(self, rows: list[Any]) -> None:
        self.stats.set_rows(rows)
        self.stats_loaded.emit(rows)

    def _failed(self, exc: BaseException) -> None:
        self.message.setText(error_text(exc))
