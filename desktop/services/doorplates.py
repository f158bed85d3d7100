"""Door plates: a PDF sheet of QR labels for houses, decoding plates from photos and camera
frames (zxing-cpp first, pyzbar as the fallback), and QR check-in that starts a visit.

Runs on the client's worker threads (never on the GUI thread): label sheets and check-in write
(they may create the plate key, and check-in records a visit), decoding only reads pixels.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import zxingcpp
from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from common import doorplate
from common.doorplate import plate_matrix
from common.errors import DomainError
from common.schema import House, Person, Visit
from common.sorting import name_key, sort_key
from desktop.storage.changes import record_change
from desktop.storage.settings import current_plate_key, plate_keys

from .work_context import Worker, grids_in_scope

log = logging.getLogger(__name__)

RESCAN_WINDOW = dt.timedelta(minutes=30)
"""A plate scanned again by the same worker within this time continues the visit it started."""

BUNDLED_FONT = Path(__file__).resolve().parents[2] / "resources" / "fonts" / "wqy-microhei.ttc"
SYSTEM_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT_NAME = "WenQuanYiMicroHei"


# -- decoding ---------------------------------------------------------------------------------
def decode_image(image: Image.Image) -> list[str]:
    """Every QR text found in a picture: zxing-cpp first (reads blurred, skewed photos), then
    pyzbar when zxing-cpp finds nothing (../shared/FACTS.md has the measured difference)."""
    gray = image.convert("L")
    texts = _decode_zxing(gray)
    if not texts:
        texts = _decode_pyzbar(gray)
    return texts


def decode_file(path: str | Path) -> list[str]:
    try:
        with Image.open(path) as img:
            img.load()
            return decode_image(img)
    except (UnidentifiedImageError, OSError):
        raise DomainError("image_unreadable", path=str(path)) from None


def decode_gray_frame(width: int, height: int, data: bytes, stride: int | None = None
                      ) -> list[str]:
    """Decode one 8-bit grayscale camera frame (the camera page converts a QVideoFrame)."""
    stride = stride or width
    img = Image.frombuffer("L", (width, height), data, "raw", "L", stride, 1)
    return decode_image(img)


def _decode_zxing(gray: Image.Image) -> list[str]:
    found = zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode,
                                   try_rotate=True, try_downscale=True)
    return [r.text for r in found if r.valid and r.text]


def _decode_pyzbar(gray: Image.Image) -> list[str]:
    try:
        from pyzbar import pyzbar
        results = pyzbar.decode(gray, symbols=[pyzbar.ZBarSymbol.QRCODE])
    # pyzbar loads the system's libzbar when imported (Debian's libzbar0; bundled on Windows):
    # a missing system library, not a missing Python module, so zxing-cpp alone decodes then.
    except (ImportError, OSError):
        return []
    out = []
    for r in results:
        try:
            out.append(r.data.decode("utf-8"))
        except UnicodeDecodeError:
            continue
    return out


# -- check-in ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class CheckIn:
    """A started visit: which house, its plate, the visit's id and check-in time."""

    visit_id: str
    house_id: str
    door_plate: str
    checkin_at: dt.datetime
    kind: str
    residents: tuple[tuple[str, str], ...]  # (person id, name) living in the house


def read_plate(session: Session, worker: Worker, texts: Iterable[str]) -> doorplate.DoorPlate:
    """The verified, in-scope plate among decoded texts; the most telling error otherwise."""
    texts = list(texts)
    if not texts:
        raise DomainError("plate_not_found_in_image")
    _current, keys = plate_keys(session)
    first_error: DomainError | None = None
    for text in texts:
        try:
            plate = doorplate.verify(text, keys)
            return doorplate.check_scope(plate, grids_in_scope(session, worker.scope_node_id))
        except DomainError as err:
            first_error = first_error or err
    assert first_error is not None
    raise first_error


def check_in(session: Session, worker: Worker, texts: Iterable[str], *,
             now: dt.datetime) -> CheckIn:
    """Verify a scanned plate and start a visit at that house with the check-in time."""
    plate = read_plate(session, worker, texts)
    house = session.get(House, plate.house_id)
    if house is None or house.deleted:
        raise DomainError("plate_house_missing", door_plate=plate.text)
    kind = "shop" if house.house_type == "shop_front" or house.use == "business" else "person"
    visit = session.scalars(select(Visit).where(
        Visit.house_id == house.id, Visit.visitor_id == worker.user_id,
        Visit.checkin_method == "qr", Visit.deleted.is_(False),
        Visit.checkin_at >= now - RESCAN_WINDOW).order_by(Visit.checkin_at.desc())).first()
    if visit is not None:  # the same plate scanned again during the visit: the same visit
        return CheckIn(visit_id=visit.id, house_id=house.id, door_plate=house.door_plate,
                       checkin_at=visit.checkin_at, kind=visit.kind,
                       residents=_residents(session, house.id))
    visit = record_change(session, Visit, None, {
        "kind": kind, "house_id": house.id, "visitor_id": worker.user_id, "visited_at": now,
        "checkin_at": now, "checkin_method": "qr", "grid_id": house.grid_id, "photos": [],
        "follow_up": False,
    }, now=now)
    return CheckIn(visit_id=visit.id, house_id=house.id, door_plate=house.door_plate,
                   checkin_at=now, kind=kind, residents=_residents(session, house.id))


def _residents(session: Session, house_id: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(((pid, name) for pid, name in session.execute(
        select(Person.id, Person.name).where(Person.house_id == house_id,
                                             Person.deleted.is_(False)))),
        key=lambda r: name_key(r[1])))


def check_in_from_file(session: Session, worker: Worker, path: str | Path, *,
                       now: dt.datetime) -> CheckIn:
    return check_in(session, worker, decode_file(path), now=now)


# -- label sheets -----------------------------------------------------------------------------
@dataclass(frozen=True)
class LabelLayout:
    """A sticker sheet: A4 by default, 3 x 8 labels of 70 x 37 mm (a common sticker stock)."""

    page_w_mm: float = 210
    page_h_mm: float = 297
    cols: int = 3
    rows: int = 8
    label_w_mm: float = 70
    label_h_mm: float = 37
    margin_left_mm: float = 0
    margin_top_mm: float = 0.5


def font_path() -> Path:
    return BUNDLED_FONT if BUNDLED_FONT.exists() else SYSTEM_FONT


def _register_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(font_path()), subfontIndex=0))
    return FONT_NAME


def plate_payloads(session: Session, house_ids: Iterable[str], *, now: dt.datetime
                   ) -> list[tuple[House, str]]:
    """Each house with its signed QR payload (signed with the county plate key)."""
    key_id, key = current_plate_key(session)
    ids = list(house_ids)  # repeats are copies of the same sticker, printed as asked
    houses = {h.id: h for h in session.scalars(select(House).where(House.id.in_(set(ids))))}
    out = []
    for hid in ids:
        house = houses.get(hid)
        if house is None or house.deleted:
            raise DomainError("not_found")
        # ids and signature only: the address is printed beside the code, not inside it
        out.append((house, doorplate.encode_v2(house.id, house.grid_id or "", key=key,
                                               key_id=key_id)))
    return out


@dataclass(frozen=True)
class Label:
    """One sticker to print: the plate text, the address line and the signed QR payload."""

    door_plate: str
    address: str
    payload: str


def labels_for(session: Session, house_ids: Iterable[str], *, now: dt.datetime
               ) -> list[Label]:
    """The stickers for the houses (a write: it may make the plate key). Rendering them needs
    no database, so the caller can free the writer thread before `render_label_sheet`."""
    return [Label(h.door_plate, h.address or "", p)
            for h, p in plate_payloads(session, house_ids, now=now)]


def write_label_sheet(session: Session, house_ids: Iterable[str], out_path: str | Path, *,
                      now: dt.datetime, layout: LabelLayout = LabelLayout()) -> int:
    """Write a PDF of door-plate stickers (QR + door-plate text) for the houses; pages made."""
    return render_label_sheet(labels_for(session, house_ids, now=now), out_path, layout)


def render_label_sheet(items: list[Label], out_path: str | Path,
                       layout: LabelLayout = LabelLayout()) -> int:
    """Draw the stickers into a PDF sheet (A4 3 x 8 by default); the number of pages."""
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    font = _register_font()
    pdf = canvas.Canvas(str(out_path), pagesize=(layout.page_w_mm * mm, layout.page_h_mm * mm))
    pdf.setTitle("门牌二维码")
    per_page = layout.cols * layout.rows
    pages = 0
    for i, house in enumerate(items):
        slot = i % per_page
        if slot == 0:
            if i:
                pdf.showPage()
            pages += 1
        col, row = slot % layout.cols, slot // layout.cols
        x = (layout.margin_left_mm + col * layout.label_w_mm) * mm
        y = (layout.page_h_mm - layout.margin_top_mm - (row + 1) * layout.label_h_mm) * mm
        side = (layout.label_h_mm - 4) * mm
        _draw_matrix(pdf, plate_matrix(house.payload), x + 2 * mm, y + 2 * mm, side)
        text_x = x + side + 4 * mm
        width = layout.label_w_mm * mm - side - 6 * mm
        top = y + layout.label_h_mm * mm - 8 * mm
        # the door number big, on one line when it fits at a readable size, else on two
        size = _fitting_size(font, house.door_plate, width, lines=1, largest=14, smallest=10)
        if len(_wrap(house.door_plate, font, size, width)) > 1:
            size = _fitting_size(font, house.door_plate, width, lines=2, largest=14,
                                 smallest=8)
        used = _draw_wrapped(pdf, font, house.door_plate, text_x, top, width, size, lines=2)
        if house.address:
            _draw_wrapped(pdf, font, house.address, text_x, top - used * size * 1.2 - 3 * mm,
                          width, 7, lines=3)
    if not items:
        pdf.setFont(font, 12)
        pdf.drawString(20 * mm, (layout.page_h_mm - 20) * mm, "没有选择房屋")
        pages = 1
    pdf.save()
    return pages


def plate_image(payload: str, module_px: int = 6) -> Image.Image:
    """The plate's QR as a picture (for previews and the decoding tests)."""
    matrix = plate_matrix(payload)
    n = len(matrix)
    img = Image.new("L", (n, n), 255)
    img.putdata([0 if dark else 255 for row in matrix for dark in row])
    return img.resize((n * module_px, n * module_px), Image.Resampling.NEAREST)


def _draw_matrix(pdf, matrix: list[list[bool]], x: float, y: float, side: float) -> None:
    """Vector modules (sharp at any printer resolution), one rectangle per run of dark ones."""
    n = len(matrix)
    cell = side / n
    pdf.setFillGray(0)
    path = pdf.beginPath()
    for r, row in enumerate(matrix):
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                path.rect(x + start * cell, y + (n - 1 - r) * cell, (c - start) * cell, cell)
            else:
                c += 1
    pdf.drawPath(path, stroke=0, fill=1)


_UNBREAKABLE = re.compile(r"[0-9A-Za-z]+(?:[-/#.][0-9A-Za-z]+)*[号室栋层户]?|.", re.DOTALL)
"""What a line must not break inside: a door number such as 10/1, 3-201, 12号 or A座."""


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Chinese has no spaces to break at: break between characters, but never inside a run
    of digits and letters (1单元10/1 never becomes "1单元1" + "0/1")."""
    from reportlab.pdfbase.pdfmetrics import stringWidth
    lines, line = [], ""
    for token in _UNBREAKABLE.findall(text):
        if line and stringWidth(line + token, font, size) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    lines.append(line)
    return lines


def _fitting_size(font: str, text: str, width: float, *, lines: int, largest: float,
                  smallest: float) -> float:
    """The largest font size (half-point steps) at which `text` fits in `lines` lines."""
    size = largest
    while size > smallest and len(_wrap(text, font, size, width)) > lines:
        size -= 0.5
    return size


def _draw_wrapped(pdf, font: str, text: str, x: float, y: float, width: float,  # noqa: ANN001
                  size: float, lines: int = 3) -> int:
    """Draw `text` wrapped to `width`, at most `lines` lines; the number of lines drawn."""
    pdf.setFont(font, size)
    parts = _wrap(text, font, size, width)[:lines]
    for n, part in enumerate(parts):
        pdf.drawString(x, y - n * size * 1.2, part)
    return len(parts)


def list_houses(session: Session, text: str = "", *, limit: int = 500
                ) -> list[tuple[str, str, str]]:
    """(id, door plate, address) of houses matching `text`, for choosing plates to print."""
    q = select(House.id, House.door_plate, House.address).where(House.deleted.is_(False))
    if text.strip():
        like = f"%{text.strip()}%"
        q = q.where(House.door_plate.like(like) | House.address.like(like))
    rows = session.execute(q.order_by(House.address, House.door_plate).limit(limit)).all()
    return [(i, p, a or "") for i, p, a in sorted(
        rows, key=lambda r: (sort_key(r[2]), sort_key(r[1])))]
