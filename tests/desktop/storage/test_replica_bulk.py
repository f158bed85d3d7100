"""Applying a pulled batch in bulk gives exactly what applying it row by row gave: the same
rows, the same field stamps, the same outbox, for any mix of pulled rows and unsent local edits.

The row-by-row reference below is the ORM apply the client used before the bulk one (one object
per row, every column set through the wire codec, unsent edits laid on top)."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from common.schema import ENTITIES, Visit
from common.sync import hlc
from common.sync.codec import compact_clocks, expand_clocks, from_wire, values_from_wire
from common.sync.messages import EntityRows, PullResponse
from desktop.storage import replica
from desktop.storage.changes import record_change, sync_state
from desktop.storage.tables import OutboxEntry

from tests.desktop.people_factories import NOW, make_database

IDS = [f"00000000-0000-4000-8000-00000000000{i}" for i in range(8)]
OPTIONAL = ["notes", "follow_up", "photos", "checkin_at", "checkin_method", "deleted",
            "grid_id", "person_id", "future_column"]


def reference_apply(session: Session, pull: PullResponse) -> None:
    """The row-by-row apply (ORM objects), kept as the specification of the bulk one."""
    state = sync_state(session)
    overlay: dict[tuple[str, str], list[OutboxEntry]] = {}
    for entry in session.scalars(select(OutboxEntry).order_by(OutboxEntry.seq)):
        overlay.setdefault((entry.entity, entry.record_id), []).append(entry)
    seen = state.last_clock
    for name, block in pull.data.items():
        entity = ENTITIES[name]
        for values in block.rows:
            record = dict(zip(block.cols, values))
            record["field_clock"] = expand_clocks(record.get("field_clock"))
            seen = hlc.observe(seen, max(record["field_clock"].values(), default=None))
            row = session.get(entity, record["id"])
            if row is None:
                row = entity(id=record["id"])
                session.add(row)
            for key, value in record.items():
                if key != "id":
                    setattr(row, key, from_wire(entity, key, value))
            pending = overlay.get((name, record["id"]))
            if pending:
                clocks = dict(row.field_clock or {})
                for entry in pending:
                    for key, value in values_from_wire(entity, entry.values).items():
                        setattr(row, key, value)
                        clocks[key] = entry.clock
                row.field_clock = clocks
    state.cursor = max(state.cursor or 0, pull.cursor)
    state.last_clock = seen
    session.flush()


def stamp(ms: int, node: str = "a1b2c3d4e5f6") -> str:
    return hlc.tick(None, 1_764_000_000_000 + ms, node)


@st.composite
def pulled_visit(draw: Any, record_id: str, cursor: int) -> dict[str, Any]:
    cols = {"id": record_id, "rev": cursor, "kind": draw(st.sampled_from(["home", "phone"])),
            "visitor_id": "u1",
            "visited_at": (NOW - dt.timedelta(hours=draw(st.integers(0, 99)))).isoformat(),
            "created_at": (NOW - dt.timedelta(days=3)).isoformat(),
            "updated_at": (NOW - dt.timedelta(minutes=draw(st.integers(0, 9)))).isoformat()}
    for name in draw(st.lists(st.sampled_from(OPTIONAL), unique=True, max_size=len(OPTIONAL))):
        cols[name] = draw({
            "notes": st.one_of(st.none(), st.text(max_size=8)),
            "follow_up": st.booleans(), "photos": st.lists(st.text(max_size=3), max_size=2),
            "checkin_at": st.one_of(st.none(), st.just(NOW.isoformat())),
            "checkin_method": st.one_of(st.none(), st.just("qr")), "deleted": st.booleans(),
            "grid_id": st.sampled_from(["g1", "g2"]),
            "person_id": st.one_of(st.none(), st.just("p1")),
            "future_column": st.integers()}[name])
    fields = [k for k in cols if k not in ("id", "rev")]
    clocks = {k: stamp(draw(st.integers(0, 50))) for k in fields}
    cols["field_clock"] = draw(st.sampled_from([compact_clocks(clocks), clocks, {}]))
    return cols


@st.composite
def scenarios(draw: Any) -> tuple[list[PullResponse], list[tuple[str, dict[str, Any]]], PullResponse]:
    """Earlier pulls (the rows already stored), local edits still unsent, then the batch."""
    def batch(cursor: int, ids: list[str]) -> PullResponse:
        records = [draw(pulled_visit(i, cursor)) for i in ids]
        out: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for r in records:  # one block per set of columns (the server sends one per entity)
            out.setdefault(tuple(r), []).append(r)
        cols, group = max(out.items(), key=lambda kv: len(kv[1])) if out else ((), [])
        data = {"visits": EntityRows(cols=list(cols), rows=[[r[c] for c in cols] for r in group])}
        return PullResponse(cursor=cursor, data=data if group else {})

    stored = draw(st.lists(st.sampled_from(IDS[:5]), unique=True, max_size=5))
    before = [batch(1, stored)]
    edits = []
    for _ in range(draw(st.integers(0, 6))):
        target = draw(st.sampled_from(IDS))
        values = draw(st.fixed_dictionaries({}, optional={
            "notes": st.text(max_size=6), "follow_up": st.booleans(),
            "checkin_method": st.just("qr")}))
        edits.append((target, values))
    pulled = draw(st.lists(st.sampled_from(IDS), unique=True, max_size=8))
    return before, edits, batch(draw(st.integers(2, 9)), pulled)


def snapshot(session: Session) -> dict[str, Any]:
    """What a user (or the next sync) would see: the stored rows, the ORM's view of them in
    this session, the outbox and the sync state."""
    raw = [tuple(json.loads(v) if k == "field_clock" else v for k, v in r._mapping.items())
           for r in session.execute(text("SELECT * FROM visits ORDER BY id"))]
    orm = [(v.id, v.notes, v.follow_up, v.photos, v.deleted, v.field_clock, v.rev, v.grid_id)
           for v in session.scalars(select(Visit).order_by(Visit.id))]
    outbox = [tuple(r) for r in session.execute(text(
        "SELECT seq, entity, record_id, \"values\", deleted, clock FROM outbox "
        "ORDER BY seq"))]
    state = sync_state(session)
    return {"rows": raw, "orm": orm, "outbox": outbox,
            "state": (state.cursor, state.last_clock)}


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    engine = make_database(tmp_path_factory.mktemp("bulk") / "client.db")
    with Session(engine) as s, s.begin():
        sync_state(s)  # one device id (the node of every local stamp) for every example
    yield engine
    engine.dispose()


def _play(engine: Any, before: list[PullResponse], edits: list[tuple[str, dict[str, Any]]],
          pull: PullResponse, apply: Any) -> dict[str, Any]:
    with Session(engine) as s:
        s.begin()
        for earlier in before:
            reference_apply(s, earlier)
        for record_id, values in edits:
            exists = s.get(Visit, record_id) is not None
            if not exists:
                values = {"kind": "home", "visitor_id": "u1", "visited_at": NOW, **values}
            record_change(s, Visit, record_id, values, now=NOW)
        held = list(s.scalars(select(Visit)))  # loaded earlier in the transaction (acks do)
        apply(s, pull)
        out = snapshot(s)
        s.rollback()
    del held
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios())
def test_bulk_apply_equals_row_by_row_apply(engine, scenario):
    before, edits, pull = scenario
    expected = _play(engine, before, edits, pull, reference_apply)
    got = _play(engine, before, edits, pull,
                lambda s, p: replica.apply_pull(s, p, now=NOW))
    assert got == expected


def test_a_pulled_row_keeps_an_unsent_local_edit_on_top(engine):
    """The merge the property rests on, spelled out once: the server's row arrives, the note
    typed here and not yet sent stays, with its own stamp."""
    vid = IDS[0]
    first = PullResponse(cursor=1, data={"visits": EntityRows(
        cols=["id", "rev", "kind", "visitor_id", "visited_at", "created_at", "updated_at",
              "notes", "field_clock"],
        rows=[[vid, 1, "home", "u1", NOW.isoformat(), NOW.isoformat(), NOW.isoformat(),
               "服务器", {"notes": stamp(1)}]])})
    second = PullResponse(cursor=2, data={"visits": EntityRows(
        cols=["id", "rev", "kind", "visitor_id", "visited_at", "created_at", "updated_at",
              "notes", "field_clock"],
        rows=[[vid, 2, "phone", "u1", NOW.isoformat(), NOW.isoformat(), NOW.isoformat(),
               "服务器改", {"notes": stamp(9), "kind": stamp(9)}]])})
    with Session(engine) as s:
        s.begin()
        replica.apply_pull(s, first, now=NOW)
        record_change(s, Visit, vid, {"notes": "本机"}, now=NOW)
        replica.apply_pull(s, second, now=NOW)
        row = s.get(Visit, vid)
        entry = s.scalars(select(OutboxEntry)).one()
        assert (row.kind, row.notes, row.rev) == ("phone", "本机", 2)
        assert row.field_clock == {"notes": entry.clock, "kind": stamp(9)}
        s.rollback()
