"""申请与审核 (工作事项): requests waiting for my decision (通过 / 不通过 / 退回 with a note), my own
requests (撤回; the server's refusal shown beside them), and claiming a person into my grid by
their full ID number (offline too: the claim goes with the next sync)."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QTabWidget, QVBoxLayout, QWidget)

from common import workflows as wf
from common.errors import DomainError
from desktop.services import workflows

from ..context import AppContext, worker_of
from ..widgets.errors import error_text
from ..widgets.rows_model import RowsModel, rows_table
from ..widgets.tasks import GuardedTasks

DECISIONS = ((wf.APPROVED, "通过(&A)"), (wf.REFUSED, "不通过(&R)"), (wf.RETURNED, "退回(&B)"))
DONE = {wf.APPROVED: "已通过", wf.REFUSED: "已不通过", wf.RETURNED: "已退回",
        wf.WITHDRAWN: "已撤回", wf.SUBMITTED: "已重新提交"}


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


class WorkflowsPage(QWidget):
    """Signals: `requests_loaded(int, int)` (waiting for me, mine), `request_saved(str)`,
    `looked_up(dict)` (the server's answer to a lookup by ID number)."""

    requests_loaded = Signal(int, int)
    request_saved = Signal(str)
    looked_up = Signal(dict)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tasks = GuardedTasks(ctx.tasks, self)
        self.waiting = RowsModel([
            ("申请类型", lambda r: r.kind), ("姓名", lambda r: r.name),
            ("公民身份号码", lambda r: r.id_number), ("原网格", lambda r: r.from_grid),
            ("目标网格", lambda r: r.to_grid), ("申请时间", lambda r: _when(r.filed_at)),
            ("办理期限", lambda r: r.due.isoformat() if r.due else ""),
            ("申请理由", lambda r: r.reason)])
        self.waiting_view = rows_table(self.waiting, "待我审核")
        self.note = QLineEdit(objectName="note")
        self.note.setPlaceholderText("审核意见（不通过或退回时必填）")
        self.decide_buttons: dict[str, QPushButton] = {}
        decide = QHBoxLayout()
        lbl = QLabel("审核意见(&N)：")
        lbl.setBuddy(self.note)
        decide.addWidget(lbl)
        decide.addWidget(self.note, 1)
        for state, text in DECISIONS:
            button = QPushButton(text, objectName=f"decide_{state}")
            button.clicked.connect(lambda _c=False, s=state: self.decide(s))
            decide.addWidget(button)
            self.decide_buttons[state] = button
        review = QWidget()
        rl = QVBoxLayout(review)
        rl.addWidget(self.waiting_view, 1)
        rl.addLayout(decide)

        self.mine = RowsModel([
            ("申请类型", lambda r: r.kind), ("姓名", lambda r: r.name),
            ("公民身份号码", lambda r: r.id_number), ("目标网格", lambda r: r.to_grid),
            ("申请时间", lambda r: _when(r.filed_at)), ("办理状态", lambda r: r.state),
            ("审核意见", lambda r: r.note), ("未被受理的原因", lambda r: r.refused)])
        self.mine_view = rows_table(self.mine, "我的申请")
        self.withdraw_button = QPushButton("撤回(&W)", objectName="withdraw")
        self.withdraw_button.clicked.connect(self.withdraw)
        self.new_reason = QLineEdit(objectName="resubmit_reason")
        self.new_reason.setPlaceholderText("按审核意见修改后的申请理由（不填则沿用原理由）")
        self.resubmit_button = QPushButton("重新提交(&S)", objectName="resubmit")
        self.resubmit_button.setToolTip("被退回的申请修改后重新提交（离线也可，同步后由原审核单位审核）")
        self.resubmit_button.clicked.connect(self.resubmit)
        self.mine_view.clicked.connect(self._mine_selected)
        self.id_number = QLineEdit(objectName="claim_id_number")
        self.id_number.setMaxLength(24)
        self.reason = QLineEdit(objectName="claim_reason")
        self.lookup_button = QPushButton("联网查找(&L)", objectName="lookup")
        self.lookup_button.setToolTip("在全县按完整身份证号查找该人员所在网格（需联网，只显示网格和部分姓名）")
        self.lookup_button.clicked.connect(self.lookup)
        self.claim_button = QPushButton("提交认领(&C)", objectName="claim")
        self.claim_button.clicked.connect(self.claim)
        claim = QGroupBox("认领人员到本网格（输入完整身份证号，离线也可提交，同步后由其现所在网格审核）")
        cl = QHBoxLayout(claim)
        for text, edit in (("身份证号(&I)：", self.id_number), ("申请理由(&E)：", self.reason)):
            label = QLabel(text)
            label.setBuddy(edit)
            cl.addWidget(label)
            cl.addWidget(edit, 1)
        cl.addWidget(self.lookup_button)
        cl.addWidget(self.claim_button)
        own = QWidget()
        ol = QVBoxLayout(own)
        ol.addWidget(claim)
        ol.addWidget(self.mine_view, 1)
        own_steps = QHBoxLayout()
        reason_label = QLabel("修改理由(&M)：")
        reason_label.setBuddy(self.new_reason)
        own_steps.addWidget(reason_label)
        own_steps.addWidget(self.new_reason, 1)
        own_steps.addWidget(self.resubmit_button)
        own_steps.addWidget(self.withdraw_button)
        ol.addLayout(own_steps)

        self.tabs = QTabWidget()
        self.tabs.addTab(review, "待我审核(&1)")
        self.tabs.addTab(own, "我的申请(&2)")
        self.message = QLabel("", objectName="message")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)
        ctx.tasks.data_changed.connect(lambda _w: self.refresh() if self.isVisible() else None)

    def refresh(self) -> None:
        worker = worker_of(self.ctx)
        self.tasks.read(lambda s: (workflows.waiting_for_me(s, worker),
                                   workflows.my_requests(s, worker)), self._loaded,
                        self._failed)

    def _loaded(self, result: tuple[list[Any], list[Any]]) -> None:
        waiting, mine = result
        self.waiting.set_rows(waiting)
        self.mine.set_rows(mine)
        self.tabs.setTabText(0, f"待我审核（{len(waiting)}）(&1)")
        self.requests_loaded.emit(len(waiting), len(mine))

    def _selected(self, view: Any, model: RowsModel) -> Any:
        index = view.currentIndex()
        return model.row_at(index.row()) if index.isValid() else None

    def decide(self, state: str) -> None:
        row = self._selected(self.waiting_view, self.waiting)
        if row is None:
            self.message.setText("请先在列表中选择一条申请")
            return
        self._step(row.id, state, self.note.text())

    def withdraw(self) -> None:
        row = self._selected(self.mine_view, self.mine)
        if row is None:
            self.message.setText("请先在列表中选择一条申请")
            return
        self._step(row.id, wf.WITHDRAWN, None)

    def _mine_selected(self, index: Any) -> None:
        """A returned request's reason, ready to correct."""
        row = self.mine.row_at(index.row()) if index.isValid() else None
        if row is not None and wf.SUBMITTED in row.steps:
            self.new_reason.setText(row.reason)

    def resubmit(self) -> None:
        row = self._selected(self.mine_view, self.mine)
        if row is None:
            self.message.setText("请先在列表中选择一条申请")
            return
        self._step(row.id, wf.SUBMITTED, None, reason=self.new_reason.text())

    def _step(self, request_id: str, state: str, note: str | None,
              reason: str | None = None) -> None:
        worker, now = worker_of(self.ctx), self.ctx.now()
        self.tasks.write(lambda s: workflows.take_step(s, worker, request_id, state, note,
                                                       now=now, reason=reason).id,
                         lambda rid: self._saved(rid, f"{DONE[state]}，同步后生效"),
                         self._failed, touches="work_requests")

    def lookup(self) -> None:
        """Ask the server who holds this number (online only; a claim needs no lookup)."""
        service, number = self.ctx.sync, self.id_number.text().strip()
        if service is None:
            self.message.setText(error_text(DomainError("lookup_needs_network")))
            return
        self.tasks.network(lambda: service.lookup_person(number), self._found, self._failed)

    def _found(self, answer: dict[str, Any]) -> None:
        if answer.get("found"):
            self.message.setText(f"该人员现在{answer['grid_name']}：{answer['masked_name']}")
        else:
            self.message.setText("全县没有该身份证号的在册人员")
        self.looked_up.emit(answer)

    def claim(self) -> None:
        worker, now = worker_of(self.ctx), self.ctx.now()
        number, reason = self.id_number.text(), self.reason.text()
        self.tasks.write(lambda s: workflows.file_claim(s, worker, number, reason, now=now).id,
                         lambda rid: self._saved(rid, "认领申请已提交，同步后由其现所在网格审核"),
                         self._failed, touches="work_requests")

    def _saved(self, request_id: str, text: str) -> None:
        self.message.setText(text)
        self.note.clear()
        self.id_number.clear()
        self.reason.clear()
        self.new_reason.clear()
        self.request_saved.emit(request_id)
        self.refresh()

    def _failed(self, exc: BaseException) -> None:
        self.message.setText(error_text(exc))
