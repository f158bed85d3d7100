"""Units (单位): enterprises, shops and organisations, with their employees."""
from __future__ import annotations

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped

from .base import Base, Synced, field


class Organisation(Synced, Base):
    __tablename__ = "organisations"
    __label__ = "单位"

    # `form` and `column`: positions in the 单位 page's edit form and its list.
    name: Mapped[str] = field(String(100), label="单位名称", index=True, form=1, column=1)
    kind: Mapped[str] = field(String(16), label="单位类型", dict_code="org_kind", form=2,
                              column=2, filter=True)
    credit_code: Mapped[str | None] = field(String(18), label="统一社会信用代码", form=3)
    legal_person: Mapped[str | None] = field(String(64), label="法定代表人", form=4, column=4)
    phone: Mapped[str | None] = field(String(20), label="联系电话", sensitive="phone", form=5)
    house_id: Mapped[str | None] = field(String(36), label="经营场所", ref="houses", index=True,
                                         filter=True)
    address: Mapped[str | None] = field(String(200), label="地址", form=6, column=7)
    industry: Mapped[str | None] = field(String(32), label="行业", dict_code="industry", form=7,
                                         column=3, filter=True)
    employee_count: Mapped[int | None] = field(Integer, label="从业人数", form=8, column=5)
    tax_status: Mapped[str | None] = field(String(16), label="纳税状态", dict_code="tax_status",
                                           form=9, column=6, filter=True)
    annual_tax: Mapped[int | None] = field(Integer, label="年纳税额(元)", form=10)
    notes: Mapped[str | None] = field(Text, label="备注", form=11)


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
