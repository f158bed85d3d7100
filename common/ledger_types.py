"""Ledger types (台账): the shape of a ledger type and of its fields, declared once (`LedgerDef`,
`FieldDef`, with a field's value parsing beside it: `FieldDef.parse`), and the default
household-economy ledger types, as pure data.

`LedgerDef` / `FieldDef` are what the client's ledger page, its import/export and the ledger CLI
read of a LedgerType / LedgerField record (`from_records`); the server's admin API answers with
the records' own columns (common/schema/ledgers.py), which are these fields plus id and sort.

A new database is seeded from these (LedgerType / LedgerField records, editable afterwards in
the config centre); the ledger options are dictionaries of their own (`LEDGER_DICTIONARIES`,
seeded as DictEntry records like the rest of common/dictionaries.py). Ids are derived from the
codes (uuid5), so the server and every device seed the same records and never duplicate them.

Ledger row values live in LedgerRow.data keyed by field code; a dictionary field stores the code,
a date field an ISO date string, a decimal a float, a bool true/false.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from .cells import parse_date, text_of
from .errors import ValidationError

KEYS = {"household": ("户号", "户主姓名"), "person": ("公民身份号码", "姓名"),
        "house": ("门牌号", "房屋地址")}
"""The bound record's two key columns of a ledger sheet, by binding."""
YEAR = "年度"
RECORD = "记录编号"
"""The row's id, a ledger sheet's last column: an import updates the row it names and creates a
row where it is empty (several rows may share a household and year: one per crop, animal)."""
SHEET_COLUMNS = frozenset({*(k for keys in KEYS.values() for k in keys), YEAR, RECORD})
"""Every fixed column of a ledger sheet: no field may be labelled like one of them."""
TRUE_TEXTS = ("是", "有", "1", "true", "True", "Y", "√")
FALSE_TEXTS = ("否", "无", "0", "false", "False", "N", "×")

_NAMESPACE = uuid.UUID("5b1c3f0e-7d2a-4c55-9a43-6e2d1f0b9c11")


@dataclass(frozen=True)
class FieldDef:
    """One field of a ledger type. `low`/`high` bound numbers (import validation, demo data)."""

    code: str
    label: str
    field_type: str  # one of common.schema.ledgers.FIELD_TYPES
    unit: str | None = None
    dict_code: str | None = None
    required: bool = False
    low: float | None = None
    high: float | None = None
    options: tuple[tuple[str, str], ...] = ()
    """(code, label) of a dictionary field as the database holds them (entries an admin
    added included); empty: the built-in defaults of `dict_code`."""
    id: str | None = None              # the LedgerField record's (None in LEDGER_TYPES)
    ledger_type_id: str | None = None
    sort: int = 0

    def choices(self) -> tuple[tuple[str, str], ...]:
        if self.options:
            return self.options
        from .dictionaries import DEFAULTS
        return tuple(DEFAULTS.get(self.dict_code or "", ()))

    def label_of(self, code: Any) -> Any:
        """The label a stored code reads as (an unknown code reads as itself)."""
        return next((lab for c, lab in self.choices() if c == code), code)

    def code_of(self, text: str) -> str | None:
        """The code of what a person typed: a label or a code; None when it is neither."""
        t = str(text).strip()
        return next((c for c, lab in self.choices() if t in (lab, c)), None)

    def header(self) -> str:
        """The field's column header in a ledger sheet: its label, with its unit."""
        return f"{self.label}({self.unit})" if self.unit else self.label

    def parse(self, raw: Any) -> Any:
        """The value stored for what a person typed or a sheet holds (a dictionary field: the
        code, a date: an ISO date, a number within its bounds), or raise ValidationError naming
        the field. The one rule for the ledger import, the row dialog and the CLI."""
        t = text_of(raw)
        if self.field_type == "text":
            return t
        if self.field_type == "dict":
            c = self.code_of(t)
            if c is None:
                raise ValidationError("not_in_dict", self.code, label=self.label, value=t)
            return c
        if self.field_type == "bool":
            if t in TRUE_TEXTS:
                return True
            if t in FALSE_TEXTS:
                return False
            raise ValidationError("ledger_bool_invalid", self.code, label=self.label, value=t)
        if self.field_type == "date":
            d = parse_date(raw)
            if d is None:
                raise ValidationError("date_invalid", self.code, label=self.label, value=t)
            return d[0].isoformat()
        try:
            n = float(t.replace(",", ""))
        except ValueError:
            raise ValidationError("number_invalid", self.code, label=self.label,
                                  value=t) from None
        if self.field_type == "int":
            if not n.is_integer():
                raise ValidationError("number_invalid", self.code, label=self.label, value=t)
            n = int(n)
        if (self.low is not None and n < self.low) or (self.high is not None and n > self.high):
            raise ValidationError("ledger_number_range", self.code, label=self.label,
                                  low=self.low, high=self.high, value=t)
        return n


@dataclass
class LedgerDef:
    """One ledger type as a database holds it (or a default one): what a row is bound to,
    whether rows are kept per year, and its live fields in their order."""

    id: str
    code: str
    name: str
    binding: str  # one of common.schema.ledgers.BINDINGS
    per_year: bool
    fields: list[FieldDef]
    sort: int = 0

    def headers(self) -> list[str]:
        """The columns of its sheet: the bound record's keys, the year, the fields, the id."""
        cols = list(KEYS[self.binding]) + ([YEAR] if self.per_year else [])
        return cols + [f.header() for f in self.fields] + [RECORD]


def from_records(ledger_type: Any, fields: list[Any]) -> LedgerDef:
    """A LedgerDef from a LedgerType record and its live LedgerField records, in order. Bounds
    (low/high) come from the defaults: a field an admin added has none."""
    known = {f.code: f for t in LEDGER_TYPES if t.code == ledger_type.code for f in t.fields}
    out = []
    for r in fields:
        d = known.get(r.code)
        out.append(FieldDef(r.code, r.label, r.field_type, r.unit, r.dict_code, bool(r.required),
                            d.low if d else None, d.high if d else None, id=r.id,
                            ledger_type_id=r.ledger_type_id, sort=r.sort or 0))
    return LedgerDef(ledger_type.id, ledger_type.code, ledger_type.name, ledger_type.binding,
                     bool(ledger_type.per_year), out, sort=ledger_type.sort or 0)


@dataclass(frozen=True)
class LedgerTypeDef:
    code: str
    name: str
    binding: str  # one of common.schema.ledgers.BINDINGS
    per_year: bool
    fields: tuple[FieldDef, ...] = field(default_factory=tuple)


def ledger_type_id(code: str) -> str:
    """The stable id of a default ledger type."""
    return str(uuid.uuid5(_NAMESPACE, f"ledger_type:{code}"))


def ledger_field_id(type_code: str, field_code: str) -> str:
    """The stable id of a default ledger field."""
    return str(uuid.uuid5(_NAMESPACE, f"ledger_field:{type_code}:{field_code}"))


F = FieldDef

LEDGER_TYPES: tuple[LedgerTypeDef, ...] = (
    LedgerTypeDef("land", "土地台账", "household", True, (
        F("arable_area", "耕地面积", "decimal", "亩", required=True, low=0, high=500),
        F("forest_area", "林地面积", "decimal", "亩", low=0, high=500),
        F("grassland_area", "草场面积", "decimal", "亩", low=0, high=5000),
        F("plots", "承包地块数", "int", "块", low=0, high=100),
        F("transferred_area", "流转面积", "decimal", "亩", low=0, high=500),
        F("transfer_mode", "流转方式", "dict", dict_code="land_transfer"),
        F("certificate_no", "确权证书编号", "text"),
    )),
    LedgerTypeDef("production_living", "生产生活台账", "household", True, (
        F("labour_count", "劳动力人数", "int", "人", required=True, low=0, high=20),
        F("migrant_workers", "外出务工人数", "int", "人", low=0, high=20),
        F("water_source", "饮水来源", "dict", dict_code="water_source"),
        F("cooking_fuel", "炊事燃料", "dict", dict_code="cooking_fuel"),
        F("toilet_type", "厕所类型", "dict", dict_code="toilet_type"),
        F("has_electricity", "是否通生活用电", "bool"),
        F("safe_housing", "住房安全有保障", "bool"),
        F("medical_insurance", "参加医疗保险人数", "int", "人", low=0, high=20),
    )),
    LedgerTypeDef("income_expense", "收支台账", "household", True, (
        F("wage_income", "工资性收入", "decimal", "元", low=0, high=1_000_000),
        F("business_income", "经营性收入", "decimal", "元", low=0, high=1_000_000),
        F("property_income", "财产性收入", "decimal", "元", low=0, high=1_000_000),
        F("transfer_income", "转移性收入", "decimal", "元", low=0, high=1_000_000),
        F("production_cost", "生产经营性支出", "decimal", "元", low=0, high=1_000_000),
        F("net_income_per_capita", "人均纯收入", "decimal", "元", required=True, low=0,
          high=500_000),
    )),
    LedgerTypeDef("self_built_house", "自建房台账", "house", False, (
        F("built_year", "建成年份", "int", "年", required=True, low=1950, high=2100),
        F("storeys", "层数", "int", "层", required=True, low=1, high=10),
        F("floor_area", "建筑面积", "decimal", "㎡", low=0, high=5000),
        F("structure", "结构类型", "dict", dict_code="house_structure", required=True),
        F("for_business", "是否用于经营", "bool"),
        F("safety_rating", "安全鉴定等级", "dict", dict_code="safety_rating"),
        F("inspected_on", "鉴定日期", "date"),
    )),
    LedgerTypeDef("farm_machinery", "农机台账", "household", False, (
        F("machine_kind", "农机类型", "dict", dict_code="machinery_kind", required=True),
        F("model", "品牌型号", "text"),
        F("quantity", "数量", "int", "台", required=True, low=1, high=50),
        F("purchase_year", "购置年份", "int", "年", low=1970, high=2100),
        F("subsidised", "是否享受购机补贴", "bool"),
    )),
    LedgerTypeDef("livestock", "养殖台账", "household", True, (
        F("animal", "畜禽种类", "dict", dict_code="livestock_kind", required=True),
        F("stock", "存栏数", "int", "头(只)", required=True, low=0, high=10_000),
        F("sold", "年出栏数", "int", "头(只)", low=0, high=10_000),
        F("income", "养殖收入", "decimal", "元", low=0, high=1_000_000),
    )),
    LedgerTypeDef("vehicles", "车辆台账", "person", False, (
        F("vehicle_kind", "车辆类型", "dict", dict_code="vehicle_kind", required=True),
        F("plate_no", "号牌号码", "text"),
        F("model", "品牌型号", "text"),
        F("purchased_on", "购置日期", "date"),
        F("commercial", "是否营运", "bool"),
    )),
    LedgerTypeDef("crops", "种植台账", "household", True, (
        F("crop", "作物", "dict", dict_code="crop_kind", required=True),
        F("area", "种植面积", "decimal", "亩", required=True, low=0, high=1000),
        F("output", "产量", "decimal", "公斤", low=0, high=1_000_000),
        F("sales", "销售收入", "decimal", "元", low=0, high=1_000_000),
    )),
)

LEDGER_DICTIONARIES: dict[str, list[tuple[str, str]]] = {
    "land_transfer": [("none", "未流转"), ("lease", "出租"), ("subcontract", "转包"),
                      ("shareholding", "入股"), ("exchange", "互换")],
    "water_source": [("tap", "自来水"), ("well", "井水"), ("canal", "渠水"),
                     ("other", "其他")],
    "cooking_fuel": [("gas", "天然气"), ("electricity", "电"), ("coal", "煤"),
                     ("firewood", "柴草"), ("lpg", "液化气")],
    "toilet_type": [("flush", "水冲式"), ("sanitary_dry", "卫生旱厕"), ("dry", "普通旱厕"),
                    ("none", "无")],
    "house_structure": [("brick_concrete", "砖混"), ("frame", "框架"), ("brick_wood", "砖木"),
                        ("earth", "土木"), ("other", "其他")],
    "safety_rating": [("a", "A级"), ("b", "B级"), ("c", "C级"), ("d", "D级")],
    "machinery_kind": [("tractor", "拖拉机"), ("harvester", "收割机"), ("seeder", "播种机"),
                       ("sprayer", "植保机械"), ("tiller", "旋耕机"), ("other", "其他")],
    "livestock_kind": [("sheep", "羊"), ("cattle", "牛"), ("chicken", "鸡"), ("pig", "猪"),
                       ("camel", "骆驼"), ("horse", "马"), ("donkey", "驴"), ("other", "其他")],
    "vehicle_kind": [("car", "小型汽车"), ("truck", "货车"), ("tricycle", "三轮车"),
                     ("motorcycle", "摩托车"), ("e_bike", "电动车"), ("tractor", "拖拉机")],
    "crop_kind": [("grape", "葡萄"), ("melon", "哈密瓜"), ("cotton", "棉花"),
                  ("wheat", "小麦"), ("corn", "玉米"), ("apricot", "杏"), ("jujube", "红枣"),
                  ("pepper", "辣椒"), ("vegetable", "蔬菜"), ("other", "其他")],
}
"""The options of the ledgers' dictionary fields: codes stored, labels shown."""


def default_def(t: LedgerTypeDef) -> LedgerDef:
    """A default ledger type as a LedgerDef, under the stable ids its records get when seeded."""
    tid = ledger_type_id(t.code)
    return LedgerDef(tid, t.code, t.name, t.binding, t.per_year,
                     [replace(f, id=ledger_field_id(t.code, f.code), ledger_type_id=tid, sort=i)
                      for i, f in enumerate(t.fields)], sort=LEDGER_TYPES.index(t))


def by_code(code: str) -> LedgerTypeDef:
    for t in LEDGER_TYPES:
        if t.code == code:
            return t
    raise KeyError(code)


def seed_rows() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The default ledger types and fields as column values for LedgerType / LedgerField
    (without the sync columns created_at/updated_at/rev, which the seeder sets)."""
    types: list[dict[str, Any]] = []
    fields: list[dict[str, Any]] = []
    for sort, t in enumerate(LEDGER_TYPES):
        tid = ledger_type_id(t.code)
        types.append({"id": tid, "grid_id": None, "code": t.code, "name": t.name,
                      "binding": t.binding, "per_year": t.per_year, "sort": sort})
        for fsort, f in enumerate(t.fields):
            fields.append({"id": ledger_field_id(t.code, f.code), "grid_id": None,
                           "ledger_type_id": tid, "code": f.code, "label": f.label,
                           "field_type": f.field_type, "unit": f.unit,
                           "dict_code": f.dict_code, "required": f.required, "sort": fsort})
    return types, fields
