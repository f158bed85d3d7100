"""The default ledger types are complete, consistent data that seeds a real database."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from common.dictionaries import DEFAULTS, code_for, label
from common.ledger_types import LEDGER_TYPES, ledger_type_id, seed_rows
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
