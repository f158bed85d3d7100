"""The 扫码入户 page, driven as a user would: open a photo of a plate, see the house, go on to
the visit; wrong plates give their own message; print a sheet of plates."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy.orm import Session

from common import doorplate
from common.schema import Visit
from desktop.ui.qr.page import QrPage
from tests.desktop.services.test_doorplates import photo_like, plate_image
from tests.desktop.work_fixtures import (GRID, KEY, NOW, OTHER_GRID, ctx, engine,  # noqa: F401
                                         seeded)

pytestmark = pytest.mark.qt


def plate_photo(tmp_path, seeded, key="h12", grid=GRID, text="幸福路12号", name="p.jpg"):
    payload = doorplate.encode(seeded.houses[key], grid, text, key=KEY, key_id="k1")
    path = tmp_path / name
    photo_like(plate_image(payload), angle=12, blur=1.0, quality=45).save(path)
    return str(path)


def test_opening_a_photo_of_a_plate_checks_in_and_starts_a_visit(ctx, seeded, qtbot,
                                                                 tmp_path):
    page = QrPage(ctx)
    qtbot.addWidget(page)
    with qtbot.wait_signal(page.checked_in, timeout=10000) as got:
        page.check_in_file(plate_photo(tmp_path, seeded))
    result = got.args[0]
    assert "幸福路12号" in page.message.text() and "已签到" in page.message.text()
    assert page.residents.item(0).text() == "吐尔逊·买买提"
    with Session(seeded.engine) as s:
        v = s.get(Visit, result.visit_id)
        assert (v.checkin_at, v.checkin_method, v.house_id) == (NOW, "qr", seeded.houses["h12"])
    assert page.visit_button.isEnabled()
    qtbot.keyClick(page.visit_button, Qt.Key.Key_Space)
    assert ctx.navigated == [("visits", {"visit_id": result.visit_id,
                                         "house_id": seeded.houses["h12"]})]


@pytest.mark.parametrize("make,words", [
    (lambda t, s: plate_photo(t, s, "other", OTHER_GRID, "团结路3号"), "其他网格"),
    (lambda t, s: plate_photo(t, s, text="幸福路99号"), "伪造"),
])
def test_a_plate_from_another_grid_or_a_forged_plate_is_explained(ctx, seeded, qtbot,
                                                                  tmp_path, make, words):
    page = QrPage(ctx)
    qtbot.addWidget(page)
    if words == "伪造":  # a genuine payload whose text was changed after signing
        payload = doorplate.encode(seeded.houses["h12"], GRID, "幸福路12号", key=KEY,
                                   key_id="k1").replace("12号", "99号")
        path = tmp_path / "forged.png"
        plate_image(payload).save(path)
        path = str(path)
    else:
        path = make(tmp_path, seeded)
    with qtbot.wait_signal(page.check_in_failed, timeout=10000) as got:
        page.check_in_file(path)
    assert words in got.args[0] and page.message.text() == got.args[0]
    assert not page.visit_button.isEnabled()


def test_a_photo_with_no_plate_says_so(ctx, seeded, qtbot, tmp_path):
    from PIL import Image
    path = tmp_path / "blank.png"
    Image.new("RGB", (200, 200), "white").save(path)
    page = QrPage(ctx)
    qtbot.addWidget(page)
    with qtbot.wait_signal(page.check_in_failed, timeout=10000) as got:
        page.check_in_file(str(path))
    assert "没有找到二维码" in got.args[0]


def test_without_a_camera_the_page_says_to_open_a_photo_instead(ctx, seeded, qtbot):
    page = QrPage(ctx)
    qtbot.addWidget(page)
    with qtbot.wait_signal(page.check_in_failed, timeout=5000) as got:
        page.toggle_camera()
    assert "照片" in got.args[0] and not page.camera.is_running()


def test_the_print_dialog_writes_a_sheet_for_the_checked_houses(ctx, seeded, qtbot, tmp_path):
    page = QrPage(ctx)
    qtbot.addWidget(page)
    dialog = page.open_label_dialog()
    qtbot.wait_until(lambda: dialog.houses.count() == 4, timeout=5000)
    dialog.search.setText("幸福路")  # QTest cannot type CJK keys; an input method would
    qtbot.wait_until(lambda: dialog.houses.count() == 3, timeout=5000)
    dialog.houses.setFocus()
    dialog.houses.setCurrentRow(0)
    qtbot.keyClick(dialog.houses, Qt.Key.Key_Space)
    assert len(dialog.checked_ids()) == 1
    out = tmp_path / "plates.pdf"
    with qtbot.wait_signal(dialog.sheet_written, timeout=10000) as got:
        dialog.write_sheet(str(out))
    assert got.args == [str(out), 1] and out.read_bytes().startswith(b"%PDF")


def test_a_camera_frame_showing_a_plate_checks_in_like_a_photo(ctx, seeded, qtbot, tmp_path):
    """The camera path without a camera: a frame (QImage) goes through the same grayscale
    conversion, background decoding and check-in as frames from QVideoSink."""
    from PySide6.QtGui import QImage
    page = QrPage(ctx)
    qtbot.addWidget(page)
    frame = QImage(plate_photo(tmp_path, seeded))
    assert not frame.isNull()
    with qtbot.wait_signal(page.checked_in, timeout=10000) as got:
        page.camera.frame_ready.emit(frame)
        page.camera.frame_ready.emit(frame)  # a second frame while decoding is skipped
    assert got.args[0].door_plate == "幸福路12号"
    with Session(seeded.engine) as s:
        assert len(s.query(Visit).all()) == 1
