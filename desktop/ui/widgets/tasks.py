"""The task manager as one widget uses it: results for a closed widget are dropped."""
from __future__ import annotations

from typing import Any, Callable

import shiboken6
from PySide6.QtWidgets import QWidget


class GuardedTasks:
    """The task manager as one widget uses it: results that arrive after the widget was
    deleted (a dialog closed while its save was running) are dropped, not run on a dead widget."""

    def __init__(self, tasks: Any, owner: QWidget) -> None:
        self._tasks = tasks
        self._owner = owner

    def _guard(self, cb: Callable[[Any], None] | None) -> Callable[[Any], None] | None:
        if cb is None:
            return None
        owner = self._owner

        def guarded(value: Any) -> None:
            if shiboken6.isValid(owner):
                cb(value)
        return guarded

    def read(self, fn: Callable[..., Any], on_success: Callable[[Any], None] | None = None,
             on_failure: Callable[[Any], None] | None = None, **kw: Any) -> Any:
        return self._tasks.read(fn, self._guard(on_success), self._guard(on_failure), **kw)

    def write(self, fn: Callable[..., Any], on_success: Callable[[Any], None] | None = None,
              on_failure: Callable[[Any], None] | None = None, **kw: Any) -> Any:
        return self._tasks.write(fn, self._guard(on_success), self._guard(on_failure), **kw)

    def network(self, fn: Callable[..., Any], on_success: Callable[[Any], None] | None = None,
                on_failure: Callable[[Any], None] | None = None, **kw: Any) -> Any:
        return self._tasks.network(fn, self._guard(on_success), self._guard(on_failure), **kw)
