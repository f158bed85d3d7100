"""Door plates: label sheets, decoding photo-like pictures, and QR check-in over a real
encrypted database."""
from __future__ import annotations

import io
import os

import pytest
from PIL import Image, ImageFilter
from sqlalchemy import select

from common import doorplate
from common.errors import DomainError
from common.schema import Visit
from desktop.services import doorplates
from desktop.storage.settings import plate_keys
from desktop.storage.tables import OutboxEntry
from tests.desktop.work_fixtures import (GRID, KEY, NOW, OTHER_GRID, engine,  # noqa: F401
                                         seeded, session)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # the label tests render a PDF with Qt


def plate_image(payload: str, box: int = 6) -> Image.Image:
    """The QR exactly as the label sheet draws it (same matrix, same mask)."""
    return doorplates.plate_image(payload, box).convert("RGB")


def photo_like(img: Image.Image, *, angle: float, blur: float, quality: int,
               scale: float = 1.0) -> Image.Image:
    """A phone photo of a sticker: on a grey wall, scaled, rotated, blurred, JPEG-compressed."""
    wall = Image.new("RGB", (img.width * 2, img.height * 2), (150, 140, 130))
    wall.paste(img, (img.width // 2, img.height // 3))
    if scale != 1.0:
        wall = wall.resize((int(wall.width * scale), int(wall.height * scale)))
    wall = wall.rotate(angle, expand=True, fillcolor=(150, 140, 130))
    wall = wall.filter(ImageFilter.GaussianBlur(blur))
    buf = io.BytesIO()
    wall.save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue()))


def signed(seeded, key: str = "h12", grid: str = GRID, text: str = "幸福路12号") -> str:
    return doorplate.encode(seeded.houses[key], grid, text, key=KEY, key_id="k1")


@pytest.mark.parametrize("angle,blur,quality,scale", [
    (0, 0, 90, 1.0), (8, 1.0, 50, 1.0), (-12, 1.2, 40, 0.8), (25, 0.8, 60, 1.3),
    (45, 1.0, 50, 1.0), (-5, 1.6, 35, 1.5),
])
def test_a_skewed_blurred_compressed_photo_of_a_plate_still_decodes(seeded, angle, blur,
                                                                    quality, scale):
    payload = signed(seeded)
    img = photo_like(plate_image(payload), angle=angle, blur=blur, quality=quality,
                     scale=scale)
    assert payload in doorplates.decode_image(img)


def test_pyzbar_reads_a_clean_plate_when_zxing_finds_nothing(seeded, monkeypatch):
    payload = signed(seeded)
    monkeypatch.setattr(doorplates, "_decode_zxing", lambda gray: [])
    assert doorplates.decode_image(plate_image(payload)) == [payload]


def test_check_in_from_a_photo_starts_a_qr_visit_at_the_house(seeded, session, tmp_path):
    path = tmp_path / "plate.jpg"
    photo_like(plate_image(signed(seeded)), angle=10, blur=1, quality=50).save(path)
    result = doorplates.check_in_from_file(session, seeded.worker, path, now=NOW)
    session.commit()
    assert result.house_id == seeded.houses["h12"] and result.door_plate == "幸福路12号"
    assert [name for _, name in result.residents] == ["吐尔逊·买买提"]
    visit = session.get(Visit, result.visit_id)
    assert (visit.checkin_method, visit.checkin_at, visit.kind) == ("qr", NOW, "person")
    assert visit.visitor_id == seeded.worker.user_id and visit.grid_id == GRID
    queued = session.scalars(select(OutboxEntry).where(OutboxEntry.record_id == visit.id))
    assert len(list(queued)) == 1


def test_checking_in_at_a_shop_front_starts_a_shop_visit(seeded, session):
    payload = signed(seeded, "shop", text="幸福路1号商铺")
    assert doorplates.check_in(session, seeded.worker, [payload], now=NOW).kind == "shop"


@pytest.mark.parametrize("make,code", [
    (lambda s: signed(s, "other", grid=OTHER_GRID, text="团结路3号"), "plate_other_grid"),
    (lambda s: signed(s).replace("12号", "18号"), "plate_forged"),
    (lambda s: "https://weixin.qq.com/x", "plate_damaged"),
])
def test_a_wrong_plate_gives_its_own_reason_and_records_nothing(seeded, session, make, code):
    with pytest.raises(DomainError) as err:
        doorplates.check_in(session, seeded.worker, [make(seeded)], now=NOW)
    assert err.value.code == code
    assert session.scalars(select(Visit)).first() is None


def test_a_photo_without_any_code_says_no_code_was_found(seeded, session, tmp_path):
    path = tmp_path / "wall.png"
    Image.new("RGB", (300, 200), (120, 120, 120)).save(path)
    with pytest.raises(DomainError) as err:
        doorplates.check_in_from_file(session, seeded.worker, path, now=NOW)
    assert err.value.code == "plate_not_found_in_image"


def test_a_file_that_is_not_a_picture_is_refused_plainly(seeded, session, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("不是图片")
    with pytest.raises(DomainError) as err:
        doorplates.check_in_from_file(session, seeded.worker, path, now=NOW)
    assert err.value.code == "image_unreadable"


def test_a_label_sheet_is_a_pdf_whose_codes_check_in_to_their_houses(seeded, session,
                                                                     tmp_path):
    ids = [seeded.houses["h12"], seeded.houses["h14"]] * 13  # 26 labels: two A4 pages
    out = tmp_path / "labels.pdf"
    assert doorplates.write_label_sheet(session, ids, out, now=NOW) == 2
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and b"WenQuanYi" in data
    payloads = [p for _, p in doorplates.plate_payloads(session, ids[:2], now=NOW)]
    plates = [doorplate.verify(p, plate_keys(session)[1]) for p in payloads]
    assert [p.house_id for p in plates] == ids[:2]


def test_printing_before_the_county_key_arrived_is_refused_with_a_reason(engine):
    from sqlalchemy.orm import Session as S

    from common.messages import render
    from tests.desktop.work_fixtures import make_house
    with S(engine) as s, s.begin():
        hid = make_house(s, "新村1号")
    with S(engine) as s, pytest.raises(DomainError) as err:
        doorplates.plate_payloads(s, [hid], now=NOW)
    assert err.value.code == "plate_key_missing" and "同步" in render(err.value)


def test_the_county_key_delivered_as_reference_data_signs_and_verifies(engine):
    from sqlalchemy.orm import Session as S

    from common.schema import DictEntry
    from desktop.storage.settings import new_plate_key
    from tests.desktop.work_fixtures import make_house
    kid, key = new_plate_key()
    with S(engine) as s, s.begin():
        hid = make_house(s, "新村1号")
        s.add(DictEntry(id="d1", created_at=NOW, updated_at=NOW, rev=1, field_clock={},
                        deleted=False, dict_code="plate_key", code=kid, label=key.hex(),
                        active=True, sort=0, grid_id=None))  # as a pull writes it
    with S(engine) as s:
        payload = doorplates.plate_payloads(s, [hid], now=NOW)[0][1]
        assert plate_keys(s) == (kid, {kid: key})
    assert doorplate.verify(payload, {kid: key}).house_id == hid


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_plates_printed_at_the_township_office_check_in_on_a_grid_workers_laptop(db_url,
                                                                               tmp_path):
    """Real server services, two real SQLCipher devices: the office prints (making the county
    key), both sync, the grid worker scans the plate and a visit starts in their grid."""
    from sqlalchemy.orm import Session as S

    from common.schema import House
    from desktop.services.work_context import Worker
    from tests.integration.sync_harness import Device, ServerHarness
    server = ServerHarness(db_url)
    office = Device(server, "office1", tmp_path / "office.db")
    laptop = Device(server, "worker1a", tmp_path / "laptop.db")
    from common.schema import DictEntry
    from desktop.storage.settings import new_plate_key
    kid, key = new_plate_key()
    server.write(DictEntry, None, {"dict_code": "plate_key", "code": kid, "label": key.hex(),
                                   "grid_id": None, "active": True, "sort": 0})
    office.sync()  # the county key arrives with the scope
    hid = office.write(House, None, {"door_plate": "团结路8号", "house_type": "bungalow",
                                     "grid_id": server.grid("g1a")})
    with S(office.engine) as s, s.begin():
        [(_, payload)] = doorplates.plate_payloads(s, [hid], now=office.now())
    office.sync()
    from desktop.storage.tables import Quarantined
    with S(office.engine) as s:
        assert [(q.entity, q.code, q.reason) for q in s.scalars(select(Quarantined))] == []
    laptop.sync()
    worker = Worker(server.user("worker1a").id, "grid_worker", server.grid("g1a"))
    with S(laptop.engine) as s, s.begin():
        started = doorplates.check_in(s, worker, [payload], now=laptop.now())
        assert (started.house_id, started.door_plate) == (hid, "团结路8号")
    other = Worker(server.user("worker1b").id, "grid_worker", server.grid("g1b"))
    with S(laptop.engine) as s, pytest.raises(DomainError) as err:
        doorplates.check_in(s, other, [payload], now=laptop.now())
    assert err.value.code == "plate_other_grid"
    for closeable in (office, laptop, server):
        closeable.close()


def test_scanning_the_same_plate_again_during_a_visit_continues_it(seeded, session):
    import datetime as dt
    payload = signed(seeded)
    first = doorplates.check_in(session, seeded.worker, [payload], now=NOW)
    again = doorplates.check_in(session, seeded.worker, [payload],
                                now=NOW + dt.timedelta(minutes=10))
    later = doorplates.check_in(session, seeded.worker, [payload],
                                now=NOW + dt.timedelta(hours=2))
    assert again.visit_id == first.visit_id and again.checkin_at == NOW
    assert later.visit_id != first.visit_id
    assert len(session.scalars(select(Visit)).all()) == 2


def _printed_label(tmp_path, qapp, label: doorplates.Label, dpi: int) -> Image.Image:
    """The first sticker of a printed sheet, as a page rendered at `dpi` shows it."""
    from PySide6.QtCore import QSize
    from PySide6.QtPdf import QPdfDocument
    out = tmp_path / "label.pdf"
    doorplates.render_label_sheet([label], out)
    doc = QPdfDocument()
    doc.load(str(out))
    size = doc.pagePointSize(0)
    page = doc.render(0, QSize(round(size.width() / 72 * dpi), round(size.height() / 72 * dpi)))
    png = tmp_path / "page.png"
    page.save(str(png))
    doc.close()
    rgba = Image.open(png).convert("RGBA")
    on_paper = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("L")
    layout = doorplates.LabelLayout()
    return on_paper.crop((0, 0, round(layout.label_w_mm / 25.4 * dpi),
                          round((layout.label_h_mm + 1) / 25.4 * dpi)))


def test_a_printed_plate_carries_ids_and_signature_only_and_is_shorter_than_before(
        seeded, session):
    [(house, payload)] = doorplates.plate_payloads(session, [seeded.houses["h12"]], now=NOW)
    before = doorplate.encode(house.id, house.grid_id, f"{house.address} {house.door_plate}",
                              key=KEY, key_id="k1")
    assert len(payload.encode()) < len(before.encode())
    # fewer, so larger, modules on the same sticker: QR version 5 instead of 8 here
    assert len(doorplates.plate_matrix(payload)) <= len(doorplates.plate_matrix(before)) - 12
    assert "幸福" not in payload and payload.isascii() and payload == payload.upper()
    assert doorplates.check_in(session, seeded.worker, [payload], now=NOW).door_plate \
        == "幸福路12号"  # the device reads the plate's text from the house, not the code


@pytest.mark.parametrize("dpi,blur", [(100, 0.6), (150, 1.0)])
def test_a_label_photographed_at_70_percent_with_mild_blur_still_decodes(
        seeded, session, qapp, tmp_path, dpi, blur):
    address, plate = "托克逊县托克逊镇幸福小区1号楼", "1号楼1单元10/1"
    [label] = doorplates.labels_for(session, [seeded.houses["h12"]], now=NOW)
    label = doorplates.Label(plate, address, label.payload)
    img = _printed_label(tmp_path, qapp, label, dpi)
    photo = img.resize((round(img.width * 0.7), round(img.height * 0.7)),
                       Image.Resampling.BILINEAR).filter(ImageFilter.GaussianBlur(blur))
    assert doorplates.decode_image(photo) == [label.payload]


@pytest.mark.parametrize("text", ["1号楼1单元10/1", "幸福小区12栋3-201室", "英阿瓦提村3组12号",
                                  "文化路29号院A座1502"])
def test_a_door_number_is_never_split_across_lines(text):
    font = doorplates._register_font()
    from reportlab.pdfbase.pdfmetrics import stringWidth
    full = stringWidth(text, font, 12)
    for width in range(20, int(full) + 10, 3):
        lines = doorplates._wrap(text, font, 12, width)
        assert "".join(lines) == text
        for a, b in zip(lines, lines[1:]):
            assert not (a[-1].isascii() and a[-1].isalnum() and b[0].isascii()
                        and (b[0].isalnum() or b[0] in "/-")), (width, lines)
