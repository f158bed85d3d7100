"""The assistant reads and writes with the database's own (synced) dictionaries: an entry an admin
added in 配置中心 is written into sheets by its label and accepted as a fill condition."""
from __future__ import annotations

import openpyxl
from sqlalchemy import create_engine, update
from sqlalchemy.orm import Session

from common.schema import DictEntry, Person, PersonTag, new_id
from desktop.assistant.population import Conditions

from .builders import sheet_with_title
from .county import NOW, TODAY


def _synced_entry(session: Session, dict_code: str, code: str, label: str) -> None:
    """An entry as a sync brings it: a DictEntry record the defaults do not have."""
    session.add(DictEntry(id=new_id(), dict_code=dict_code, code=code, label=label, sort=99,
                          active=True, grid_id=None, created_at=NOW, updated_at=NOW, rev=5,
                          field_clock={}, deleted=False))


def test_an_admin_added_tag_and_ethnicity_are_filled_by_label_and_accepted_as_conditions(
        county, service, tmp_path):
    url, c = county
    person = next(p for p in c.people if p["status"] == "normal")
    engine = create_engine(url)
    with Session(engine) as s:
        _synced_entry(s, "tag", "flood_relief_2026", "洪灾受灾户")
        _synced_entry(s, "ethnicity", "15", "土家族")
        s.add(PersonTag(id=new_id(), person_id=person["id"], tag_code="flood_relief_2026",
                        grid_id=person["grid_id"], created_at=NOW, updated_at=NOW, rev=6,
                        field_clock={}, deleted=False))
        s.execute(update(Person).where(Person.id == person["id"]).values(ethnicity="15"))
        s.commit()
    engine.dispose()
    src = sheet_with_title(tmp_path / "in.xlsx", ["序号", "姓名", "公民身份号码", "民族",
                                                  "人员标签"], [])
    report = service.run("fill", service.inspect(src), tmp_path / "out.xlsx", today=TODAY,
                         now=NOW, conditions=Conditions(tags=["洪灾受灾户"],
                                                        ethnicities=["土家族"]))
    assert report.rows == 1
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx").worksheets[0]
    rows = [[cell.value for cell in r] for r in ws.iter_rows() if r[2].value == person["id_number"]]
    assert rows and rows[0][3] == "土家族" and "洪灾受灾户" in rows[0][4]
