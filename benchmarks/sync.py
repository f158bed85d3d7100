"""Sync over a simulated rural 2G link (../shared/tools/shaper.py: 64 kbit/s down, 32 kbit/s
up, 300 ms round trip) against a real server process, for one grid of 2,000 people, 600 houses
and 5,000 past visits: initial sync, incremental sync (50 edits + 20 new visits on the device,
30 edits at the office), and a sync with nothing to do. Prints a table and one JSON line.

    .venv/bin/python -m benchmarks.sync [--runs 3] [--cold]

The first device starts once the server's housekeeping has the grid's snapshot ready (as on a
server that has been running); `--cold` starts it at once. The first sync's split (sign-in,
snapshot wait, transfer, apply, the exchange after) is printed with the load average.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import random
import shutil
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from benchmarks.sync_data import PASSWORD, build, free_port, start_server, start_shaper
from common.schema import Person, User, Visit
from desktop.net.sync import HttpSyncTransport
from desktop.services.sync import SyncService
from desktop.storage.changes import record_change
from desktop.storage.database import open_database
from desktop.storage.migrations import migrate

DOWN_BPS, UP_BPS, RTT = 64_000 / 8, 32_000 / 8, 0.3


def control(port: int, path: str, method: str = "GET") -> dict[str, Any]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method)
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())


def floor_bytes(url: str) -> dict[str, int]:
    """The floor: the information in the worker's scope, as a replica of plain documents would
    hold it (what a CouchDB replica of the grid holds): one JSON document per live record with
    its id and its user-visible fields and references (empty ones left out), no sync metadata
    (revs, stamps, timestamps, tombstones); one document a line, compressed with gzip -9 and
    with xz -9."""
    import lzma
    from common.schema import ENTITIES, SYNC_COLUMNS
    from sync_server.db.engine import make_engine
    from sync_server.services.scope import Scope
    from sync_server.services.sync_pull import pull_batch
    engine = make_engine(url)
    lines: list[str] = []
    with Session(engine) as s:
        user = s.scalar(select(User).where(User.username == "bench_worker"))
        scope, cursor, more = Scope.of(s, user), 0, True
        while more:
            batch = pull_batch(s, scope, cursor, 4_000_000)
            for name, block in batch.data.items():
                if name not in ENTITIES:
                    continue
                for values in block.rows:
                    row = dict(zip(block.cols, values))
                    if row.get("deleted"):
                        continue
                    doc = {"id": row["id"], "type": name}
                    doc.update({k: v for k, v in row.items()
                                if k not in SYNC_COLUMNS and v not in (None, "", [], {})})
                    lines.append(json.dumps(doc, ensure_ascii=False, separators=(",", ":")))
            cursor, more = batch.cursor, batch.more
    engine.dispose()
    raw = "\n".join(lines).encode()
    return {"documents": len(lines), "json": len(raw), "gzip": len(gzip.compress(raw, 9)),
            "xz": len(lzma.compress(raw, preset=9))}


class Client:
    """A device: a real SQLCipher file and the real sync service over HTTP through the shaper."""

    def __init__(self, path: Path, url: str) -> None:
        self.engine = open_database(path, os.urandom(32))
        migrate(self.engine)
        self.transport = HttpSyncTransport(url)
        self.profile = SimpleNamespace(engine=self.engine, server_url=url,
                                       username="bench_worker")
        self.service = SyncService(self.profile, self.transport, password=PASSWORD)

    def first(self) -> Any:
        """From an empty device to in sync: sign in, then sync. The progress carries the split
        (`split`: seconds signing in, waiting for the snapshot, waiting for its batches on the
        link beyond what overlapped writing, decoding and writing them, and the exchange after)."""
        t0 = time.perf_counter()
        self.service.sign_in("bench_worker", PASSWORD)
        t1 = time.perf_counter()
        progress = self.service.sync_now()
        t2 = time.perf_counter()
        snap = progress.first_sync
        parts = {"sign_in_s": t1 - t0, "snapshot_wait_s": snap.wait_seconds if snap else 0.0,
                 "transfer_s": snap.transfer_seconds if snap else 0.0,
                 "apply_s": snap.apply_seconds if snap else 0.0}
        parts["exchanges_s"] = t2 - t1 - sum(v for k, v in parts.items() if k != "sign_in_s")
        progress.split = {k: round(v, 2) for k, v in parts.items()}
        return progress

    def close(self) -> None:
        self.transport.close()
        self.engine.dispose()


def measure(ctl: int, fn) -> dict[str, Any]:
    control(ctl, "/reset", "POST")
    load = os.getloadavg()[0]
    t0, cpu = time.perf_counter(), time.process_time()
    progress = fn()
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu
    st = control(ctl, "/stats")
    up, down = st["bytes_up"], st["bytes_down"]
    ideal = down / DOWN_BPS + up / UP_BPS + progress.exchanges * RTT
    return {"wall_s": round(wall, 2), "exchanges": progress.exchanges, "bytes_up": up,
            "connections": st["connections"],
            "bytes_down": down, "ideal_s": round(ideal, 2),
            "received": progress.received, "sent": progress.sent,
            "client_cpu_s": round(cpu, 2), "load": round((load + os.getloadavg()[0]) / 2, 1),
            **getattr(progress, "split", {})}


def kept_ready(url: str, cold: bool) -> dict[str, Any]:
    """Wait (up to 120 s) until the server's housekeeping has the grid's snapshot ready, as a
    server that has been running for a while has it (sync_server/api/routes/snapshots.py
    keep_ready); `cold`: do not wait (the first device may find it still being prepared)."""
    from sync_server.db.snapshot_tables import ScopeSnapshot
    t0 = time.perf_counter()
    found = None
    while not cold and time.perf_counter() - t0 < 120:
        from sqlalchemy import create_engine
        engine = create_engine(url)
        with Session(engine) as s:
            found = s.scalar(select(ScopeSnapshot.prepare_seconds)
                             .where(ScopeSnapshot.status == "ready"))
        engine.dispose()
        if found is not None:
            break
        time.sleep(0.5)
    return {"cold": cold, "waited_s": round(time.perf_counter() - t0, 1),
            "prepare_s": None if found is None else round(found, 2)}


def local_edits(client: Client, rng: random.Random, grid: str) -> None:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with Session(client.engine) as s, s.begin():
        people = list(s.scalars(select(Person.id).limit(400)))
        for pid in rng.sample(people, 50):
            record_change(s, Person, pid, {"phone": f"139{rng.randrange(10**8):08d}",
                                           "notes": "走访时核实了联系电话"}, now=now)
        for pid in rng.sample(people, 20):
            record_change(s, Visit, None, {"kind": "person", "person_id": pid,
                                           "visitor_id": "bench", "visited_at": now,
                                           "notes": "入户走访，情况稳定", "grid_id": grid},
                          now=now)


def office_edits(url: str, people: list[str], rng: random.Random) -> None:
    from sync_server.db.engine import make_engine, make_session_factory, write_session
    from sync_server.services.changes import apply_change
    engine = make_engine(url)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with write_session(make_session_factory(engine)) as s:
        for pid in rng.sample(people[400:], 30):
            apply_change(s, Person, pid, {"workplace": "托克逊县农业合作社"}, now=now)
        s.commit()
    engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cold", action="store_true",
                    help="start the first device at once, before the server's housekeeping has "
                         "prepared the grid's snapshot")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="yzb-bench-sync-"))
    url = f"sqlite:///{work / 'server.db'}"
    info = build(url)
    floor = floor_bytes(url)
    port = free_port()
    server = start_server(url, port)
    shaper, link_port, ctl = start_shaper(port)
    kept = kept_ready(url, args.cold)
    link = f"http://127.0.0.1:{link_port}"
    rng = random.Random(1)
    results: dict[str, list[dict[str, Any]]] = {"initial": [], "incremental": [], "nothing": []}
    try:
        for run in range(args.runs):
            client = Client(work / f"device-{run}.db", link)
            results["initial"].append(measure(ctl, client.first))
            local_edits(client, rng, info["grid"])
            office_edits(url, info["people"], rng)
            results["incremental"].append(measure(ctl, client.service.sync_now))
            results["nothing"].append(measure(ctl, client.service.sync_now))
            client.close()
            print(f"run {run + 1}: " + json.dumps({k: v[-1] for k, v in results.items()}),
                  flush=True)
    finally:
        shaper.terminate(), server.terminate()
        shaper.wait(), server.wait()
        shutil.rmtree(work, ignore_errors=True)
    med = {k: {f: statistics.median(r[f] for r in v) for f in v[0]} for k, v in results.items()}
    i = med["initial"]
    print("initial split (median s): " + ", ".join(
        f"{f} {i[f]:.2f}" for f in ("sign_in_s", "snapshot_wait_s", "transfer_s", "apply_s",
                                    "exchanges_s") if f in i)
          + f"; wall {i['wall_s']:.2f}, ideal {i['ideal_s']:.2f}, client CPU {i['client_cpu_s']:.2f},"
          f" load average {i['load']:.1f} (target: wall < 50 s)")
    print("server: " + ("cold start, the first device did not wait for the kept-ready snapshot"
                        if kept["cold"] else
                        f"the grid's snapshot kept ready by housekeeping (prepared in "
                        f"{kept['prepare_s']} s, ready {kept['waited_s']} s after the start)"))
    print(f"floor: {floor['documents']} plain JSON documents, {floor['json']} bytes; "
          f"gzip -9 {floor['gzip']} bytes ({floor['gzip'] / DOWN_BPS:.1f} s on the link), "
          f"xz -9 {floor['xz']} bytes")
    print("| sync | exchanges | connections | bytes up | bytes down | wall s "
          "| ideal s (bytes/bw + RTTs) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for k, m in med.items():
        print(f"| {k} | {m['exchanges']:.0f} | {m['connections']:.0f} | {m['bytes_up']:.0f} "
              f"| {m['bytes_down']:.0f} | {m['wall_s']:.1f} | {m['ideal_s']:.1f} |")
    i = med["initial"]
    print(f"initial (with sign-in): wire/gzip floor = {i['bytes_down'] / floor['gzip']:.2f}x "
          f"(target <= 1.5x), wire/xz floor = {i['bytes_down'] / floor['xz']:.2f}x, "
          f"wall/ideal = {i['wall_s'] / i['ideal_s']:.2f}x")
    print(json.dumps({"floor": floor, "server": kept, "median": med}))

if __name__ == "__main__":
    main()
