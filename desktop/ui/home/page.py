"""首页: counts for the scope, visits due and overdue, open events, sync state, tagged groups."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QFrame, QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget)

from desktop.services.home import HomeFigures, home_figures, tag_counts

from ..context import AppContext
from ..widgets.labels import labels_of

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
    def __init__(self, ctx: AppContext, parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.labels = labels_of(ctx)
        self.figures: HomeFigures | None = None
        title = QLabel(f"{ctx.user.display_name}，您好")
        title.setStyleSheet("font-size: 20px; font-weight: bold;")
        self.sync_line = QLabel("", objectName="sync_line")
        grid = QGridLayout()
        self.cards: dict[str, FigureCard] = {}
        for i, (key, caption, page) in enumerate(CARDS):
            card = FigureCard(caption)
            card.setObjectName(f"card_{key}")
            card.setStyleSheet("QPushButton { font-size: 16px; text-align: center; }")
            card.clicked.connect(lambda _c=False, p=page: ctx.navigate(p))
            grid.addWidget(card, i // 5, i % 5)
            self.cards[key] = card
        self.tags = QLabel("", objectName="tag_counts")
        self.tags.setWordWrap(True)
        self.tags.setTextFormat(Qt.TextFormat.PlainText)
        frame = QFrame()
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        fv = QVBoxLayout(frame)
        fv.addWidget(QLabel("重点人群"))
        fv.addWidget(self.tags)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.sync_line)
        layout.addLayout(grid)
        layout.addWidget(frame)
        layout.addStretch(1)
        ctx.tasks.data_changed.connect(lambda _w: self.refresh() if self.isVisible() else None)

    def refresh(self) -> None:
        today = self.ctx.now().date()
        self.ctx.tasks.read(lambda s: (home_figures(s, today=today), tag_counts(s)),
                            self._loaded)

    def _loaded(self, result: tuple[HomeFigures, dict[str, int]]) -> None:
        figures, tags = result
        self.figures = figures
        for key, card in self.cards.items():
            card.set_value(getattr(figures, key))
        when = figures.last_sync_at.strftime("%Y-%m-%d %H:%M") if figures.last_sync_at \
            else "尚未同步"
        self.sync_line.setText(f"上次同步：{when}　待上传的修改：{figures.pending_changes} 条")
        self.tags.setText("　".join(f"{self.labels.label('tag', code)} {n} 人"
                                   for code, n in sorted(tags.items(), key=lambda t: -t[1]))
                          or "暂无")
