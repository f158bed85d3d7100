"""HTTP client of the server's config-centre API (ledger types, their fields, dictionary entries).

These are online actions of a county admin: each call is one try with a short timeout (a person
is waiting, and a write retried after a lost answer could be applied twice). A refusal keeps the
server's Chinese words, and the field each error names, so the dialog can show them under that
field (`ServerRefusal`); a link that is down is DomainError("server_unreachable").
Never touches the database.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from common.errors import DomainError

TIMEOUT = httpx.Timeout(20.0, connect=10.0)


class ServerRefusal(DomainError):
    """The server said no: its code, HTTP status, its Chinese `text` and, per field named,
    the Chinese reason (`field_errors`: wire field name -> message)."""

    def __init__(self, code: str, status: int, text: str,
                 field_errors: dict[str, str] | None = None) -> None:
        self.status = status
        self.text = text
        self.field_errors = field_errors or {}
        super().__init__(code, next(iter(self.field_errors), None), status=status)

    def message(self) -> str:
        # The server already rendered the refusal in Chinese, naming the field: keep its words
        # (it knows labels and values the client does not, e.g. which retired type used a code).
        return self.text or super().message()


class AdminClient:
    """Talks to one server with one access token (a string or a function returning the current
    one). Not thread-safe: one per network task."""

    def __init__(self, server_url: str, token: str | Callable[[], str | None], *,
                 timeout: httpx.Timeout = TIMEOUT, http: httpx.Client | None = None) -> None:
        self.base = server_url.rstrip("/")
        self._token = token
        self._http = http or httpx.Client(timeout=timeout,
                                          headers={"User-Agent": "yzb-desktop"})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "AdminClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- ledger types and fields ---------------------------------------------------------------
    def ledger_types(self) -> list[dict[str, Any]]:
        return self._send("GET", "/api/ledger-types").json()

    def create_type(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._send("POST", "/api/admin/ledger-types", json=body).json()

    def change_type(self, type_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._send("PATCH", f"/api/admin/ledger-types/{type_id}", json=body).json()

    def retire_type(self, type_id: str) -> None:
        self._send("DELETE", f"/api/admin/ledger-types/{type_id}")

    def add_field(self, type_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._send("POST", f"/api/admin/ledger-types/{type_id}/fields", json=body).json()

    def change_field(self, field_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._send("PATCH", f"/api/admin/ledger-fields/{field_id}", json=body).json()

    def retire_field(self, field_id: str) -> None:
        self._send("DELETE", f"/api/admin/ledger-fields/{field_id}")

    # -- dictionaries --------------------------------------------------------------------------

    def add_entry(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._send("POST", "/api/admin/dictionaries", json=body).json()

    def change_entry(self, entry_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._send("PATCH", f"/api/admin/dictionaries/{entry_id}", json=body).json()

    # -- machinery -----------------------------------------------------------------------------
    def _send(self, method: str, path: str, **kw: Any) -> httpx.Response:
        token = self._token() if callable(self._token) else self._token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            resp = self._http.request(method, self.base + path, headers=headers, **kw)
        except httpx.TransportError:
            raise DomainError("server_unreachable", url=self.base) from None
        if resp.status_code >= 400:
            raise refusal(resp)
        return resp


def refusal(resp: httpx.Response) -> DomainError:
    """The server's answer {code, message, errors: [{field, code, message}]} as a
    ServerRefusal; a 5xx without a body is server_error."""
    try:
        body = resp.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    code = body.get("code") or ("server_error" if resp.status_code >= 500 else
                                "request_invalid")
    if code == "device_revoked":  # the sync service wipes the profile on its next run
        return DomainError(code, status=resp.status_code)
    fields: dict[str, str] = {}
    for e in body.get("errors") or []:
        if isinstance(e, dict) and e.get("field") and e.get("message"):
            name = str(e["field"]).split(".")[-1]  # "body.code" -> "code"
            fields.setdefault(name, str(e["message"]))
    return ServerRefusal(code, resp.status_code, str(body.get("message") or ""), fields)


__all__ = ["AdminClient", "ServerRefusal", "refusal"]
