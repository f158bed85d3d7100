"""The sync engine the desktop client and `python -m desktop sync` share (no Qt).

`SyncService.sync_now()` runs exchanges until the outbox is empty and the server has nothing
more: each exchange pushes up to `PUSH_BATCH` outbox entries and pulls one batch of at most
`max_bytes`; its answer is applied in one local transaction (acks, quarantine, rows, cursor), so
a cut link costs at most the exchange in flight and resending it is harmless. The network call
never holds the database. Progress goes to `on_progress(SyncProgress)` after every exchange.

Thread: run it on the network lane. Every local write (tokens, an exchange's answer, first-sync
batches, the rebuilt file's swap) is handed to `writer` (the app passes its writer lane's
`TaskManager.run_on_writer`, so the client keeps one writer); without one (the command line,
tests) the writes run on the calling thread, each in its own IMMEDIATE transaction.
"""
from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from common.errors import DomainError
from common.sync import hlc
from common.sync.messages import (MAX_LOCAL_LOG, LocalLogEntry, PullRequest, PushRequest,
                                  SyncRequest, SyncResponse)
from desktop.net.sync import HttpSyncTransport, SyncTransport
from desktop.services.attachments import sync_photos
from desktop.net.snapshots import SnapshotClient
from desktop.services.first_sync import first_sync, first_sync_pending
from desktop.services.rebuild import local_verify, rebuild_replica
from desktop.services.revocation import wipe_profile
from desktop.storage import outbox, replica
from desktop.storage.changes import sync_state, wall_ms
from desktop.storage.database import read_only
from desktop.storage.local_log import OperationLog
from desktop.storage.profiles import Profile

PUSH_BATCH = 500
MAX_EXCHANGES = 10_000
MAX_AHEAD_MS = 60_000
T = TypeVar("T")


@dataclass
class SyncProgress:
    """Where a sync run stands (cumulative over the run)."""

    exchanges: int = 0
    sent: int = 0
    accepted: int = 0
    refused: int = 0
    received: int = 0
    left_scope: int = 0
    conflicts: int = 0
    pending: int = 0
    more: bool = True
    cursor: int = 0
    bytes_hint: int = 0
    rebuilt: bool = False
    stage: str = ""
    log: list[str] = field(default_factory=list)
    first_sync: Any = None
    """The FirstSyncReport when this run filled an empty copy from a snapshot."""

    def text(self) -> str:
        return (f"已上传 {self.accepted} 条，被拒 {self.refused} 条，已下载 {self.received} 条，"
                f"待上传 {self.pending} 条")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class SyncService:
    """Syncs one open profile (or bare engine) with its server through a transport.

    `profile`: desktop.storage.profiles.Profile (or anything with `.engine` and `.server_url`).
    `transport`: defaults to HTTP to the profile's server. `clock`: the laptop's clock (tests
    skew it). `on_progress(SyncProgress)`: called after every exchange, on this thread.
    `writer(fn)`: runs `fn()` where the client's writes run and returns its result (see the
    module's docstring); default: here.
    """

    def __init__(self, profile: Any, transport: SyncTransport | None = None, *,
                 clock: Callable[[], dt.datetime] = utc_now,
                 on_progress: Callable[[SyncProgress], None] | None = None,
                 max_bytes: int = 400_000, password: str | None = None,
                 writer: Callable[[Callable[[], Any]], Any] | None = None) -> None:
        self.profile = profile
        self.sessions = sessionmaker(profile.engine, expire_on_commit=False)
        self.reads = sessionmaker(read_only(profile.engine), expire_on_commit=False)
        self.writer = writer or (lambda fn: fn())
        self.transport = transport or HttpSyncTransport(profile.server_url)
        self.clock = clock
        self.on_progress = on_progress
        self.max_bytes = max_bytes
        self.password = password
        # one sync at a time per profile: the sync page, the config centre's sync after a
        # change and a bundle import may ask at once; the second waits for the first
        self._running = threading.RLock()

    # -- signing in ---------------------------------------------------------------------------
    def sign_in(self, username: str, password: str) -> dict[str, Any]:
        """Online sign-in: keeps the tokens inside the encrypted database."""
        answer = self.transport.login(username, password)
        self.store_tokens(answer)
        return answer

    def write(self, fn: Callable[[Session], T]) -> T:
        """`fn(session)` in one write transaction, on the writer (committed when it returns)."""
        def job() -> T:
            with self.sessions.begin() as s:
                return fn(s)
        return self.writer(job)

    def store_tokens(self, answer: dict[str, Any]) -> None:
        self.write(lambda s: self._store_tokens(s, answer))
        user = answer.get("user") or {}
        permissions, hidden = user.get("permissions"), user.get("hidden_fields")
        if isinstance(permissions, list) and hasattr(self.profile, "update_info"):
            # The pages the role may open and the fields it does not see, as the server says
            # now; kept for offline sign-ins (the main window follows them from the next start).
            self.profile.update_info(permissions=permissions,
                                     hidden_fields=hidden if isinstance(hidden, dict) else {})

    @staticmethod
    def _store_tokens(s: Session, answer: dict[str, Any]) -> None:
        state = sync_state(s)
        state.access_token = answer.get("access_token")
        if answer.get("refresh_token"):
            state.refresh_token = answer["refresh_token"]
        user = answer.get("user") or {}
        state.user_id = user.get("id") or state.user_id

    def _renew_token(self) -> None:
        with self.reads() as s:
            state = sync_state(s)
            refresh_token = state.refresh_token
        if refresh_token:
            try:
                self.store_tokens(self.transport.refresh(refresh_token))
                return
            except DomainError as err:
                if err.code == "device_revoked":
                    raise self._revoked(err) from err
                if err.code == "server_unreachable":
                    raise
        username = getattr(self.profile, "username", None)
        if self.password and username:
            self.sign_in(username, self.password)
            return
        raise DomainError("sign_in_required")

    def record_history(self, entity: str, record_id: str) -> list[dict[str, Any]]:
        """The server's history of one record (services/records.merge_server_history shows
        it); renews an expired token once. Raises server_unreachable when offline."""
        fetch = getattr(self.transport, "record_history", None)
        if fetch is None:
            raise DomainError("server_unreachable")
        try:
            return fetch(entity, record_id, self._token())
        except DomainError as err:
            if err.code not in ("token_expired", "token_invalid", "not_authenticated"):
                raise
        self._renew_token()
        return fetch(entity, record_id, self._token())

    def lookup_person(self, id_number: str) -> dict[str, Any]:
        """The county-wide lookup by full ID number (services/workflows on the server): the
        grid's name and a masked name; renews an expired token once. Online only."""
        fetch = getattr(self.transport, "lookup_person", None)
        if fetch is None:
            raise DomainError("server_unreachable")
        try:
            return fetch(id_number, self._token())
        except DomainError as err:
            if err.code not in ("token_expired", "token_invalid", "not_authenticated"):
                raise
        self._renew_token()
        return fetch(id_number, self._token())

    def _revoked(self, err: DomainError) -> DomainError:
        """The server revoked this device (a lost laptop): wipe the profile folder
        (services/revocation.py) and return the refusal to raise."""
        if isinstance(self.profile, Profile):
            wipe_profile(self.profile.path, now=self.clock(), engine=self.profile.engine)
            return DomainError("device_revoked", wiped=True)
        return err

    # -- syncing ------------------------------------------------------------------------------
    def token(self) -> str | None:
        """The access token kept in the encrypted database (for the other online calls)."""
        return self._token()

    def renew_token(self) -> None:
        """Renew the access token (refresh token, else the password); raises sign_in_required
        or device_revoked (after wiping) when it cannot."""
        self._renew_token()

    def sync_now(self, *, wait: bool = True) -> SyncProgress | None:
        """Push everything, pull everything. Raises DomainError (server_unreachable,
        client_too_old, sign_in_required …); what was done before the error stays done.
        Syncs of one profile run one at a time: a second call waits for the first, or with
        `wait=False` (the background sync) returns None at once.

        While one pulled batch is being written locally, the next is already on its way (a
        pull-only request from the new cursor), so the slow link never waits for the disk."""
        if not self._running.acquire(blocking=wait):
            return None
        try:
            return self._sync_locked()
        finally:
            self._running.release()

    def _sync_locked(self) -> SyncProgress:
        progress = SyncProgress()
        self._first_sync(progress)
        renewed = False
        ahead: Future[SyncResponse] | None = None
        ahead_request: SyncRequest | None = None
        ahead_started = self.clock()
        with ThreadPoolExecutor(1, thread_name_prefix="sync-prefetch") as pool:
            try:
                for _ in range(MAX_EXCHANGES):
                    if ahead is not None and ahead_request is not None:
                        request, sent, started = ahead_request, {}, ahead_started
                        future, ahead = ahead, None
                    else:
                        request, sent = self._build_request(digest=progress.exchanges == 0)
                        started, future = self.clock(), None
                    try:
                        response = future.result() if future is not None else \
                            self.transport.exchange(request, self._token())
                    except DomainError as err:
                        if err.code in ("token_expired", "token_invalid", "not_authenticated") \
                                and not renewed:
                            renewed = True
                            self._renew_token()
                            continue
                        if err.code == "device_revoked":
                            raise self._revoked(err) from err
                        raise
                    if response.drift:
                        self._rebuild(response.drift, progress)
                        continue
                    if response.pull.more:
                        ahead_request = request.model_copy(update={
                            "push": PushRequest(), "verify": None, "local_log": [],
                            "pull": PullRequest(cursor=response.pull.cursor,
                                                max_bytes=self.max_bytes)})
                        ahead_started = self.clock()
                        ahead = pool.submit(self.transport.exchange, ahead_request,
                                            self._token())
                    self._apply(response, sent, started, progress)
                    progress.exchanges += 1
                    progress.sent += len(sent)
                    if self.on_progress:
                        self.on_progress(progress)
                    if ahead is None and progress.pending == 0:
                        break
                    # Otherwise go on: more to pull, or changes typed while this exchange was
                    # under way (every exchange acknowledges or refuses all it sent, so the
                    # outbox only stays full while the user keeps typing).
            finally:
                if ahead is not None:
                    ahead.cancel()
                    try:
                        ahead.result()
                    except Exception:  # noqa: BLE001 - a prefetch nobody will use
                        pass
        self._sync_photos(progress)
        return progress

    def _sync_photos(self, progress: SyncProgress) -> None:
        """Upload the photos of this profile the server lacks (services/attachments.py); a
        dropped link leaves the rest for the next sync, resuming mid-photo."""
        if not (isinstance(self.profile, Profile) and isinstance(self.transport,
                                                                HttpSyncTransport)):
            return
        try:
            report = sync_photos(self.profile, self.transport.base, self._token() or "")
        except DomainError as err:
            if err.code == "device_revoked":
                raise self._revoked(err) from err
            progress.log.append(f"照片未全部上传，下次同步继续：{err.message()}")
            return
        if report.sent:
            progress.log.append(f"已上传照片 {len(report.sent)} 张")
        for sha, code in report.refused.items():
            progress.log.append(f"照片 {sha[:8]} 被拒绝：{DomainError(code).message()}")

    def _token(self) -> str | None:
        with self.reads() as s:
            return sync_state(s).access_token

    def _first_sync(self, progress: SyncProgress) -> None:
        """An empty copy starts from the scope's prepared snapshot (services/first_sync.py),
        resuming after a cut; a server without snapshots gets the ordinary pull."""
        if not isinstance(self.transport, HttpSyncTransport):
            return
        if not first_sync_pending(self.profile.engine):
            return

        def report(stage: str, done: int, total: int) -> None:
            progress.stage = (f"服务器正在准备辖区数据… 已完成 {done} 批" if stage == "preparing"
                              else f"正在下载辖区数据 {done}/{total}")
            if self.on_progress:
                self.on_progress(progress)

        for attempt in range(2):
            client = SnapshotClient(self.transport.base, self._token(),
                                    client=self.transport.client)
            try:
                done = first_sync(self.profile.engine, client, now=self.clock,
                                  on_progress=report, write=self.write)
            except DomainError as err:
                if err.code == "not_found":
                    return  # an older server: the ordinary pull fetches everything
                if err.code in ("token_expired", "token_invalid") and attempt == 0:
                    self._renew_token()
                    continue
                if err.code == "device_revoked":
                    raise self._revoked(err) from err
                raise
            progress.received += done.rows
            progress.first_sync = done
            progress.log.append(f"首次同步：从辖区数据包下载 {done.fetched} 批，{done.rows} 条"
                                + (f"（续传，跳过已收到的 {done.skipped} 批）" if done.skipped
                                   else ""))
            return

    def _rebuild(self, reason: str, progress: SyncProgress) -> None:
        """The server says this copy drifted (services/rebuild.py): rebuild it, once a run."""
        if progress.rebuilt:
            raise DomainError("rebuild_failed", detail=reason)
        token = self._token()
        counts = rebuild_replica(
            self.profile, lambda r: self.transport.exchange(r, token),
            max_bytes=self.max_bytes, now=self.clock(), writer=self.writer)
        progress.rebuilt = True
        progress.log.append(f"本机数据与服务器不一致，已重建本机副本（{counts['rows']} 条记录，"
                            f"{counts['pending']} 条未上传的修改保留）")

    def _build_request(self, digest: bool = False
                       ) -> tuple[SyncRequest, dict[str, tuple[str, str]]]:
        with self.reads() as s:
            state = sync_state(s)
            entries = outbox.pending(s, PUSH_BATCH)
            changes = [outbox.as_change(e) for e in entries]
            # `verify` states committed state only (drift check, docs/SYNC.md); the digest,
            # a scan of the copy, goes with the first exchange of a run.
            request = SyncRequest(device_id=state.device_id, push=PushRequest(changes=changes),
                                  pull=PullRequest(cursor=state.cursor or 0,
                                                   max_bytes=self.max_bytes),
                                  verify=local_verify(s, digest=digest),
                                  local_log=unsent_log_lines(s, state.log_sent_seq or 0))
        return request, {c.id: (c.entity, c.record_id) for c in changes}

    def _apply(self, response: SyncResponse, sent: dict[str, tuple[str, str]],
               started: dt.datetime, progress: SyncProgress) -> None:
        now = self.clock()
        self.write(lambda s: self._apply_in(s, response, sent, started, now, progress))

    @staticmethod
    def _apply_in(s: Session, response: SyncResponse, sent: dict[str, tuple[str, str]],
                  started: dt.datetime, now: dt.datetime, progress: SyncProgress) -> None:
        state = sync_state(s)
        server_ms = wall_ms(dt.datetime.fromisoformat(response.server_time))
        local_ms = (wall_ms(started) + wall_ms(now)) // 2
        state.clock_offset_ms = server_ms - local_ms
        if state.last_clock and hlc.parse(state.last_clock)[0] > server_ms + MAX_AHEAD_MS:
            # Stamps made while the laptop's clock ran ahead: forget them, so this device's
            # next edits are stamped with the server-corrected time.
            state.last_clock = None
        if response.local_log_seq is not None:
            state.log_sent_seq = max(state.log_sent_seq or 0, response.local_log_seq)
        accepted, refused = outbox.settle(s, response.push.acks, now=now)
        replica.apply_acks(s, response.push.acks, sent)
        counts = replica.apply_pull(s, response.pull, now=now)
        replica.drop_settled_departures(s)
        state.last_sync_at = now
        progress.accepted += accepted
        progress.refused += refused
        progress.received += counts["rows"]
        progress.left_scope += counts["exits"]
        progress.conflicts += counts["conflicts"]
        progress.pending = outbox.pending_count(s)
        progress.more = response.pull.more
        progress.cursor = state.cursor


SENT_ACTIONS = ("reveal", "reveal_id_number", "export")
"""The local log's actions the server's operation log takes from the device."""


def unsent_log_lines(s: Session, after: int) -> list[LocalLogEntry]:
    """The local log's reveals and exports past `after`, oldest first, one exchange's worth
    (edits reach the server as changes and are logged there)."""
    rows = s.scalars(select(OperationLog).where(OperationLog.seq > after,
                                                OperationLog.action.in_(SENT_ACTIONS))
                     .order_by(OperationLog.seq).limit(MAX_LOCAL_LOG))
    return [LocalLogEntry(seq=r.seq, at=r.at.isoformat(), user_id=r.user_id or "",
                          action=r.action, entity=r.entity, record_id=r.record_id,
                          detail=r.detail or {}) for r in rows]


def initial_sync(profile: Any, progress: Any = None) -> SyncProgress:
    """Hook for the sign-in service: the first full download of a new profile.
    `progress.report(done, total, text)` is called after every batch when given."""
    def report(p: SyncProgress) -> None:
        if progress is not None:
            progress.report(p.exchanges, 0, f"正在下载辖区数据… 已收到 {p.received} 条")
    return SyncService(profile, on_progress=report).sync_now()


__all__ = ["SyncService", "SyncProgress", "initial_sync", "PUSH_BATCH"]
