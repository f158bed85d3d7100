"""The default ledger types are complete, consistent data that seeds a real database."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from common.dictionaries import DEFAULTS, code_for, label
from common.errors import ValidationError
from common.ledger_types import (LEDGER_TYPES, default_def, from_records, ledger_type_id,
                                 seed_rows)
from common.schema import Base, LedgerField, LedgerType
from common.schema.ledgers import BINDINGS, FIELD_TYPES


def test_the_eight_household_economy_ledgers_are_defined_with_chinese_names():
    names = {t.name for t in LEDGER_TYPES}
    assert names == {"土地台账", "生产生活台账", "收支台账", "自建房台账", "农机台账", "养殖台账",
                     "车辆台账", "种植台账"}


def test_every_field_has_a_known_type_binding_and_resolvable_dictionary():
    for t in LEDGER_TYPES:
        assert t.binding in BINDINGS
        codes = [f.code for f in t.fields]
        assert len(codes) == len(set(codes)), t.code
        for f in t.fields:
            assert f.field_type in FIELD_TYPES
            assert (f.field_type == "dict") == (f.dict_code is not None)
            if f.dict_code:
                first_code, first_label = DEFAULTS[f.dict_code][0]
                assert label(f.dict_code, first_code) == first_label
                assert code_for(f.dict_code, first_label) == first_code


def test_seed_rows_load_into_a_real_database_with_stable_ids(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'seed.db'}")
    Base.metadata.create_all(engine)
    now = dt.datetime(2026, 1, 1)
    types, fields = seed_rows()
    with Session(engine) as s:
        s.add_all(LedgerType(**t, created_at=now, updated_at=now) for t in types)
        s.add_all(LedgerField(**f, created_at=now, updated_at=now) for f in fields)
        s.commit()
        assert s.scalar(select(func.count()).select_from(LedgerType)) == 8
        land = s.get(LedgerType, ledger_type_id("land"))
        assert land.name == "土地台账"
        n_land = s.scalar(select(func.count()).where(LedgerField.ledger_type_id == land.id))
        assert n_land == len(next(t for t in LEDGER_TYPES if t.code == "land").fields)
    assert seed_rows() == (types, fields)


NUMBER_FIELDS = [f for t in LEDGER_TYPES for f in t.fields
                 if f.field_type in ("int", "decimal") and f.low is not None]


@given(data=st.data())
@settings(max_examples=60, deadline=None)
def test_a_number_within_its_fields_bounds_reads_back_and_one_outside_is_refused_by_name(data):
    f = data.draw(st.sampled_from(NUMBER_FIELDS))
    n = data.draw(st.integers(int(f.low), int(f.high)))
    typed = data.draw(st.sampled_from([str(n), f" {n} ", f"{n:,}", n, float(n)]))
    assert f.parse(typed) == n
    with pytest.raises(ValidationError) as refused:
        f.parse(str(int(f.high) + 1))
    assert refused.value.field == f.code and f.label in refused.value.message()


def test_the_shape_built_from_seeded_records_is_the_default_one(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'seed.db'}")
    Base.metadata.create_all(engine)
    types, fields = seed_rows()
    now = dt.datetime(2026, 1, 1)
    with Session(engine) as s:
        s.add_all(LedgerType(**t, created_at=now, updated_at=now) for t in types)
        s.add_all(LedgerField(**f, created_at=now, updated_at=now) for f in fields)
        s.commit()
        land = s.get(LedgerType, ledger_type_id("land"))
        rows = s.scalars(select(LedgerField).where(LedgerField.ledger_type_id == land.id)
                         .order_by(LedgerField.sort)).all()
        built = from_records(land, list(rows))
    assert built == default_def(LEDGER_TYPES[0])  # ids, order and bounds alike
    assert built.fields[0].parse("6.5") == 6.5
    engine.dispose()
