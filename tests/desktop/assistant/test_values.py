"""Cells as people type them compare equal to the database value whenever a person would."""
from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from common.validation import id_check_digit
from common.sheets.values import id_problem, parse_cell, same

from .builders import date_forms

dates = st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2026, 11, 1))


@given(dates)
def test_every_usual_form_of_a_birth_date_agrees_with_the_date(day):
    for form in date_forms(day):
        assert same("birth_date", parse_cell("birth_date", form), day), form


@given(dates, st.integers(min_value=1, max_value=400))
def test_a_different_day_never_agrees_when_the_cell_has_the_full_date(day, shift):
    other = day + dt.timedelta(days=shift)
    assert not same("birth_date", parse_cell("birth_date", other.isoformat()), day)


@given(dates, st.integers(min_value=0, max_value=999))
def test_an_id_number_typed_as_a_number_is_always_detected(day, seq):
    first17 = "652123" + day.strftime("%Y%m%d") + f"{seq:03d}"
    good = first17 + id_check_digit(first17)
    assert id_problem(good) is None
    assert id_problem(float(good[:-1] + "0")) == "assistant_id_numeric"
    as_number = float(good[:17])  # what Excel keeps of it, shown as 6.52123E+16 …
    assert id_problem(f"{as_number * 10:.5E}") == "assistant_id_numeric"
    assert parse_cell("id_number", as_number * 10) is None


def test_labels_and_codes_of_dictionaries_and_tags_read_the_same():
    assert parse_cell("sex", "男") == parse_cell("sex", "male") == "male"
    assert parse_cell("tags", "低保、60岁以上老人") == frozenset({"dibao", "elderly_60"})
    assert same("phone", parse_cell("phone", "139 0995 1234"), "13909951234")
    assert same("name", parse_cell("name", "艾合买提 • 吐尔逊"), "艾合买提·吐尔逊")


def test_a_tag_cell_agrees_when_the_person_has_those_tags_among_others():
    assert same("tags", parse_cell("tags", "低保"), frozenset({"dibao", "elderly_60"}))
    assert not same("tags", parse_cell("tags", "低保、残疾"), frozenset({"dibao"}))
