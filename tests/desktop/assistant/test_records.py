"""The people a sheet names are read from the database exactly as they are in the whole county:
whatever ID numbers and names the sheet carries, in whatever order, and whatever columns it
asks for (the rows are fetched in the table's own order, not the sheet's)."""
from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from common.schema import Person
from common.schema.fields import assistant_fields
from common.sheets.values import normalise_name
from desktop.assistant.records import load_people

from .county import TODAY

KEYS = sorted(f.key for f in assistant_fields(Person))
ALWAYS = {"id", "name", "id_number", "grid", "household_no", "relation_to_head", "birth_date",
          "tags"}


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n_ids=st.integers(0, 40), n_names=st.integers(0, 8),
       fields=st.sets(st.sampled_from(KEYS)), with_tags=st.booleans())
def test_the_people_a_sheet_names_are_read_as_in_the_whole_county(county_file, seed, n_ids,
                                                                   n_names, fields,
                                                                   with_tags):
    engine = create_engine(f"sqlite:///{county_file[0]}")
    try:
        with Session(engine) as s:
            everyone = load_people(s, today=TODAY, with_tags=with_tags)
            rng = random.Random(seed)
            ids = [p["id_number"] for p in rng.sample(everyone, min(n_ids, len(everyone)))]
            ids += ["650102198001010011"]  # nobody's
            names = [p["name"] for p in rng.sample(everyone, min(n_names, len(everyone)))]
            names += [normalise_name(n) for n in names] + ["没有这个人"]
            rng.shuffle(ids)
            got = load_people(s, today=TODAY, id_numbers=ids, names=names,
                              with_tags=with_tags, fields=fields)
    finally:
        engine.dispose()
    keep = ALWAYS | fields
    expected = {p["id"]: {k: v for k, v in p.items() if k in keep}
                for p in everyone if p["id_number"] in ids or p["name"] in names}
    assert {p["id"]: p for p in got} == expected
    assert len(got) == len(expected)
    order = [(p["grid"] or "", p["household_no"] or "", p["relation_to_head"] != "head")
             for p in got]
    assert order == sorted(order)  # register order, as the whole county's
