"""Photo attachments: upload over the 2G link (wire bytes vs file size, time vs the floor), a
second device's dedupe, loopback throughput, and the size of 50 visits' thumbnails.

A real server (uvicorn on 127.0.0.1, SQLite) behind ../shared/tools/shaper.py.
Run: .venv/bin/python -m benchmarks.attachments [--size-kb 1024] [--runs 1] [--skip-2g]
(2G at 32 kbit/s up: 1 MB takes ~4.5 minutes), or `--cuts 3`: a 5 MB photo on 2G with the link
cut three times mid-chunk (~23 minutes).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

import zstandard

from common.attachments import CHUNK_SIZE, photo_ref
from desktop.net.attachments import AttachmentClient
from desktop.services.attachments import AttachmentSync
from desktop.storage.blobs import BlobStore
from sync_server.db.migrate import migrate
from tests.conftest import NOW
from tests.integration.attachment_helpers import Shaper, cut_when, make_photo
from tests.live_server import LiveServer


def _server(folder: Path) -> LiveServer:
    url = f"sqlite:///{folder / 'server.db'}"
    migrate(url, now=NOW)
    return LiveServer(url, folder).start()


def upload(server: LiveServer, folder: Path, photo: bytes, link: dict | None) -> dict:
    store = BlobStore(folder / f"blobs-{time.monotonic_ns()}", os.urandom(32))
    sha = store.put_photo(photo)[0]
    shaper = Shaper(server.port, folder, **(link or {})).start() if link is not None else None
    url = shaper.url if shaper else server.url
    t = time.perf_counter()
    with AttachmentClient(url, server.token("worker1a")) as client:
        report = AttachmentSync(store, client).upload_pending()
    wall = time.perf_counter() - t
    wire = {}
    if shaper:
        shaper.stop()
        wire = shaper.totals()
    return {"sha": sha, "wall_s": wall, "chunks": report.chunks_sent, **wire,
            "sent": len(report.sent), "already": len(report.already_there)}


def upload_with_cuts(server: LiveServer, folder: Path, photo: bytes, cuts: int) -> dict:
    """The 2G upload with the link cut `cuts` times, each ~8 s into a 16 s chunk."""
    store = BlobStore(folder / f"blobs-{time.monotonic_ns()}", os.urandom(32))
    sha = store.put_photo(photo)[0]
    shaper = Shaper(server.port, folder).start()
    root = server.settings.attachments_dir

    def received() -> int:
        final, part = root / sha[:2] / sha, root / "staging" / f"{sha}.part"
        return final.stat().st_size if final.exists() else (
            part.stat().st_size if part.exists() else 0)

    stop = threading.Event()
    done = cut_when(received, [len(photo) * (i + 1) // (cuts + 1) for i in range(cuts)],
                    shaper, stop, delay=8.0)
    t = time.perf_counter()
    try:
        with AttachmentClient(shaper.url, server.token("worker1a")) as client:
            report = AttachmentSync(store, client).upload_until_done(attempts=50, wait=1.0)
    finally:
        stop.set()
        shaper.stop()
    return {"wall_s": time.perf_counter() - t, "cuts": len(done),
            "attempted": report.bytes_attempted, **shaper.totals()}


def thumbnails(sets: int) -> list[dict]:
    out = []
    cctx = zstandard.ZstdCompressor(level=6)
    for k in range(sets):
        with tempfile.TemporaryDirectory() as d:
            store = BlobStore(Path(d), os.urandom(32))
            refs, times = [], []
            for i in range(50):
                photo = make_photo(1_500_000, seed=1000 * k + i)  # a phone photo, ~1.5 MB
                t = time.perf_counter()
                sha, mime, thumb = store.put_photo(photo)
                times.append(time.perf_counter() - t)
                refs.append(photo_ref(sha, len(photo), mime, thumb))
            wire = json.dumps(refs).encode()
            out.append({"raw": sum(len(store.thumbnail(r["sha256"])) for r in refs),
                        "json": len(wire), "zstd": len(cctx.compress(wire)),
                        "put_ms": statistics.median(times) * 1000})
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-kb", type=int, default=1024)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--skip-2g", action="store_true")
    ap.add_argument("--cuts", type=int, default=0,
                    help="only: a 5 MB photo on 2G with the link cut N times (~23 minutes)")
    args = ap.parse_args()
    if args.cuts:
        with tempfile.TemporaryDirectory() as d:
            server = _server(Path(d))
            try:
                photo = make_photo(5 * 1024 * 1024, seed=6)
                r = upload_with_cuts(server, Path(d), photo, args.cuts)
            finally:
                server.stop()
        print(f"2G 5 MB with {r['cuts']} cuts: file {len(photo)} B, chunk bytes sent "
              f"{r['attempted']} (+{(r['attempted'] - len(photo)) / CHUNK_SIZE:.2f} chunks), "
              f"wire up {r['bytes_up']} B ({r['bytes_up'] / len(photo):.4f}x), down "
              f"{r['bytes_down']} B, {r['connections']} connections, {r['wall_s']:.0f} s")
        return
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        server = _server(folder)
        try:
            rows = []
            if not args.skip_2g:
                for run in range(args.runs):
                    photo = make_photo(args.size_kb * 1024, seed=run)
                    r = upload(server, folder, photo, {})
                    floor = len(photo) * 8 / 32000 + 0.3 * r["chunks"]
                    rows.append((len(photo), r, floor))
                    print(f"2G upload run {run + 1}: file {len(photo)} B, up {r['bytes_up']} B "
                          f"({r['bytes_up'] / len(photo):.4f}x), down {r['bytes_down']} B, "
                          f"{r['chunks']} chunks, {r['connections']} connection(s), "
                          f"{r['wall_s']:.1f} s (payload floor + 1 RTT/chunk {floor:.1f} s)",
                          flush=True)
                ratio = statistics.median(r["bytes_up"] / n for n, r, _ in rows)
                both = statistics.median((r["bytes_up"] + r["bytes_down"]) / n
                                         for n, r, _ in rows)
                print(f"2G upload: wire up / file = {ratio:.4f}x, (up+down) / file = {both:.4f}x")
                photo = make_photo(args.size_kb * 1024, seed=0)
                again = upload(server, folder, photo, {})
                print(f"2G same photo from a second device: {again['already']} already there, "
                      f"up {again['bytes_up']} B, down {again['bytes_down']} B, "
                      f"{again['wall_s']:.2f} s")
            walls, size = [], 5 * 1024 * 1024
            for run in range(5):
                result = upload(server, folder, make_photo(size, seed=200 + run), None)
                walls.append(result["wall_s"])
            wall = statistics.median(walls)
            print(f"loopback 5 MB upload ({size // CHUNK_SIZE} chunks): median {wall:.2f} s, "
                  f"{size / wall / 1e6:.1f} MB/s")
            th = thumbnails(3)
            print("thumbnails of 50 visits (1.5 MB photos): raw {} B, in records (JSON, base64) "
                  "{} B, zstd-compressed as in a sync batch {} B; store + thumbnail {:.0f} ms "
                  "per photo (median of 3 sets)".format(
                      int(statistics.median(t["raw"] for t in th)),
                      int(statistics.median(t["json"] for t in th)),
                      int(statistics.median(t["zstd"] for t in th)),
                      statistics.median(t["put_ms"] for t in th)))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
