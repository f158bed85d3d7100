"""核对 compares dictionary fields by meaning: 汉 and 汉族, 维吾尔 and 维吾尔族, 男性 and 男 are the
same entry and never flagged; two different entries always are."""
from __future__ import annotations

import random

import openpyxl
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from common.dictionaries import DEFAULTS, Dictionaries, default_dictionaries
from common.validation import id_check_digit
from common.sheets.catalogue import FIELDS
from desktop.assistant.jobs import check
from desktop.assistant.records import PeopleIndex
from desktop.assistant.sheets import pick_table

from .builders import sheet_with_title
from .county import NOW, TODAY

DICT_FIELDS = [f for f in FIELDS if f.kind == "dict"]
ID = "652123198001010011"[:17]
ID += id_check_digit(ID)
SYNCED = {**DEFAULTS, "ethnicity": DEFAULTS["ethnicity"] + [("15", "土家族"), ("06", "苗族")]}
"""A database whose dictionary an admin extended (as a pull brings it)."""


def _check_one(field, cell_value, db_code, vocab: Dictionaries) -> int:  # noqa: ANN001
    """The differing cells `check` reports for one row whose `field` cell holds cell_value
    while the database holds db_code."""
    wb = Workbook()
    wb.active.append(["身份证号", field.label])
    wb.active.append([ID, cell_value])
    index = PeopleIndex.build([{"id": "p1", "id_number": ID, "name": "某人",
                                field.key: db_code}], vocab)
    return check(wb, pick_table(wb), index).differing_cells


def _padded(form: str, pad: int) -> str:
    return [form, f" {form} ", f"\u3000{form}", form.replace("", " ").strip()][pad]


@st.composite
def entry_and_form(draw, different: bool = False):  # noqa: ANN001, ANN201
    vocab = draw(st.sampled_from([default_dictionaries(), Dictionaries(SYNCED)]))
    field = draw(st.sampled_from(DICT_FIELDS))
    entries = [c for c, _ in vocab.dictionaries[field.dict_code]]
    code = draw(st.sampled_from(entries))
    form = draw(st.sampled_from(vocab.forms(field.dict_code, code)))
    db = code
    if different:
        db = draw(st.sampled_from([c for c in entries if c != code]))
    return vocab, field, _padded(form, draw(st.integers(0, 3))), db


@given(entry_and_form())
def test_any_accepted_form_of_an_entry_is_never_flagged(case):
    vocab, field, form, code = case
    assert _check_one(field, form, code, vocab) == 0, (field.key, form, code)


@given(entry_and_form(different=True))
def test_a_form_of_one_entry_against_another_entry_is_always_flagged(case):
    vocab, field, form, other = case
    assert _check_one(field, form, other, vocab) == 1, (field.key, form, other)


def test_the_usual_short_and_long_forms_are_accepted():
    v = default_dictionaries()
    for dict_code, text, code in [("ethnicity", "汉", "01"), ("ethnicity", "维吾尔", "05"),
                                  ("ethnicity", "维族", "05"), ("ethnicity", "1", "01"),
                                  ("sex", "男性", "male"), ("sex", "女子", "female"),
                                  ("relation", "本人", "head"), ("relation", "儿子", "son"),
                                  ("education", "高中", "senior"),
                                  ("resident_type", "户籍", "registered"),
                                  ("tag", "低保户", "dibao")]:
        assert v.code(dict_code, text) == code, text
    assert Dictionaries(SYNCED).code("ethnicity", "土家") == "15"
    assert v.code("ethnicity", "土家") is None  # not in the default dictionary


def test_no_accepted_form_names_two_entries():
    """The rules beside the dictionaries never make two entries read the same."""
    for vocab in (default_dictionaries(), Dictionaries(SYNCED)):
        for dict_code, entries in vocab.dictionaries.items():
            seen: dict[str, str] = {}
            for code, _ in entries:
                for form in vocab.forms(dict_code, code):
                    assert vocab.code(dict_code, form) == code, (dict_code, form)
                    assert seen.setdefault(form, code) == code, (dict_code, form)


# -- a realistic roster -----------------------------------------------------------------------
HEADERS = ["序号", "姓名", "身份证号码", "性别", "民族", "与户主关系", "文化程度", "婚姻状况",
           "人口类型", "联系电话"]
SHORT = {"01": "汉", "05": "维吾尔", "03": "回"}
RELATION = {"head": ["户主", "本人"], "son": ["子", "儿子", "长子"],
            "daughter": ["女", "女儿", "长女"]}
EDUCATION = {"primary": "小学", "junior": "初中", "senior": "高中"}


def _as_written(p: dict, rng: random.Random) -> list:
    """A person's row as a village office types it: the forms people use, not the labels."""
    male = p["sex"] == "male"
    if p["relation_to_head"] == "spouse":
        relation = rng.choice(["配偶", "妻子" if not male else "丈夫"])
    else:
        relation = rng.choice(RELATION[p["relation_to_head"]])
    return [None, p["name"], p["id_number"],
            rng.choice(["男", "男性"] if male else ["女", "女性"]),
            rng.choice([SHORT[p["ethnicity"]], SHORT[p["ethnicity"]] + "族"]),
            relation, EDUCATION.get(p["education"]),
            rng.choice(["已婚", "有配偶"]) if p["marital_status"] == "married" else "未婚",
            rng.choice(["户籍", "户籍人口"]), p["phone"]]


def _wrong(row: list, p: dict, rng: random.Random) -> int:
    """Make one cell really differ (another entry, in a usual form); its column number."""
    col = rng.choice([4, 5, 7])
    if col == 4:
        row[3] = "女" if p["sex"] == "male" else "男性"
    elif col == 5:
        row[4] = "维吾尔族" if p["ethnicity"] != "05" else "汉"
    else:
        row[6] = "大专" if p["education"] != "college" else "小学"
    return col


def test_precision_and_recall_on_a_realistic_roster(county, service, tmp_path):
    """Before: two of every three flags were false (汉 vs 汉族, 男性 vs 男): precision 0.33."""
    _, c = county
    rng = random.Random(19)
    people = c.people[:150]
    rows, truth = [], set()
    for i, p in enumerate(people):
        row = _as_written(p, rng)
        row[0] = i + 1
        if rng.random() < 0.1:
            truth.add((4 + i, _wrong(row, p, rng)))
        rows.append(row)
    src = sheet_with_title(tmp_path / "人口核对.xlsx", HEADERS, rows, footer=False)
    report = service.run("check", service.inspect(src), tmp_path / "out.xlsx", today=TODAY,
                         now=NOW)
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")["花名册"]
    flagged = {(cell.row, cell.column) for row in ws.iter_rows(min_row=4) for cell in row
               if cell.font.color is not None and cell.font.color.rgb == "FFC00000"}
    assert report.matched == len(people) and len(truth) >= 10
    true_flags = len(flagged & truth)
    precision = true_flags / len(flagged) if flagged else 0.0
    recall = true_flags / len(truth)
    assert (precision, recall) == (1.0, 1.0), (precision, recall, sorted(flagged - truth)[:5])


def test_check_reads_the_dictionaries_the_database_holds(county, service, tmp_path):
    """An entry an admin added (synced as DictEntry rows) compares by meaning too."""
    from sqlalchemy import create_engine, insert, update
    from common.schema import DictEntry, Person
    url, c = county
    p = c.people[0]
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(DictEntry.__table__), [
            {"id": f"de-{code}", "dict_code": "ethnicity", "code": code, "label": text,
             "parent_code": None, "sort": n, "active": True, "grid_id": None, "rev": 1,
             "field_clock": {}, "created_at": NOW, "updated_at": NOW, "deleted": False}
            for n, (code, text) in enumerate(SYNCED["ethnicity"])])
        conn.execute(update(Person).where(Person.id == p["id"]).values(ethnicity="15"))
    engine.dispose()
    src = sheet_with_title(tmp_path / "in.xlsx", ["姓名", "身份证号", "民族"],
                           [[p["name"], p["id_number"], "土家"],
                            [p["name"], p["id_number"], "苗族"]], footer=False)
    report = service.run("check", service.inspect(src), tmp_path / "out.xlsx", today=TODAY,
                         now=NOW)
    assert report.matched == 2 and report.differing_cells == 1
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")["花名册"]
    assert ws["C4"].comment is None
    assert ws["C5"].comment.text == "数据库：土家族"  # the database's own label
