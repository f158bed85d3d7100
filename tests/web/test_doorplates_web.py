"""A house's door plate on the console: its page shows the QR the desktop client prints (the
same signed payload: decoded from the page's SVG, it verifies with the county key the devices
hold and names the house and its grid), and a printable label page; both within the scope."""
from __future__ import annotations

import re

from fastapi.testclient import TestClient
from PIL import Image, ImageDraw
from sqlalchemy import select

from common import doorplate
from common.schema import DictEntry
from desktop.services.doorplates import decode_image
from tests.web.conftest import sign_in


def _browser(web, username="admin") -> TestClient:
    client = TestClient(web.app)
    assert sign_in(client, username).status_code == 303
    return client


def _house(web, grid="g1a", plate="团结路 8 号") -> str:
    r = web.as_("admin").post("/api/houses", json={
        "door_plate": plate, "house_type": "bungalow", "grid_id": web.tree.id(grid),
        "address": "托克逊镇团结路"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _qr_text(html: str) -> str:
    """Draw the page's SVG QR (its path of module rectangles) and decode it as a photo."""
    size = int(re.search(r'<svg class="qr"[^>]*viewBox="0 0 (\d+) \d+"', html).group(1))
    path = re.search(r'<path d="([^"]+)"', html).group(1)
    px = 8
    img = Image.new("L", (size * px, size * px), 255)
    draw = ImageDraw.Draw(img)
    for x, y, w in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", path):
        x, y, w = int(x), int(y), int(w)
        draw.rectangle([x * px, y * px, (x + w) * px - 1, (y + 1) * px - 1], fill=0)
    texts = decode_image(img)
    assert len(texts) == 1
    return texts[0]


def _county_keys(web) -> dict[str, bytes]:
    with web.session() as s:
        return {e.code: bytes.fromhex(e.label) for e in s.scalars(
            select(DictEntry).where(DictEntry.dict_code == "plate_key"))}


def test_a_houses_page_shows_the_plate_qr_the_devices_read(web):
    hid = _house(web)
    page = _browser(web).get(f"/admin/registry/houses/{hid}")
    assert page.status_code == 200 and "门牌二维码" in page.text
    plate = doorplate.verify(_qr_text(page.text), _county_keys(web))
    assert plate.house_id == hid and plate.grid_id == web.tree.id("g1a")


def test_the_printable_label_shows_the_plate_text_and_the_same_code(web):
    hid = _house(web)
    admin = _browser(web)
    label = admin.get(f"/admin/registry/houses/{hid}/plate")
    assert label.status_code == 200
    assert 'id="plate-label"' in label.text and "团结路 8 号" in label.text
    assert "托克逊镇团结路" in label.text and "团结社区 团结社区第一网格" in label.text
    page = admin.get(f"/admin/registry/houses/{hid}").text
    assert _qr_text(label.text) == _qr_text(page)
    css = admin.get("/admin/static/app.css").text
    assert "@media print" in css and "70mm" in css


def test_a_township_user_gets_no_plate_of_another_township(web):
    hid = _house(web, grid="g2", plate="南湖 1 号")
    office = _browser(web, "office1")
    assert office.get(f"/admin/registry/houses/{hid}/plate").status_code == 404
    assert office.get(f"/admin/registry/houses/{hid}").status_code == 404
    assert _browser(web, "worker2").get(f"/admin/registry/houses/{hid}/plate").status_code == 200
