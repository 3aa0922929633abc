"""GB/T 4754-2017 industry codes, shipped as versioned data in data/gbt4754_2017.csv.

Codes carry their section letter, so every level is a prefix of the levels below it:
section "C", division "C39", group "C398", class "C3982".

The table is the complete classification as published in 2017 (20 sections, 97 divisions,
473 groups, 1,381 classes; amendment No. 1 of 2019 is not in it). Codes and Chinese names come
from github.com/zmshe/capital src/utils/category.js (commit 0b8f1ae480aadd9f35aca2fd0efb934e9a7101e8)
and were checked, code by code and name by name, against github.com/ramwin/china-public-data
国民经济行业分类/国民经济行业分类_2017.json (commit 558effa78547d3e212d95be4f3e1c43bf85422ec), which
was parsed from the standard's PDF; scripts/gbt4754_crosscheck.py repeats the check. English names
are the platform's own and cover only some rows: `name_en` is "" where there is none.
"""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "gbt4754_2017.csv"
SECTION, DIVISION, GROUP, CLASS = "section", "division", "group", "class"
_LEVEL_BY_LENGTH = {1: SECTION, 3: DIVISION, 4: GROUP, 5: CLASS}


@dataclass(frozen=True)
class Industry:
    code: str
    name: str
    name_en: str
    level: str

    @property
    def section(self) -> str:
        return self.code[0]

    @property
    def division(self) -> str | None:
        return self.code[:3] if len(self.code) >= 3 else None


@cache
def all_industries() -> dict[str, Industry]:
    with DATA_FILE.open(encoding="utf-8") as handle:
        return {
            row["code"]: Industry(
                code=row["code"],
                name=row["name"],
                name_en=row["name_en"],
                level=_LEVEL_BY_LENGTH[len(row["code"])],
            )
            for row in csv.DictReader(handle)
        }


def get_industry(code: str) -> Industry | None:
    return all_industries().get(code)


def industry_chain(code: str) -> list[str]:
    """The code and its ancestors that exist in the table, section first: ["C", "C39", "C398", "C3982"]."""
    prefixes = [code[:length] for length in (1, 3, 4, 5) if length <= len(code)]
    return [prefix for prefix in prefixes if prefix in all_industries()]
