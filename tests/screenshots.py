"""`make screenshots`: render every main page over the demo county to docs/screenshots/*.png.

Builds an encrypted demo profile (sync_server.demo.generate into the client's SQLCipher file),
opens the real main window offscreen with the bundled font, visits each registered page (the
work pages and the assistant too, when present) and saves what it shows.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
SCALE = float(os.environ.get("SCREENSHOT_SCALE", "0.05"))
SCREEN = (1366, 768)
"""A cheap laptop's screen: the main window is shown maximised on it, as users see it."""


def _laptop_screen(folder: Path) -> None:
    """Give Qt's offscreen platform one screen of SCREEN's size (its default is 800x800)."""
    if os.environ.get("QT_QPA_PLATFORM") != "offscreen":
        return
    config = folder / "screens.json"
    config.write_text(json.dumps({"screens": [{"name": "laptop", "x": 0, "y": 0,
                                               "width": SCREEN[0], "height": SCREEN[1],
                                               "logicalDpi": 96, "dpr": 1}]}))
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"


def settle(app, tasks, seconds: float = 0.4) -> None:  # noqa: ANN001
    """Let background reads finish and the window repaint."""
    deadline = time.monotonic() + 20
    quiet_since = None
    while time.monotonic() < deadline:
        app.processEvents()
        if tasks.is_busy():
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > seconds:
            return
        time.sleep(0.01)


def main() -> int:
    from desktop.app import build_main_window, make_application
    from desktop.tasks import TaskManager
    from desktop.ui.signin.dialog import SignInDialog
    from tests.demo_profile import DEMO_NOW, build_demo_profile, demo_signed_in

    OUT.mkdir(parents=True, exist_ok=True)
    # a fixed folder: the file paths the pages show stay the same from one run to the next
    home = Path(tempfile.gettempdir()) / "yzb-screenshots"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir()
    _laptop_screen(home)
    app = make_application([])
    built = build_demo_profile(home, scale=SCALE)
    tasks = TaskManager()
    shots: list[str] = []

    dialog = SignInDialog(tasks, lambda: DEMO_NOW, initial_sync=None)
    dialog.account.setEditText(built["user"]["username"])
    dialog.password.setText("********")
    dialog.resize(460, 300)
    dialog.show()
    settle(app, tasks)
    _save(dialog, "signin", shots)
    dialog.close()

    _SAMPLES["assistant"] = _assistant_sheet(built["profile"], home)
    _conflicts_from_the_server(built["profile"])
    window = build_main_window(demo_signed_in(built["profile"]), tasks, now=lambda: DEMO_NOW)
    window.showMaximized()
    settle(app, tasks)
    for key in window.page_keys():
        window.navigate(key)
        settle(app, tasks)
        _prepare(key, window, app, tasks)
        _save(window, key, shots)
    _extra_shots(window, app, tasks, shots)
    _close(window)
    tasks.shutdown(wait=True)
    window.deleteLater()
    app.processEvents()
    built["profile"].close()
    _config_shot(app, home, shots)
    print("\n".join(str(OUT / f"{s}.png") for s in shots))
    return 0


def _prepare(key: str, window, app, tasks) -> None:  # noqa: ANN001
    """Make a page show something representative before its picture is taken."""
    page = window.page(key)
    if key == "search":
        page.age_min.setValue(60)
        page.tags.set_checked(("elderly_60",))
        page.run()
        settle(app, tasks)
    elif key == "places":
        # down to the people of one house: at each level the first place where people live
        tree, model = page.tree, page.model
        index = model.index(0, 0)
        for _depth in range(8):
            tree.expand(index)
            settle(app, tasks)
            rows = [model.index(r, 0, index) for r in range(model.rowCount(index))]
            lived = [i for i in rows if str(model.index(i.row(), 1, index).data() or "0")
                     .isdigit() and int(model.index(i.row(), 1, index).data() or 0) > 0]
            if not lived:
                break
            index = lived[0]
        tree.setCurrentIndex(index)
        tree.expand(index)
        settle(app, tasks)
    elif key == "households":
        page.list.selectRow(0)
        settle(app, tasks)
    elif key == "organisations":
        page.list.selectRow(0)
        settle(app, tasks)
    elif key == "ledgers":
        # last year's land ledger of the demo township: the year filter set, a row selected
        page.choose_type("土地台账")
        settle(app, tasks)
        page.set_year(page.year.itemData(1))
        settle(app, tasks)
        page.table.selectRow(0)
        settle(app, tasks)
    elif key == "assistant" and _SAMPLES.get("assistant"):
        # a department's half-filled sheet, completed: the mapping and the result line show
        src = _SAMPLES["assistant"]
        page.load_file(src)
        settle(app, tasks)
        page.run_job(src.with_name("民政局_高龄补贴核对_补全结果.xlsx"))
        settle(app, tasks, 1.0)


_SAMPLES: dict[str, Path] = {}


def _conflicts_from_the_server(profile) -> None:  # noqa: ANN001
    """Two conflicts as a pull from the server brings them (the client's own apply_pull): a
    phone number and an address the office changed while this device changed them too."""
    import datetime as dt

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from common.schema import Household, Person
    from common.sync.messages import ConflictWire, PullResponse
    from desktop.storage.changes import sync_state
    from desktop.storage.replica import apply_pull
    from tests.demo_profile import DEMO_NOW
    with Session(profile.engine) as s:
        person = s.scalars(select(Person).where(Person.phone.is_not(None)).limit(1)).one()
        household = s.scalars(select(Household).where(Household.address.is_not(None))
                              .limit(1)).one()
        at = (DEMO_NOW - dt.timedelta(hours=3)).isoformat()
        cursor = sync_state(s).cursor or 0
        apply_pull(s, PullResponse(cursor=cursor, conflicts=[
            ConflictWire(id="c-phone", rev=cursor, entity="people", record_id=person.id,
                         field="phone", winner_value=person.phone, loser_value="13899012345",
                         created_at=at),
            ConflictWire(id="c-address", rev=cursor, entity="households",
                         record_id=household.id, field="address",
                         winner_value=household.address,
                         loser_value=f"{household.address}（已搬至新居）", created_at=at)]),
            now=DEMO_NOW)
        s.commit()


def _assistant_sheet(profile, home: Path) -> Path:  # noqa: ANN001
    """A sheet as a department sends it: a title row, two-row headers, names and ID numbers
    of 40 people of the demo county typed in, the other columns left empty."""
    from openpyxl import Workbook
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from common.schema import Person
    with Session(profile.engine) as s:
        people = s.execute(select(Person.name, Person.id_number).where(
            Person.id_number.is_not(None)).order_by(Person.id_number).limit(40)).all()
    wb = Workbook()
    ws = wb.active
    ws.title = "高龄补贴"
    ws.append(["托克逊县 2026 年高龄补贴发放核对表"])
    ws.merge_cells("A1:I1")
    ws.append(["序号", "基本信息", None, None, None, "联系方式", None, "户籍", None])
    ws.merge_cells("B2:E2")
    ws.merge_cells("F2:G2")
    ws.merge_cells("H2:I2")
    ws.append([None, "姓名", "公民身份号码", "性别", "出生年月", "联系电话", "现住址", "户号",
               "与户主关系"])
    for n, (name, id_number) in enumerate(people, start=1):
        if n == 7:
            id_number = int(id_number[:-1]) / 10 ** 16 * 10 ** 16  # typed as a number
        ws.append([n, name, id_number])
    ws.append([len(people) + 1, "买买提·艾力", "650102198001010011"])  # not in the county
    path = home / "民政局_高龄补贴核对.xlsx"
    wb.save(path)
    return path


def _extra_shots(window, app, tasks, shots: list[str]) -> None:  # noqa: ANN001
    places = window.page("places")
    window.navigate("places")
    settle(app, tasks)
    places.tabs.setCurrentIndex(3)  # 地图: the first grid drawn from the local database
    settle(app, tasks, 1.0)
    _save(window, "places_map", shots)
    places.tabs.setCurrentIndex(0)
    people = window.page("people")
    window.navigate("people")
    settle(app, tasks)
    people.table.selectRow(0)
    pid = people.table.selected_id()
    if pid:
        people.edit(pid)
        dialog = people.dialog
        dialog.resize(560, 760)
        settle(app, tasks)
        bad = dialog.form.editors["id_number"]
        text = bad.text()
        if len(text) == 18:
            bad.setText(text[:17] + ("0" if text[17] != "0" else "1"))
        dialog.save()
        settle(app, tasks)
        _save(dialog, "person_dialog_error", shots)
        dialog.reject()


def _config_shot(app, home: Path, shots: list[str]) -> None:  # noqa: ANN001
    """The 配置中心 page is shown to county admins only: a second demo profile, signed in as the
    county admin, with the livestock ledger's fields listed. The demo has no server, so the page
    shows the local copy and says why its buttons are disabled."""
    from desktop.app import build_main_window
    from desktop.tasks import TaskManager
    from tests.demo_profile import DEMO_NOW, build_demo_profile, demo_signed_in

    built = build_demo_profile(home, scale=SCALE, role="county", name="demo_county")
    tasks = TaskManager()
    window = build_main_window(demo_signed_in(built["profile"]), tasks, now=lambda: DEMO_NOW)
    window.showMaximized()
    settle(app, tasks)
    window.navigate("config")
    settle(app, tasks, 1.0)
    page = window.page("config")
    page.choose_type("养殖台账")
    page.fields.selectRow(0)
    settle(app, tasks)
    _save(window, "config", shots)
    _close(window)
    tasks.shutdown(wait=True)
    window.deleteLater()
    app.processEvents()
    built["profile"].close()


def _close(window) -> None:  # noqa: ANN001
    """Close without the question about unsent edits (the demo holds some): no one answers."""
    if window.background is not None:
        window.background.stop()
    window.close()


def _save(widget, name: str, shots: list[str]) -> None:  # noqa: ANN001
    pixmap = widget.grab()
    path = OUT / f"{name}.png"
    if not pixmap.save(str(path)):
        print(f"could not save {path}", file=sys.stderr)
        return
    shots.append(name)


if __name__ == "__main__":
    sys.exit(main())
