"""房屋下钻 upkeep through its widgets: a worker adds a rural house under a grid and a house in a
building, edits a building, sees refusals beside the field, prints the new house's door plate
(to a PDF here) whose QR checks in to that house, finds places and counts them."""
from PySide6.QtCore import QModelIndex
from sqlalchemy import select
from sqlalchemy.orm import Session

from common import doorplate
from common.schema import Building, House
from desktop.services.doorplates import Label, decode_image
from desktop.storage.settings import add_plate_key, new_plate_key, plate_keys
from desktop.ui.places.page import PlacesPage
from desktop.ui.places.plate_print import label_image
from tests.desktop.people_factories import NOW
from tests.desktop.ui.conftest import wait_idle


def _page(ctx, qtbot) -> PlacesPage:
    page = PlacesPage(ctx)
    qtbot.addWidget(page)
    page.resize(1000, 700)
    page.show()
    page.refresh()
    wait_idle(qtbot, ctx)
    return page


def _select(page, qtbot, ctx, *titles: str) -> QModelIndex:
    """Select the node reached by expanding each title in turn from the root."""
    parent = QModelIndex()
    index = QModelIndex()
    for title in titles:
        names = [page.model.index(r, 0, parent).data() for r in range(page.model.rowCount(parent))]
        index = page.model.index(names.index(title), 0, parent)
        page.tree.setCurrentIndex(index)
        page.tree.expand(index)
        wait_idle(qtbot, ctx)
        parent = index
    return index


def _grid_path():
    return ("托克逊县", "托克逊镇", "英阿瓦提村", "第一网格")


def test_a_rural_house_added_under_the_grid_gets_a_plate_that_prints_and_checks_in(
        ctx, scope, qtbot, tmp_path):
    engine, *_ = scope
    with Session(engine) as s, s.begin():
        add_plate_key(s, *new_plate_key(), now=NOW)
    page = _page(ctx, qtbot)
    _select(page, qtbot, ctx, *_grid_path())
    dialog = page.add_place()
    qtbot.addWidget(dialog)
    assert dialog.kind_box.itemText(dialog.kind_box.count() - 1).startswith("房屋（农村自建房")
    dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("house"))
    assert dialog.field("house_type").currentData() == "rural_self_built"
    dialog.field("door_plate").setText("英阿瓦提村7组1号")
    dialog.field("address").setText("英阿瓦提村七组")
    with qtbot.wait_signal(dialog.place_saved, timeout=5000):
        dialog.save()
    wait_idle(qtbot, ctx)
    grid = page.tree.currentIndex()
    assert ("英阿瓦提村7组1号", "0") in page.node_texts(grid)
    assert "门牌二维码已生成" in page.message.text()
    with Session(engine) as s:
        house = s.execute(select(House).where(House.door_plate == "英阿瓦提村7组1号")).scalar_one()
        assert house.building_id is None and house.house_type == "rural_self_built"
        keys = plate_keys(s)[1]
    pdf = tmp_path / "plate.pdf"
    page.pdf_path = str(pdf)
    with qtbot.wait_signal(page.plates_printed, timeout=5000) as printed:
        page.print_button.click()
    assert printed.args == [1]
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 1000
    # the label as drawn decodes to a plate signed for this house
    from desktop.services.doorplates import labels_for
    with Session(engine) as s:
        label: Label = labels_for(s, [house.id], now=NOW)[0]
    image = label_image(label)
    from PIL import Image
    picture = Image.frombytes("RGBA", (image.width(), image.height()),
                              bytes(image.convertToFormat(image.Format.Format_RGBA8888).constBits()))
    plate = doorplate.verify(decode_image(picture)[0], keys)
    assert plate.house_id == house.id


def test_a_house_in_a_building_and_a_bad_building_edit(ctx, scope, qtbot):
    engine, _, pl = scope
    page = _page(ctx, qtbot)
    _select(page, qtbot, ctx, *_grid_path(), "幸福小区", "1号楼")
    dialog = page.add_place()
    qtbot.addWidget(dialog)
    assert [dialog.kind_box.itemData(i) for i in range(dialog.kind_box.count())] == [
        "unit", "floor", "house"]
    dialog.kind_box.setCurrentIndex(2)
    dialog.field("door_plate").setText("1号楼1单元102")
    dialog.field("area").setText("-5")
    dialog.save()
    wait_idle(qtbot, ctx)
    assert dialog.form.error_text("area") == "面积(㎡)“-5.0”应在 0.1 到 100000 之间"
    dialog.field("area").setText("86")
    with qtbot.wait_signal(dialog.place_saved, timeout=5000):
        dialog.save()
    wait_idle(qtbot, ctx)
    assert ("1号楼1单元102", "0") in page.node_texts(page.tree.currentIndex())
    editor = page.edit_place()
    qtbot.addWidget(editor)
    wait_idle(qtbot, ctx)
    assert editor.field("name").text() == "1号楼"
    editor.field("floors_above").setText("0")
    editor.save()
    wait_idle(qtbot, ctx)
    assert "应在 1 到 200 之间" in editor.form.error_text("floors_above")
    editor.field("floors_above").setText("18")
    editor.field("use").setCurrentIndex(editor.field("use").findData("mixed"))
    with qtbot.wait_signal(editor.place_saved, timeout=5000):
        editor.save()
    with Session(engine) as s:
        b = s.get(Building, pl["building"].id)
        assert (b.floors_above, b.use) == (18, "mixed")
        h = s.execute(select(House).where(House.door_plate == "1号楼1单元102")).scalar_one()
        assert (h.building_id, h.area) == (pl["building"].id, 86.0)


def test_find_and_count_places(ctx, scope, qtbot):
    page = _page(ctx, qtbot)
    page.tabs.setCurrentIndex(1)
    page.find_box.setText("3组")
    qtbot.wait_until(lambda: page.found.rowCount() == 1, timeout=5000)
    assert page.found.item(0, 0).text() == "英阿瓦提村3组12号"
    assert page.found.item(0, 1).text() == "房屋"
    page.tabs.setCurrentIndex(2)
    qtbot.wait_until(lambda: page.stats.rowCount() > 0, timeout=5000)
    rows = page.stats_rows()
    assert ("房屋类型", "农村自建房", "1") in rows and ("建筑类型", "住宅楼", "1") in rows
    assert ("房屋用途", "未填", "2") in rows
