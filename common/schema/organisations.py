"""Units (单位): enterprises, shops and organisations, with their employees."""
from __future__ import annotations

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped

from .base import Base, Synced, field


class Organisation(Synced, Base):
    __tablename__ = "organisations"
    __label__ = "单位"

    name: Mapped[str] = field(String(100), label="单位名称", index=True)
    kind: Mapped[str] = field(String(16), label="单位类型", dict_code="org_kind")
    credit_code: Mapped[str | None] = field(String(18), label="统一社会信用代码")
    legal_person: Mapped[str | None] = field(String(64), label="法定代表人")
    phone: Mapped[str | None] = field(String(20), label="联系电话", sensitive="phone")
    house_id: Mapped[str | None] = field(String(36), label="经营场所", ref="houses", index=True)
    address: Mapped[str | None] = field(String(200), label="地址")
    industry: Mapped[str | None] = field(String(32), label="行业", dict_code="industry")
    employee_count: Mapped[int | None] = field(Integer, label="从业人数")
    tax_status: Mapped[str | None] = field(String(16), label="纳税状态", dict_code="tax_status")
    annual_tax: Mapped[int | None] = field(Integer, label="年纳税额(元)")
    notes: Mapped[str | None] = field(Text, label="备注")


class Employee(Synced, Base):
    __tablename__ = "employees"
    __label__ = "务工人员"

    organisation_id: Mapped[str] = field(String(36), label="所属单位", ref="organisations",
                                         index=True)
    person_id: Mapped[str | None] = field(String(36), label="人员", ref="people", index=True)
    name: Mapped[str] = field(String(64), label="姓名")
    id_number: Mapped[str | None] = field(String(18), label="公民身份号码", sensitive="id_number")
    phone: Mapped[str | None] = field(String(20), label="联系电话", sensitive="phone")
    department: Mapped[str | None] = field(String(64), label="部门")
    position: Mapped[str | None] = field(String(64), label="岗位")
