"""Large first syncs (docs/SYNC.md): a township office's first sync from a prepared snapshot,
and a morning of 300 devices onboarding while others sync incrementally.

    .venv/bin/python -m benchmarks.first_sync township [--scale 1] [--runs 3] [--county]
        [--cache DIR] [--client-runs N] [--no-one-file]
    .venv/bin/python -m benchmarks.first_sync storm [--devices 300] [--people 2000]

township: the demo county at `scale` (scale 1: ~20,000 people in one township) on SQLite, served
by `python -m sync_server serve` on 127.0.0.1; the largest township's office account requests
the snapshot. Reports the server's preparation time, the wire bytes of all batches, and the same
records (every batch's JSON, concatenated) compressed as one file with zstd at the same level
and at level 19: the goal is wire <= 1.5x one file. Then the client's side after the download:
`first_sync` itself fills a fresh SQLCipher profile database from the batch files (in a fresh
process, `--client-runs` times), timed as decode, apply, commit and index building (issue 17
targets: township under 10 s, county under 45 s). `--county`: the county office's scope (every
row) instead of one township. `--cache DIR`: keep the prepared batch files there, and when DIR
already holds them skip the server side (generating and preparing the county takes minutes).
storm: `devices` devices of one township scope start a first sync together (request, poll,
download every batch) while 5 grid-worker devices keep syncing incrementally (push one visit,
pull); reports the incremental syncs' p50/p99 latency and errors during the storm.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import zstandard

from benchmarks.sync_data import PASSWORD, build, free_port, start_server
from common.sync import hlc
from common.sync.codec import pack, unpack
from common.sync.messages import (MEDIA_TYPE, PROTOCOL_HEADER, PROTOCOL_VERSION,
                                  SCHEMA_VERSION, Change, PullRequest, PushRequest, SyncRequest,
                                  SyncResponse, expand_acks)

SECRET = "bench-secret-" + "y" * 40


async def _login(client: httpx.AsyncClient, base: str, username: str) -> str:
    r = await client.post(base + "/api/auth/login",
                          json={"username": username, "password": PASSWORD})
    r.raise_for_status()
    return r.json()["access_token"]


async def _send(client: httpx.AsyncClient, method: str, url: str, out: dict,
                **kw: Any) -> httpx.Response:
    """One request, resent (twice at most) if the server closed a kept-alive connection as it
    was reused or refused a connection while busy, as a device's next sync attempt would
    (every snapshot call is idempotent)."""
    for attempt in range(3):
        try:
            return await client.request(method, url, **kw)
        except (httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError,
                httpx.ConnectError):
            if attempt == 2:
                raise
            out["retries"] += 1
            await asyncio.sleep(0.5 * (attempt + 1))
    raise AssertionError("unreachable")


async def onboard(client: httpx.AsyncClient, base: str, token: str, out: dict) -> None:
    """One device's first sync: request the snapshot, wait, fetch every batch."""
    headers = {"Authorization": f"Bearer {token}",
               PROTOCOL_HEADER: f"{PROTOCOL_VERSION}.{SCHEMA_VERSION}"}
    try:
        r = await _send(client, "POST", base + "/api/sync/snapshots", out, headers=headers)
        manifest = r.json()
        while r.status_code == 202:
            await asyncio.sleep(float(manifest.get("retry_after", 2)))
            r = await _send(client, "GET", base + f"/api/sync/snapshots/{manifest['id']}",
                            out, headers=headers)
            manifest = r.json()
        if r.status_code != 200:
            raise RuntimeError(f"HTTP {r.status_code}")
        for b in manifest["batches"]:
            got = await _send(client, "GET",
                              base + f"/api/sync/snapshots/{manifest['id']}/{b['index']}",
                              out, headers=headers)
            if got.status_code != 200:
                raise RuntimeError(f"batch HTTP {got.status_code}")
            out["bytes"] += len(got.content)
        out["done"] += 1
        out["snapshots"].add(manifest["id"])
    except Exception as exc:  # noqa: BLE001 - counted and reported
        out["errors"].append(repr(exc)[:120])


async def incremental(client: httpx.AsyncClient, base: str, token: str, grid: str,
                      person: str, cursor: int, stop: asyncio.Event, out: dict) -> None:
    """A device already set up: one new visit and a pull, every 0.5 s, until the storm ends."""
    device_id, node, last = str(uuid.uuid4()), uuid.uuid4().hex[:12], None
    headers = {"Authorization": f"Bearer {token}", "Content-Type": MEDIA_TYPE}
    while not stop.is_set():
        last = hlc.tick(last, int(time.time() * 1000), node)
        change = Change(id=str(uuid.uuid4()), entity="visits", record_id=str(uuid.uuid4()),
                        clock=last, values={"kind": "person", "person_id": person,
                                            "visitor_id": "bench", "grid_id": grid,
                                            "visited_at": "2026-11-24T10:00:00",
                                            "notes": "入户走访"})
        t0 = time.perf_counter()
        try:
            more, changes = True, [change]
            while more:
                req = SyncRequest(device_id=device_id, push=PushRequest(changes=changes),
                                  pull=PullRequest(cursor=cursor, max_bytes=400_000))
                r = await client.post(base + "/api/sync", headers=headers,
                                      content=pack(req.model_dump(mode="json"), 6))
                if r.status_code != 200:
                    raise RuntimeError(f"HTTP {r.status_code} {r.text[:80]}")
                # fields at their defaults are left out of the body: read it as the client does
                pull = SyncResponse.model_validate(expand_acks(unpack(r.content), req)).pull
                cursor, more, changes = pull.cursor, pull.more, []
            out["lat"].append(time.perf_counter() - t0)
        except Exception as exc:  # noqa: BLE001 - counted and reported
            out["errors"].append(repr(exc)[:120])
        await asyncio.sleep(0.5)


async def _storm(base: str, devices: int, grid: str, person: str, cursor: int) -> dict:
    limits = httpx.Limits(max_connections=devices + 10, max_keepalive_connections=devices + 10)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        office = await _login(client, base, "bench_office")
        worker = await _login(client, base, "bench_worker")
        stop = asyncio.Event()
        inc: dict[str, Any] = {"lat": [], "errors": []}
        first: dict[str, Any] = {"done": 0, "errors": [], "bytes": 0, "snapshots": set(),
                                 "retries": 0}
        steady = [asyncio.create_task(incremental(client, base, worker, grid, person, cursor,
                                                  stop, inc)) for _ in range(5)]
        await asyncio.sleep(2)  # the incremental devices are up to date before the storm
        before = len(inc["lat"])
        t0 = time.perf_counter()
        await asyncio.gather(*(onboard(client, base, office, first) for _ in range(devices)))
        wall = time.perf_counter() - t0
        during = inc["lat"][before:]
        stop.set()
        await asyncio.gather(*steady)
    q = statistics.quantiles(during, n=100) if len(during) >= 2 else [0.0] * 99
    return {"devices": devices, "storm_s": round(wall, 1), "onboarded": first["done"],
            "onboard_errors": len(first["errors"]), "onboard_retries": first["retries"],
            "snapshots": len(first["snapshots"]),
            "onboard_mb": round(first["bytes"] / 1e6, 1),
            "incremental_syncs": len(during), "incremental_errors": len(inc["errors"]),
            "p50_ms": round(q[49] * 1000), "p99_ms": round(q[98] * 1000),
            "max_ms": round(max(during, default=0) * 1000),
            "error_sample": (first["errors"] + inc["errors"])[:3]}


def storm(devices: int = 300, people: int = 2000, folder: Path | None = None) -> dict:
    """Build a server database, serve it in its own process and run the storm against it."""
    own = folder is None
    folder = folder or Path(tempfile.mkdtemp(prefix="yzb-storm-"))
    url = f"sqlite:///{folder / 'server.db'}"
    data = build(url, people=people, houses=people // 3, visits=people)
    port = free_port()
    proc = start_server(url, port, SECRET)
    try:
        from sqlalchemy import create_engine, text
        engine = create_engine(url)
        with engine.connect() as conn:
            cursor = conn.execute(text("SELECT value FROM counters WHERE name='rev'")).scalar()
        engine.dispose()
        return asyncio.run(_storm(f"http://127.0.0.1:{port}", devices, data["grid"],
                                  data["people"][0], cursor or 0))
    finally:
        proc.terminate()
        proc.wait(20)
        if own:
            shutil.rmtree(folder, ignore_errors=True)


class FileSnapshots:
    """A snapshot server that is a folder of prepared batch files: what `first_sync` asks of
    `desktop.net.snapshots.SnapshotClient`, with the link taken away (a batch is read from the
    file and unpacked, as the client unpacks what it downloads)."""

    def __init__(self, files: list[Path]) -> None:
        self.files = files
        self.manifest = {"id": "bench", "status": "ready", "rev": 0, "batches": []}
        for i, path in enumerate(files):  # each batch's end cursor, as the manifest lists them
            cursor = int(unpack(path.read_bytes(), 1 << 30)["cursor"])
            self.manifest["batches"].append({"index": i, "cursor": cursor})
            self.manifest["rev"] = max(self.manifest["rev"], cursor)

    def request(self) -> dict:
        return self.manifest

    def status(self, snapshot_id: str) -> dict:
        return self.manifest

    def batch(self, snapshot_id: str, index: int) -> tuple[dict, int]:
        body = self.files[index].read_bytes()
        return unpack(body, 1 << 30), len(body)


def client_apply(files: list[Path], folder: Path) -> dict:
    """The client side of a first sync after the download: `first_sync` of a fresh SQLCipher
    profile database from the batch files, as the desktop runs it (each batch decoded and
    applied in one write transaction; the next batch read and unpacked meanwhile). Timed:
    the whole first sync (`client_total_s`), inside it the write transactions' work (`apply`)
    and their commits (`commit`), and the rest (`decode`: expanding and validating batches,
    waiting for the next one). The first and last write transactions (dropping the secondary
    indexes of an empty copy, building them again) are `client_index_s`."""
    from sqlalchemy.orm import sessionmaker
    from desktop.services.first_sync import first_sync
    from desktop.storage.database import open_database
    from desktop.storage.migrations import migrate as client_migrate
    import datetime as dt
    import resource
    server = FileSnapshots(files)
    engine = open_database(folder / "client.db", bytes(range(32)))
    client_migrate(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    now = dt.datetime(2026, 11, 24, 9, 0, 0)
    writes: list[tuple[float, float]] = []
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the first sync

    def write(fn):  # noqa: ANN001, ANN202 - SyncService.write's shape
        with sessions() as s:
            s.begin()
            t0 = time.perf_counter()
            out = fn(s)
            t1 = time.perf_counter()
            s.commit()
            writes.append((t1 - t0, time.perf_counter() - t1))
        return out
    cpu = time.process_time()
    t0 = time.perf_counter()
    report = first_sync(engine, server, now=lambda: now, write=write)
    total = time.perf_counter() - t0
    cpu = time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    size = (folder / "client.db").stat().st_size
    engine.dispose()
    (folder / "client.db").unlink()
    batches = writes[1:-1] if len(writes) == report.fetched + 2 else writes[:-1]
    index = sum(a + c for a, c in writes) - sum(a + c for a, c in batches)
    apply, commit = sum(a for a, _ in batches), sum(c for _, c in batches)
    return {"client_rows": report.rows, "client_decode_s": round(total - apply - commit - index, 2),
            "client_apply_s": round(apply, 2), "client_commit_s": round(commit, 2),
            "client_index_s": round(index, 2),
            "client_total_s": round(total, 2), "client_cpu_s": round(cpu, 2),
            "client_db_mb": round(size / 1e6, 1), "client_base_rss_mb": round(base, 1),
            "client_peak_rss_mb": round(peak, 1)}


def client_apply_apart(files: list[Path], folder: Path) -> dict:
    """`client_apply` in a fresh process (spawned, not forked), so its peak memory is the
    client's own: the interpreter, the client's modules and the first sync."""
    import multiprocessing
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(client_apply, (files, folder))


def township(scale: float = 1.0, runs: int = 3, county: bool = False,
             cache: Path | None = None, client_runs: int = 1, one_file: bool = True) -> dict:
    """Prepare the largest township's (or the county's) snapshot `runs` times (fresh job each
    time), compare its wire bytes with the same records compressed as one file, and apply it
    on a client `client_runs` times (the median's figures, each run's in `client_runs`).

    `cache`: a folder keeping the prepared batch files and the preparation's figures; when it
    holds them, the server side is skipped and only the client side runs (preparing the county
    takes minutes). `one_file`: also compress all batches as one file (slow at county scope)."""
    if cache is not None and (cache / "prepared.json").exists():
        prepared = json.loads((cache / "prepared.json").read_text())
        files = sorted(cache.glob("*.zst"), key=lambda p: int(p.stem))
        return {**prepared, "cached": str(cache), **_client_runs(files, client_runs)}
    from sqlalchemy import create_engine, func, select, update
    from sync_server.db.engine import make_engine, make_session_factory
    from sync_server.db.migrate import migrate
    from sync_server.db.snapshot_tables import ScopeSnapshot
    from sync_server.demo.core import generate
    from sync_server.services.scope import Scope
    from sync_server.services.snapshots import LEVEL, SnapshotJobs
    from common.schema import OrgNode, Person
    import datetime as dt

    folder = Path(tempfile.mkdtemp(prefix="yzb-township-"))
    url = f"sqlite:///{folder / 'server.db'}"
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    migrate(url, now=now)
    engine = create_engine(url)
    t0 = time.perf_counter()
    with engine.begin() as conn:
        from sync_server.db.tables import Counter
        rev = conn.execute(select(Counter.value).where(Counter.name == "rev")).scalar() or 0
        summary = generate(conn, scale=scale, now=now, rev_start=rev)
        conn.execute(update(Counter).where(Counter.name == "rev").values(value=summary.max_rev))
    generated = time.perf_counter() - t0
    engine.dispose()
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as s:
        towns = s.scalars(select(OrgNode).where(OrgNode.level == "township")).all()
        sizes = {t.id: s.scalar(select(func.count()).select_from(Person).where(
            Person.grid_id.in_(select(OrgNode.id).where(OrgNode.path.startswith(t.path)))))
            for t in towns}
        town = max(towns, key=lambda t: sizes[t.id])
        if county:
            town = s.scalars(select(OrgNode).where(OrgNode.level == "county")).first()
            sizes[town.id] = s.scalar(select(func.count()).select_from(Person))
        scope = Scope(node_id=town.id, path=town.path)
    jobs = SnapshotJobs(factory, folder / "snapshots",
                        clock=lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None))
    prep, snap = [], None
    for _ in range(runs):
        with factory() as s, s.begin():  # a fresh job each run
            s.execute(update(ScopeSnapshot).values(status="old"))
        snap = jobs.request(scope)
        while True:
            with factory() as s:
                row = s.get(ScopeSnapshot, snap.id)
                if row.status != "preparing":
                    break
            time.sleep(0.2)
        assert row.status == "ready", row.error
        prep.append(row.prepare_seconds)
    jobs.close()
    files = sorted((folder / "snapshots" / row.id).glob("*.zst"), key=lambda p: int(p.stem))
    wire = sum(p.stat().st_size for p in files)
    prepared: dict[str, Any] = {
        "scale": scale, "generate_s": round(generated, 1), "township": town.name,
        "people": sizes[town.id], "rows": row.rows, "batches": row.batches,
        "wire_mb": round(wire / 1e6, 2), "prepare_s_runs": [round(p, 2) for p in prep],
        "prepare_s_median": round(statistics.median(prep), 2)}
    if one_file:
        raw = b"".join(zstandard.ZstdDecompressor().decompress(p.read_bytes(),
                                                              max_output_size=1 << 30)
                       for p in files)
        one_same = len(zstandard.ZstdCompressor(level=LEVEL).compress(raw))
        one_19 = len(zstandard.ZstdCompressor(level=19).compress(raw))
        prepared.update(raw_mb=round(len(raw) / 1e6, 2), one_file_mb=round(one_same / 1e6, 2),
                        one_file_l19_mb=round(one_19 / 1e6, 2),
                        ratio=round(wire / one_same, 3), ratio_l19=round(wire / one_19, 3))
    engine.dispose()
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        for p in files:
            shutil.copyfile(p, cache / p.name)
        (cache / "prepared.json").write_text(json.dumps(prepared, ensure_ascii=False))
        files = sorted(cache.glob("*.zst"), key=lambda p: int(p.stem))
    client = _client_runs(files, client_runs) if client_runs else {}
    shutil.rmtree(folder, ignore_errors=True)
    return {**prepared, **client}


def _client_runs(files: list[Path], runs: int) -> dict:
    """`client_apply_apart` `runs` times, each in a fresh folder; the run of median total time
    is reported, with every run's (total, CPU, peak) beside it."""
    results = []
    for _ in range(runs):
        folder = Path(tempfile.mkdtemp(prefix="yzb-client-"))
        try:
            results.append(client_apply_apart(files, folder))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    results.sort(key=lambda r: r["client_total_s"])
    return {**results[(len(results) - 1) // 2],
            "client_runs": [(r["client_total_s"], r["client_cpu_s"], r["client_peak_rss_mb"])
                            for r in results]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="what", required=True)
    t = sub.add_parser("township")
    t.add_argument("--scale", type=float, default=1.0)
    t.add_argument("--runs", type=int, default=3)
    t.add_argument("--county", action="store_true", help="the county office's whole scope")
    t.add_argument("--cache", type=Path, help="keep (or reuse) the prepared batch files here")
    t.add_argument("--client-runs", type=int, default=1)
    t.add_argument("--no-one-file", action="store_true",
                   help="skip compressing the batches as one file (slow for the county)")
    st = sub.add_parser("storm")
    st.add_argument("--devices", type=int, default=300)
    st.add_argument("--people", type=int, default=2000)
    args = ap.parse_args()
    result = township(args.scale, args.runs, args.county, args.cache, args.client_runs,
                      not args.no_one_file) if args.what == "township" else \
        storm(args.devices, args.people)
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
