"""Places: parks/compounds → buildings → units → floors → houses; rural houses under a village."""
from __future__ import annotations

from sqlalchemy import Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped

from .base import Base, Synced, field


class Park(Synced, Base):
    __tablename__ = "parks"
    __label__ = "园区/小区"

    name: Mapped[str] = field(String(100), label="名称")
    kind: Mapped[str] = field(String(16), label="类型", dict_code="park_kind")
    address: Mapped[str | None] = field(String(200), label="地址")


class Building(Synced, Base):
    __tablename__ = "buildings"
    __label__ = "建筑"

    park_id: Mapped[str | None] = field(String(36), label="所属园区", ref="parks", index=True,
                                          filter=True)
    name: Mapped[str] = field(String(100), label="建筑名称")
    building_type: Mapped[str] = field(String(16), label="建筑类型", dict_code="building_type",
                                       filter=True)
    use: Mapped[str] = field(String(16), label="建筑用途", dict_code="building_use", filter=True)
    floors_above: Mapped[int | None] = field(Integer, label="地上层数")
    address: Mapped[str | None] = field(String(200), label="地址")
    lat: Mapped[float | None] = field(Float, label="纬度")
    lon: Mapped[float | None] = field(Float, label="经度")


class BuildingUnit(Synced, Base):
    __tablename__ = "building_units"
    __label__ = "单元"

    building_id: Mapped[str] = field(String(36), label="所属建筑", ref="buildings", index=True)
    name: Mapped[str] = field(String(32), label="单元")


class Floor(Synced, Base):
    __tablename__ = "floors"
    __label__ = "楼层"

    building_id: Mapped[str] = field(String(36), label="所属建筑", ref="buildings", index=True)
    unit_id: Mapped[str | None] = field(String(36), label="所属单元", ref="building_units",
                                        index=True)
    number: Mapped[int] = field(Integer, label="楼层")


class House(Synced, Base):
    """A dwelling or shop front with a door plate. Rural self-built houses have no building."""

    __tablename__ = "houses"
    __label__ = "房屋"
    # Lists in a scope count and page the live rows of the scope's grids from this index alone
    # (sync_server/services/records.list_records: 130,000 people counted in ~12 ms).
    __table_args__ = (Index("ix_houses_grid_live", "grid_id", "deleted"),)

    building_id: Mapped[str | None] = field(String(36), label="所属建筑", ref="buildings",
                                            index=True, filter=True)
    unit_id: Mapped[str | None] = field(String(36), label="所属单元", ref="building_units")
    floor_id: Mapped[str | None] = field(String(36), label="所属楼层", ref="floors", index=True)
    door_plate: Mapped[str] = field(String(100), label="门牌号")
    address: Mapped[str | None] = field(String(200), label="房屋地址")
    house_type: Mapped[str] = field(String(16), label="房屋类型", dict_code="house_type",
                                    filter=True)
    use: Mapped[str | None] = field(String(16), label="房屋用途", dict_code="house_use",
                                    filter=True)
    area: Mapped[float | None] = field(Float, label="面积(㎡)")
    notes: Mapped[str | None] = field(Text, label="备注")
    lat: Mapped[float | None] = field(Float, label="纬度")
    lon: Mapped[float | None] = field(Float, label="经度")


STAT_GROUPS: tuple[tuple[str, type[Base], str], ...] = (
    ("园区/小区类型", Park, "kind"),
    ("建筑类型", Building, "building_type"),
    ("建筑用途", Building, "use"),
    ("房屋类型", House, "house_type"),
    ("房屋用途", House, "use"),
)
"""How places are counted by type and use (contract items 93, 94), on the client and the
console alike: (title, entity, column); the labels come from the column's dictionary."""
