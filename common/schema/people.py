"""People, households (户籍) and the tags attached to people."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Index, String, Text
from sqlalchemy.orm import Mapped

from .base import Base, Synced, field


class Household(Synced, Base):
    __tablename__ = "households"
    __label__ = "户"
    # Lists in a scope count and page the live rows of the scope's grids from this index alone
    # (sync_server/services/records.list_records: 130,000 people counted in ~12 ms).
    __table_args__ = (Index("ix_households_grid_live", "grid_id", "deleted"),)

    household_no: Mapped[str] = field(String(32), label="户号", index=True, form=1, filter=True)
    head_person_id: Mapped[str | None] = field(String(36), label="户主", ref="people")
    house_id: Mapped[str | None] = field(String(36), label="住房", ref="houses", index=True,
                                         filter=True)
    address: Mapped[str | None] = field(String(200), label="户籍地址", form=2)


class Person(Synced, Base):
    __tablename__ = "people"
    __label__ = "人口"
    # Lists in a scope count and page the live rows of the scope's grids from this index alone
    # (sync_server/services/records.list_records: 130,000 people counted in ~12 ms).
    __table_args__ = (Index("ix_people_grid_live", "grid_id", "deleted"),)

    # `form` and `column` are positions: in the person dialog (the ID number gives sex and birth
    # date, so they are not typed) and in the people lists and exports.
    id_number: Mapped[str] = field(String(18), label="公民身份号码", sensitive="id_number",
                                   index=True, form=2, search="text", column=5,
                                   assistant="id")
    name: Mapped[str] = field(String(64), label="姓名", index=True, form=1, search="text",
                              column=1, assistant="text")
    sex: Mapped[str] = field(String(8), label="性别", dict_code="sex", search="facet",
                             facet="sex", column=2, assistant="dict", derived=True)
    birth_date: Mapped[dt.date] = field(Date, label="出生日期", index=True, column=3,
                                        assistant="date")
    ethnicity: Mapped[str | None] = field(String(16), label="民族", dict_code="ethnicity",
                                          form=3, search="facet", facet="ethnicities",
                                          column=4, assistant="dict")
    religion: Mapped[str | None] = field(String(16), label="宗教信仰", dict_code="religion",
                                         sensitive="hidden", form=4, search="facet",
                                         facet="religions", column=9, assistant="dict",
                                         synonyms=("宗教",))
    phone: Mapped[str | None] = field(String(20), label="联系电话", sensitive="phone",
                                      form=5, search="text", column=6, assistant="phone")
    household_id: Mapped[str | None] = field(String(36), label="所属户", ref="households",
                                             index=True, filter=True)
    relation_to_head: Mapped[str | None] = field(String(16), label="与户主关系",
                                                 dict_code="relation", form=8,
                                                 assistant="dict")
    house_id: Mapped[str | None] = field(String(36), label="现住房屋", ref="houses", index=True,
                                         filter=True)
    address: Mapped[str | None] = field(String(200), label="现住址", form=9, column=11,
                                        assistant="text")
    resident_type: Mapped[str] = field(String(16), label="人口类型", dict_code="resident_type",
                                       form=6, search="facet", facet="resident_types",
                                       column=7, assistant="dict",
                                       default_value="registered")
    status: Mapped[str] = field(String(16), label="人员状态", dict_code="person_status",
                                form=7, search="facet", facet="statuses", column=8,
                                assistant="dict", default_value="normal")
    education: Mapped[str | None] = field(String(16), label="文化程度", dict_code="education",
                                          form=10, assistant="dict")
    marital_status: Mapped[str | None] = field(String(16), label="婚姻状况",
                                               dict_code="marital_status", form=11,
                                               assistant="dict")
    political_status: Mapped[str | None] = field(String(16), label="政治面貌",
                                                 dict_code="political_status", form=12,
                                                 assistant="dict")
    workplace: Mapped[str | None] = field(String(100), label="工作单位", form=13,
                                          assistant="text")
    notes: Mapped[str | None] = field(Text, label="备注", form=14)


class PersonTag(Synced, Base):
    """One tag on one person. Tags are records of their own so that two devices adding different
    tags to the same person both keep theirs; removing a tag tombstones its record."""

    __tablename__ = "person_tags"
    __label__ = "人员标签"

    person_id: Mapped[str] = field(String(36), label="人员", ref="people", index=True)
    tag_code: Mapped[str] = field(String(32), label="标签", dict_code="tag", index=True)
