"""Names, ID numbers, phone numbers and credit codes for demo people and units."""
from __future__ import annotations

import datetime as dt
import random
from itertools import accumulate

from common.validation import id_check_digit

from .resources import Inputs

UYGHUR, HAN, HUI, OTHER = "05", "01", "03", "other"
OTHER_ETHNICITIES = (("17", 0.5), ("44", 0.15), ("02", 0.1), ("38", 0.1), ("35", 0.15))
"""Few others: Kazakh, Manchu, Mongol, Xibe, Dongxiang (GB 3304 codes)."""

MIGRANT_REGIONS = ("650102", "650104", "650402", "652101", "410221", "411323", "622421",
                   "620521", "510922", "500228", "412726", "621121")
"""Where floating residents were first registered: Urumqi, Turpan, Henan, Gansu, Sichuan,
Chongqing (the usual origins of migrant workers in Turpan)."""

MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151",
                   "152", "155", "156", "157", "158", "159", "170", "177", "180", "181", "182",
                   "183", "186", "187", "188", "189", "191", "199")


class Namer:
    """Makes names in the customs of each group, from the resource lists."""

    def __init__(self, inputs: Inputs, rng: random.Random) -> None:
        self.rng = rng
        self.inputs = inputs
        self._han_cum = list(accumulate(inputs.han_surnames[1]))
        self._hui_cum = list(accumulate(inputs.hui_surnames[1]))

    def surname(self, group: str) -> str:
        """A family's surname (Han-style groups) or the father's given name (Uyghur-style)."""
        rng = self.rng
        if group == HUI:
            return rng.choices(self.inputs.hui_surnames[0], cum_weights=self._hui_cum)[0]
        if group == UYGHUR or group == "17":
            return rng.choice(self.inputs.uyghur_male)
        return rng.choices(self.inputs.han_surnames[0], cum_weights=self._han_cum)[0]

    def given(self, group: str, sex: str, birth_year: int) -> str:
        rng = self.rng
        if group == UYGHUR or group == "17":
            return rng.choice(self.inputs.uyghur_male if sex == "male"
                              else self.inputs.uyghur_female)
        gen = "old" if birth_year < 1980 else "young"
        return rng.choice(self.inputs.han_given[("m" if sex == "male" else "f", gen)])

    @staticmethod
    def full(group: str, family: str, given: str) -> str:
        """Uyghur (and Kazakh) names are "given·father's given"; others surname + given."""
        if group == UYGHUR or group == "17":
            return f"{given}·{family}"
        return family + given


class IdNumbers:
    """Valid, unique GB 11643 numbers whose birth date and sex digit match the person."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._used: set[str] = set()

    def make(self, region: str, birth: dt.date, sex: str) -> str:
        stem = f"{region}{birth.year:04d}{birth.month:02d}{birth.day:02d}"
        odd = sex == "male"
        while True:
            seq = self.rng.randrange(0, 500) * 2 + (1 if odd else 0)
            first17 = f"{stem}{seq:03d}"
            if first17 not in self._used:
                self._used.add(first17)
                return first17 + id_check_digit(first17)


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def landline(rng: random.Random) -> str:
    """A Toksun landline: Turpan's area code 0995, local numbers starting with 8."""
    return f"0995-8{rng.randrange(10**6):06d}"


_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code(rng: random.Random, kind: str) -> str:
    """A unified social credit code (GB 32100) with a correct check character: registration
    authority and type ("92" individual business, "91" company, "93" cooperative, "12" public
    institution), the county's region code, an organisation code, the check character."""
    head = {"shop": "92", "enterprise": "91", "cooperative": "93", "institution": "12",
            "social": "52"}[kind]
    body = head + "652123" + "".join(rng.choice(_CREDIT_CHARS) for _ in range(9))
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(body, _CREDIT_WEIGHTS))
    return body + _CREDIT_CHARS[(31 - total % 31) % 31]
