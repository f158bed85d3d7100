"""Background sync: the client syncs by itself when the window opens (sign-in), shortly after
local edits, and every few minutes while the server answers; when it does not, the next tries
come later and later (exponential backoff with jitter, so a hundred laptops coming back into
signal do not all knock at once). It never runs beside another sync of the profile (the sync
page's F9, the config centre's): SyncService.sync_now(wait=False) gives way.

`BackgroundSync` lives on the GUI thread; the sync itself runs on the task manager's network
lane and its writes on the writer lane. Intervals and the random source are injected, so tests
run it with intervals of milliseconds against a real server on 127.0.0.1.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, replace
from typing import Any, Callable

from PySide6.QtCore import QObject, QTimer, Signal

from common.errors import DomainError
from desktop.services import sync_status
from desktop.tasks import TaskManager

EDIT_DELAY_MS = 25_000
"""After the last local edit: a burst of typing goes in one sync."""
PERIOD_MS = 180_000
"""While the server answers: pull what others changed."""
BACKOFF_FIRST_MS = 30_000
BACKOFF_MAX_MS = 30 * 60_000
BUSY_RETRY_MS = 10_000
"""Another sync of the profile was running: look again after this."""
QUIET = ("", "search_index")
"""data_changed tags that are not edits (a sync's own reload, the pinyin index)."""


@dataclass(frozen=True)
class SyncState:
    """What the status bar and the home page show. `online`: None until the first try."""

    online: bool | None = None
    running: bool = False
    pending: int = 0
    conflicts: int = 0
    refused: int = 0
    last_sync_at: dt.datetime | None = None
    error: str = ""
    next_try_ms: int = 0


class BackgroundSync(QObject):
    """Schedules the profile's syncs. Signals: `state_changed(SyncState)`,
    `sync_finished(object)` (the SyncProgress), `sync_failed(str)` (the reason, in Chinese),
    `revoked(str)` (the server revoked this device: its data was wiped)."""

    state_changed = Signal(object)
    sync_finished = Signal(object)
    sync_failed = Signal(str)
    revoked = Signal(str)

    def __init__(self, tasks: TaskManager, service: Any, parent: QObject | None = None, *,
                 edit_delay_ms: int = EDIT_DELAY_MS, period_ms: int = PERIOD_MS,
                 backoff_first_ms: int = BACKOFF_FIRST_MS,
                 backoff_max_ms: int = BACKOFF_MAX_MS, busy_retry_ms: int = BUSY_RETRY_MS,
                 rng: random.Random | None = None,
                 after_sync: Callable[[Any], None] | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.service = service
        self.edit_delay_ms = edit_delay_ms
        self.period_ms = period_ms
        self.backoff_first_ms = backoff_first_ms
        self.backoff_max_ms = backoff_max_ms
        self.busy_retry_ms = busy_retry_ms
        self.rng = rng or random.Random()
        self.after_sync = after_sync
        self.state = SyncState()
        self.failures = 0
        self.delays: list[int] = []
        """Every delay scheduled, in order (what a test or a log reads)."""
        self.stopped = False
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self.sync_now)
        self._waiting: list[Callable[[bool], None]] = []
        tasks.data_changed.connect(self._data_changed)

    # -- control -------------------------------------------------------------------------------
    def start(self) -> None:
        """The window is open (the user just signed in): sync at once, then on schedule."""
        self.stopped = False
        self.refresh()
        self._schedule(0)

    def stop(self) -> None:
        self.stopped = True
        self._timer.stop()

    def sync_now(self, then: Callable[[bool], None] | None = None) -> None:
        """Sync now (unless one is under way: then `then` waits for it). `then(ok)` is called
        once this sync has ended."""
        if then is not None:
            self._waiting.append(then)
        if self.state.running or self.stopped:
            if self.stopped:
                self._done(False)
            return
        self._timer.stop()
        self._set(running=True)
        service, after = self.service, self.after_sync

        def run() -> Any:  # on the network lane: touches no widget
            result = service.sync_now(wait=False)
            if result is not None and after is not None:
                after(service)
            return result
        self.tasks.network(run, self._finished, self._failed, name="background_sync")

    def backoff_ms(self, failures: int) -> int:
        """The wait after `failures` failed tries in a row: doubling from the first, capped,
        the upper half of it drawn at random ("equal jitter": never shorter than half)."""
        full = min(self.backoff_max_ms, self.backoff_first_ms * 2 ** max(failures - 1, 0))
        return full // 2 + int(self.rng.random() * (full - full // 2))

    def refresh(self) -> None:
        """Re-read the pending, conflict and last-sync figures (a reader thread)."""
        self.tasks.read(sync_status.summary, self._summary_loaded,
                        lambda _e: None, name="sync_summary")

    # -- machinery -----------------------------------------------------------------------------
    def _schedule(self, ms: int) -> None:
        if self.stopped:
            return
        self.delays.append(ms)
        self._timer.start(ms)
        self._set(next_try_ms=ms)

    def _data_changed(self, touches: str) -> None:
        self.refresh()
        if touches in QUIET or self.stopped or self.state.running:
            return
        if self.state.online is False and self._timer.isActive():
            return  # offline: the edit waits for the backoff's next try, not a new one
        self._schedule(self.edit_delay_ms)  # restarts: the last edit of a burst counts

    def _finished(self, result: Any) -> None:
        self._set(running=False)
        if result is None:  # another sync of this profile was running: it sends our edits
            self._schedule(self.busy_retry_ms)
            self._done(True)
            return
        self.failures = 0
        self._set(online=True, error="")
        self.refresh()
        if any(getattr(result, k, 0) for k in ("received", "accepted", "refused",
                                               "left_scope", "conflicts")):
            self.tasks.data_changed.emit("")  # pages reload what the pull brought
        self.sync_finished.emit(result)
        self._schedule(self.period_ms)
        self._done(True)

    def _failed(self, exc: BaseException) -> None:
        from ..widgets.errors import error_text
        self._set(running=False)
        text = error_text(exc)
        if isinstance(exc, DomainError) and exc.code == "device_revoked":
            self.stop()
            self._done(False)
            self.revoked.emit(text)
            return
        self.failures += 1
        unreachable = isinstance(exc, DomainError) and exc.code == "server_unreachable"
        self._set(online=False if unreachable else True, error=text)
        self.refresh()
        self.sync_failed.emit(text)
        self._schedule(self.backoff_ms(self.failures))
        self._done(False)

    def _summary_loaded(self, s: sync_status.SyncSummary) -> None:
        self._set(pending=s.pending, conflicts=s.conflicts, refused=s.refused,
                  last_sync_at=s.last_sync_at)

    def _set(self, **changes: Any) -> None:
        new = replace(self.state, **changes)
        if new != self.state:
            self.state = new
            self.state_changed.emit(new)

    def _done(self, ok: bool) -> None:
        waiting, self._waiting = self._waiting, []
        for then in waiting:
            then(ok)


def describe(state: SyncState, local_time: Callable[[dt.datetime], str]) -> str:
    """One line for the status bar and the home page: 在线/离线, pending, last sync, conflicts."""
    if state.running:
        where = "正在同步…"
    elif state.online is None:
        where = "正在连接服务器…"
    elif state.online:
        where = "在线" if not state.error else f"在线（{state.error}）"
    else:
        where = "离线（连不上服务器，稍后自动重试）"
    last = local_time(state.last_sync_at) if state.last_sync_at else "尚未同步"
    parts = [where, f"待上传 {state.pending} 条", f"上次同步 {last}"]
    if state.conflicts:
        parts.append(f"冲突 {state.conflicts} 条待处理")
    return "　".join(parts)
