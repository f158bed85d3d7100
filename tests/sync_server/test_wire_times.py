"""Times on the wire carry their time zone (issue 10): every date-time a REST answer holds parses
as timezone-aware UTC, as the OpenAPI schema's `date-time` format promises."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from tests.factories import make_person

STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def stamps(value: Any, path: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in stamps(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [s for i, v in enumerate(value) for s in stamps(v, f"{path}[{i}]")]
    if isinstance(value, str) and STAMP.match(value):
        return [(path, value)]
    return []


def test_every_time_in_rest_answers_carries_its_zone(server):
    admin = server.as_("admin")
    g = server.tree.id("g1a")
    person = admin.post("/api/people", json=make_person(g))
    assert person.status_code == 201
    answers = [person.json()]
    # Every GET of the API without path parameters, as the county admin, and the record reads.
    for path, ops in server.app.openapi()["paths"].items():
        if "get" in ops and "{" not in path and path.startswith("/api/"):
            r = admin.get(path)
            assert r.status_code < 500, path
            if r.status_code == 200 and "json" in r.headers.get("content-type", ""):
                answers.append(r.json())
    answers.append(admin.get(f"/api/people/{person.json()['id']}").json())
    answers.append(admin.patch(f"/api/people/{person.json()['id']}",
                               json={"phone": "13900000000"}).json())
    found = [s for a in answers for s in stamps(a)]
    paths = {p.rsplit(".", 1)[-1] for p, _ in found}
    assert {"created_at", "updated_at", "at"} <= paths  # records and the op-log's `at`
    for where, value in found:
        parsed = dt.datetime.fromisoformat(value)
        assert parsed.tzinfo is not None, f"{where} = {value} has no time zone"
        assert parsed.utcoffset() == dt.timedelta(0)
    # The stored naive UTC time is what the wire says, in UTC.
    created = dt.datetime.fromisoformat(person.json()["created_at"])
    assert created == server.clock().replace(tzinfo=dt.UTC)



def test_a_time_read_with_another_zone_is_the_same_instant_in_utc():
    from pydantic import TypeAdapter
    from sync_server.api.wire import UtcDateTime, UtcDateTimeIn
    stored = TypeAdapter(UtcDateTimeIn).validate_python("2026-11-24T17:00:00+08:00")
    assert stored == dt.datetime(2026, 11, 24, 9, 0) and stored.tzinfo is None
    out = TypeAdapter(UtcDateTime)
    sent = out.dump_json(out.validate_python(dt.datetime(2026, 11, 24, 9, 0)))
    assert sent == b'"2026-11-24T09:00:00Z"'
