"""Door plates: signing + QR generation, decoding photo-like pictures (zxing-cpp vs the pyzbar
fallback: success rate and time), a 240-sticker PDF sheet, and check-in from a photo end to end
on a real SQLCipher database.

Run: .venv/bin/python -m benchmarks.qr [--runs 5]
"""
from __future__ import annotations

import argparse
import io
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from PIL import Image, ImageFilter
from sqlalchemy.orm import Session

from common import doorplate
from common.schema import Base, House, OrgNode
from desktop.services import doorplates
from desktop.services.work_context import Worker
from desktop.storage.changes import record_change
from desktop.storage.database import open_database
from desktop.storage.settings import add_plate_key
from desktop.storage.tables import ClientBase

KEY = bytes(range(32))
NOW = __import__("datetime").datetime(2026, 11, 24, 9, 0)


def plate(payload: str) -> Image.Image:
    return doorplates.plate_image(payload).convert("RGB")


def photo_like(img: Image.Image, rng: random.Random) -> Image.Image:
    wall = Image.new("RGB", (img.width * 3, img.height * 2), (150, 140, 130))
    wall.paste(img, (img.width, img.height // 3))
    s = rng.uniform(0.7, 1.5)
    wall = wall.resize((int(wall.width * s), int(wall.height * s)))
    wall = wall.rotate(rng.uniform(-30, 30), expand=True, fillcolor=(150, 140, 130))
    wall = wall.filter(ImageFilter.GaussianBlur(rng.uniform(0.8, 1.6)))
    buf = io.BytesIO()
    wall.save(buf, "JPEG", quality=rng.randint(35, 60))
    return Image.open(io.BytesIO(buf.getvalue()))


def ms(fn, n: int = 1) -> float:
    t = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t) * 1000 / n


def decoding(runs: int) -> dict[str, tuple[int, int, float]]:
    rng = random.Random(7)
    payloads = [doorplate.encode_v2(str(uuid.uuid4()), str(uuid.uuid4()), key=KEY, key_id="k1")
                for _ in range(20)]
    photos = [(p, photo_like(plate(p), rng).convert("L")) for p in payloads]
    out = {}
    for name, fn in (("zxing-cpp", doorplates._decode_zxing),
                     ("pyzbar", doorplates._decode_pyzbar)):
        ok = sum(p in fn(img) for p, img in photos)
        times = [statistics.median(ms(lambda img=img: fn(img)) for _, img in photos)
                 for _ in range(runs)]
        out[name] = (ok, len(photos), statistics.median(times))
    return out


def database(folder: Path, houses: int) -> tuple[object, list[str]]:
    engine = open_database(folder / "bench.db", b"b" * 32)
    Base.metadata.create_all(engine)
    ClientBase.metadata.create_all(engine)
    with Session(engine) as s, s.begin():
        record_change(s, OrgNode, "g", {"level": "grid", "name": "第一网格", "path": "/g/",
                                        "grid_id": "g"}, now=NOW)
        ids = [record_change(s, House, None, {"door_plate": f"幸福路{i}号", "house_type": "bungalow",
                                              "address": "托克逊县托克逊镇幸福村", "grid_id": "g"},
                             now=NOW).id for i in range(houses)]
        add_plate_key(s, "k1", KEY, now=NOW)
    return engine, ids


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    payload = doorplate.encode_v2(str(uuid.uuid4()), str(uuid.uuid4()), key=KEY, key_id="k1")
    print(f"payload bytes: {len(payload.encode())}")
    print(f"sign+verify: {statistics.median(ms(lambda: doorplate.verify(doorplate.encode_v2('h', 'g', key=KEY, key_id='k1'), {'k1': KEY}), 200) for _ in range(args.runs)):.3f} ms")
    print(f"QR image: {statistics.median(ms(lambda: plate(payload), 20) for _ in range(args.runs)):.1f} ms")
    for name, (ok, n, t) in decoding(args.runs).items():
        print(f"decode {name}: {ok}/{n} photo-like plates, median {t:.1f} ms each")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        engine, ids = database(folder, 240)
        sheet = []
        for _ in range(args.runs):
            with Session(engine) as s:
                sheet.append(ms(lambda: doorplates.write_label_sheet(
                    s, ids, folder / "plates.pdf", now=NOW)))
        print(f"label sheet, 240 stickers (10 A4 pages): median {statistics.median(sheet):.0f} ms")
        photo = folder / "plate.jpg"
        with Session(engine) as s:
            real = doorplates.plate_payloads(s, ids[:1], now=NOW)[0][1]
        photo_like(plate(real), random.Random(3)).save(photo)
        worker = Worker("u", "grid_worker", None)
        times = []
        for _ in range(args.runs):
            with Session(engine) as s, s.begin():
                times.append(ms(lambda: doorplates.check_in_from_file(s, worker, photo, now=NOW)))
        print(f"check-in from a photo (decode, verify, scope, visit + outbox): "
              f"median {statistics.median(times):.1f} ms")
        engine.dispose()


if __name__ == "__main__":
    main()
