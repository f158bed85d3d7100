"""Many devices syncing against one server on this machine (no link shaping): each device
pushes 2 edits and pulls what changed since its cursor, again and again, for a fixed time.
Reports syncs per second, latency percentiles and errors, on SQLite and PostgreSQL.
A device turned away by admission control (429 server_busy) comes back after Retry-After times
1.0-1.5, as the desktop transport does: `p50_ms`/`p99_ms` are whole syncs including that wait,
`answer_p99_ms` is the time to any answer (200 or 429), `deferred` counts the 429s.

Devices come online over `--ramp` seconds (default: the mean pause, i.e. the steady state of
devices that sync every `--think` seconds; `--ramp 5` is the start burst of all devices at once).
The generator and the server share the machine: `gen_cpu_s` and `server_cpu_s` are the CPU
seconds each used during the load (the server's summed over its worker processes).

    .venv/bin/python -m benchmarks.sync_load [--devices 500] [--seconds 60] [--backend both]
                                             [--think 20] [--ramp 5] [--cold]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import select

from benchmarks.sync_data import PASSWORD, build, free_port, start_server

SECRET = "bench-secret-" + "x" * 40
THINK = 10.0
RAMP: float | None = None  # seconds over which devices come online (None: THINK)
COLD = False  # load at once, while the server's start-up housekeeping prepares snapshots
from common.sync import hlc
from common.sync.codec import pack, unpack
from common.sync.messages import (MEDIA_TYPE, Change, PullRequest, PushRequest, SyncRequest,
                                  wire_form)


class Connection:
    """One device's kept-alive HTTP/1.1 connection, spoken by hand over asyncio streams: the
    generator shares the server's 2 cores, and a general client's pool (httpx: work per request
    that grows with the number of open connections) cost it more CPU than the server spent."""

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port = host, port
        self.head = (f"POST /api/sync HTTP/1.1\r\nHost: {host}:{port}\r\n"
                     f"Authorization: Bearer {token}\r\nContent-Type: {MEDIA_TYPE}\r\n"
                     "Content-Length: ").encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(self.head + str(len(body)).encode() + b"\r\n\r\n" + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {k.strip().lower(): v.strip() for k, v in
                   (line.split(":", 1) for line in lines[1:] if ":" in line)}
        data = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, data

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def device(host: str, port: int, token: str, people: list[str], grid: str, cursor: int,
                 until: float, out: dict) -> None:
    """One laptop of a grid worker: its grid is its own (two devices per worker)."""
    rng = random.Random()
    device_id, node = str(uuid.uuid4()), uuid.uuid4().hex[:12]
    conn = Connection(host, port, token)
    last = None
    await asyncio.sleep(rng.uniform(0, THINK if RAMP is None else RAMP))
    mine: list[tuple[str, str]] = []   # (visit id, stamp of its notes) made by this device
    while time.time() < until:
        t0 = time.perf_counter()
        try:
            # Each sync: one new visit, and one edit of a visit this device made earlier (sent
            # with the stamp it last saw, as a real device does).
            last = hlc.tick(last, int(time.time() * 1000), node)
            vid = str(uuid.uuid4())
            changes = [Change(id=str(uuid.uuid4()), entity="visits", record_id=vid, clock=last,
                              values={"kind": "person", "person_id": rng.choice(people),
                                      "visitor_id": "bench", "grid_id": grid,
                                      "visited_at": "2026-11-24T10:00:00",
                                      "notes": "入户走访"})]
            if mine:
                i = rng.randrange(len(mine))
                old_id, seen = mine[i]
                last = hlc.tick(last, int(time.time() * 1000), node)
                changes.append(Change(id=str(uuid.uuid4()), entity="visits", record_id=old_id,
                                      values={"notes": f"回访 {rng.randrange(1000)}"},
                                      clock=last, base={"notes": seen}))
                mine[i] = (old_id, last)
            mine.append((vid, changes[0].clock))
            more = True
            while more:
                req = SyncRequest(device_id=device_id, push=PushRequest(changes=changes),
                                  pull=PullRequest(cursor=cursor, max_bytes=400_000))
                body = pack(wire_form(req), 6)
                t1 = time.perf_counter()
                try:
                    status, headers, data = await conn.post(body)
                except (OSError, asyncio.IncompleteReadError):
                    # The server closed an idle kept-alive connection as we reused it: resend
                    # once, as the real client's transport does (an exchange is idempotent).
                    out["retries"] += 1
                    conn.close()
                    status, headers, data = await conn.post(body)
                out["answers"].append(time.perf_counter() - t1)
                if status == 429 and json.loads(data).get("code") == "server_busy":
                    out["deferred"] += 1
                    await asyncio.sleep(float(headers.get("retry-after", "1"))
                                        * rng.uniform(1.0, 1.5))
                    continue
                if status != 200:
                    raise RuntimeError(f"HTTP {status} {data[:100]!r}")
                # The generator checks what a device would notice (a refused change, its next
                # cursor) without validating the whole answer, to stay light.
                answer = unpack(data)
                acks = answer.get("push", {}).get("acks", [])
                if len(acks) != len(changes) or any(a.get("status", "accepted") != "accepted"
                                                    for a in acks):
                    raise RuntimeError(f"refused change {acks!r:.100}")
                pull = answer.get("pull", {})
                cursor, more, changes = pull.get("cursor", cursor), pull.get("more", False), []
            out["lat"].append(time.perf_counter() - t0)
        except Exception as exc:  # noqa: BLE001 - counted and reported
            out["errors"].append(repr(exc)[:120])
        # Time between a device's syncs (not past the end: the run's wall time is its load).
        await asyncio.sleep(max(0.0, min(rng.uniform(0.5, 1.5) * THINK, until - time.time())))
    conn.close()


def _cpu_of_tree(pid: int) -> float:
    """CPU seconds (user + system) used so far by `pid` and its descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    stats: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        stats[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, frontier = {pid}, [pid]
    while frontier:
        p = frontier.pop()
        kids = [c for c, pp in parents.items() if pp == p and c not in tree]
        tree.update(kids)
        frontier += kids
    return sum(stats.get(p, 0.0) for p in tree)


def _own_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


async def run_load(base: str, devices: int, seconds: float, people: list[str],
                   workers: list[tuple[str, str]], cursor: int, server_pid: int) -> dict:
    host, port = base.rsplit("//", 1)[1].split(":")
    out: dict = {"lat": [], "errors": [], "retries": 0, "answers": [], "deferred": 0}
    until = time.time() + seconds
    t0 = time.time()
    cpu0, server0 = _own_cpu(), _cpu_of_tree(server_pid)
    await asyncio.gather(*(device(host, int(port), *workers[i % len(workers)][:1], people,
                                  workers[i % len(workers)][1], cursor, until, out)
                           for i in range(devices)))
    wall = time.time() - t0
    gen_cpu, server_cpu = _own_cpu() - cpu0, _cpu_of_tree(server_pid) - server0
    lat = sorted(out["lat"])
    q = statistics.quantiles(lat, n=100) if len(lat) > 10 else [0] * 99
    a = statistics.quantiles(out["answers"], n=100) if len(out["answers"]) > 10 else [0] * 99
    return {"devices": devices, "seconds": round(wall, 1), "syncs": len(lat),
            "syncs_per_s": round(len(lat) / wall, 1), "p50_ms": round(q[49] * 1000),
            "p99_ms": round(q[98] * 1000), "max_ms": round(max(lat, default=0) * 1000),
            "answer_p99_ms": round(a[98] * 1000), "deferred": out["deferred"],
            "errors": len(out["errors"]), "retries": out["retries"],
            "gen_cpu_s": round(gen_cpu, 1), "server_cpu_s": round(server_cpu, 1),
            "server_ms_per_answer": round(server_cpu * 1000 / max(1, len(out["answers"])), 1),
            "error_sample": out["errors"][:3]}


def _wait_for_snapshots(url: str, timeout: float = 600) -> None:
    """Wait until the server's housekeeping has prepared every grid's first-sync snapshot (it
    starts them at start-up, then renews them hourly): the load then meets a server in its
    steady state, not one busy with 500 new grids' snapshots (`--cold`: don't wait)."""
    from sqlalchemy import func
    from sqlalchemy.orm import Session

    from sync_server.db.engine import make_engine
    from sync_server.db.snapshot_tables import ScopeSnapshot

    engine = make_engine(url)
    t0, last = time.time(), None
    try:
        while time.time() - t0 < timeout:
            with Session(engine) as s:
                counts = dict(s.execute(select(ScopeSnapshot.status, func.count())
                                        .group_by(ScopeSnapshot.status)).all())
            if counts.get("ready") and not counts.get("preparing") and counts == last:
                print(f"snapshots ready after {time.time() - t0:.0f} s: {counts}", flush=True)
                return
            last = counts
            time.sleep(1)
        raise RuntimeError(f"snapshots not ready after {timeout} s: {last}")
    finally:
        engine.dispose()


def one_backend(url: str, devices: int, seconds: float) -> dict:
    """Fill `url`, add one grid and one worker per two devices, serve it, load it."""
    import datetime as dt

    from sqlalchemy.orm import Session

    from common.schema import OrgNode, Person
    from sync_server.db.engine import make_engine
    from sync_server.services.auth import make_access_token
    from sync_server.services.changes import apply_change, current_rev
    from sync_server.services.passwords import hash_password
    from sync_server.services.users import create_user
    from sync_server.settings import Settings

    info = build(url, people=2000, houses=600, visits=5000)
    settings = Settings(database_url=url, secret_key=SECRET)
    engine = make_engine(url)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    workers = []
    with Session(engine) as s, s.begin():
        village = s.get(OrgNode, "n-v")
        pw = hash_password(PASSWORD)
        for k in range(max(1, devices // 2)):
            gid = f"n-load-{k}"
            apply_change(s, OrgNode, gid, {"parent_id": village.id, "level": "grid",
                                           "name": f"负载网格{k}", "path": f"{village.path}{gid}/",
                                           "grid_id": gid}, now=now)
            user = create_user(s, username=f"load_{k}", display_name=f"网格员{k}",
                               role="grid_worker", scope_node_id=gid, now=now, password_hash=pw)
            workers.append((make_access_token(user, settings, now), gid))
    with Session(engine) as s:
        cursor = current_rev(s)
        people = list(s.scalars(select(Person.id).where(Person.grid_id == info["grid"])))
    engine.dispose()
    port = free_port()
    files = tempfile.mkdtemp(prefix="yzb-load-files-")  # snapshots: never into the checkout
    server = start_server(url, port, secret=SECRET, env={"ATTACHMENTS_DIR": f"{files}/attachments"})
    try:
        if not COLD:
            _wait_for_snapshots(url)
        return asyncio.run(run_load(f"http://127.0.0.1:{port}", devices, seconds, people,
                                    workers, cursor, server.pid))
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(files, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--devices", type=int, default=500)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    ap.add_argument("--think", type=float, default=10.0, help="mean seconds between syncs")
    ap.add_argument("--ramp", type=float, default=None,
                    help="seconds over which devices come online (default: --think, the steady "
                         "state; 5: the start burst)")
    ap.add_argument("--cold", action="store_true",
                    help="load at once, while the server's start-up housekeeping still prepares "
                         "every grid's snapshot (default: wait until they are ready)")
    ap.add_argument("--no-fsync", action="store_true",
                    help="PostgreSQL without fsync (the test cluster's setting); the target is "
                         "measured with fsync on, as a production server runs")
    args = ap.parse_args()
    global THINK, RAMP, COLD
    THINK, RAMP, COLD = args.think, args.ramp, args.cold
    results = {}
    if args.backend in ("sqlite", "both"):
        work = Path(tempfile.mkdtemp(prefix="yzb-load-"))
        results["sqlite"] = one_backend(f"sqlite:///{work / 'server.db'}", args.devices,
                                        args.seconds)
        shutil.rmtree(work, ignore_errors=True)
        print(json.dumps({"sqlite": results["sqlite"]}), flush=True)
    if args.backend in ("postgresql", "both"):
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from tests.pg import PgCluster
        cluster = PgCluster(durable=not args.no_fsync).start()
        try:
            name = cluster.create_database(name="yzb_load")
            results["postgresql"] = one_backend(cluster.url(name), args.devices, args.seconds)
        finally:
            cluster.stop()
        print(json.dumps({"postgresql": results["postgresql"]}), flush=True)
    print(f"think time {THINK} s (mean) between a device's syncs; devices online over "
          f"{THINK if RAMP is None else RAMP} s; {'cold server' if COLD else 'snapshots ready'}; PostgreSQL "
          f"fsync {'off' if args.no_fsync else 'on'}")
    print("| backend | devices | syncs/s | p50 ms | p99 ms | answer p99 ms | deferred | errors "
          "| server CPU s | generator CPU s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for k, r in results.items():
        print(f"| {k} | {r['devices']} | {r['syncs_per_s']} | {r['p50_ms']} | {r['p99_ms']} | "
              f"{r['answer_p99_ms']} | {r['deferred']} | {r['errors']} | {r['server_cpu_s']} | "
              f"{r['gen_cpu_s']} |")


if __name__ == "__main__":
    main()
