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
