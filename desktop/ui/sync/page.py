"""数据同步: state, a progress bar during a sync, last success, what waits to be sent, changes the
server refused (in plain words, retry or discard), and conflicts resolved side by side. The sync
runs on the network lane of desktop/tasks.py: the window never freezes."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QGroupBox, QHBoxLayout, QHeaderView, QInputDialog, QLabel,
                               QProgressBar, QPushButton, QSplitter, QTabWidget, QVBoxLayout,
                               QWidget)

from common.errors import DomainError
from desktop.services import sync_status, updates

from ..context import AppContext
from ..widgets.errors import error_text
from ..widgets.labels import local_time
from ..widgets.rows_model import RowsModel, rows_table
from ..widgets.tasks import GuardedTasks


class SyncPage(QWidget):
    """F9 syncs now. Signals: `status_loaded(SyncStatus)`, `sync_finished(object)` (the
    SyncProgress), `sync_failed(str)`, `conflict_resolved(str)`."""

    status_loaded = Signal(object)
    sync_finished = Signal(object)
    sync_failed = Signal(str)
    conflict_resolved = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tasks = GuardedTasks(ctx.tasks, self)
        self.status: sync_status.SyncStatus | None = None
        self.running = False
        self.state = QLabel("联网时后台自动同步；也可按 F9 或“立即同步”马上上传修改、下载更新")
        self.state.setObjectName("sync_state")
        self.state.setWordWrap(True)
        self.state.setStyleSheet("font-size: 16px;")
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.last = QLabel("")
        self.pending = QLabel("")
        self.pending.setWordWrap(True)
        self.sync_button = QPushButton("立即同步(&S)")
        self.sync_button.setToolTip("F9")
        self.sync_button.clicked.connect(self.sync_now)
        QShortcut(QKeySequence("F9"), self, activated=self.sync_now)
        top = QHBoxLayout()
        top.addWidget(self.state, 1)
        top.addWidget(self.sync_button)
        from .usb import usb_button  # USB sync bundles for days without signal
        self.usb_button = usb_button(self)
        top.addWidget(self.usb_button)
        self.web_sign_in_button = QPushButton("扫码登录网页(&W)…")
        self.web_sign_in_button.setToolTip("确认网页管理端“扫码登录”页显示的登录码")
        self.web_sign_in_button.clicked.connect(self.open_web_sign_in)
        self.web_sign_in_button.setEnabled(ctx.sync is not None)
        top.addWidget(self.web_sign_in_button)

        # A client below the server's minimum version: the release's notes and its download.
        self.release: dict[str, Any] | None = None
        self.update_text = QLabel("")
        self.update_text.setObjectName("update_text")
        self.update_text.setWordWrap(True)
        self.update_button = QPushButton("下载新版本(&D)")
        self.update_button.clicked.connect(self.download_update)
        self.update_box = QGroupBox("需要更新客户端")
        update_row = QHBoxLayout(self.update_box)
        update_row.addWidget(self.update_text, 1)
        update_row.addWidget(self.update_button)
        self.update_box.setVisible(False)

        self.tabs = QTabWidget()
        self.tabs.addTab(self._conflicts_tab(), "数据冲突(&C)")
        self.tabs.addTab(self._refused_tab(), "被退回的修改(&R)")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.update_box)
        layout.addWidget(self.progress)
        layout.addWidget(self.last)
        layout.addWidget(self.pending)
        layout.addWidget(self.tabs, 1)
        ctx.tasks.progress_reported.connect(self._on_progress)
        background = ctx.background
        if background is not None:  # what a background sync brought shows here too
            background.sync_finished.connect(lambda _r: self.refresh() if self.isVisible()
                                             else None)

    # -- tabs ----------------------------------------------------------------------------------
    def _conflicts_tab(self) -> QWidget:
        self.conflict_model = RowsModel([
            ("记录", lambda c: f"{c.entity_label}：{c.record}"), ("字段", lambda c: c.field_label),
            ("我的（被覆盖）", lambda c: c.mine), ("对方的（现值）", lambda c: c.theirs)])
        self.conflict_view = rows_table(self.conflict_model, "数据冲突")
        # the two values side by side get the same room: neither is cut short
        head = self.conflict_view.horizontalHeader()
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        head.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        head.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        head.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.conflict_view.selectionModel().currentRowChanged.connect(
            lambda cur, _prev: self._show_conflict(self.conflict_model.row_at(cur.row())))
        self.mine_box, self.mine_value = self._side("我的（被覆盖的值）")
        self.theirs_box, self.theirs_value = self._side("对方的（现在的值）")
        self.keep_mine = QPushButton("保留我的(&M)")
        self.keep_mine.clicked.connect(lambda: self.resolve("restore"))
        self.take_theirs = QPushButton("采用对方的(&T)")
        self.take_theirs.clicked.connect(lambda: self.resolve("accept"))
        self.type_other = QPushButton("输入其他值(&O)…")
        self.type_other.clicked.connect(self._ask_other)
        sides = QHBoxLayout()
        sides.addWidget(self.mine_box)
        sides.addWidget(self.theirs_box)
        buttons = QHBoxLayout()
        for b in (self.keep_mine, self.take_theirs, self.type_other):
            buttons.addWidget(b)
        buttons.addStretch(1)
        detail = QWidget()
        lay = QVBoxLayout(detail)
        self.conflict_title = QLabel("选择一条冲突，比较两边的值后决定保留哪一个")
        lay.addWidget(self.conflict_title)
        lay.addLayout(sides)
        lay.addLayout(buttons)
        split = QSplitter()
        split.setOrientation(split.orientation().Vertical)
        split.addWidget(self.conflict_view)
        split.addWidget(detail)
        self._show_conflict(None)
        return split

    def _side(self, title: str) -> tuple[QGroupBox, QLabel]:
        box = QGroupBox(title)
        value = QLabel("")
        value.setWordWrap(True)
        value.setStyleSheet("font-size: 15px;")
        QVBoxLayout(box).addWidget(value)
        return box, value

    def _refused_tab(self) -> QWidget:
        self.refused_model = RowsModel([
            ("记录", lambda r: f"{r.entity_label}：{r.record}"), ("原因", lambda r: r.reason),
            ("退回时间", lambda r: local_time(r.refused_at))])
        self.refused_view = rows_table(self.refused_model, "被退回的修改")
        retry = QPushButton("重新提交(&Y)")
        retry.clicked.connect(lambda: self._refused_action("retry"))
        discard = QPushButton("放弃该修改(&D)")
        discard.clicked.connect(lambda: self._refused_action("discard"))
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.addWidget(QLabel("服务器没有接受这些修改，请根据原因改正后重新提交，或放弃："))
        lay.addWidget(self.refused_view)
        row = QHBoxLayout()
        row.addWidget(retry)
        row.addWidget(discard)
        row.addStretch(1)
        lay.addLayout(row)
        return w

    # -- status --------------------------------------------------------------------------------
    def refresh(self) -> None:
        user_id = self.ctx.user.id
        self.tasks.read(lambda s: sync_status.status(s, user_id=user_id), self._show_status,
                            lambda e: self.state.setText(error_text(e)))

    def _show_status(self, st: sync_status.SyncStatus) -> None:
        self.status = st
        self.last.setText(f"上次成功同步：{local_time(st.last_sync_at)}" if st.last_sync_at
                          else "上次成功同步：从未同步")
        if st.pending:
            parts = "，".join(f"{name} {n} 条" for name, n in st.pending_by_entity)
            self.pending.setText(f"待上传 {st.pending} 条修改（{parts}）")
        else:
            self.pending.setText("没有待上传的修改")
        self.conflict_model.set_rows(st.conflicts)
        self.refused_model.set_rows(st.refused)
        self.tabs.setTabText(0, f"数据冲突(&C)（{len(st.conflicts)}）")
        self.tabs.setTabText(1, f"被退回的修改(&R)（{len(st.refused)}）")
        if st.conflicts:
            self.conflict_view.selectRow(0)
        else:
            self._show_conflict(None)
        self.status_loaded.emit(st)

    # -- syncing -------------------------------------------------------------------------------
    def _service(self) -> Any:
        return self.ctx.sync

    def open_web_sign_in(self) -> Any:
        """The dialog that approves a browser's QR sign-in as this user."""
        from .web_sign_in import open_web_sign_in
        return open_web_sign_in(self.ctx, self)

    def sync_now(self) -> None:
        if self.running:
            self.state.setText("正在同步，请稍候")
            return
        service = self._service()
        if service is None:
            self._failed_text("本机尚未连接服务器，请联网后重新登录再同步")
            return
        self.running = True
        self.sync_button.setEnabled(False)
        self.state.setText("正在同步…")
        self.progress.setRange(0, 0)  # busy until the first exchange says how much is left
        self.progress.setVisible(True)

        def run(progress):  # noqa: ANN001, ANN202 - on the network lane, never touches widgets
            first: list[int] = []

            def report(p):  # noqa: ANN001, ANN202
                if not first:
                    first.append(p.sent + p.pending)
                total = max(first[0], p.sent + p.pending, 1)
                progress.report(min(p.accepted + p.refused, total), total, p.text())
            service.on_progress = report
            result = service.sync_now()
            from desktop.services.bundles import keep_key
            keep_key(service)  # for USB sync bundles on days without signal
            return result
        self.tasks.network(run, self._finished, self._failed, name="sync")

    def _on_progress(self, name: str, done: int, total: int, text: str) -> None:
        if name == "update":
            self.progress.setRange(0, max(total, 1))
            self.progress.setValue(done)
            return
        if name != "sync" or not self.running:
            return
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.state.setText(f"正在同步… {text}")

    def _finished(self, result: Any) -> None:
        self._stopped()
        text = result.text()
        extra = f"，新冲突 {result.conflicts} 条" if result.conflicts else ""
        self.state.setText(f"同步完成：{text}{extra}")
        self.sync_finished.emit(result)
        self.ctx.tasks.data_changed.emit("")  # other pages reload what the pull brought
        self.refresh()

    def _failed(self, exc: BaseException) -> None:
        self._stopped()
        if isinstance(exc, DomainError) and exc.code == "device_revoked":
            # the local copy is gone: nothing of this window can be used any more
            self._failed_text(error_text(exc))
            self.ctx.signed_out(error_text(exc))
            return
        release = updates.release_of(exc)
        if release is not None:
            self.show_release(release)
        self._failed_text(f"同步没有完成：{error_text(exc)}。已完成的部分已保存，可稍后再试")
        self.refresh()

    # -- a required update -----------------------------------------------------------------------
    def show_release(self, release: dict[str, Any]) -> None:
        self.release = release
        size_mb = int(release.get("size", 0)) / 2**20
        notes = str(release.get("notes") or "").strip() or "（无更新说明）"
        self.update_text.setText(
            f"服务器要求至少使用 {release.get('min_version')} 版才能同步。"
            f"新版本 {release.get('version')}（{size_mb:.1f} MB）的说明：{notes}\n"
            "未同步的修改安全地保存在本机，更新后会照常上传。")
        self.update_button.setEnabled(True)
        self.update_box.setVisible(True)

    def download_update(self) -> None:
        release, service = self.release, self._service()
        if release is None or service is None:
            return
        self.update_button.setEnabled(False)
        self.progress.setRange(0, max(int(release.get("size", 0)), 1))
        self.progress.setVisible(True)

        def run(progress):  # noqa: ANN001, ANN202 - on the network lane
            return updates.download(service, release,
                                    lambda done, total: progress.report(done, total, "下载新版本"))
        self.tasks.network(run, self._update_downloaded, self._update_failed, name="update")

    def _update_downloaded(self, path: Any) -> None:
        self.progress.setVisible(False)
        self.update_text.setText(f"新版本已下载并校验无误：{path}\n请退出本程序后运行它完成安装。")

    def _update_failed(self, exc: BaseException) -> None:
        self.progress.setVisible(False)
        self.update_button.setEnabled(True)
        self.update_text.setText(f"下载没有完成：{error_text(exc)}。再点“下载新版本”会接着下载")

    def _failed_text(self, text: str) -> None:
        self.state.setText(text)
        self.sync_failed.emit(text)

    def _stopped(self) -> None:
        self.running = False
        self.sync_button.setEnabled(True)
        self.progress.setVisible(False)

    # -- conflicts -----------------------------------------------------------------------------
    def selected_conflict(self) -> sync_status.ConflictView | None:
        idx = self.conflict_view.currentIndex()
        return self.conflict_model.row_at(idx.row()) if idx.isValid() else None

    def _show_conflict(self, c: sync_status.ConflictView | None) -> None:
        for b in (self.keep_mine, self.take_theirs, self.type_other):
            b.setEnabled(c is not None)
        if c is None:
            self.mine_value.setText("")
            self.theirs_value.setText("")
            return
        self.conflict_title.setText(f"{c.entity_label}“{c.record}”的“{c.field_label}”被两边同时修改")
        self.mine_box.setTitle("我的（被覆盖的值）" if c.mine_is_me else "被覆盖的值")
        self.theirs_box.setTitle("对方的（现在的值）" if c.mine_is_me else "现在的值")
        self.mine_value.setText(c.mine)
        self.theirs_value.setText(c.theirs)

    def resolve(self, choice: str, value: Any = None) -> None:
        c = self.selected_conflict()
        if c is None:
            return
        now = self.ctx.now()
        self.tasks.write(
            lambda s: sync_status.resolve(s, c.id, choice, now=now, value=value),
            lambda _r: (self.conflict_resolved.emit(c.id), self.refresh()),
            lambda e: self.state.setText(error_text(e)), touches="conflicts")

    def _ask_other(self) -> None:
        c = self.selected_conflict()
        if c is None:
            return
        text, ok = QInputDialog.getText(self, "输入其他值", f"{c.field_label}：")
        if ok:
            self.resolve("other", text.strip() or None)

    def _refused_action(self, action: str) -> None:
        idx = self.refused_view.currentIndex()
        r = self.refused_model.row_at(idx.row()) if idx.isValid() else None
        if r is None:
            return
        now = self.ctx.now()
        fn = ((lambda s: sync_status.retry_refused(s, r.change_id, now=now)) if action == "retry"
              else (lambda s: sync_status.discard_refused(s, r.change_id)))
        self.tasks.write(fn, lambda _r: self.refresh(),
                             lambda e: self.state.setText(error_text(e)), touches="outbox")
