"""A failed task's exception as the Chinese line a page shows."""
from __future__ import annotations

from common.errors import DomainError


def error_text(exc: BaseException) -> str:
    """A known error's own message (the task manager has already turned a locked, read-only,
    full or damaged database into one); anything else is a bug: a general line, no trace."""
    if isinstance(exc, DomainError):
        return exc.message()
    return "操作失败，请重试；如果问题重复出现，请联系管理员"
