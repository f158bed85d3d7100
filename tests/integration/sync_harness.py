"""A real sync server (its database, its services) and real SQLCipher devices for sync tests.

`InProcessTransport` is the in-process implementation of desktop.net.sync.SyncTransport: it
round-trips every message through the wire encoding and calls the server's exchange in its own
transaction, as the HTTP route does, and it can inject faults: request lost, response lost,
request duplicated, server restarted. The HTTP implementation is the real one
(desktop.net.sync.HttpSyncTransport) against uvicorn on 127.0.0.1 (see test_sync_http.py).
"""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.errors import DomainError
from common.schema import ENTITIES, Household, user_fields
from common.sync.codec import pack, unpack
from common.sync.messages import SyncRequest, SyncResponse
from desktop.services.sync import SyncService
from desktop.storage.changes import record_change, sync_state
from desktop.storage.database import open_database
from desktop.storage.migrations import migrate
from desktop.storage.tables import Quarantined
from sync_server.db.engine import make_engine, make_session_factory, write_session
from sync_server.services.changes import apply_change
from sync_server.services.scope import Scope
from sync_server.services.sync import exchange
from tests.conftest import NOW
from tests.factories import Clock, Tree, build_tree

FAULTS = ("request_lost", "response_lost", "duplicate", "restart")


class ServerHarness:
    """The server side: a migrated database (from the db_url fixture), the org tree, a clock."""

    def __init__(self, db_url: str, tree: Tree | None = None,
                 now: dt.datetime = NOW) -> None:
        self.url = db_url
        self.clock = Clock(now)
        self._open()
        if tree is None:
            with self.session() as s:
                tree = build_tree(s, NOW)
                s.commit()
        self.tree = tree
        self.exchanges = 0

    def _open(self) -> None:
        self.engine = make_engine(self.url)
        self.factory = make_session_factory(self.engine)

    def restart(self) -> None:
        self.engine.dispose()
        self._open()

    def session(self) -> Session:
        return write_session(self.factory)

    def grid(self, key: str) -> str:
        return self.tree.id(key)

    def user(self, username: str) -> Any:
        return self.tree.users[username]

    def exchange(self, username: str, request: SyncRequest) -> SyncResponse:
        self.exchanges += 1
        with self.session() as s:
            user = s.get(type(self.user(username)), self.user(username).id)
            answer = exchange(s, user, request, now=self.clock())
            s.commit()
        return answer

    def write(self, entity: type, record_id: str | None, values: dict[str, Any],
              **kw: Any) -> Any:
        """An office edit through the REST write path (apply_change), committed."""
        with self.session() as s:
            row = apply_change(s, entity, record_id, values, now=self.clock(), **kw)
            s.commit()
            return row.id

    def scope_view(self, username: str, entity: type = Household) -> dict[str, dict[str, Any]]:
        """What `username` may see of `entity` on the server: id -> user fields + deleted."""
        with self.session() as s:
            user = s.get(type(self.user(username)), self.user(username).id)
            scope = Scope.of(s, user)
            rows = s.scalars(select(entity).where(scope.condition(entity))).all()
            return {r.id: snapshot(r) for r in rows}

    def close(self) -> None:
        self.engine.dispose()


def snapshot(row: Any) -> dict[str, Any]:
    out = {k: getattr(row, k) for k in user_fields(type(row))}
    out["deleted"] = bool(row.deleted)
    return out


class InProcessTransport:
    """SyncTransport calling the server in-process, with scripted faults (one per exchange)."""

    def __init__(self, server: ServerHarness, username: str) -> None:
        self.server = server
        self.username = username
        self.faults: list[str | None] = []
        self.bytes_up = self.bytes_down = 0
        self.while_in_flight: Any = None  # called after the server answered, before the device
        # sees the answer: a user editing while the sync is under way

    def exchange(self, request: SyncRequest, token: str | None) -> SyncResponse:
        body = pack(request.model_dump(mode="json"))
        self.bytes_up += len(body)
        request = SyncRequest.model_validate(unpack(body))
        fault = self.faults.pop(0) if self.faults else None
        if fault == "request_lost":
            raise DomainError("server_unreachable")
        if fault == "restart":
            self.server.restart()
        answer = self.server.exchange(self.username, request)
        if fault == "duplicate":
            answer = self.server.exchange(self.username, request)
        if fault == "response_lost":
            raise DomainError("server_unreachable")
        if self.while_in_flight is not None:
            hook, self.while_in_flight = self.while_in_flight, None
            hook()
        out = pack(answer.model_dump(mode="json"))
        self.bytes_down += len(out)
        return SyncResponse.model_validate(unpack(out))

    def login(self, username: str, password: str) -> dict[str, Any]:
        return {"access_token": "in-process", "user": {"id": self.server.user(username).id}}

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        return {"access_token": "in-process"}


class Device:
    """One laptop: a real SQLCipher file, its user, its own clock skew, its sync service."""

    def __init__(self, server: ServerHarness, username: str, path: Path, *,
                 skew: dt.timedelta = dt.timedelta(0), max_bytes: int = 200_000,
                 key: bytes | None = None) -> None:
        self.server = server
        self.username = username
        self.server_url = "in-process"
        self.path = path
        self.key = key or os.urandom(32)
        self.engine = open_database(path, self.key)
        migrate(self.engine)
        with Session(self.engine) as s, s.begin():
            sync_state(s)  # its device id, made once and kept (as signing in does)
        self.skew = skew
        self.transport = InProcessTransport(server, username)
        self.service = SyncService(self, self.transport, clock=self.now, max_bytes=max_bytes)

    def now(self) -> dt.datetime:
        return self.server.clock() + self.skew

    def write(self, entity: type, record_id: str | None, values: dict[str, Any],
              **kw: Any) -> str:
        with Session(self.engine) as s, s.begin():
            return record_change(s, entity, record_id, values, now=self.now(), **kw).id

    def sync(self, faults: list[str | None] | None = None) -> Any:
        self.transport.faults = list(faults or [])
        return self.service.sync_now()

    def view(self, entity: type = Household) -> dict[str, dict[str, Any]]:
        with Session(self.engine) as s:
            return {r.id: snapshot(r) for r in s.scalars(select(entity))}

    def quarantined_records(self) -> set[str]:
        with Session(self.engine) as s:
            return {q.record_id for q in s.scalars(select(Quarantined))}

    def close(self) -> None:
        self.engine.dispose()


__all__ = ["ServerHarness", "InProcessTransport", "Device", "FAULTS", "snapshot", "ENTITIES"]
