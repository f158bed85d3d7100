"""Applying what the server sends to the local replica: rows, departures, conflicts, the cursor.

Server rows are the truth; local changes still waiting in the outbox are laid back on top, so
nothing the user typed disappears from the screen while it waits to be sent. Runs on the one
writer thread; one pulled batch is one transaction with its cursor, so a cut connection costs at
most the batch in flight.
"""
from __future__ import annotations

import datetime as dt
from operator import itemgetter
from typing import Any, Callable

from sqlalchemy import Date, DateTime, delete, select
from sqlalchemy.orm import Session

from common.schema import ENTITIES
from common.sync import Ack, PullResponse, hlc
from common.sync.codec import expand_clocks, values_from_wire

from .changes import sync_state
from .migrations import build_indexes
from .tables import Conflict, Departure, OutboxEntry, Quarantined


def apply_acks(session: Session, acks: list[Ack], entities_of: dict[str, tuple[str, str]]) -> None:
    """For accepted changes the server marked `settled`, the local row already equals the
    server's: only its rev moves. `entities_of` maps change id -> (entity, record_id)."""
    for ack in acks:
        if ack.status != "accepted" or not ack.settled or ack.change_id not in entities_of:
            continue
        entity_name, record_id = entities_of[ack.change_id]
        entity = ENTITIES.get(entity_name)
        row = session.get(entity, record_id) if entity else None
        if row is not None and (ack.rev or 0) > (row.rev or 0):
            row.rev = ack.rev


def apply_pull(session: Session, pull: PullResponse, *, now: dt.datetime) -> dict[str, int]:
    """Apply one pulled batch and move the cursor; returns counts for progress reports.

    Rows are written in bulk: one `INSERT ... ON CONFLICT (id) DO UPDATE` per entity (and per
    set of columns) run as one executemany, the pulled columns replacing the stored ones and the
    unsent local changes of a record laid over them with their own stamps. Values go from their
    wire form to what the column stores through the column types' own converters, chosen once
    per column, with no ORM object per row. The ORM objects of those entities still in the
    session are expired afterwards, so later reads in this transaction see the rows written
    here."""
    session.flush()
    state = sync_state(session)
    overlay = _pending_overlay(session)
    seen = state.last_clock
    rows = 0
    departures = session.scalar(select(Departure.record_id).limit(1)) is not None
    connection = session.connection()
    dialect = connection.dialect
    touched: set[type] = set()
    for name, block in pull.data.items():
        entity = ENTITIES.get(name)
        if entity is None:
            continue  # an entity this client does not know yet (newer schema): skip
        table = entity.__table__
        # Columns this client does not have (a newer server schema) are left out, as
        # setting them on an ORM object never reached the database either.
        picks = [(i, c, _stored(table, c, dialect, wire=True)) for i, c in enumerate(block.cols)
                 if c in table.columns and c != "field_clock"]
        clock_at = block.cols.index("field_clock") if "field_clock" in block.cols else None
        clock_out = _stored(table, "field_clock", dialect, wire=False)
        id_at = block.cols.index("id")
        plain, mixed_rows = block.rows, []
        if any(key[0] == name for key in overlay):
            plain = [v for v in block.rows if (name, v[id_at]) not in overlay]
            mixed_rows = [v for v in block.rows if (name, v[id_at]) in overlay]
        ids = [v[id_at] for v in block.rows]
        # Rows with nothing local on top go column by column: each column converted in one
        # pass, the field stamps written as text from one template per set of fields.
        if plain:
            columns = list(zip(*plain))
            out = [_convert(f, columns[i]) for i, _, f in picks]
            clocks, newest = _clock_texts(columns[clock_at] if clock_at is not None
                                          else [None] * len(plain), clock_out)
            if not mixed_rows:
                seen = hlc.observe(seen, newest)
            _upsert_many(connection, table, tuple(c for _, c, _ in picks) + ("field_clock",),
                         list(zip(*out, clocks)), dialect)
        if mixed_rows:  # the stamps seen, row after row, as the server sent them
            for values in block.rows:
                seen = hlc.observe(seen, max(expand_clocks(
                    values[clock_at] if clock_at is not None else None).values(), default=None))
        mixed: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        for values in mixed_rows:
            clocks = expand_clocks(values[clock_at] if clock_at is not None else None)
            record = {c: f(values[i]) for i, c, f in picks}
            for entry in overlay[(name, values[id_at])]:
                for key, value in values_from_wire(entity, entry.values).items():
                    if key in table.columns:
                        record[key] = _stored(table, key, dialect, wire=False)(value)
                        clocks[key] = entry.clock
            record["field_clock"] = clock_out(clocks)
            mixed.setdefault(tuple(record), []).append(tuple(record.values()))
        for keys, group in mixed.items():
            _upsert_many(connection, table, keys, group, dialect)
        rows += len(ids)
        touched.add(entity)
        # A record the server sends is in the scope (again): a departure noted for it
        # earlier, waiting for its edits to settle, no longer applies.
        if departures:
            for i in range(0, len(ids), 500):
                session.execute(delete(Departure).where(Departure.entity == name,
                                                        Departure.record_id.in_(ids[i:i + 500])))
    for obj in list(session.identity_map.values()):
        if type(obj) in touched:
            session.expire(obj)
    left = 0
    for name, record_id in pull.exits:
        if (name, record_id) in overlay or _has_quarantine(session, record_id):
            session.merge(Departure(entity=name, record_id=record_id))
        else:
            _drop(session, name, record_id)
            left += 1
    for c in pull.conflicts:
        session.merge(Conflict(
            id=c.id, rev=c.rev, entity=c.entity, record_id=c.record_id, field=c.field,
            winner_value=c.winner_value, winner_clock=c.winner_clock,
            loser_value=c.loser_value, loser_clock=c.loser_clock, loser_actor=c.loser_actor,
            created_at=dt.datetime.fromisoformat(c.created_at), resolved=c.resolved,
            resolution=c.resolution))
    state.cursor = max(state.cursor or 0, pull.cursor)
    state.last_clock = seen
    session.flush()
    return {"rows": rows, "exits": left, "conflicts": len(pull.conflicts)}


def _identity(value: Any) -> Any:
    return value


def _convert(f: Callable[[Any], Any], values: Any) -> Any:
    """A column of values converted by `f` (by its own column-wise form if it has one)."""
    if f is _identity:
        return values
    column = getattr(f, "column", None)
    return column(values) if column is not None else list(map(f, values))


_newest = itemgetter(slice(0, 18))
"""The part of a stamp `hlc.observe` compares (time and counter)."""
_HOLE = "\x00"


def _clock_texts(wire: Any, clock_out: Callable[[Any], Any]) -> tuple[list[Any], str | None]:
    """The stored `field_clock` of each of a column of wire stamps (`codec.compact_clocks`),
    and the stamp `hlc.observe` would keep of them all, row after row: the first of the
    highest. A compact value ({"*": stamp, "_": fields}) is written from one template per set
    of fields, the stamp put into its holes, instead of a dict made and encoded per row."""
    texts: list[Any] = []
    tops: list[str] = []
    templates: dict[tuple[str, ...], list[str] | None] = {}
    empty = clock_out({})
    for value in wire:
        if not value:  # no stamps (as rows made outside the sync rules, e.g. imports, come)
            texts.append(empty)
            continue
        if type(value) is dict and len(value) == 2 and "*" in value and "_" in value:
            names = tuple(value["_"])
            parts = templates.get(names, False)
            if parts is False:
                parts = templates[names] = _template(names, clock_out)
            stamp = value["*"]
            if parts is not None and type(stamp) is str and stamp.isascii() \
                    and stamp.isprintable() and '"' not in stamp and "\\" not in stamp:
                texts.append(stamp.join(parts) if names else parts[0])
                if names:
                    tops.append(stamp)
                continue
        clocks = expand_clocks(value)
        texts.append(clock_out(clocks))
        top = max(clocks.values(), default=None)
        if top:
            tops.append(top)
    return texts, max(tops, key=_newest, default=None)


def _template(names: tuple[str, ...], clock_out: Callable[[Any], Any]) -> list[str] | None:
    """The stored text of {name: stamp for every name} cut where the stamps go (None when the
    column's encoding does not keep such a text: not a string, or names needing escapes)."""
    text = clock_out(dict.fromkeys(names, _HOLE))
    hole = clock_out(_HOLE)
    if not isinstance(text, str) or not isinstance(hole, str) or not hole.startswith('"'):
        return None
    parts = text.split(hole[1:-1])
    return parts if len(parts) == len(names) + 1 else None


def _stored(table: Any, column: str, dialect: Any, *, wire: bool) -> Callable[[Any], Any]:
    """The value `column` stores for a wire value (`wire`) or a Python value: what `from_wire`
    and then the column type's bind converter make of it, composed once per column."""
    kind = table.columns[column].type
    bind = kind.dialect_impl(dialect).bind_processor(dialect) or _identity
    if wire and isinstance(kind, DateTime):
        slow = lambda v: bind(dt.datetime.fromisoformat(v) if isinstance(v, str) else v)  # noqa: E731
        if bind(dt.datetime(2001, 2, 3, 4, 5, 6, 7)) != "2001-02-03 04:05:06.000007":
            return slow

        def fast(v: Any) -> Any:
            # The wire's isoformat() of a naive datetime, rewritten to the stored text
            # directly; anything else goes through the datetime.
            if type(v) is str and v[10:11] == "T" and v[19:20] in ("", "."):
                if len(v) == 26:
                    return f"{v[:10]} {v[11:]}"
                if len(v) == 19:
                    return f"{v[:10]} {v[11:]}.000000"
            return slow(v)

        def column(values: Any) -> list[Any]:
            return [f"{v[:10]} {v[11:]}" if type(v) is str and len(v) == 26 and v[10] == "T"
                    and v[19] == "." else fast(v) for v in values]
        fast.column = column  # type: ignore[attr-defined]
        return fast
    if wire and isinstance(kind, Date):
        return lambda v: bind(dt.date.fromisoformat(v[:10]) if isinstance(v, str) else v)
    return bind


def _upsert_many(connection: Any, table: Any, keys: tuple[str, ...],
                 rows: list[tuple[Any, ...]], dialect: Any) -> None:
    """INSERT ... ON CONFLICT (id) DO UPDATE of `keys` for every row, one executemany. A new row
    gets the columns' Python-side defaults for what the batch does not carry, as an ORM insert
    would; a stored row keeps its values."""
    quote = dialect.identifier_preparer.quote
    extra = [c for c in table.columns if c.key not in keys and c.default is not None
             and not c.default.is_sequence and not c.default.is_clause_element]
    defaults = tuple(
        _stored(table, c.key, dialect, wire=False)(
            c.default.arg if c.default.is_scalar else c.default.arg(None)) for c in extra)
    names = [*keys, *(c.key for c in extra)]
    sql = (f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
           f"({', '.join(quote(n) for n in names)}) VALUES ({', '.join('?' * len(names))}) "
           f"ON CONFLICT ({quote('id')}) DO UPDATE SET "
           + ", ".join(f"{quote(k)} = excluded.{quote(k)}" for k in keys if k != "id"))
    connection.exec_driver_sql(sql, [row + defaults for row in rows] if defaults else rows)


def drop_secondary_indexes(session: Session) -> list[list[str]]:
    """Drop the non-unique indexes of the entity tables and return them as [name, CREATE INDEX
    statement] for `create_indexes`. Filling an empty copy without them and building each
    index once at the end (sorted) costs far less than inserting every row into every index.
    Primary keys and unique indexes stay: the upsert and the rules rely on them."""
    tables = sorted(e.__table__.name for e in ENTITIES.values())
    found = session.connection().exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({', '.join('?' * len(tables))}) ORDER BY name", tuple(tables))
    dropped = [[name, sql] for name, sql in found
               if not sql.lstrip().upper().startswith("CREATE UNIQUE")]
    quote = session.get_bind().dialect.identifier_preparer.quote
    for name, _ in dropped:
        session.connection().exec_driver_sql(f"DROP INDEX {quote(name)}")
    return dropped


def create_indexes(session: Session, indexes: list[list[str]]) -> None:
    """Build the indexes `drop_secondary_indexes` dropped (any still there is left as it is)."""
    build_indexes(session.connection(), indexes)


def drop_settled_departures(session: Session) -> int:
    """Drop departed records whose local changes have all been settled."""
    overlay = _pending_overlay(session)
    dropped = 0
    for d in list(session.scalars(select(Departure))):
        if (d.entity, d.record_id) not in overlay and not _has_quarantine(session, d.record_id):
            _drop(session, d.entity, d.record_id)
            session.delete(d)
            dropped += 1
    return dropped


def _pending_overlay(session: Session) -> dict[tuple[str, str], list[OutboxEntry]]:
    out: dict[tuple[str, str], list[OutboxEntry]] = {}
    for entry in session.scalars(select(OutboxEntry).order_by(OutboxEntry.seq)):
        out.setdefault((entry.entity, entry.record_id), []).append(entry)
    return out


def _has_quarantine(session: Session, record_id: str) -> bool:
    return session.scalar(select(Quarantined.change_id)
                          .where(Quarantined.record_id == record_id).limit(1)) is not None


def _drop(session: Session, name: str, record_id: str) -> None:
    entity = ENTITIES.get(name)
    if entity is not None:
        session.execute(delete(entity).where(entity.id == record_id))
    session.execute(delete(Conflict).where(Conflict.record_id == record_id))


__all__ = ["apply_pull", "apply_acks", "drop_settled_departures", "drop_secondary_indexes",
           "create_indexes"]
