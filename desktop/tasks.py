"""Runs services off the GUI thread and hands results back to it by Qt signal.

Three lanes, as in Anki's taskman and datasette's database:
- `write`: ONE serial worker thread for every database write (one writer, no lock fights);
- `read`: a small pool for database reads, running beside the writer (SQLite WAL);
- `network`: its own pool for HTTP, never holding the database.

The writer lane is the client's only writer: the sync, first sync, drift rebuild, bundle import
and token storage run their network steps on the network lane and hand each local write to the
writer lane with `run_on_writer` (storage/database.py starts write transactions IMMEDIATE, so a
second process, such as the command-line sync, queues behind it instead of failing).

A task is a plain function. Database tasks receive a SQLAlchemy `Session` (writes commit when the
function returns, roll back when it raises); network tasks receive nothing. Whatever the function
returns is passed to `on_success` on the GUI thread; an exception goes to `on_failure` (or, if
none was given, is broadcast with the `task_failed` signal so the main window can show it).
Worker code never touches a widget: only the callbacks, run on the GUI thread, may.
"""
from __future__ import annotations

import inspect
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable

from PySide6.QtCore import QObject, Qt, Signal, Slot

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from desktop.storage.database import read_only
from desktop.storage.errors import known_error

log = logging.getLogger(__name__)

Callback = Callable[[Any], None]


class Progress:
    """Handed to a task that asks for it (a parameter named `progress`); thread-safe."""

    def __init__(self, manager: "TaskManager", name: str) -> None:
        self._manager = manager
        self._name = name
        self.cancelled = threading.Event()

    def report(self, done: int, total: int = 0, text: str = "") -> None:
        self._manager.progress_reported.emit(self._name, int(done), int(total), text)


class TaskManager(QObject):
    """Owns the worker threads of the client. Lives on the GUI thread; one per window.

    Signals:
    - `task_failed(object)`: an exception no callback took care of;
    - `progress_reported(str, int, int, str)`: name, done, total, text;
    - `busy_changed(bool)`: whether any task is running (for a busy indicator);
    - `data_changed(str)`: a write finished; the argument names what it touched (or "").
    """

    task_failed = Signal(object)
    progress_reported = Signal(str, int, int, str)
    busy_changed = Signal(bool)
    data_changed = Signal(str)
    _closure_posted = Signal(object)

    def __init__(self, engine: Engine | None = None, parent: QObject | None = None,
                 read_workers: int = 2, network_workers: int = 2) -> None:
        super().__init__(parent)
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="db-write")
        self._readers = ThreadPoolExecutor(read_workers, thread_name_prefix="db-read")
        self._network = ThreadPoolExecutor(network_workers, thread_name_prefix="net")
        self._sessions: sessionmaker[Session] | None = None
        self._read_sessions: sessionmaker[Session] | None = None
        self._engine: Engine | None = None
        self._running = 0
        self._closed = False
        self._lock = threading.Lock()
        # Queued: the closure runs on the thread this object lives on (the GUI thread).
        self._closure_posted.connect(self._run_closure, Qt.ConnectionType.QueuedConnection)
        if engine is not None:
            self.set_engine(engine)

    # -- set-up ------------------------------------------------------------------------------
    def set_engine(self, engine: Engine) -> None:
        """Point the database lanes at a profile's engine (after sign-in)."""
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(read_only(engine), expire_on_commit=False)

    @property
    def engine(self) -> Engine | None:
        return self._engine

    def session(self) -> Session:
        """A new session on the profile's engine (for worker code and tests, not widgets)."""
        if self._sessions is None:
            raise RuntimeError("no profile is open")
        return self._sessions()

    # -- the three lanes ---------------------------------------------------------------------
    def write(self, fn: Callable[..., Any], on_success: Callback | None = None,
              on_failure: Callback | None = None, *, touches: str = "",
              name: str = "") -> Future:
        """Run `fn(session[, progress])` on the single writer thread and commit."""
        def job(**kw: Any) -> Any:
            with self.session() as s:
                try:
                    result = fn(s, **kw)
                    s.commit()
                except BaseException:
                    s.rollback()  # nothing was written (one transaction)
                    raise
            return result

        def succeeded(result: Any) -> None:
            self.data_changed.emit(touches)
            if on_success:
                on_success(result)
        return self._submit(self._writer, job, fn, succeeded, on_failure, name)

    def read(self, fn: Callable[..., Any], on_success: Callback | None = None,
             on_failure: Callback | None = None, *, name: str = "") -> Future:
        """Run `fn(session[, progress])` on a reader thread; nothing is committed."""
        def job(**kw: Any) -> Any:
            if self._read_sessions is None:
                raise RuntimeError("no profile is open")
            with self._read_sessions() as s:  # deferred: runs beside the writer
                return fn(s, **kw)
        return self._submit(self._readers, job, fn, on_success, on_failure, name)

    def run_on_writer(self, fn: Callable[[], Any]) -> Any:
        """Run `fn()` on the writer thread and wait for its result (or exception). For worker
        code off the GUI thread (the sync on the network lane) whose local writes must go
        through the one writer; `fn` opens and commits its own transaction. Still accepted
        while shutting down, so a sync under way can finish its last write."""
        if threading.current_thread().name.startswith("db-write"):
            return fn()  # already the writer (a write task that syncs): no queue to wait on
        return self._writer.submit(fn).result()

    def network(self, fn: Callable[..., Any], on_success: Callback | None = None,
                on_failure: Callback | None = None, *, name: str = "") -> Future:
        """Run `fn([progress])` on the network pool (no database session given)."""
        return self._submit(self._network, fn, fn, on_success, on_failure, name)

    # -- shutting down -----------------------------------------------------------------------
    def shutdown(self, wait: bool = True) -> None:
        """Stop the lanes; tasks submitted afterwards (a late timer) are dropped, not run."""
        self._closed = True
        for pool in (self._network, self._readers, self._writer):
            pool.shutdown(wait=wait, cancel_futures=not wait)

    def is_busy(self) -> bool:
        with self._lock:
            return self._running > 0

    # -- machinery ---------------------------------------------------------------------------
    def _submit(self, pool: ThreadPoolExecutor, job: Callable[..., Any],
                fn: Callable[..., Any], on_success: Callback | None,
                on_failure: Callback | None, name: str) -> Future:
        if self._closed:
            dropped: Future = Future()
            dropped.cancel()
            return dropped
        kwargs: dict[str, Any] = {}
        if _wants_progress(fn):
            kwargs["progress"] = Progress(self, name or getattr(fn, "__name__", "task"))
        self._change_running(+1)
        future = pool.submit(job, **kwargs)

        def done(f: Future) -> None:
            # On the worker thread: post the outcome to the GUI thread, touch no widget here.
            self._closure_posted.emit(lambda: self._finish(f, on_success, on_failure))
        future.add_done_callback(done)
        return future

    def _finish(self, future: Future, on_success: Callback | None,
                on_failure: Callback | None) -> None:
        self._change_running(-1)
        if future.cancelled():
            return
        exc = future.exception()
        if exc is None:
            if on_success:
                _deliver(on_success, future.result())
            return
        known = known_error(exc)  # locked, read-only, full, damaged: said in Chinese, no trace
        if known is not None and known is not exc:
            known.__cause__ = exc
            exc = known
        if on_failure:
            _deliver(on_failure, exc)
        else:
            if not _is_domain(exc):
                log.error("background task failed", exc_info=exc)
            self.task_failed.emit(exc)

    def _change_running(self, delta: int) -> None:
        with self._lock:
            before = self._running
            self._running += delta
            after = self._running
        if (before == 0) != (after == 0):
            if threading.current_thread() is threading.main_thread():
                self.busy_changed.emit(after > 0)

    @Slot(object)
    def _run_closure(self, closure: Callable[[], None]) -> None:
        closure()


def _deliver(callback: Callback, value: Any) -> None:
    """Hand a result to its callback on the GUI thread. A widget closed while its task ran (a
    dialog dismissed, a page rebuilt) has nothing to show the result on: Qt reports the deleted
    C++ object as a RuntimeError, and the result is dropped instead of failing the event loop."""
    try:
        callback(value)
    except RuntimeError as err:
        if "already deleted" not in str(err):
            raise
        log.debug("result dropped: its widget was closed while the task ran (%s)", err)


def _wants_progress(fn: Callable[..., Any]) -> bool:
    try:
        return "progress" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def _is_domain(exc: BaseException) -> bool:
    from common.errors import DomainError
    return isinstance(exc, DomainError)
