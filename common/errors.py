"""Errors that carry codes, not sentences; `messages.py` turns a code into Chinese text."""
from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A user-actionable refusal: `code` says what, `field` where, `params` the details."""

    def __init__(self, code: str, field: str | None = None, **params: Any) -> None:
        self.code = code
        self.field = field
        self.params = params
        super().__init__(f"{code} field={field} {params}")

    def message(self) -> str:
        from .messages import render
        return render(self)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "field": self.field, "params": self.params,
                "message": self.message()}


class ValidationError(DomainError):
    """A field value is wrong. Several may be raised together as `ValidationErrors`."""


class ValidationErrors(DomainError):
    """All the wrong fields of one record at once, so a form can mark every one."""

    def __init__(self, errors: list[ValidationError]) -> None:
        self.errors = errors
        super().__init__("invalid_record", errors[0].field if errors else None,
                         count=len(errors))

    def message(self) -> str:
        return "；".join(e.message() for e in self.errors)

    def as_dict(self) -> dict[str, Any]:
        d = super().as_dict()
        d["errors"] = [e.as_dict() for e in self.errors]
        return d
