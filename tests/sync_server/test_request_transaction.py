"""A request is one unit of work: what a handler wrote is committed when it answers, and nothing
of it stays when it fails halfway (a refusal raised after the write, e.g. by the op-log line)."""
from __future__ import annotations

import anyio
import pytest
from sqlalchemy import func, select

from common.errors import DomainError
from common.schema import House, LedgerType, User
from sync_server.db.tables import OpLog
from sync_server.services import admin as admin_svc
from sync_server.services import ledger_admin as ledger_svc
from sync_server.services import records as records_svc
from tests.sync_server.test_admin import new_worker
from tests.sync_server.test_ledger_admin import BEES


def count(server, table, *where) -> int:
    with server.session() as s:
        return s.scalar(select(func.count()).select_from(table).where(*where))


def fail_after_logging(monkeypatch, module) -> None:
    """The module's op-log line is written, then the request is refused: a failure after the
    record itself was written and flushed."""
    real = module.log_operation

    def log_then_refuse(session, **kwargs):  # noqa: ANN001, ANN003
        real(session, **kwargs)
        session.flush()
        raise DomainError("forbidden")

    monkeypatch.setattr(module, "log_operation", log_then_refuse)


@pytest.mark.parametrize("family", ["records", "admin", "ledger_admin"])
def test_a_request_refused_after_its_write_leaves_nothing_written(server, monkeypatch, family):
    before_ops = count(server, OpLog)
    if family == "records":
        fail_after_logging(monkeypatch, records_svc)
        r = server.as_("worker1a").post("/api/houses", json={
            "door_plate": "团结路 9 号", "house_type": "bungalow", "grid_id": server.tree.id("g1a")})
        written = count(server, House, House.door_plate == "团结路 9 号")
    elif family == "admin":
        fail_after_logging(monkeypatch, admin_svc)
        r = server.as_("office1").post("/api/admin/users", json=new_worker(server))
        written = count(server, User, User.username == "wg_new")
    else:
        fail_after_logging(monkeypatch, ledger_svc)
        r = server.as_("admin").post("/api/admin/ledger-types", json=BEES)
        written = count(server, LedgerType, LedgerType.code == BEES["code"])
    assert r.status_code == 403, r.text
    assert written == 0
    assert count(server, OpLog) == before_ops


def test_a_write_answered_is_committed_and_seen_by_the_next_request(server):
    api = server.as_("worker1a")
    for n in range(5):
        r = api.post("/api/houses", json={"door_plate": f"胜利路 {n} 号",
                                          "house_type": "bungalow",
                                          "grid_id": server.tree.id("g1a")})
        assert r.status_code == 201, r.text
        assert api.get(f"/api/houses/{r.json()['id']}").status_code == 200
    assert count(server, House) == 5


def test_the_write_is_committed_before_the_answer_is_sent(server):
    """A client that gets its answer may at once ask another server process: by the time the
    first byte of the answer leaves, the write must be visible to any other session."""
    seen_at_send: list[int] = []
    body = (b'{"door_plate": "\xe5\x85\xb4\xe5\x8f\x91\xe8\xb7\xaf 1", "house_type": "bungalow",'
            b' "grid_id": "%s"}' % server.tree.id("g1a").encode())
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/api/houses", "raw_path": b"/api/houses",
             "query_string": b"", "root_path": "", "server": ("127.0.0.1", 80),
             "client": ("127.0.0.1", 5000),
             "headers": [(b"content-type", b"application/json"),
                         (b"content-length", str(len(body)).encode()),
                         (b"authorization", f"Bearer {server.token('worker1a')}".encode())]}
    status: list[int] = []

    async def receive():  # noqa: ANN202
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):  # noqa: ANN001, ANN202
        if message["type"] == "http.response.start":
            status.append(message["status"])
            seen_at_send.append(count(server, House))

    anyio.run(server.app, scope, receive, send)
    assert status == [201]
    assert seen_at_send == [1]
