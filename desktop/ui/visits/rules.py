"""The automatic visit rules dialog: which tagged people are visited how often."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QSpinBox, QVBoxLayout)

from desktop.services import visits

from ..context import AppContext, worker_of
from ..widgets.errors import error_text
from ..widgets.labels import labels_of
from ..widgets.rows_model import RowsModel
from ..widgets.tasks import GuardedTasks


class RulesDialog(QDialog):
    """Lists the rules; adds one (name, tag, every N days), the county's usual ones, or
    switches one on/off. Signal `rules_changed()`."""

    rules_changed = Signal()

    def __init__(self, ctx: AppContext, parent=None) -> None:  # noqa: ANN001
        super().__init__(parent)
        self.ctx = ctx
        self.tasks = GuardedTasks(ctx.tasks, self)
        labels = labels_of(ctx)
        self.setWindowTitle("自动走访规则")
        self.resize(560, 420)
        from ..widgets.rows_model import rows_table
        self.model = RowsModel([("规则名称", lambda r: r.name),
                                ("对象标签", lambda r: labels.label("tag", r.tag_code)),
                                ("周期(天)", lambda r: r.interval_days),
                                ("状态", lambda r: "启用" if r.active else "停用")])
        self.view = rows_table(self.model, "自动走访规则")
        self.name = QLineEdit()
        self.name.setPlaceholderText("如：残疾人每两周走访")
        self.tag = QComboBox()
        for code, text in labels.options("tag"):
            self.tag.addItem(text, code)
        self.days = QSpinBox()
        self.days.setRange(1, 365)
        self.days.setValue(14)
        add = QPushButton("添加规则(&A)")
        add.clicked.connect(self.add_rule)
        defaults = QPushButton("添加常用规则(&D)")
        defaults.clicked.connect(self.add_defaults)
        toggle = QPushButton("启用/停用(&E)")
        toggle.clicked.connect(self.toggle_selected)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        form = QHBoxLayout()
        for text, w in (("名称(&N)：", self.name), ("标签(&T)：", self.tag), ("每(&Y)", self.days)):
            lbl = QLabel(text)
            lbl.setBuddy(w)
            form.addWidget(lbl)
            form.addWidget(w)
        form.addWidget(QLabel("天"))
        form.addWidget(add)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(defaults)
        row.addWidget(toggle)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)
        layout.addLayout(row)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.reload()

    def reload(self) -> None:
        self.tasks.read(lambda s: visits.list_rules(s), self.model.set_rows, self._failed)

    def add_rule(self) -> None:
        values = {"name": self.name.text().strip(), "tag_code": self.tag.currentData(),
                  "interval_days": self.days.value()}
        worker, now = worker_of(self.ctx), self.ctx.now()
        self.tasks.write(lambda s: visits.save_rule(s, worker, values, now=now), self._changed,
                         self._failed, touches="visit_rules")

    def add_defaults(self) -> None:
        worker, now = worker_of(self.ctx), self.ctx.now()
        self.tasks.write(lambda s: visits.ensure_default_rules(s, worker, now=now),
                         self._changed, self._failed, touches="visit_rules")

    def toggle_selected(self) -> None:
        idx = self.view.currentIndex()
        rule = self.model.row_at(idx.row()) if idx.isValid() else None
        if rule is None:
            return
        now, active = self.ctx.now(), not rule.active
        self.tasks.write(lambda s: visits.set_rule_active(s, rule.id, active, now=now),
                         self._changed, self._failed, touches="visit_rules")

    def _changed(self, _result: object) -> None:
        self.message.setText("规则已保存，下次刷新任务时生效")
        self.rules_changed.emit()
        self.reload()

    def _failed(self, exc: BaseException) -> None:
        self.message.setText(error_text(exc))
