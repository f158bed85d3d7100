"""Wire types of the REST API (PersonCreate / PersonUpdate / PersonPublic …), derived from the one
declaration of each entity in common.schema, so a column added there appears here with its type,
length limit and Chinese label (as the field's title)."""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, FiniteFloat,
                      StringConstraints, create_model)
from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, String, Text

from common.schema import (SYNC_COLUMNS, Base, Building, House, Household, Organisation,
                           OrgNode, Person, user_fields)
from common.validation import TEXT_MAX  # one limit for REST and sync writes


# Fields the server fills in itself, by entity: never accepted from a client.
SERVER_FIELDS: dict[type[Base], set[str]] = {OrgNode: {"path", "grid_id"}}
# Fields that are NOT NULL in the table but derived or defaulted by the server on create.
DERIVED_ON_CREATE: dict[type[Base], set[str]] = {
    Person: {"sex", "birth_date", "resident_type", "status"},
}
# Every record belongs to a grid, so grid_id is required on create (org nodes excepted).
REQUIRED_ON_CREATE = {"grid_id"}


def _as_utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _as_naive_utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is None else value.astimezone(dt.UTC).replace(tzinfo=None)


# Every time the server sends carries its zone: the database keeps naive UTC, the wire says so
# ("2026-11-24T09:00:00Z"), as the OpenAPI `date-time` format promises. Use it in every
# response model.
UtcDateTime = Annotated[dt.datetime, AfterValidator(_as_utc)]
# A time a client sends may carry any zone (or none: then it is UTC); stored as naive UTC.
UtcDateTimeIn = Annotated[dt.datetime, AfterValidator(_as_naive_utc)]


def _py_type(column: Any, out: bool = False) -> Any:
    t = column.type
    if isinstance(t, Boolean):
        return bool
    if isinstance(t, Integer):
        return int
    if isinstance(t, Float):
        return FiniteFloat  # Python's json accepts NaN/Infinity; a register must not
    if isinstance(t, DateTime):
        return UtcDateTime if out else UtcDateTimeIn
    if isinstance(t, Date):
        return dt.date
    if isinstance(t, JSON):
        return Any
    if isinstance(t, Text):
        return Annotated[str, StringConstraints(max_length=TEXT_MAX)]
    if isinstance(t, String):
        return Annotated[str, StringConstraints(max_length=t.length)] if t.length else str
    return Any


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class WireTypes:
    """The Create, Update and Public models of one entity."""

    def __init__(self, entity: type[Base], name: str,
                 extra_public: dict[str, Any] | None = None,
                 extra_in: dict[str, Any] | None = None) -> None:
        self.entity = entity
        cols = entity.__table__.columns
        writable = [f for f in user_fields(entity) if f not in SERVER_FIELDS.get(entity, set())]
        self.writable = writable
        create: dict[str, Any] = {}
        update: dict[str, Any] = {}
        for key in writable:
            col = cols[key]
            typ = _py_type(col)
            label = col.info.get("label", key)
            nullable = col.nullable and key not in REQUIRED_ON_CREATE
            required = (not nullable and col.default is None
                        and key not in DERIVED_ON_CREATE.get(entity, set()))
            if required:
                create[key] = (typ, Field(title=label))
            elif col.nullable:
                create[key] = (typ | None, Field(default=None, title=label))
            else:
                create[key] = (typ, Field(default=None, title=label))
            # On update a NOT NULL column may be left out but not set to null.
            update[key] = ((typ | None) if col.nullable and key != "grid_id" else typ,
                           Field(default=None, title=label))
        create.update(extra_in or {})
        update.update(extra_in or {})
        public: dict[str, Any] = {}
        for col in cols:
            if col.key == "field_clock":
                continue
            public[col.key] = (_py_type(col, out=True) | None, Field(default=None,
                                                           title=col.info.get("label", col.key)))
        public.update(extra_public or {})
        self.Create = create_model(f"{name}Create", __base__=_In, **create)
        self.Update = create_model(f"{name}Update", __base__=_In, **update)
        self.Public = create_model(f"{name}Public", __base__=_Out, **public)


ORG_NODE = WireTypes(OrgNode, "OrgNode")
TagCodes = Annotated[list[Annotated[str, StringConstraints(max_length=32)]],
                    Field(max_length=50)]
PERSON = WireTypes(Person, "Person",
                   extra_public={"tags": (list[str], Field(default_factory=list, title="标签"))},
                   extra_in={"tags": (TagCodes | None, Field(default=None, title="标签"))})
HOUSEHOLD = WireTypes(Household, "Household")
HOUSE = WireTypes(House, "House")
BUILDING = WireTypes(Building, "Building")
ORGANISATION = WireTypes(Organisation, "Organisation")

OrgNodeCreate, OrgNodeUpdate, OrgNodePublic = ORG_NODE.Create, ORG_NODE.Update, ORG_NODE.Public
PersonCreate, PersonUpdate, PersonPublic = PERSON.Create, PERSON.Update, PERSON.Public
HouseholdCreate, HouseholdUpdate, HouseholdPublic = (HOUSEHOLD.Create, HOUSEHOLD.Update,
                                                     HOUSEHOLD.Public)
HouseCreate, HouseUpdate, HousePublic = HOUSE.Create, HOUSE.Update, HOUSE.Public
BuildingCreate, BuildingUpdate, BuildingPublic = BUILDING.Create, BUILDING.Update, BUILDING.Public
OrganisationCreate, OrganisationUpdate, OrganisationPublic = (
    ORGANISATION.Create, ORGANISATION.Update, ORGANISATION.Public)


def field_labels() -> dict[str, str]:
    """Field name -> Chinese label over every entity (people's labels win), for error texts."""
    from common.schema import ENTITIES
    out: dict[str, str] = {}
    for entity in [Person, *ENTITIES.values()]:
        for col in entity.__table__.columns:
            out.setdefault(col.key, col.info.get("label", col.key))
    out.update({"username": "账号", "password": "密码", "refresh_token": "刷新令牌",
                "captcha_answer": "验证码", "current_password": "当前密码",
                "new_password": "新密码",
                "tags": "标签",
                "limit": "每页条数", "offset": "起始位置"})
    return out


class LoginRequest(_In):
    username: Annotated[str, StringConstraints(max_length=64)] = Field(title="账号")
    password: Annotated[str, StringConstraints(max_length=256)] = Field(title="密码")
    device_id: Annotated[str, StringConstraints(max_length=36)] | None = Field(
        default=None, title="设备编号")  # carried in the tokens, so a lost device can be revoked
    # Asked for after a few failed sign-ins (the refusal says captcha_required: true).
    captcha_id: Annotated[str, StringConstraints(max_length=36)] | None = Field(
        default=None, title="验证码编号")
    captcha_answer: Annotated[str, StringConstraints(max_length=16)] | None = Field(
        default=None, title="验证码")


class CaptchaChallengePublic(BaseModel):
    captcha_id: str
    image_png_base64: str = Field(title="验证码图片（PNG，base64）")
    expires_in: int


class PasswordChange(_In):
    current_password: Annotated[str, StringConstraints(max_length=256)] = Field(
        title="当前密码")
    new_password: Annotated[str, StringConstraints(max_length=256)] = Field(title="新密码")


class LoginRefusal(BaseModel):
    code: str
    message: str
    errors: list[dict[str, Any]] = []
    captcha_required: bool = False


class RefreshRequest(_In):
    refresh_token: Annotated[str, StringConstraints(max_length=256)] = Field(title="刷新令牌")


class UserPublic(_Out):
    id: str
    username: str
    display_name: str
    role: str
    role_label: str | None = None
    scope_node_id: str
    scope_node_name: str | None = None
    scope_node_level: str | None = None
    permissions: list[str] = []
    """The application permissions of the user's role (common/permissions.py): the web pages
    and desktop pages they may open."""
    hidden_fields: dict[str, list[str]] = {}
    """Per table, the fields the user's role does not see (config centre): the desktop client
    leaves them out of its forms and lists."""


class TokenResponse(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int
    user: UserPublic


class FieldReveal(BaseModel):
    id: str
    field: str
    value: str | None


class IdNumberReveal(BaseModel):
    id: str
    id_number: str
