"""The demo county holds people, places and work a user would believe: valid ID numbers,
families whose ages fit, grids of the right size, sound references, deterministic output."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter, defaultdict

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text

from common.schema import ENTITIES
from common.validation import age_on, check_phone, parse_id_number
from sync_server.demo.geography import GRID_HIGH, GRID_LOW, MEAN_HOUSEHOLD, grid_sizes
from sync_server.demo.resources import load

from .conftest import NOW, build


def rows(engine, sql):
    with engine.connect() as conn:
        return conn.execute(text(sql)).mappings().all()


def test_every_id_number_validates_and_matches_birth_date_and_sex(demo):
    engine, _ = demo
    people = rows(engine, "SELECT id_number, birth_date, sex FROM people")
    assert len(people) > 3000
    for p in people:
        info = parse_id_number(p["id_number"], today=NOW.date())
        assert info.birth_date.isoformat() == str(p["birth_date"])
        assert info.sex == p["sex"]
    numbers = [p["id_number"] for p in people]
    employees = [r["id_number"] for r in rows(
        engine, "SELECT id_number FROM employees WHERE person_id IS NULL")]
    assert len(set(numbers + employees)) == len(numbers) + len(employees)


def test_every_phone_number_is_one_the_forms_accept_and_most_adults_have_a_mobile(demo):
    engine, _ = demo
    people = rows(engine, "SELECT phone, birth_date FROM people")
    phones = [p["phone"] for p in people if p["phone"]]
    assert all(check_phone(phone) == phone for phone in phones)
    assert any(phone.startswith("0995-") for phone in phones)
    adults = [p for p in people
              if 18 <= age_on(dt.date.fromisoformat(str(p["birth_date"])), NOW.date()) <= 60]
    assert sum(bool(p["phone"]) for p in adults) / len(adults) > 0.8


def test_household_numbers_are_unique_and_each_household_has_one_head(demo):
    engine, _ = demo
    numbers = [r["household_no"] for r in rows(engine, "SELECT household_no FROM households")]
    assert len(numbers) == len(set(numbers))
    heads = rows(engine, "SELECT h.head_person_id, p.household_id, p.relation_to_head "
                         "FROM households h JOIN people p ON p.id = h.head_person_id")
    assert len(heads) == len(numbers)
    assert all(h["relation_to_head"] == "head" for h in heads)


def test_nearly_everyone_is_registered_in_toksun_and_migrants_come_from_elsewhere(demo):
    engine, _ = demo
    people = rows(engine, "SELECT id_number, resident_type FROM people")
    local = sum(p["id_number"].startswith("652123") for p in people)
    assert local / len(people) > 0.85
    floating = [p for p in people if p["resident_type"] == "floating"]
    assert floating and all(not p["id_number"].startswith("652123") for p in floating)


def test_the_county_has_its_eight_real_townships_with_toksun_town_the_largest(demo):
    engine, _ = demo
    towns = rows(engine, "SELECT id, name, path FROM org_nodes WHERE level = 'township'")
    assert {t["name"] for t in towns} == {"托克逊镇", "库米什镇", "克尔碱镇", "阿乐惠镇", "伊拉湖镇",
                                          "夏乡", "郭勒布依乡", "博斯坦乡"}
    people = rows(engine, "SELECT o.path FROM people p JOIN org_nodes o ON o.id = p.grid_id")
    per_town = {t["name"]: sum(p["path"].startswith(t["path"]) for p in people) for t in towns}
    assert max(per_town, key=per_town.get) == "托克逊镇"
    assert per_town["克尔碱镇"] < per_town["托克逊镇"] / 3


def test_ethnic_shares_are_about_two_thirds_uyghur_a_quarter_han_and_some_hui(demo):
    engine, _ = demo
    shares = Counter(r["ethnicity"] for r in rows(engine, "SELECT ethnicity FROM people"))
    total = sum(shares.values())
    assert 0.58 < shares["05"] / total < 0.72
    assert 0.20 < shares["01"] / total < 0.34
    assert 0.04 < shares["03"] / total < 0.12


def test_uyghur_children_carry_their_fathers_given_name_and_han_children_his_surname(demo):
    engine, _ = demo
    people = rows(engine, "SELECT household_id, name, ethnicity, relation_to_head, sex "
                          "FROM people")
    by_household = defaultdict(list)
    for p in people:
        by_household[p["household_id"]].append(p)
    checked = 0
    for members in by_household.values():
        head = next(m for m in members if m["relation_to_head"] == "head")
        if head["sex"] != "male" or not any(m["relation_to_head"] == "spouse" for m in members):
            continue
        for kid in (m for m in members if m["relation_to_head"] in ("son", "daughter")):
            if head["ethnicity"] == "05":
                assert kid["name"].split("·")[1] == head["name"].split("·")[0]
            elif head["ethnicity"] == "01":
                assert kid["name"][0] == head["name"][0]
            checked += 1
    assert checked > 500


def test_childrens_ages_fit_their_parents_and_grandparents(demo):
    engine, _ = demo
    people = rows(engine, "SELECT household_id, birth_date, relation_to_head FROM people")
    by_household = defaultdict(dict)
    for p in people:
        by_household[p["household_id"]].setdefault(p["relation_to_head"], []).append(
            dt.date.fromisoformat(str(p["birth_date"])))
    for rel in by_household.values():
        parents = rel.get("head", []) + rel.get("spouse", [])
        for child in rel.get("son", []) + rel.get("daughter", []):
            assert all(age_on(parent, child) >= 18 for parent in parents)
        for grandparent in rel.get("father", []) + rel.get("mother", []):
            assert all(age_on(grandparent, head) >= 18 for head in rel["head"])


def test_references_point_at_records_that_exist_and_records_belong_to_grids(demo):
    engine, _ = demo
    with engine.connect() as conn:
        def ids(table):
            return set(conn.execute(text(f"SELECT id FROM {table}")).scalars())
        grids = set(conn.execute(text("SELECT id FROM org_nodes WHERE level = 'grid'"))
                    .scalars())
        for name, entity in ENTITIES.items():
            if name in ("org_nodes", "users", "dict_entries", "ledger_types", "ledger_fields"):
                continue
            orphans = conn.execute(text(f"SELECT count(*) FROM {name} WHERE grid_id IS NULL"))
            assert orphans.scalar() == 0, name
            assert set(conn.execute(text(f"SELECT DISTINCT grid_id FROM {name}")).scalars()) \
                <= grids, name
            for col in entity.__table__.columns:
                ref = col.info.get("ref")
                if ref and col.key != "grid_id":
                    targets = ids(ref)
                    values = set(conn.execute(text(
                        f"SELECT DISTINCT {col.key} FROM {name} WHERE {col.key} IS NOT NULL"))
                        .scalars())
                    assert values <= targets, f"{name}.{col.key}"
        nodes = conn.execute(text("SELECT id, parent_id, path FROM org_nodes")).all()
        paths = {i: p for i, _, p in nodes}
        for i, parent, path in nodes:
            assert path == (paths[parent] if parent else "/") + f"{i}/"


def test_revs_run_one_to_n_without_gaps(demo):
    engine, summary = demo
    with engine.connect() as conn:
        revs = []
        for name in ENTITIES:
            revs += conn.execute(text(f"SELECT rev FROM {name}")).scalars().all()
    assert sorted(revs) == list(range(1, summary.max_rev + 1))


def test_tags_follow_age_and_household(demo):
    engine, _ = demo
    people = {p["id"]: p for p in rows(engine, "SELECT id, birth_date, status, household_id "
                                               "FROM people")}
    tags = defaultdict(set)
    for t in rows(engine, "SELECT person_id, tag_code FROM person_tags"):
        tags[t["person_id"]].add(t["tag_code"])
    sizes = Counter(p["household_id"] for p in people.values())
    elderly = 0
    for pid, p in people.items():
        age = age_on(dt.date.fromisoformat(str(p["birth_date"])), NOW.date())
        if age >= 60 and p["status"] == "normal":
            elderly += 1
            assert "elderly_60" in tags[pid]
        if "living_alone" in tags[pid]:
            assert sizes[p["household_id"]] == 1 and age >= 60
    alone = sum("living_alone" in t for t in tags.values())
    assert 0.03 < alone / elderly < 0.15


@given(st.integers(min_value=GRID_LOW, max_value=50_000))
def test_grids_hold_150_to_400_households_whatever_the_village_size(households):
    sizes = grid_sizes(households)
    assert sum(sizes) == households
    assert all(GRID_LOW <= s <= GRID_HIGH for s in sizes)


def test_at_scale_one_every_village_splits_into_grids_of_150_to_400_households():
    for town in load().county["townships"]:
        for kind, units in (("社区", town["communities"]), ("村", town["villages"])):
            for _, population in units:
                sizes = grid_sizes(round(population / MEAN_HOUSEHOLD[kind]))
                assert all(GRID_LOW <= s <= GRID_HIGH for s in sizes)


def test_the_county_has_about_130000_people_at_scale_one():
    total = sum(p for t in load().county["townships"]
                for _, p in t["communities"] + t["villages"])
    assert 125_000 <= total <= 135_000


def digest(engine, skip: tuple[str, ...] = ()) -> str:
    """A hash of every row of the shared tables, read back through SQLAlchemy."""
    h = hashlib.sha256()
    with engine.connect() as conn:
        for name, entity in ENTITIES.items():
            if name in skip:
                continue
            table = entity.__table__
            for row in conn.execute(select(table).order_by(table.c.id)):
                h.update(json.dumps(list(row), default=str, ensure_ascii=False).encode())
    return h.hexdigest()


def test_the_same_seed_gives_an_identical_database_and_another_seed_a_different_one(tmp_path):
    first, _ = build(tmp_path / "a.db", scale=0.01, seed=11)
    second, _ = build(tmp_path / "b.db", scale=0.01, seed=11)
    other, _ = build(tmp_path / "c.db", scale=0.01, seed=12)
    try:
        assert digest(first) == digest(second)
        assert digest(first) != digest(other)
    finally:
        for e in (first, second, other):
            e.dispose()
