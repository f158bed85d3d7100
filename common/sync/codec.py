"""Turning records into JSON-safe values and back, driven by the schema's column types."""
from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from typing import Any

import zstandard
from sqlalchemy import Date, DateTime

from common.schema import Base


def to_wire(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return value


def from_wire(entity: type[Base], column: str, value: Any) -> Any:
    """A wire value of `entity.column` as the Python value the column stores."""
    if value is None or not isinstance(value, str):
        return value
    col = entity.__table__.columns.get(column)
    if col is None:
        return value
    if isinstance(col.type, DateTime):
        return dt.datetime.fromisoformat(value)
    if isinstance(col.type, Date):
        return dt.date.fromisoformat(value[:10])
    return value


def values_from_wire(entity: type[Base], values: dict[str, Any]) -> dict[str, Any]:
    return {k: from_wire(entity, k, v) for k, v in values.items()}


def compact_clocks(clocks: dict[str, str] | None) -> Any:
    """A record's field stamps on the wire: most fields usually share one stamp (the record was
    created or last edited in one go), so that stamp goes once, `*`, with the names of the fields
    carrying it, `_`; the fields that differ keep their own. `expand_clocks` undoes it."""
    if not clocks or len(clocks) < 3:
        return clocks
    counts: dict[str, int] = {}
    for v in clocks.values():
        counts[v] = counts.get(v, 0) + 1
    common = max(counts, key=counts.__getitem__)
    out: dict[str, Any] = {"*": common, "_": [k for k, v in clocks.items() if v == common]}
    out.update({k: v for k, v in clocks.items() if v != common})
    return out


def expand_clocks(value: Any) -> dict[str, str]:
    if not value:
        return {}
    if isinstance(value, dict) and "*" in value:
        common = value["*"]
        out = {k: common for k in value.get("_", [])}
        out.update({k: v for k, v in value.items() if k not in ("*", "_")})
        return out
    return dict(value)


_DICTIONARY_TEXT = (
    '{"protocol":2,"schema_version":2,"device_id":"","client_version":"0.0.0","push":{"changes":'
    '[{"id":"","entity":"people","record_id":"","values":{},"clock":"","base":{},"seen_rev":0}]},'
    '"pull":{"cursor":0,"max_bytes":400000},"verify":{"cursor":0,"digest":{"*":[0,""]}},'
    '"local_log":[]}'
    '{"protocol":2,"schema_version":2,"server_time":"2026-01-01T00:00:00.000000","push":{"acks":'
    '[{"change_id":"","status":"accepted","rev":0,"settled":true,"clocks":{}}]},"pull":{"cursor":0,'
    '"more":true,"data":{},"exits":[],"conflicts":[]},"drift":null,"local_log_seq":0}')
DICTIONARY = zstandard.ZstdCompressionDict(_DICTIONARY_TEXT.encode(),
                                           dict_type=zstandard.DICT_TYPE_RAWCONTENT)
"""A zstd dictionary of what every sync message repeats (its field names): a small message (a
sync with nothing to do) compresses to about half. Client and server must hold the same bytes:
changing it is a protocol change. A body compressed without it decodes with it as well."""


def pack(obj: Any, level: int = 9) -> bytes:
    """JSON then zstd (with `DICTIONARY`): the body of every sync message."""
    raw = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
    return zstandard.ZstdCompressor(level=level, dict_data=DICTIONARY).compress(raw)


def unpack(body: bytes, max_size: int = 256 * 1024 * 1024) -> Any:
    return json.loads(zstandard.ZstdDecompressor(dict_data=DICTIONARY).decompress(
        body, max_output_size=max_size))


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
COLUMNAR = 3
"""Version of the column-wise form of a pull batch (`columnar`). 3: one table of identifiers
for a whole snapshot (each batch sends only the ones new to it); 2: one table per batch."""


class SnapshotGap(ValueError):
    """A batch refers to identifiers of earlier batches of its snapshot that the reader does not
    hold (it must read the snapshot from its first batch)."""


def columnar(pull: dict[str, Any], known: dict[str, int] | None = None) -> dict[str, Any]:
    """A pull batch (PullResponse JSON) in its compact form for the wire, for any entity:

    - each entity's values go column by column (`c`: one list per column of `cols`), so values
      of one kind sit together and compress together;
    - every identifier (a canonical UUID: a record's id, or a reference to one) is written once
      in `ids`, as 32 hex digits with nothing between them, and everywhere else by its position
      in the table of identifiers; an entity whose ids are a run of that table gives the run's
      start instead of a list. The columns whose values became positions are named in `refs`
      (`expand_columnar` turns them back; a value that was not a UUID stays as it was);
    - a column of integers that never decreases (the revs: rows come in rev order) goes as its
      first value and the steps between values, named in `steps`.

    `known`: the table of the batches before this one in the same snapshot (identifier ->
    position), extended in place: this batch then sends only the identifiers new to the
    snapshot, the first at position `id0`, and refers to earlier ones by their position (a visit
    in the fourth batch names its person of the first by a small number, not by a second copy
    of the UUID). Without it the batch stands alone (`id0` 0).

    Random UUIDs do not compress: sent once each as bare hex they cost their 16 bytes of
    information, and a reference costs a small number instead of a second copy."""
    where: dict[str, int] = {} if known is None else known
    first = len(where)
    ids: list[str] = []

    def at(value: str) -> int:
        n = where.get(value)
        if n is None:
            n = where[value] = len(where)
            ids.append(value)
        return n

    blocks = pull.get("data") or {}
    for block in blocks.values():  # records' own ids first: each entity's ids are one run
        if "id" in block["cols"]:
            i = block["cols"].index("id")
            for row in block["rows"]:
                if isinstance(row[i], str) and _UUID.fullmatch(row[i]):
                    at(row[i])
    data: dict[str, Any] = {}
    for name, block in blocks.items():
        cols, rows = block["cols"], block["rows"]
        columns: list[Any] = [[row[i] for row in rows] for i in range(len(cols))]
        refs = []
        for i, values in enumerate(columns):
            if not any(isinstance(v, str) and _UUID.fullmatch(v) for v in values) \
                    or not all(v is None or isinstance(v, str) for v in values):
                continue
            refs.append(cols[i])
            values = [at(v) if isinstance(v, str) and _UUID.fullmatch(v) else v for v in values]
            if cols[i] == "id" and values and isinstance(values[0], int) \
                    and values == list(range(values[0], values[0] + len(values))):
                columns[i] = values[0]
            else:
                columns[i] = values
        rising = [cols[i] for i, values in enumerate(columns) if _rising(values)]
        for col in rising:  # revs, in rev order: small steps instead of large numbers
            values = columns[cols.index(col)]
            columns[cols.index(col)] = [values[0]] + [b - a for a, b in zip(values, values[1:])]
        data[name] = {"cols": cols, "n": len(rows), "refs": refs, "c": columns}
        if rising:
            data[name]["steps"] = rising
    out = {k: v for k, v in pull.items() if k != "data"}
    out.update(v=COLUMNAR, id0=first, ids="".join(v.replace("-", "") for v in ids), data=data)
    return out


def _rising(values: Any) -> bool:
    """A column of integers (not booleans) that never decreases, of at least two values."""
    return isinstance(values, list) and len(values) > 1 \
        and all(type(v) is int for v in values) \
        and all(a <= b for a, b in zip(values, values[1:]))


class IdTable:
    """A snapshot's table of identifiers as a reader keeps it (`expand_columnar`'s `known`):
    16 bytes each, not a str each (~90 bytes with its list slot: 60 MB for a county's 650,000
    identifiers). The last batch's identifiers are also kept as text, since its rows name
    them most."""

    def __init__(self, hexes: str = "") -> None:
        self._raw = bytearray()
        self._recent: list[str] = []
        self._recent_at = 0
        if hexes:
            self.extend_hex(hexes)

    def __len__(self) -> int:
        return len(self._raw) // 16

    def extend_hex(self, hexes: str) -> None:
        """Add identifiers as a batch sends them (`ids`: 32 hex digits each)."""
        self._recent_at = len(self)
        self._raw += bytes.fromhex(hexes)
        self._recent = hex_ids(hexes)

    def __getitem__(self, at: int | slice) -> Any:
        if isinstance(at, slice):
            return [self[i] for i in range(*at.indices(len(self)))]
        if at < 0:
            at += len(self)
        if not 0 <= at < len(self):
            raise IndexError("identifier position out of range")
        if at >= self._recent_at:
            return self._recent[at - self._recent_at]
        h = self._raw[16 * at:16 * at + 16].hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def expand_columnar(obj: dict[str, Any], known: list[str] | IdTable | None = None
                    ) -> dict[str, Any]:
    """The PullResponse JSON of a batch: `columnar`'s form undone; any other form as it is.
    `known`: the identifiers of the snapshot's batches before this one, in order (extended in
    place with this batch's); a batch whose `id0` is not where `known` ends raises SnapshotGap."""
    version = obj.get("v")
    if version not in (2, COLUMNAR):
        return obj
    table = [] if version == 2 or known is None else known
    if int(obj.get("id0", 0)) != len(table):
        raise SnapshotGap(f"batch starts at identifier {obj.get('id0')}, {len(table)} known")
    if isinstance(table, IdTable):
        table.extend_hex(obj["ids"])
    else:
        table.extend(hex_ids(obj["ids"]))
    data: dict[str, Any] = {}
    for name, block in obj["data"].items():
        cols, n, columns = block["cols"], block["n"], list(block["c"])
        for col in block.get("steps", []):  # before `refs`: steps of positions give positions
            i = cols.index(col)
            columns[i] = list(itertools.accumulate(columns[i]))
        for ref in block.get("refs", []):
            i = cols.index(ref)
            values = columns[i]
            if isinstance(values, int):
                columns[i] = table[values:values + n]
            else:
                columns[i] = [table[v] if isinstance(v, int) else v for v in values]
        data[name] = {"cols": cols, "rows": [list(r) for r in zip(*columns)] if cols else []}
    out = {k: v for k, v in obj.items() if k not in ("v", "id0", "ids", "data")}
    out["data"] = data
    return out


def batch_ids(obj: dict[str, Any]) -> str:
    """The identifiers a batch in the column-wise form adds to its snapshot's table, as sent
    (32 hex digits each): what a reader keeps to read the batches after it."""
    return obj.get("ids", "") if obj.get("v") == COLUMNAR else ""


def hex_ids(hexes: str) -> list[str]:
    return [f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
            for h in (hexes[i:i + 32] for i in range(0, len(hexes), 32))]


__all__ = ["to_wire", "from_wire", "values_from_wire", "pack", "unpack", "columnar",
           "expand_columnar", "COLUMNAR", "DICTIONARY", "SnapshotGap", "batch_ids", "hex_ids",
           "IdTable"]
