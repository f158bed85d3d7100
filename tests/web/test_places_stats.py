"""房屋建筑统计 over plain HTTP: counts by type and use within the user's scope."""
from __future__ import annotations

import re

from fastapi.testclient import TestClient

from common.schema import Building, House, Park
from sync_server.services.changes import apply_change
from tests.web.conftest import sign_in


def _places(web) -> None:
    now, t = web.clock(), web.tree
    with web.session() as s:
        park = apply_change(s, Park, None, {"name": "幸福小区", "kind": "compound",
                                            "grid_id": t.id("g1a")}, now=now)
        b = apply_change(s, Building, None, {"name": "1号楼", "park_id": park.id,
                                             "building_type": "residential", "use": "living",
                                             "grid_id": t.id("g1a")}, now=now)
        for plate, kind, use, grid, building in (
                ("1-101", "apartment", "rented", "g1a", b.id),
                ("1-102", "apartment", None, "g1a", b.id),
                ("5组3号", "rural_self_built", "owner_occupied", "g1b", None),
                ("南湖村1号", "rural_self_built", "owner_occupied", "g2", None)):
            apply_change(s, House, None, {"door_plate": plate, "house_type": kind, "use": use,
                                          "building_id": building, "grid_id": t.id(grid)},
                         now=now)
        s.commit()


def _tables(html: str) -> dict[str, list[tuple[str, str]]]:
    out = {}
    for caption, body in re.findall(r"<caption>([^<]+)</caption>.*?<tbody>(.*?)</tbody>", html,
                                    re.S):
        out[caption] = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td></tr>", body)
    return out


def test_places_are_counted_by_type_and_use_in_the_scope(web):
    _places(web)
    county = TestClient(web.app)
    assert sign_in(county, "admin").status_code == 303
    tables = _tables(county.get("/admin/places/statistics").text)
    assert tables["房屋类型"] == [("楼房", "2"), ("农村自建房", "2")]  # ties by code
    assert tables["房屋用途"] == [("自住", "2"), ("出租", "1"), ("未填", "1")]
    assert tables["建筑用途"] == [("居住", "1")]
    assert ("其中直属网格的房屋（农村自建房等）", "2") in tables["总数"]
    township = TestClient(web.app)
    assert sign_in(township, "office1").status_code == 303
    page = township.get("/admin/places/statistics")
    tables = _tables(page.text)
    assert tables["房屋类型"] == [("楼房", "2"), ("农村自建房", "1")]  # not 南湖村 (township 2)
    assert "房屋建筑统计" in page.text


def test_population_statistics_count_the_people_of_the_scope_only(web):
    """人口统计: every group adds up to the live people the user may see, and a township user's
    figures are their township's, checked against the register itself."""
    from sqlalchemy import func, select

    from common.schema import Person
    from tests.factories import make_id_number, make_person
    with web.session() as s:
        for grid, birth, kind in (("g1a", "19500301", "registered"), ("g1a", "20100615", "floating"),
                                  ("g1b", "19880101", "registered"), ("g2", "19700101", "registered"),
                                  ("g2", "20200101", "floating")):
            apply_change(s, Person, None, make_person(
                web.tree.id(grid), id_number=make_id_number(birth), resident_type=kind,
                birth_date=f"{birth[:4]}-{birth[4:6]}-{birth[6:]}"), now=web.clock())
        s.commit()
        county_total = s.scalar(select(func.count()).select_from(Person)
                                .where(Person.deleted.is_(False)))
        township_total = s.scalar(select(func.count()).select_from(Person).where(
            Person.deleted.is_(False),
            Person.grid_id.in_([web.tree.id("g1a"), web.tree.id("g1b")])))
    assert (county_total, township_total) == (5, 3)
    for user, total in (("admin", county_total), ("office1", township_total)):
        client = TestClient(web.app)
        assert sign_in(client, user).status_code == 303
        page = client.get("/admin/registry/statistics")
        assert page.status_code == 200 and "人口统计" in page.text
        tables = _tables(page.text)
        for title in ("民族", "人口类型", "人员状态", "年龄段"):
            assert sum(int(n) for _, n in tables[title]) == total, title
        assert sum(int(n) for _, n in tables["人口类型"]) == total
        assert sum(int(n) for _, n in tables["人员状态"]) == total
