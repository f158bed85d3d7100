"""USB sync bundles for one grid of 2,000 people, 600 houses and 5,000 visits (benchmarks/
sync_data.py), server on SQLite, in-process (a bundle travels by hand, so there is no link to
simulate): a first download by bundle (empty laptop), then 500 edits + 20 new visits out and the
answer back; then a visit with N photos (~200 KB JPEGs, N = 1, 5, 20) goes out by bundle: the
request's size against the photo bytes (and what base64 inside the zstd JSON would have cost).
Reports file sizes and the time of each step (export, server relay, import).

    .venv/bin/python -m benchmarks.bundles [--runs 3]
"""
from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from benchmarks.sync_data import build
from common.attachments import photo_ref
from common.schema import Person, User, Visit
from common.sync.codec import pack, unpack
from desktop.services import bundles
from desktop.storage.blobs import BlobStore
from desktop.storage.changes import record_change, sync_state
from desktop.storage.database import open_database
from desktop.storage.migrations import migrate
from sync_server.db.engine import make_engine, make_session_factory, write_session
from sync_server.services import bundles as server_bundles
from sync_server.services.attachments import AttachmentFiles
from tests.integration.attachment_helpers import make_photo

SECRET = "bench-secret-" + "x" * 32


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def timed(fn: Any) -> tuple[Any, float]:
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def one_run(folder: Path, url: str, grid: str) -> dict[str, float]:
    factory = make_session_factory(make_engine(url))
    laptop = open_database(folder / "laptop.db", os.urandom(32))
    migrate(laptop)
    with write_session(factory) as s:
        worker = s.scalar(select(User).where(User.username == "bench_worker"))
        office = s.scalar(select(User).where(User.username == "bench_office"))
        worker_id = worker.id
        with Session(laptop) as ls, ls.begin():
            device_id = sync_state(ls).device_id
        bundles.store_key(laptop, server_bundles.issue_key(s, worker, device_id, secret=SECRET),
                          now=now())

    files = AttachmentFiles(folder / "attachments")
    store = BlobStore(folder / "blobs", os.urandom(32))

    def relay(data: bytes) -> bytes:
        with write_session(factory) as s:
            answer = server_bundles.relay(s, s.get(User, office.id), data, secret=SECRET,
                                          now=now(), files=files)
            s.commit()
        return answer

    out: dict[str, float] = {}
    for phase in ("first", "edits"):
        if phase == "edits":
            with Session(laptop) as s, s.begin():
                people = list(s.scalars(select(Person).limit(500)))
                for i, p in enumerate(people):
                    record_change(s, Person, p.id, {"phone": f"139{i:08d}"}, now=now())
                for p in people[:20]:
                    record_change(s, Visit, None, {
                        "grid_id": grid, "kind": "person", "person_id": p.id,
                        "visited_at": now(), "visitor_id": worker_id,
                        "notes": "入户走访，情况正常"}, now=now())
        exported, t_export = timed(lambda: bundles.export_request(laptop, now=now()))
        request = exported.data
        answer, t_relay = timed(lambda: relay(request))
        result, t_import = timed(lambda: bundles.import_answer(laptop, answer, now=now()))
        assert not result.more and result.pending == 0, result
        out.update({f"{phase}_request_kb": len(request) / 1024,
                    f"{phase}_answer_kb": len(answer) / 1024,
                    f"{phase}_export_s": t_export, f"{phase}_relay_s": t_relay,
                    f"{phase}_import_s": t_import})
    seed = 0
    for n in PHOTO_COUNTS:
        refs, raw = [], []
        for _ in range(n):
            seed += 1
            data = make_photo(200_000, seed=seed)
            sha, mime, thumb = store.put_photo(data)
            refs.append(photo_ref(sha, len(data), mime, thumb))
            raw.append(data)
        with Session(laptop) as s, s.begin():
            record_change(s, Visit, None, {"grid_id": grid, "kind": "person",
                                           "visited_at": now(), "visitor_id": worker_id,
                                           "notes": "入户走访，拍照", "photos": refs}, now=now())
        exported, t_export = timed(lambda: bundles.export_request(laptop, now=now(),
                                                                  store=store))
        assert exported.photos == n, exported
        answer, t_relay = timed(lambda: relay(exported.data))
        result, t_import = timed(lambda: bundles.import_answer(laptop, answer, now=now(),
                                                               store=store))
        assert result.photos_held == n and not result.photos_refused, result
        photo_bytes = sum(len(d) for d in raw)
        packed, t_b64 = timed(lambda: pack(
            {"photos": [base64.b64encode(d).decode() for d in raw]}, level=6))
        _, t_unb64 = timed(lambda: [base64.b64decode(p) for p in unpack(packed)["photos"]])
        as_base64 = len(packed)
        out.update({f"photos{n}_photo_kb": photo_bytes / 1024,
                    f"photos{n}_request_kb": len(exported.data) / 1024,
                    f"photos{n}_overhead_pct": 100 * (len(exported.data) / photo_bytes - 1),
                    f"photos{n}_base64_zstd_pct": 100 * (as_base64 / photo_bytes - 1),
                    f"photos{n}_base64_zstd_s": t_b64 + t_unb64,
                    f"photos{n}_export_s": t_export, f"photos{n}_relay_s": t_relay,
                    f"photos{n}_import_s": t_import})
    laptop.dispose()
    return out


PHOTO_COUNTS = (1, 5, 20)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    runs = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/server.db"
            info = build(url)
            runs.append(one_run(Path(tmp), url, info["grid"]))
    median = {k: round(statistics.median(r[k] for r in runs), 3) for k in runs[0]}
    for k, v in median.items():
        print(f"{k:22s} {v}")
    print(json.dumps({"benchmark": "bundles", "runs": args.runs, "median": median}))


if __name__ == "__main__":
    main()
