"""Photo-like test images of a chosen size (smooth shapes plus sensor-like noise, as JPEG)."""
from __future__ import annotations

import io
import random

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
