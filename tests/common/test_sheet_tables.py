"""Header recognition (common/sheets) reads a sheet the same way whether it comes as openpyxl's
editable workbook (the desktop assistant, which writes results back) or as values only (the
server's batch import, several times faster): same header rows, columns, data rows and cells."""
from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.sheets.tables import (find_table, load_workbook_bytes, pick_table, read_values,
                                  row_values)
from common.sheets.values import id_problem, text_of
from tests.factories import make_id_number
from tests.import_sheets import government_csv, government_xlsx, person_row

names = st.text(alphabet="张王李赵古丽买提·艾力 ", min_size=1, max_size=8).filter(str.strip)
births = st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2020, 12, 31))
ids = st.builds(lambda d, s: make_id_number(d.strftime("%Y%m%d"), seq=s), births,
                st.integers(0, 400))
id_cells = st.one_of(ids, ids.map(lambda n: float(n[:17] + "0")))  # text, or damaged by Excel into a float
birth_cells = st.one_of(st.just(""), births, births.map(dt.date.isoformat),
                        births.map(lambda d: f"{d.year}年{d.month}月"))
rows = st.lists(st.builds(lambda n, i, b, g: person_row(n, i, birth=b, grid=g), names, id_cells,
                          birth_cells, st.sampled_from(["", "团结社区第一网格"])),
                min_size=0, max_size=12)


def _cells(wb, table):
    ws = wb[table.sheet]
    cols = [c.index for c in table.columns]
    if not table.data_rows:
        return []
    return [(r, tuple(text_of(v) for v in values))
            for r, values in row_values(ws, table.data_rows[0], table.data_rows[-1],
                                        min(cols), max(cols))]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows)
def test_values_only_reading_finds_the_same_table(data_rows):
    data = government_xlsx(data_rows)
    full = load_workbook_bytes(data, "表.xlsx")
    fast = read_values(data, "表.xlsx")
    a, b = pick_table(full), pick_table(fast)
    assert (a.sheet, a.header_first, a.header_last, a.columns, a.data_rows, a.skipped) == \
        (b.sheet, b.header_first, b.header_last, b.columns, b.data_rows, b.skipped)
    assert a.header_first == 2 and a.header_last == 3  # the group row over its columns
    assert [c.field for c in a.columns][:5] == ["seq", "name", "id_number", "sex", "birth_date"]
    assert _cells(full, a) == _cells(fast, b)
    # a float ID number stays recognisable as damaged on both paths
    ws = fast[b.sheet]
    for r, row in zip(b.data_rows, data_rows):
        if isinstance(row[1], float):
            assert id_problem(ws.value(r, 3)) == "assistant_id_numeric"


@given(rows.filter(bool), st.sampled_from(["utf-8-sig", "utf-8", "gbk"]))
@settings(max_examples=8, deadline=None)
def test_csv_reads_the_same_in_either_form_and_encoding(data_rows, encoding):
    data = government_csv(data_rows, encoding=encoding)
    full = load_workbook_bytes(data, "名单.csv")
    fast = read_values(data, "名单.csv")
    a, b = find_table(full.worksheets[0]), find_table(fast.worksheets[0])
    assert a is not None and b is not None
    assert (a.columns, a.data_rows) == (b.columns, b.data_rows)
    assert _cells(full, a) == _cells(fast, b)
    # every CSV cell is text: an ID number keeps all 18 characters
    first = fast.worksheets[0].value(b.data_rows[0], 3)
    assert isinstance(first, str) and len(first) >= 15
