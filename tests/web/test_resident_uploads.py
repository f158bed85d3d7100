"""随手拍 photos uploaded in resumable chunks (a cut loses at most a chunk; the upload continues
from what arrived) and the report filed once they are in, once only; and the report placed by
the browser's position in the grid whose boundary holds it, with the village chosen as the
fallback."""
from __future__ import annotations

import io
import json

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from common.schema import Event, OrgNode
from sync_server.db.resident_tables import ResidentUpload
from tests.web.test_resident import csrf, jpeg, signed_in


def start(client: TestClient, token: str, size: int):
    return client.post(f"/h5/uploads?size={size}", headers={"X-CSRF-Token": token})


def put(client: TestClient, token: str, upload_id: str, offset: int, body: bytes):
    return client.put(f"/h5/uploads/{upload_id}?offset={offset}", content=body,
                      headers={"X-CSRF-Token": token,
                               "Content-Type": "application/octet-stream"})


def report_form(web, token: str, **values) -> dict:
    return {"csrf_token": token, "category": "environment",
            "description": "幸福路垃圾桶满了没人清运", "village_id": web.tree.id("v1"),
            "address": "幸福路 12 号", **values}


def test_a_photo_goes_up_in_chunks_resumes_after_a_cut_and_the_report_is_filed_once(web):
    client = signed_in(web)
    token = csrf(client.get("/h5/report").text)
    photo = jpeg(size=(900, 700))
    assert start(client, "forged", len(photo)).status_code == 403
    too_big = start(client, token, 5 * 1024 * 1024)
    assert too_big.status_code == 413 or too_big.status_code == 422
    assert "过大" in too_big.json()["message"]
    upload = start(client, token, len(photo)).json()
    uid = upload["id"]
    assert upload == {"id": uid, "received": 0, "size": len(photo), "complete": False}
    half = len(photo) // 2
    assert put(client, token, uid, 0, photo[:half]).json()["received"] == half
    # the connection dropped while the next chunk was on its way: the browser asks, resumes
    assert client.get(f"/h5/uploads/{uid}").json()["received"] == half
    stale = put(client, token, uid, 0, photo[:half])  # a chunk sent twice
    assert stale.status_code == 409 and stale.json()["received"] == half
    # filing before the photo is in is refused beside the photos, nothing written
    early = client.post("/h5/report", data=report_form(web, token, upload=uid))
    assert early.status_code == 409 and "第 1 张照片尚未上传完成" in early.text
    assert put(client, token, uid, half, photo[half:]).json()["complete"] is True
    # another resident can neither read nor continue nor use it
    other = signed_in(web, "13700009999")
    other_token = csrf(other.get("/h5/report").text)
    assert other.get(f"/h5/uploads/{uid}").status_code == 404
    assert put(other, other_token, uid, len(photo), b"x").status_code == 404
    filed = client.post("/h5/report", data=report_form(web, token, upload=uid),
                        follow_redirects=False)
    assert filed.status_code == 303, filed.text
    # the answer was lost on the way and the phone sends the form again: no second report
    again = client.post("/h5/report", data=report_form(web, token, upload=uid),
                        follow_redirects=False)
    assert again.headers["location"] == filed.headers["location"]
    with web.session() as s:
        (event,) = s.scalars(select(Event)).all()
        (ref,) = event.photos
        assert s.get(ResidentUpload, uid).event_id == event.id
    stored = (web.settings.attachments_dir / ref["sha256"][:2] / ref["sha256"]).read_bytes()
    with Image.open(io.BytesIO(stored)) as img:
        assert img.size == (900, 700) and not img.getexif()
    assert not list((web.settings.attachments_dir / "staging").glob("h5-*"))


def test_a_chunk_beyond_the_size_or_not_an_image_is_refused_in_chinese(web):
    client = signed_in(web)
    token = csrf(client.get("/h5/report").text)
    uid = start(client, token, 10).json()["id"]
    assert put(client, token, uid, 0, b"x" * 11).status_code == 400
    put(client, token, uid, 0, b"0123456789")
    answer = client.post("/h5/report", data=report_form(web, token, upload=uid))
    assert answer.status_code == 415 and "第 1 张照片无法识别" in answer.text
    with web.session() as s:
        assert s.scalars(select(Event)).all() == []


def square(lon: float, lat: float, d: float = 0.01) -> str:
    return json.dumps({"type": "Polygon", "coordinates": [[
        [lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]]})


@pytest.fixture
def outlined(web):
    """Boundaries drawn for the village v1 and its two grids (g1b east of g1a)."""
    with web.session() as s:
        s.get(OrgNode, web.tree.id("v1")).boundary = square(87.60, 43.80, 0.02)
        s.get(OrgNode, web.tree.id("g1a")).boundary = square(87.60, 43.80)
        s.get(OrgNode, web.tree.id("g1b")).boundary = square(87.61, 43.80)
        s.commit()
    return web


@pytest.mark.parametrize("lat, lon, village, grid", [
    ("43.805", "87.615", "", "g1b"),      # inside g1b: placed by position, no village needed
    ("43.805", "87.605", "v2", "g1a"),    # the position wins over the village chosen
    ("40.000", "80.000", "v2", "g2"),     # outside every boundary: the village chosen
])
def test_the_browser_position_places_the_report_in_the_grid_holding_it(outlined, lat, lon,
                                                                       village, grid):
    web = outlined
    client = signed_in(web)
    token = csrf(client.get("/h5/report").text)
    answer = client.post("/h5/report", data=report_form(
        web, token, lat=lat, lon=lon, address="",
        village_id=web.tree.id(village) if village else ""), follow_redirects=False)
    assert answer.status_code == 303, answer.text
    with web.session() as s:
        (event,) = s.scalars(select(Event)).all()
        assert event.grid_id == web.tree.id(grid)
        assert f"定位 {float(lat):.5f},{float(lon):.5f}" in event.location


def test_a_position_outside_every_grid_without_a_village_is_asked_for_one(outlined):
    web = outlined
    client = signed_in(web)
    token = csrf(client.get("/h5/report").text)
    answer = client.post("/h5/report", data=report_form(
        web, token, lat="40.0", lon="80.0", village_id="", address=""))
    assert answer.status_code == 422 and "当前位置不在已划定边界的网格内" in answer.text
    # the photo's EXIF position is kept in the event but never places it
    answer = client.post("/h5/report", data=report_form(web, token),
                         files=[("photos", ("p.jpg", jpeg(gps=True), "image/jpeg"))],
                         follow_redirects=False)
    with web.session() as s:
        (event,) = s.scalars(select(Event)).all()
        assert event.grid_id == web.tree.id("g1a") and "39.90000,116.39000" in event.location
