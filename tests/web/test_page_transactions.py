"""A page's transaction: committed before its answer is sent; rolled back when it raises or
answers a refusal (a form shown again with its errors), so nothing is half-written."""
from __future__ import annotations

from fastapi import Request
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from common.errors import DomainError
from sync_server.db.tables import OpLog
from sync_server.services.oplog import log_operation
from sync_server.web.deps import PageSession, render


def _count(web) -> int:
    with web.session() as s:
        return s.scalar(select(func.count()).select_from(OpLog).where(OpLog.action == "probe"))


def test_a_page_keeps_its_writes_only_when_it_succeeds(web):
    @web.app.post("/probe/{outcome}")
    def probe(outcome: str, request: Request, session: PageSession):  # noqa: ANN202
        log_operation(session, user=None, action="probe", now=web.clock())
        if outcome == "raise":
            raise DomainError("not_found")
        if outcome == "refuse":
            return render(request, "error.html", status_code=422, title="错误", message="x")
        return render(request, "error.html", status_code=200, title="好", message="ok")

    client = TestClient(web.app)
    assert client.post("/probe/refuse").status_code == 422
    assert client.post("/probe/raise").status_code == 404
    assert _count(web) == 0  # the service wrote, then refused: nothing of it stays
    assert client.post("/probe/ok").status_code == 200
    assert _count(web) == 1  # visible to the very next request
