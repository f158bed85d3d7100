"""People, households (户籍) and the tags attached to people."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, String, Text
from sqlalchemy.orm import Mapped

from .base import Base, Synced, field


class Household(Synced, Base):
    __tablename__ = "households"
    __label__ = "户"

    household_no: Mapped[str] = field(String(32), label="户号", index=True)
    head_person_id: Mapped[str | None] = field(String(36), label="户主", ref="people")
    house_id: Mapped[str | None] = field(String(36), label="住房", ref="houses", index=True)
    address: Mapped[str | None] = field(String(200), label="户籍地址")


class Person(Synced, Base):
    __tablename__ = "people"
    __label__ = "人口"

    id_number: Mapped[str] = field(String(18), label="公民身份号码", sensitive=True, index=True)
    name: Mapped[str] = field(String(64), label="姓名", index=True)
    sex: Mapped[str] = field(String(8), label="性别", dict_code="sex")
    birth_date: Mapped[dt.date] = field(Date, label="出生日期", index=True)
    ethnicity: Mapped[str | None] = field(String(16), label="民族", dict_code="ethnicity")
    phone: Mapped[str | None] = field(String(20), label="联系电话", sensitive=True)
    household_id: Mapped[str | None] = field(String(36), label="所属户", ref="households",
                                             index=True)
    relation_to_head: Mapped[str | None] = field(String(16), label="与户主关系",
                                                 dict_code="relation")
    house_id: Mapped[str | None] = field(String(36), label="现住房屋", ref="houses", index=True)
    address: Mapped[str | None] = field(String(200), label="现住址")
    resident_type: Mapped[str] = field(String(16), label="人口类型", dict_code="resident_type")
    status: Mapped[str] = field(String(16), label="人员状态", dict_code="person_status")
    education: Mapped[str | None] = field(String(16), label="文化程度", dict_code="education")
    marital_status: Mapped[str | None] = field(String(16), label="婚姻状况",
                                               dict_code="marital_status")
    political_status: Mapped[str | None] = field(String(16), label="政治面貌",
                                                 dict_code="political_status")
    workplace: Mapped[str | None] = field(String(100), label="工作单位")
    notes: Mapped[str | None] = field(Text, label="备注")


class PersonTag(Synced, Base):
    """One tag on one person. Tags are records of their own so that two devices adding different
    tags to the same person both keep theirs; removing a tag tombstones its record."""

    __tablename__ = "person_tags"
    __label__ = "人员标签"

    person_id: Mapped[str] = field(String(36), label="人员", ref="people", index=True)
    tag_code: Mapped[str] = field(String(32), label="标签", dict_code="tag", index=True)
