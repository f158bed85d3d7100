"""500 devices syncing at once against one server process on this machine (no link shaping):
each device pushes 2 edits and pulls what changed since its cursor, again and again, for a fixed
time. Reports syncs per second, latency percentiles and errors, on SQLite and PostgreSQL.
A device turned away by admission control (429 server_busy) comes back after Retry-After times
1.0-1.5, as the desktop transport does: `p50_ms`/`p99_ms` are whole syncs including that wait,
`answer_p99_ms` is the time to any answer (200 or 429), `deferred` counts the 429s.

    .venv/bin/python -m benchmarks.sync_load [--devices 500] [--seconds 60] [--backend both]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import select

from benchmarks.sync_data import PASSWORD, build, free_port, start_server

SECRET = "bench-secret-" + "x" * 40
THINK = 10.0
from common.sync import hlc
from common.sync.codec import pack, unpack
from common.sync.messages import (MEDIA_TYPE, Change, PullRequest, PushRequest, SyncRequest,
                                  SyncResponse, expand_acks)


async def device(client: httpx.AsyncClient, url: str, token: str, people: list[str],
                 grid: str, cursor: int, until: float, out: dict) -> None:
    """One laptop of a grid worker: its grid is its own (two devices per worker)."""
    rng = random.Random()
    device_id, node = str(uuid.uuid4()), uuid.uuid4().hex[:12]
    last = None
    await asyncio.sleep(rng.uniform(0, 5))  # devices come online over 5 s
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
                body = pack(req.model_dump(mode="json"), 6)
                headers = {"Authorization": f"Bearer {token}", "Content-Type": MEDIA_TYPE}
                t1 = time.perf_counter()
                try:
                    r = await client.post(url, content=body, headers=headers)
                except (httpx.ReadError, httpx.RemoteProtocolError):
                    # The server closed an idle kept-alive connection as we reused it: resend
                    # once, as the real client's transport does (an exchange is idempotent).
                    out["retries"] += 1
                    r = await client.post(url, content=body, headers=headers)
                out["answers"].append(time.perf_counter() - t1)
                if r.status_code == 429 and r.json().get("code") == "server_busy":
                    out["deferred"] += 1
                    await asyncio.sleep(float(r.headers.get("Retry-After", "1"))
                                        * rng.uniform(1.0, 1.5))
                    continue
                if r.status_code != 200:
                    raise RuntimeError(f"HTTP {r.status_code} {r.text[:100]}")
                answer = SyncResponse.model_validate(expand_acks(unpack(r.content), req))
                if any(a.status != "accepted" for a in answer.push.acks):
                    raise RuntimeError("refused change")
                cursor, more, changes = answer.pull.cursor, answer.pull.more, []
            out["lat"].append(time.perf_counter() - t0)
        except Exception as exc:  # noqa: BLE001 - counted and reported
            out["errors"].append(repr(exc)[:120])
        await asyncio.sleep(rng.uniform(0.5, 1.5) * THINK)  # time between a device's syncs


async def run_load(base: str, devices: int, seconds: float, people: list[str],
                   workers: list[tuple[str, str]], cursor: int) -> dict:
    limits = httpx.Limits(max_connections=devices, max_keepalive_connections=devices)
    async with httpx.AsyncClient(timeout=300, limits=limits) as client:
        out: dict = {"lat": [], "errors": [], "retries": 0, "answers": [], "deferred": 0}
        until = time.time() + seconds
        t0 = time.time()
        await asyncio.gather(*(device(client, base + "/api/sync", *workers[i % len(workers)][:1],
                                      people, workers[i % len(workers)][1], cursor, until, out)
                               for i in range(devices)))
        wall = time.time() - t0
    lat = sorted(out["lat"])
    q = statistics.quantiles(lat, n=100) if len(lat) > 10 else [0] * 99
    a = statistics.quantiles(out["answers"], n=100) if len(out["answers"]) > 10 else [0] * 99
    return {"devices": devices, "seconds": round(wall, 1), "syncs": len(lat),
            "syncs_per_s": round(len(lat) / wall, 1), "p50_ms": round(q[49] * 1000),
            "p99_ms": round(q[98] * 1000), "max_ms": round(max(lat, default=0) * 1000),
            "answer_p99_ms": round(a[98] * 1000), "deferred": out["deferred"],
            "errors": len(out["errors"]), "retries": out["retries"],
            "error_sample": out["errors"][:3]}


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
    server = start_server(url, port, secret=SECRET)
    try:
        return asyncio.run(run_load(f"http://127.0.0.1:{port}", devices, seconds, people,
                                    workers, cursor))
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--devices", type=int, default=500)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    ap.add_argument("--think", type=float, default=10.0, help="mean seconds between syncs")
    ap.add_argument("--no-fsync", action="store_true",
                    help="PostgreSQL without fsync (the test cluster's setting); the target is "
                         "measured with fsync on, as a production server runs")
    args = ap.parse_args()
    global THINK
    THINK = args.think
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
    print(f"think time {THINK} s (mean) between a device's syncs; PostgreSQL fsync "
          f"{'off' if args.no_fsync else 'on'}")
    print("| backend | devices | syncs/s | p50 ms | p99 ms | answer p99 ms | deferred | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for k, r in results.items():
        print(f"| {k} | {r['devices']} | {r['syncs_per_s']} | {r['p50_ms']} | {r['p99_ms']} | "
              f"{r['answer_p99_ms']} | {r['deferred']} | {r['errors']} |")


if __name__ == "__main__":
    main()
