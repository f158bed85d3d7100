"""A small realistic county for assistant tests (and the benchmark's fallback when the demo
generator is absent): org tree, households with houses and door plates, families with Uyghur,
Han and Hui names, valid ID numbers, phones, tags — inserted with Core into any engine."""
from __future__ import annotations

import datetime as dt
import random
import uuid

from sqlalchemy import Engine, insert

from common.schema import Base, House, Household, OrgNode, Person, PersonTag
from common.validation import id_check_digit

NOW = dt.datetime(2026, 11, 24, 9, 0, 0)
TODAY = NOW.date()

UY_MALE = ["艾合买提", "买买提", "吐尔逊", "阿不都拉", "艾力", "热合曼", "库尔班", "依明", "玉素甫",
           "努尔艾力", "阿布都热依木", "麦麦提"]
UY_FEMALE = ["阿依古丽", "古丽努尔", "帕提古丽", "热依拉", "阿瓦汗", "努尔妮萨", "迪丽拜尔",
             "米热古丽", "祖丽皮亚", "布阿杰尔"]
HAN_SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "单", "曾"]
HUI_SURNAMES = ["马", "白", "杨", "丁"]
HAN_GIVEN_M = ["建国", "伟", "强", "军", "磊", "志刚", "海涛", "明"]
HAN_GIVEN_F = ["秀兰", "丽", "静", "芳", "敏", "桂英", "婷", "霞"]
VILLAGES = [("托克逊镇", "英阿瓦提村"), ("托克逊镇", "南湖社区"), ("夏乡", "布尔加依村"),
            ("博斯坦乡", "吉格代村")]


def _id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


class County:
    """Builds the rows; `people` keeps them (as dicts) for tests to check cells against."""

    def __init__(self, households: int = 60, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.households = households
        self.org: list[dict] = []
        self.houses: list[dict] = []
        self.hh: list[dict] = []
        self.people: list[dict] = []
        self.tags: list[dict] = []
        self._seq: dict[str, int] = {}

    def _stamp(self, grid_id: str | None) -> dict:
        return {"id": _id(self.rng), "grid_id": grid_id, "created_at": NOW, "updated_at": NOW,
                "rev": 1, "field_clock": {}, "deleted": False}

    def _node(self, parent: dict | None, level: str, name: str) -> dict:
        row = self._stamp(None)
        row.update(parent_id=parent["id"] if parent else None, level=level, name=name,
                   code=None, path=(parent["path"] if parent else "/") + row["id"] + "/",
                   kind=None, sort=len(self.org))
        if level == "grid":
            row["grid_id"] = row["id"]
        self.org.append(row)
        return row

    def _id_number(self, birth: dt.date, male: bool) -> str:
        key = birth.isoformat()
        n = self._seq.get(key, self.rng.randrange(0, 200)) + 1
        self._seq[key] = n
        seq = f"{n % 100:02d}{(2 * self.rng.randrange(5) + (1 if male else 0))}"
        first17 = "652123" + birth.strftime("%Y%m%d") + seq
        return first17 + id_check_digit(first17)

    def build(self) -> "County":
        county = self._node(None, "county", "托克逊县")
        townships: dict[str, dict] = {}
        grids = []
        for tname, vname in VILLAGES:
            t = townships.get(tname) or self._node(county, "township", tname)
            townships[tname] = t
            v = self._node(t, "village", vname)
            grids += [(v, self._node(v, "grid", f"{vname}第{n}网格")) for n in ("一", "二")]
        for h in range(self.households):
            village, grid = grids[h % len(grids)]
            self._household(h, village, grid)
        return self

    def _name(self, ethnic: str, male: bool, father: str | None) -> str:
        r = self.rng
        if ethnic == "05":
            given = r.choice(UY_MALE if male else UY_FEMALE)
            return f"{given}·{father or r.choice(UY_MALE)}"
        surname = r.choice(HUI_SURNAMES if ethnic == "03" else HAN_SURNAMES)
        return surname + r.choice(HAN_GIVEN_M if male else HAN_GIVEN_F)

    def _household(self, h: int, village: dict, grid: dict) -> None:
        r = self.rng
        gid = grid["id"]
        house = self._stamp(gid)
        plate = f"{village['name']}{h % 7 + 1}组{h + 1}号"
        house.update(building_id=None, unit_id=None, floor_id=None, door_plate=plate,
                     address=f"托克逊县{plate}", house_type="rural_self_built",
                     use="owner_occupied", area=float(r.randrange(60, 240)), notes=None)
        self.houses.append(house)
        ethnic = r.choices(["05", "01", "03"], [65, 27, 8])[0]
        hh = self._stamp(gid)
        hh.update(household_no=f"6521230{h + 1:05d}", head_person_id=None, house_id=house["id"],
                  address=house["address"])
        self.hh.append(hh)
        head_birth = dt.date(r.randrange(1940, 1995), r.randrange(1, 13), r.randrange(1, 29))
        head_male = r.random() < 0.85
        head = self._person(hh, house, gid, ethnic, head_male, head_birth, "head", None)
        hh["head_person_id"] = head["id"]
        father = head["name"].split("·")[0] if ethnic == "05" else None
        if r.random() < 0.8:
            sb = head_birth + dt.timedelta(days=r.randrange(-1500, 1500))
            self._person(hh, house, gid, ethnic, not head_male, sb, "spouse", None)
        for _ in range(r.randrange(0, 4)):
            year = min(head_birth.year + r.randrange(20, 35), 2024)
            cb = dt.date(year, r.randrange(1, 13), r.randrange(1, 29))
            male = r.random() < 0.5
            self._person(hh, house, gid, ethnic, male, cb, "son" if male else "daughter",
                         father if head_male else None)

    def _person(self, hh: dict, house: dict, gid: str, ethnic: str, male: bool,
                birth: dt.date, relation: str, father: str | None) -> dict:
        r = self.rng
        p = self._stamp(gid)
        adult = (TODAY - birth).days > 18 * 365
        p.update(id_number=self._id_number(birth, male), name=self._name(ethnic, male, father),
                 sex="male" if male else "female", birth_date=birth, ethnicity=ethnic,
                 phone=f"1{r.choice('3589')}{r.randrange(10**8, 10**9)}" if adult else None,
                 household_id=hh["id"], relation_to_head=relation, house_id=house["id"],
                 address=house["address"], resident_type="registered", status="normal",
                 education=r.choice(["primary", "junior", "senior", None]),
                 marital_status="married" if relation in ("head", "spouse") else "single",
                 political_status=None, workplace=None, notes=None)
        self.people.append(p)
        age = (TODAY - birth).days // 365
        codes = (["elderly_60"] if age >= 60 else []) + (["dibao"] if r.random() < 0.08 else [])
        for code in codes:
            t = self._stamp(gid)
            t.update(person_id=p["id"], tag_code=code)
            self.tags.append(t)
        return p

    def write(self, engine: Engine, *, create: bool = True) -> "County":
        if create:
            Base.metadata.create_all(engine)
        with engine.begin() as conn:
            for table, rows in ((OrgNode, self.org), (House, self.houses),
                                (Household, self.hh), (Person, self.people),
                                (PersonTag, self.tags)):
                for i in range(0, len(rows), 5000):
                    conn.execute(insert(table.__table__), rows[i:i + 5000])
        return self
