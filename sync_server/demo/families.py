"""Households and people for the demo: family shapes, ages that fit, names in each group's
custom, valid ID numbers, phones, resident types, statuses and tags."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from .geography import Grid
from .identity import HAN, HUI, MIGRANT_REGIONS, OTHER_ETHNICITIES, UYGHUR, IdNumbers, Namer, \
    landline, mobile
from .places import HouseRef, PlaceMaker
from .rows import Writer

COUNTY_REGION = "652123"
XINJIANG_ELSEWHERE = ("650102", "650104", "650402", "652101", "652801", "652901")

HOUSEHOLD_SHAPES = ("couple_kids", "three_generations", "elderly_couple", "elderly_alone",
                    "young_single", "young_couple", "single_parent")
SHAPE_WEIGHTS = {
    UYGHUR: (48, 18, 9, 3.2, 5, 6, 4.5),
    HUI: (50, 15, 10, 3.2, 5, 7, 4.5),
    HAN: (46, 10, 14, 4.2, 8, 9, 4.5),
}
"""Household shapes by group: Uyghur and Hui families more often live three generations
together; Han households are smaller and older. Tuned so that about 8% of the elderly live
alone and households average the sizes geography.MEAN_HOUSEHOLD assumes."""

CHILDREN = {UYGHUR: ((1, 2, 3, 4), (15, 35, 35, 15)), HUI: ((1, 2, 3, 4), (20, 45, 28, 7)),
            HAN: ((1, 2, 3), (45, 45, 10))}


@dataclass
class PersonRef:
    """What later stages (work, units, ledgers) need to know about a person."""

    id: str
    name: str
    sex: str
    age: int
    id_number: str
    phone: str | None
    household_id: str
    house_id: str
    status: str
    tags: list[str] = field(default_factory=list)
    ethnicity: str = ""


@dataclass
class HouseholdRef:
    id: str
    head: PersonRef
    house: HouseRef
    members: list[PersonRef]
    rural: bool
    dibao: bool


@dataclass
class _Member:
    relation: str
    sex: str
    age: int
    given: str
    family: str  # surname, or (Uyghur) the father's given name
    marital: str
    lodger: bool = False


class FamilyMaker:
    """Writes the households of one grid with their people, houses and tags."""

    def __init__(self, w: Writer, rng: random.Random, namer: Namer, places: PlaceMaker,
                 today: dt.date, created: dt.datetime) -> None:
        self.w = w
        self.rng = rng
        self.namer = namer
        self.places = places
        self.ids = IdNumbers(rng)
        self.today = today
        self.created = created
        self.household_seq: dict[str, int] = {}

    # -- who lives together ----------------------------------------------------------------
    def _group(self, grid: Grid) -> str:
        r = self.rng.random()
        m = grid.mix
        if r < m[0]:
            return UYGHUR
        if r < m[0] + m[1]:
            return HAN
        if r < m[0] + m[1] + m[2]:
            return HUI
        codes = [c for c, _ in OTHER_ETHNICITIES]
        return self.rng.choices(codes, weights=[wt for _, wt in OTHER_ETHNICITIES])[0]

    def _style(self, group: str) -> str:
        """Which naming and family customs apply: Uyghur-style (also Kazakh), Hui or Han."""
        if group in (UYGHUR, "17"):
            return UYGHUR
        return HUI if group == HUI else HAN

    def _person(self, group: str, relation: str, sex: str, age: int, family: str,
                marital: str) -> _Member:
        birth_year = self.today.year - age
        return _Member(relation, sex, age, self.namer.given(group, sex, birth_year), family,
                       marital)

    def _kids(self, group: str, style: str, mother_age: int, family: str,
              relation_son: str = "son", relation_daughter: str = "daughter",
              max_age: int = 26) -> list[_Member]:
        rng = self.rng
        counts, weights = CHILDREN[style]
        out: list[_Member] = []
        age_at_birth = rng.randrange(20, 27)
        for _ in range(rng.choices(counts, weights)[0]):
            age = mother_age - age_at_birth
            if age < 0:
                break
            # Grown children mostly have homes of their own.
            if age <= max_age or rng.random() < 0.25:
                sex = "male" if rng.random() < 0.515 else "female"
                rel = relation_son if sex == "male" else relation_daughter
                out.append(self._person(group, rel, sex, age, family,
                                        "married" if age > 30 else "single"))
            age_at_birth += rng.randrange(2, 5)
        return out

    def _members(self, group: str, style: str) -> tuple[str, list[_Member]]:
        rng = self.rng
        shape = rng.choices(HOUSEHOLD_SHAPES, SHAPE_WEIGHTS[style])[0]
        fam = self.namer.surname(style)
        other_family = lambda: self.namer.surname(style)  # noqa: E731  (spouses' own families)
        if shape == "elderly_alone":
            sex = "female" if rng.random() < 0.65 else "male"
            return shape, [self._person(group, "head", sex, rng.randrange(62, 93), fam,
                                        "widowed")]
        if shape == "young_single":
            sex = "male" if rng.random() < 0.6 else "female"
            return shape, [self._person(group, "head", sex, rng.randrange(20, 39), fam,
                                        "single")]
        if shape == "single_parent":
            age = rng.randrange(28, 53)
            head = self._person(group, "head", "female", age, other_family(),
                                rng.choice(("divorced", "widowed")))
            return shape, [head] + self._kids(group, style, age, fam)
        if shape == "elderly_couple":
            age = rng.randrange(60, 89)
            head = self._person(group, "head", "male", age, fam, "married")
            wife = self._person(group, "spouse", "female", max(55, age - rng.randrange(0, 7)),
                                other_family(), "married")
            return shape, [head, wife]
        head_age = rng.randrange(22, 33) if shape == "young_couple" else rng.randrange(25, 60)
        head = self._person(group, "head", "male", head_age, fam, "married")
        wife_age = max(20, head_age - rng.randrange(-2, 7))
        wife = self._person(group, "spouse", "female", wife_age, other_family(), "married")
        # Uyghur children carry their father's given name; Han and Hui his surname.
        kids_family = head.given if style == UYGHUR else fam
        if shape == "young_couple":
            return shape, [head, wife]
        # Children's ages are set from the younger parent so that they fit both.
        younger = min(head_age, wife_age)
        if shape == "couple_kids":
            return shape, [head, wife] + self._kids(group, style, younger, kids_family)
        # three generations: either the head's parents live with the family, or the elder
        # couple heads the household with a married son and grandchildren.
        if rng.random() < 0.55:
            out = [head, wife] + self._kids(group, style, younger, kids_family, max_age=22)
            father_age = head_age + rng.randrange(22, 35)
            if father_age < 92 and rng.random() < 0.7:
                father = self._person(group, "father", "male", father_age, fam, "married")
                if style == UYGHUR:  # the head's father's given name is the head's "family"
                    father.given, father.family = fam, other_family()
                out.append(father)
            mother_age = head_age + rng.randrange(20, 31)
            if mother_age < 96:
                out.append(self._person(group, "mother", "female", mother_age, other_family(),
                                        "married" if len(out) and out[-1].relation == "father"
                                        else "widowed"))
            return shape, out
        elder_age = rng.randrange(58, 82)
        elder = self._person(group, "head", "male", elder_age, fam, "married")
        elder_wife = self._person(group, "spouse", "female", max(50, elder_age - rng.randrange(0, 6)),
                                  other_family(), "married")
        son_age = elder_wife.age - rng.randrange(20, 30)
        son_family = elder.given if style == UYGHUR else fam
        son = self._person(group, "son", "male", son_age, son_family, "married")
        dil_age = max(20, son_age - rng.randrange(0, 5))
        dil = self._person(group, "daughter_in_law", "female", dil_age, other_family(), "married")
        grand_family = son.given if style == UYGHUR else fam
        grandkids = self._kids(group, style, min(son_age, dil_age), grand_family, "grandson",
                               "granddaughter", max_age=20)
        return "elder_headed", [elder, elder_wife, son, dil] + grandkids

    # -- writing a household ---------------------------------------------------------------
    def household(self, grid: Grid) -> HouseholdRef:
        rng = self.rng
        rural = grid.kind == "村"
        group = self._group(grid)
        resident_type, region = "registered", COUNTY_REGION
        r = rng.random()
        if r < (0.07 if not rural else 0.025):
            # Migrant workers: mostly Han from Henan, Gansu, Sichuan, renting in town.
            resident_type, region = "floating", rng.choice(MIGRANT_REGIONS)
            group = rng.choices((HAN, HUI, UYGHUR), (70, 15, 15))[0]
        elif r < 0.09:
            resident_type, region = "permanent", rng.choice(XINJIANG_ELSEWHERE)
        style = self._style(group)
        shape, members = self._members(group, style)
        if rng.random() < 0.012:
            lodger = self._person(group, "other", "male" if rng.random() < 0.5 else "female",
                                  rng.randrange(16, 60), self.namer.surname(style), "single")
            lodger.lodger = True
            members.append(lodger)
        use = "rented" if resident_type == "floating" else "owner_occupied"
        if rural:
            house = self.places.rural_house(grid, use)
        elif rng.random() < 0.15:
            house = self.places.street_house(grid, "bungalow", use)
        else:
            house = self.places.apartment(grid, use)

        hh_id = self.w.new_id()
        ids = [self.w.new_id() for _ in members]
        seq = self.household_seq.get(grid.code[:12], 0) + 1
        self.household_seq[grid.code[:12]] = seq
        at = self.created + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 200))
        self.w.add("households", grid.id, at, {
            "household_no": f"{grid.code[6:12]}{seq:04d}", "head_person_id": ids[0],
            "house_id": house.id, "address": house.address}, record_id=hh_id)
        dibao = rng.random() < (0.13 if shape in ("elderly_alone", "single_parent") else 0.03)
        landline_home = rng.random() < 0.08
        # Parents working away leave grandchildren with the grandparents (留守儿童).
        away = shape == "elder_headed" and rng.random() < 0.3
        refs: list[PersonRef] = []
        for pid, m in zip(ids, members):
            refs.append(self._write_person(grid, pid, m, group, style, region,
                                           "lodging" if m.lodger else resident_type,
                                           hh_id, house, at, shape, dibao, landline_home,
                                           away))
        return HouseholdRef(hh_id, refs[0], house, refs, rural, dibao)

    def _birth(self, age: int) -> dt.date:
        # A birthday spread over the year that gives exactly `age` today.
        last = self.today.replace(year=self.today.year - age) if not (
            self.today.month == 2 and self.today.day == 29) else self.today.replace(
            year=self.today.year - age, day=28)
        return last - dt.timedelta(days=self.rng.randrange(0, 365))

    def _write_person(self, grid: Grid, pid: str, m: _Member, group: str, style: str,
                      region: str, resident_type: str, hh_id: str, house: HouseRef,
                      at: dt.datetime, shape: str, dibao: bool, landline_home: bool,
                      away: bool) -> PersonRef:
        rng = self.rng
        birth = self._birth(m.age)
        age = m.age
        id_number = self.ids.make(region if m.relation != "other" else COUNTY_REGION, birth,
                                  m.sex)
        status = "normal"
        if age >= 65 and m.relation != "head" and rng.random() < 0.04:
            status = "deceased"
        elif 18 <= age <= 30 and m.relation in ("son", "daughter") and rng.random() < 0.06:
            status = "moved_out"
        phone = None
        if 16 <= age <= 70 and rng.random() < 0.93 or age > 70 and rng.random() < 0.45:
            phone = mobile(rng)
        if m.relation == "head" and landline_home:
            phone = landline(rng)
        tags = self._tags(m, age, shape, dibao, status, away)
        political = "masses"
        if "party_member" in tags:
            political = "cpc"
        elif 14 <= age <= 28 and rng.random() < 0.25:
            political = "league"
        workplace = None
        if away and m.relation in ("son", "daughter_in_law"):
            workplace = "外出务工"
        self.w.add("people", grid.id, max(at, dt.datetime.combine(birth, dt.time(9))), {
            "id_number": id_number, "name": self.namer.full(group, m.family, m.given),
            "sex": m.sex, "birth_date": birth,
            "ethnicity": group,
            "phone": phone, "household_id": hh_id, "relation_to_head": m.relation,
            "house_id": house.id, "address": house.address, "resident_type": resident_type,
            "status": status, "education": _education(rng, age, birth.year, style),
            "marital_status": None if age < 16 else m.marital, "political_status": political,
            "workplace": workplace, "notes": None}, record_id=pid)
        ref = PersonRef(pid, self.namer.full(group, m.family, m.given), m.sex, age, id_number,
                        phone, hh_id, house.id, status, tags, group)
        for tag in tags:
            self.w.add("person_tags", grid.id, at, {"person_id": pid, "tag_code": tag})
        grid.people.append(ref)
        return ref

    def _tags(self, m: _Member, age: int, shape: str, dibao: bool, status: str,
              away: bool) -> list[str]:
        if status != "normal":
            return []
        rng = self.rng
        tags: list[str] = []
        if age >= 60:
            tags.append("elderly_60")
            if shape == "elderly_alone":
                tags.append("living_alone")
                if dibao and rng.random() < 0.3:
                    tags.append("special_hardship")
            elif shape == "elderly_couple":
                tags.append("empty_nest")
        if away and age < 16 and m.relation in ("grandson", "granddaughter"):
            tags.append("left_behind_child")
        if m.relation == "head" and dibao:
            tags.append("dibao")
        if m.relation == "head" and rng.random() < 0.02:
            tags.append("poverty_monitor")
        if rng.random() < (0.012 if age < 60 else 0.05):
            tags.append("disabled")
        if age >= 18 and rng.random() < (0.05 if age < 35 else 0.075):
            tags.append("party_member")
        if m.sex == "male" and 25 <= age <= 75 and rng.random() < 0.025:
            tags.append("veteran")
        if 18 <= age <= 50 and rng.random() < 0.001:
            tags.append("key_person")
        if rng.random() < 0.005:
            tags.append("serious_illness")
        return tags


def _education(rng: random.Random, age: int, birth_year: int, style: str) -> str | None:
    if age < 7:
        return None
    if age <= 12:
        return "primary"
    if age <= 15:
        return "junior"
    if age <= 18:
        return "senior"
    if birth_year < 1960:
        levels, weights = ("none", "primary", "junior", "senior"), (30, 45, 18, 7)
    elif birth_year < 1985:
        levels, weights = ("primary", "junior", "senior", "college", "bachelor"), \
            (20, 45, 22, 8, 5)
    else:
        levels, weights = ("junior", "senior", "college", "bachelor", "postgraduate"), \
            (30, 35, 18, 16, 1)
    return rng.choices(levels, weights)[0]
