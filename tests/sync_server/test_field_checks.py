"""The declared fields decide what any write path may store (common.validation.check_fields): for
every value a hostile client may send, either it is refused with per-field codes, or what is
stored satisfies the REST wire type, so no read of it can fail."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.errors import ValidationError, ValidationErrors
from common.schema import Household, Visit
from common.validation import TEXT_MAX, check_fields, check_record_id
from sync_server.api.wire import BUILDING, HOUSE, HOUSEHOLD, ORGANISATION, PERSON

WIRES = (PERSON, HOUSEHOLD, HOUSE, BUILDING, ORGANISATION)

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=2**62, max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40),
    st.text(min_size=190, max_size=230), st.sampled_from(["", "2026-02-30", "not-a-date",
                                                          "2026-11-24", "2026-11-24T09:00:00",
                                                          "2026-11-24T09:00:00+08:00", "a\x00b",
                                                          "x" * 20_001]),
)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=5), inner,
                                                                       max_size=3)),
                      max_leaves=6)


@pytest.mark.parametrize("wire", WIRES, ids=lambda w: w.entity.__tablename__)
@given(data=st.data())
def test_whatever_a_client_sends_is_refused_or_readable_through_rest(wire, data):
    fields = wire.writable + ["deleted", "no_such_field"]
    sent = data.draw(st.dictionaries(st.sampled_from(fields), values, min_size=1, max_size=6))
    try:
        stored = check_fields(wire.entity, sent)
    except ValidationErrors as err:
        assert err.errors and all(e.code and e.field for e in err.errors)
        assert all(e.message() for e in err.errors)  # a Chinese sentence, never a crash
        return
    assert "no_such_field" not in sent
    row = {"id": "r1", "grid_id": None, "deleted": False, "rev": 1,
           "created_at": dt.datetime(2026, 11, 24), "updated_at": dt.datetime(2026, 11, 24),
           **stored}
    wire.Public.model_validate(row)


def test_each_kind_of_malformed_value_gets_its_own_code():
    with pytest.raises(ValidationErrors) as e:
        check_fields(Household, {"address": {"a": [1, 2]}, "household_no": [1],
                                 "deleted": "yes", "shoe_size": 1, "head_person_id": "x" * 37})
    codes = {err.field: err.code for err in e.value.errors}
    assert codes == {"address": "field_type", "household_no": "field_type",
                     "deleted": "field_type", "shoe_size": "unknown_field",
                     "head_person_id": "too_long"}
    assert "不认识的字段：shoe_size" in e.value.message()
    with pytest.raises(ValidationErrors) as e:
        check_fields(Visit, {"visited_at": "not-a-date", "photos": {"a": 1}, "notes": "x" * (
            TEXT_MAX + 1)})
    assert {err.code for err in e.value.errors} == {"date_invalid", "field_type", "too_long"}


def test_dates_arrive_as_the_columns_store_them():
    out = check_fields(Visit, {"visited_at": "2026-11-24T17:00:00+08:00", "follow_up": False})
    assert out == {"visited_at": dt.datetime(2026, 11, 24, 9, 0), "follow_up": False}


@pytest.mark.parametrize("bad", ["", "x" * 37, "a/b", "../x", " x", 5, None])
def test_a_record_id_is_short_and_plain(bad):
    with pytest.raises(ValidationError):
        check_record_id(bad)
