"""The demo's inputs read from resources/demo/: the county's structure, name lists and texts."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

RESOURCES = Path(__file__).resolve().parents[2] / "resources" / "demo"


def _lines(name: str) -> list[str]:
    text = (RESOURCES / name).read_text(encoding="utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


def _weighted(name: str) -> tuple[list[str], list[int]]:
    items, weights = [], []
    for ln in _lines(name):
        word, weight = ln.split()
        items.append(word)
        weights.append(int(weight))
    return items, weights


@dataclass(frozen=True)
class Inputs:
    county: dict[str, Any]
    texts: dict[str, Any]
    uyghur_male: list[str]
    uyghur_female: list[str]
    han_surnames: tuple[list[str], list[int]]
    hui_surnames: tuple[list[str], list[int]]
    han_given: dict[tuple[str, str], list[str]]  # (sex m/f, generation old/young) -> names


@lru_cache(maxsize=1)
def load() -> Inputs:
    given: dict[tuple[str, str], list[str]] = {}
    for ln in _lines("han_given.txt"):
        sex, gen, name = ln.split()
        given.setdefault((sex, gen), []).append(name)
    return Inputs(
        county=json.loads((RESOURCES / "county.json").read_text(encoding="utf-8")),
        texts=json.loads((RESOURCES / "texts.json").read_text(encoding="utf-8")),
        uyghur_male=_lines("uyghur_male.txt"),
        uyghur_female=_lines("uyghur_female.txt"),
        han_surnames=_weighted("han_surnames.txt"),
        hui_surnames=_weighted("hui_surnames.txt"),
        han_given=given,
    )
