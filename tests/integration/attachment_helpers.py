"""Attachment test helpers: photo-like JPEGs of a chosen size, a live server, the 2G link shaper."""
from __future__ import annotations

import io
import json
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter


def _render(w: int, h: int, seed: int, noise: float, quality: int) -> bytes:
    rnd = random.Random(seed)
    img = Image.new("RGB", (w, h), tuple(rnd.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(img)
    for _ in range(60):
        x, y, r = rnd.randrange(w), rnd.randrange(h), rnd.randrange(10, max(11, w // 3))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rnd.randrange(256) for _ in range(3)))
    img = img.filter(ImageFilter.GaussianBlur(3))
    img = Image.blend(img, Image.frombytes("RGB", (w, h), rnd.randbytes(w * h * 3)), noise)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def make_photo(target_bytes: int = 200_000, seed: int = 0) -> bytes:
    """A JPEG of about `target_bytes` (within ~15%), different for each seed."""
    w, h = 640, 480
    data = _render(w, h, seed, 0.5, 95)
    scale = (target_bytes / len(data)) ** 0.5
    w, h = max(16, int(w * scale)), max(12, int(h * scale))
    return _render(w, h, seed, 0.5, 95)


# -- a real server on 127.0.0.1 and the 2G link shaper between it and the client ---------------


SHAPER = Path("/work/shared/tools/shaper.py")
if not SHAPER.exists():  # a checkout elsewhere: the tool may be vendored beside the repo
    SHAPER = Path(__file__).resolve().parents[3] / "shared" / "tools" / "shaper.py"


from tests.live_server import free_port  # noqa: E402


class Shaper:
    """The shared link shaper as a subprocess in front of `target_port`. `cut()` kills it (every
    open connection dies mid-transfer) and starts a new one on the same port; `totals()` sums the
    payload bytes of every instance so far."""

    def __init__(self, target_port: int, folder: Path, *, latency_ms: float = 150.0,
                 up_kbps: float = 32.0, down_kbps: float = 64.0) -> None:
        # Defaults: the shaper's "2g" profile (300 ms RTT, 32 kbit/s up, 64 kbit/s down).
        self.target_port = target_port
        self.folder = folder
        self.args = ["--latency-ms", str(latency_ms), "--up-kbps", str(up_kbps),
                     "--down-kbps", str(down_kbps)]
        self.port = free_port()
        self.instances = 0
        self.proc: subprocess.Popen | None = None
        self._done: list[dict] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Shaper":
        self.instances += 1
        stats = self.folder / f"shaper-{self.instances}.json"
        self.proc = subprocess.Popen(
            [sys.executable, str(SHAPER), "--target-port", str(self.target_port),
             "--listen-port", str(self.port), "--stats-file", str(stats),
             "--max-seconds", "3600", *self.args],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()  # {"event": "listening", ...}
        if '"listening"' not in line:
            raise RuntimeError(f"shaper did not start: {line!r}")
        return self

    def _stop(self) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(10)
        stats = self.folder / f"shaper-{self.instances}.json"
        if stats.exists():
            self._done.append(json.loads(stats.read_text()))
        self.proc = None

    def cut(self, down_for: float = 0.3) -> None:
        self._stop()
        time.sleep(down_for)
        self.start()

    def stop(self) -> None:
        self._stop()

    def totals(self) -> dict[str, int]:
        return {k: sum(d.get(k, 0) for d in self._done)
                for k in ("bytes_up", "bytes_down", "connections")}


def cut_when(path_of_received: Callable[[], int], thresholds: list[int], shaper: Shaper,
             stop: threading.Event, *, delay: float = 0.0) -> list[int]:
    """In a thread: cut the link `delay` seconds after the server's received byte count passes
    the next threshold (a delay of about half a chunk's transfer time lands the cut in the middle
    of the next chunk). Returns (fills) the received counts at which it cut."""
    cuts: list[int] = []

    def run() -> None:
        pending = list(thresholds)
        while pending and not stop.is_set():
            got = path_of_received()
            if got >= pending[0]:
                pending.pop(0)
                time.sleep(delay)
                cuts.append(path_of_received())
                shaper.cut()
            time.sleep(0.02)

    threading.Thread(target=run, daemon=True).start()
    return cuts


__all__ = ["make_photo", "Shaper", "cut_when"]
