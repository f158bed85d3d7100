"""Turning records into JSON-safe values and back, driven by the schema's column types."""
from __future__ import annotations

import datetime as dt
import json
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


def pack(obj: Any, level: int = 9) -> bytes:
    """JSON then zstd: the body of every sync message."""
    raw = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
    return zstandard.ZstdCompressor(level=level).compress(raw)


def unpack(body: bytes, max_size: int = 256 * 1024 * 1024) -> Any:
    return json.loads(zstandard.ZstdDecompressor().decompress(body, max_output_size=max_size))


__all__ = ["to_wire", "from_wire", "values_from_wire", "pack", "unpack"]
