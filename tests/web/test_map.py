"""态势一张图 over HTTP on a small demo county: the panels' figures equal direct queries (county
and township, before and after a change), scope holds on every endpoint, the boundary
editor refuses bad GeoJSON in Chinese without writing anything, and the births, deaths and moves
per month equal the register's history with the records behind each figure listed."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import mapping, shape
from sqlalchemy import func, select

from common.schema import Building, House, OrgNode, Person, PersonTag
from sync_server.app import create_app
from sync_server.demo.server import DEMO_PASSWORD, build_demo_server
from sync_server.services import records, workflows
from sync_server.services.scope import Scope
from sync_server.settings import Settings
from tests.web.conftest import CAPTCHA, csrf_of, form_fields

NOW = dt.datetime(2026, 12, 4, 2, 0)
SCALE = 0.02


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("map")
    url = f"sqlite:///{folder / 'server.db'}"
    build_demo_server(url, scale=SCALE, now=NOW)
    settings = Settings(database_url=url, environment="test", captcha_fixed_answer=CAPTCHA,
                        secret_key="map-tests-" + "x" * 32, attachments_dir=folder / "att",
                        housekeeping_seconds=0)
    yield create_app(settings, clock=lambda: NOW)


def client_for(app, username: str) -> TestClient:
    c = TestClient(app)
    page = c.get("/admin/login")
    c.post("/admin/login", data=form_fields(page.text) | {
        "username": username, "password": DEMO_PASSWORD, "captcha_answer": CAPTCHA})
    return c


def direct(session, node: OrgNode) -> dict:
    """The figures counted straight from the records, for comparison."""
    grids = select(OrgNode.id).where(OrgNode.path.startswith(node.path))
    live = [Person.deleted.is_(False), Person.status == "normal", Person.grid_id.in_(grids)]
    return {
        "people": session.scalar(select(func.count()).where(*live)),
        "ethnicity": dict(session.execute(select(Person.ethnicity, func.count())
                                          .where(*live).group_by(Person.ethnicity)).all()),
        "tag": dict(session.execute(
            select(PersonTag.tag_code, func.count()).join(Person, Person.id == PersonTag.person_id)
            .where(*live, PersonTag.deleted.is_(False)).group_by(PersonTag.tag_code)).all()),
        "male_20_24": session.scalar(select(func.count()).where(
            *live, Person.sex == "male",
            Person.birth_date.between(dt.date(NOW.year - 24, 1, 1), dt.date(NOW.year - 20, 12, 31)))),
        "houses": session.scalar(select(func.count()).where(
            House.deleted.is_(False), House.grid_id.in_(grids))),
        "house_type": dict(session.execute(select(House.house_type, func.count()).where(
            House.deleted.is_(False), House.grid_id.in_(grids)).group_by(House.house_type)).all()),
        "building_type": dict(session.execute(select(Building.building_type, func.count()).where(
            Building.deleted.is_(False), Building.grid_id.in_(grids))
            .group_by(Building.building_type)).all()),
    }


def shown(data: dict, chart_id: str, labels: dict[str, str]) -> dict:
    chart = next(c for c in data["charts"] if c["id"] == chart_id)
    back = {v: k for k, v in labels.items()}
    return {back.get(i["label"], i["label"]): i["value"] for i in chart["items"]}


def check_against_direct(app, data: dict) -> None:
    with app.state.sessions() as session:
        node = session.get(OrgNode, data["node"]["id"])
        want = direct(session, node)
        from sync_server.services.dictionary_admin import list_entries
        labels = {code: {e.code: e.label for e in list_entries(session, code)}
                  for code in ("ethnicity", "tag", "house_type", "building_type")}
    assert data["totals"]["people"] == want["people"] > 0
    assert data["totals"]["houses"] == want["houses"]
    assert shown(data, "ethnicity", labels["ethnicity"]) == want["ethnicity"]
    assert shown(data, "tag", labels["tag"]) == want["tag"]
    assert shown(data, "house_type", labels["house_type"]) == want["house_type"]
    assert shown(data, "building_type", labels["building_type"]) == want["building_type"]
    pyramid = data["charts"][0]
    assert pyramid["male"][pyramid["bands"].index("20-24岁")] == want["male_20_24"]


def test_county_and_township_figures_equal_direct_queries_and_follow_changes(app):
    admin = client_for(app, "admin")
    county = admin.get("/admin/map/figures.json").json()
    check_against_direct(app, county)
    towns = admin.get("/admin/map/nodes.geojson").json()["features"]
    assert [f["properties"]["role"] for f in towns] == ["parent"] + ["child"] * 8
    assert sum(f["properties"]["people"] for f in towns[1:]) == county["totals"]["people"]
    town = towns[1]["properties"]
    data = admin.get(f"/admin/map/figures.json?node={town['id']}").json()
    check_against_direct(app, data)
    # A person dies: the township's figures follow (the grid is recomputed, nothing else).
    with app.state.sessions() as session:
        node = session.get(OrgNode, town["id"])
        person = session.scalars(select(Person).where(
            Person.deleted.is_(False), Person.status == "normal",
            Person.grid_id.in_(select(OrgNode.id).where(OrgNode.path.startswith(node.path))))
        ).first()
        from common.schema import User
        admin_user = session.scalars(select(User).where(User.username == "admin")).one()
        records.update_record(session, Scope.of(session, admin_user), admin_user, Person,
                              person.id, {"status": "deceased"}, now=NOW)
        session.commit()
    after = admin.get(f"/admin/map/figures.json?node={town['id']}").json()
    assert after["totals"]["people"] == data["totals"]["people"] - 1
    check_against_direct(app, after)
    deaths = next(c for c in after["charts"] if c["id"] == "monthly")["series"][1]["data"]
    assert deaths[-1] >= 1  # this month


def test_a_township_user_sees_only_their_township(app):
    office = client_for(app, "xz_kumishi")
    data = office.get("/admin/map/figures.json").json()
    assert data["node"]["name"] == "库米什镇" and data["crumbs"] == [
        {"id": data["node"]["id"], "name": "库米什镇"}]
    check_against_direct(app, data)
    admin = client_for(app, "admin")
    county = admin.get("/admin/map/figures.json").json()
    other = next(f["properties"]["id"] for f in
                 admin.get("/admin/map/nodes.geojson").json()["features"][1:]
                 if f["properties"]["name"] != "库米什镇")
    for path in (f"/admin/map/figures.json?node={other}", f"/admin/map/nodes.geojson?node={other}",
                 f"/admin/map/points.geojson?grid={other}", f"/admin/map?node={county['node']['id']}"):
        assert office.get(path).status_code == 404, path
    own = office.get("/admin/map/nodes.geojson").json()["features"]
    assert own[0]["properties"]["name"] == "库米什镇"
    # The people list behind a figure stays in scope too.
    link = next(c for c in data["charts"] if c["id"] == "ethnicity")["items"][0]["link"]
    page = office.get(link)
    assert page.status_code == 200
    assert office.get(f"/admin/people?under={other}").text.count("<tr") <= 2  # header + empty


def _grid_and_sibling(app):
    with app.state.sessions() as session:
        village = session.scalars(select(OrgNode).where(OrgNode.level == "village",
                                                        OrgNode.name == "库米什社区")).one()
        grids = session.scalars(select(OrgNode).where(OrgNode.parent_id == village.id)
                                .order_by(OrgNode.sort)).all()
        return village, grids


def test_the_boundary_editor_refuses_bad_geojson_and_saves_a_good_one(app):
    admin = client_for(app, "admin")
    village, grids = _grid_and_sibling(app)
    grid = grids[0]
    page = admin.get(f"/admin/map/boundary/{grid.id}")
    token = csrf_of(page.text)
    before = grid.boundary
    outline = shape(json.loads(village.boundary))
    far = {"type": "Polygon", "coordinates": [[[80, 40], [81, 40], [81, 41], [80, 40]]]}
    bowtie = {"type": "Polygon", "coordinates": [[[88, 42], [88.1, 42.1], [88.1, 42], [88, 42.1],
                                                   [88, 42]]]}
    cases = [("{不是", "不是有效的 GeoJSON"), (json.dumps({"type": "Point", "coordinates": [1, 2]}),
                                                "应为面（Polygon）"),
             (json.dumps(far), "超出了上级“库米什社区”"), (json.dumps(bowtie), "自相交"),
             ("", "请选择 GeoJSON 文件")]
    for text, message in cases:
        r = admin.post(f"/admin/map/boundary/{grid.id}", data={"csrf_token": token,
                                                                "geojson": text})
        assert r.status_code == 422 and message in r.text, (text, r.text[-400:])
    if len(grids) > 1:
        r = admin.post(f"/admin/map/boundary/{grid.id}", data={
            "csrf_token": token, "geojson": json.dumps(mapping(outline))})
        assert r.status_code == 422 and "重叠" in r.text
    with app.state.sessions() as session:
        assert session.get(OrgNode, grid.id).boundary == before  # nothing written
    smaller = shape(json.loads(before)).buffer(-0.0005)
    r = admin.post(f"/admin/map/boundary/{grid.id}", files={"file": (
        "grid.geojson", json.dumps({"type": "Feature", "geometry": mapping(smaller)}).encode())},
        data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/admin/map?node={village.id}"
    drawn = admin.get(f"/admin/map/nodes.geojson?node={village.id}").json()["features"]
    mine = next(f for f in drawn if f["properties"]["id"] == grid.id)
    assert abs(shape(mine["geometry"]).area - smaller.area) < 1e-12
    office = client_for(app, "xz_kumishi")
    town = office.get("/admin/map/figures.json").json()["node"]["id"]
    assert office.get(f"/admin/map/boundary/{town}").status_code == 403  # not their own outline
    worker = grids[0]
    with app.state.sessions() as session:
        from common.schema import User
        username = session.scalars(select(User.username).where(
            User.scope_node_id == worker.id)).first()
    assert client_for(app, username).get(f"/admin/map/boundary/{grid.id}").status_code == 403


def test_a_figure_exports_as_xlsx_into_the_operation_log(app):
    from io import BytesIO

    from openpyxl import load_workbook
    admin = client_for(app, "admin")
    token = csrf_of(admin.get("/admin/map").text)
    data = admin.get("/admin/map/figures.json").json()
    r = admin.post("/admin/map/export", data={"csrf_token": token, "node": data["node"]["id"],
                                              "chart": "ethnicity"})
    assert r.status_code == 200
    rows = list(load_workbook(BytesIO(r.content)).active.iter_rows(values_only=True))
    chart = next(c for c in data["charts"] if c["id"] == "ethnicity")
    assert rows[2:] == [(i["label"], i["value"]) for i in chart["items"]]
    assert admin.post("/admin/map/export", data={"node": data["node"]["id"],
                                                 "chart": "ethnicity"}).status_code == 403
    assert "导出" in admin.get("/admin/op-log").text


def test_a_person_moving_between_townships_moves_in_both_figures(app):
    from common.schema import User
    admin = client_for(app, "admin")
    towns = [f["properties"] for f in admin.get("/admin/map/nodes.geojson").json()["features"]
             if f["properties"]["role"] == "child"]
    before = {t["id"]: t["people"] for t in towns}
    a, b = towns[0]["id"], towns[-1]["id"]
    with app.state.sessions() as session:
        user = session.scalars(select(User).where(User.username == "admin")).one()
        scope = Scope.of(session, user)
        path_a, path_b = (session.get(OrgNode, t).path for t in (a, b))
        person = session.scalars(select(Person).where(
            Person.deleted.is_(False), Person.status == "normal",
            Person.grid_id.in_(select(OrgNode.id).where(OrgNode.path.startswith(path_a))))
        ).first()
        target = session.scalars(select(OrgNode.id).where(
            OrgNode.level == "grid", OrgNode.path.startswith(path_b))).first()
        records.update_record(session, scope, user, Person, person.id, {"grid_id": target},
                              now=NOW)
        session.commit()

    def figures() -> dict[str, int]:
        return {f["properties"]["id"]: f["properties"]["people"]
                for f in admin.get("/admin/map/nodes.geojson").json()["features"]
                if f["properties"]["role"] == "child"}
    # the move waits for the receiving grid: counted once, in the old township, until then
    assert figures() == before
    with app.state.sessions() as session:
        approver = session.scalars(select(User).where(User.scope_node_id == target,
                                                      User.active.is_(True))).first()
        request = workflows.open_transfer(session, person.id)
        workflows.act(session, approver, Scope.of(session, approver), request.id, "approved",
                      None, now=NOW)
        session.commit()
    after = figures()
    # the person (and the members of their household in the same grid) counted once, in b
    moved = before[a] - after[a]
    assert moved >= 1 and after[b] == before[b] + moved
    assert sum(after.values()) == admin.get("/admin/map/figures.json").json()["totals"]["people"]


def _status_day(session, person: Person) -> dt.date:
    """The Beijing day the register accepted the change that set the person's status."""
    from sync_server.db.sync_tables import ChangeLog
    ats = [at for values, at in session.execute(
        select(ChangeLog.values, ChangeLog.at).where(
            ChangeLog.entity == "people", ChangeLog.record_id == person.id)
        .order_by(ChangeLog.rev)) if "status" in values]
    at = ats[-1] if ats else person.updated_at
    return (at + dt.timedelta(hours=8)).date()


def monthly_direct(session, node: OrgNode, months: list[str]) -> dict[str, list[int]]:
    """Births, deaths and moves per month counted straight from people, their history and the
    migration records."""
    from common.schema import PersonMove
    grids = set(session.scalars(select(OrgNode.id).where(OrgNode.path.startswith(node.path))))
    out = {k: [0] * len(months) for k in ("births", "deaths", "moved_in", "moved_out")}

    def count(metric: str, day: dt.date) -> None:
        key = f"{day.year:04d}-{day.month:02d}"
        if key in months:
            out[metric][months.index(key)] += 1

    moves = session.scalars(select(PersonMove).where(PersonMove.deleted.is_(False))).all()
    for m in moves:
        if m.grid_id in grids:
            count("moved_in" if m.direction == "in" else "moved_out", m.moved_on)
    first_out = {}
    for m in sorted(moves, key=lambda m: (m.moved_on, m.rev), reverse=True):
        if m.direction == "out":
            first_out[m.person_id] = m.from_node_id
    for p in session.scalars(select(Person).where(Person.deleted.is_(False))):
        registered = (p.created_at + dt.timedelta(hours=8)).date()
        if (registered - p.birth_date).days <= 366 and \
                first_out.get(p.id, p.grid_id) in grids:
            count("births", p.birth_date)
        if p.status in ("deceased", "moved_out") and p.grid_id in grids:
            count("deaths" if p.status == "deceased" else "moved_out", _status_day(session, p))
    return out


def test_change_over_time_is_the_registers_history_with_its_records(app):
    """A newborn registered, a death, a move out of the county and a claim between townships
    through the workflow engine: each month's figure equals the count from the records, and
    each figure lists exactly the people behind it."""
    from common.schema import User
    from sync_server.services import workflows
    from tests.factories import make_id_number, make_person
    admin = client_for(app, "admin")
    towns = [f["properties"] for f in admin.get("/admin/map/nodes.geojson").json()["features"]
             if f["properties"]["role"] == "child"]
    t, u = towns[1]["id"], towns[2]["id"]
    with app.state.sessions() as session:
        user = session.scalars(select(User).where(User.username == "admin")).one()
        scope = Scope.of(session, user)
        path_t, path_u = (session.get(OrgNode, x).path for x in (t, u))

        def living(path):
            return session.scalars(select(Person).where(
                Person.deleted.is_(False), Person.status == "normal",
                Person.grid_id.in_(select(OrgNode.id).where(OrgNode.path.startswith(path))))
                .order_by(Person.id)).all()
        grid_t = session.scalars(select(OrgNode.id).where(
            OrgNode.level == "grid", OrgNode.path.startswith(path_t))).first()
        baby = records.create_record(session, scope, user, Person, make_person(
            grid_t, name="新生儿", id_number=make_id_number("20261120", sex="female")), now=NOW)
        dying, leaving = living(path_t)[:2]
        records.update_record(session, scope, user, Person, dying.id, {"status": "deceased"},
                              now=NOW)
        records.update_record(session, scope, user, Person, leaving.id,
                              {"status": "moved_out"}, now=NOW)
        mover = living(path_u)[0]
        filer = session.scalars(select(User).where(
            User.role == "township_office", User.scope_node_id == t)).first()
        claim = workflows.file_claim(session, filer, Scope.of(session, filer),
                                     id_number=mover.id_number, to_node_id=grid_t,
                                     reason="投靠亲属", now=NOW)
        workflows.act(session, user, scope, claim.id, "approved", None, now=NOW)
        names = {k: session.get(Person, p.id).name for k, p in
                 (("baby", baby), ("dying", dying), ("leaving", leaving), ("mover", mover))}
        session.commit()
    for node_id in (t, u, None):
        data = admin.get("/admin/map/figures.json" + (f"?node={node_id}" if node_id else ""))
        chart = next(c for c in data.json()["charts"] if c["id"] == "monthly")
        with app.state.sessions() as session:
            node = session.get(OrgNode, node_id or data.json()["node"]["id"])
            want = monthly_direct(session, node, chart["months"])
        got = {k: s["data"] for k, s in zip(("births", "deaths", "moved_in", "moved_out"),
                                             chart["series"])}
        assert got == want, node.name
    chart = next(c for c in admin.get(f"/admin/map/figures.json?node={t}").json()["charts"]
                 if c["id"] == "monthly")
    nov, dec = chart["months"].index("2026-11"), chart["months"].index("2026-12")
    births, deaths, moved_in, moved_out = chart["series"]
    assert births["data"][nov] >= 1 and deaths["data"][dec] >= 1
    assert moved_in["data"][dec] >= 1 and moved_out["data"][dec] >= 1

    def listed(link: str) -> list[str]:
        page = admin.get(link)
        assert page.status_code == 200
        return re.findall(r'/admin/registry/people/[^"]+">([^<]+)</a>', page.text)
    assert names["baby"] in listed(births["links"][nov])
    assert len(listed(births["links"][nov])) == births["data"][nov]
    assert listed(deaths["links"][dec]).count(names["dying"]) == 1
    assert len(listed(deaths["links"][dec])) == deaths["data"][dec]
    assert names["mover"] in listed(moved_in["links"][dec])
    assert names["leaving"] in listed(moved_out["links"][dec])
    assert len(listed(moved_out["links"][dec])) == moved_out["data"][dec]
    # The claim left township u: its move out is there, not in t.
    u_chart = next(c for c in admin.get(f"/admin/map/figures.json?node={u}").json()["charts"]
                   if c["id"] == "monthly")
    assert names["mover"] in listed(u_chart["series"][3]["links"][dec])
    assert names["mover"] not in listed(moved_out["links"][dec])
    # Another township's office cannot open t's records.
    with app.state.sessions() as session:
        from common.schema import User
        office = session.scalars(select(User).where(
            User.role == "township_office", User.scope_node_id == u)).first().username
    assert client_for(app, office).get(deaths["links"][dec]).status_code == 404


def test_a_death_recorded_offline_counts_in_the_month_it_was_recorded(app):
    """A device offline since 29 November pushes a death on 4 December: the death counts in
    November (its stamp); one stamped by a device whose clock says 2019 counts when it came."""
    from common.schema import User
    from common.sync import hlc
    from sync_server.services.changes import apply_change
    admin = client_for(app, "admin")
    with app.state.sessions() as session:
        user = session.scalars(select(User).where(User.username == "admin")).one()
        town = session.scalars(select(OrgNode).where(OrgNode.level == "township")
                               .order_by(OrgNode.name)).first()
        a, b = session.scalars(select(Person).where(
            Person.deleted.is_(False), Person.status == "normal",
            Person.grid_id.in_(select(OrgNode.id).where(OrgNode.path.startswith(town.path))))
            .order_by(Person.name)).all()[-2:]
        for person, made in ((a, dt.datetime(2026, 11, 29, 3, 0)),
                             (b, dt.datetime(2019, 5, 1, 3, 0))):
            ms = int(made.replace(tzinfo=dt.UTC).timestamp() * 1000)
            apply_change(session, Person, person.id, {"status": "deceased"}, now=NOW,
                         clock=hlc.stamp(ms, 0, "device-1"), actor_id=user.id)
        names = (a.name, b.name)
        session.commit()
    chart = next(c for c in admin.get(f"/admin/map/figures.json?node={town.id}").json()["charts"]
                 if c["id"] == "monthly")
    deaths = chart["series"][1]
    nov, dec = chart["months"].index("2026-11"), chart["months"].index("2026-12")
    november = admin.get(deaths["links"][nov]).text
    december = admin.get(deaths["links"][dec]).text
    assert f">{names[0]}</a>" in november and f">{names[0]}</a>" not in december
    assert f">{names[1]}</a>" in december and f">{names[1]}</a>" not in november
