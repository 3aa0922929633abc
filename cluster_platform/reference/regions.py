"""GB/T 2260 administrative division codes, derived from the table python-stdnum ships.

stdnum's `cn/loc.dat` lists every code with the years each name was valid
("[1983-2015]崇安区"); a code is current when one of its names has no end year.
Deriving the table from it keeps us in step with stdnum's updates instead of a
hand-typed copy.
"""

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

PROVINCE, CITY, DISTRICT = "province", "city", "district"
_PERIOD_NAME = re.compile(r"^(?:\[(?P<start>\d{4})?-(?P<end>\d{4})?\])?(?P<name>.+)$")
# Placeholder rows ("the districts under the city") that name no area of their own.
_PLACEHOLDER_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str
    parent_code: str | None


def _current_name(names: str) -> str | None:
    for part in names.split(","):
        match = _PERIOD_NAME.match(part.strip())
        if match and match["end"] is None:
            return match["name"]
    return None


def _level(code: str) -> str:
    if code.endswith("0000"):
        return PROVINCE
    if code.endswith("00"):
        return CITY
    return DISTRICT


@cache
def all_regions() -> dict[str, Region]:
    text = (resources.files("stdnum") / "cn" / "loc.dat").read_text(encoding="utf-8")
    regions: dict[str, Region] = {}
    province_prefix = None
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, _, value = line.strip().partition(" ")
        names = value.split("=", 1)[1].strip('"')
        if not line.startswith(" "):
            province_prefix = key
            continue
        code = f"{province_prefix}{key}"
        name = _current_name(names)
        if name is None or name in _PLACEHOLDER_NAMES:
            continue
        level = _level(code)
        regions[code] = Region(code=code, name=name, level=level, parent_code=None)
    for code, region in list(regions.items()):
        regions[code] = Region(region.code, region.name, region.level, _parent_code(code, regions))
    return regions


def _parent_code(code: str, regions: dict[str, Region]) -> str | None:
    level = _level(code)
    if level == PROVINCE:
        return None
    city = f"{code[:4]}00"
    if level == DISTRICT and city in regions:
        return city
    province = f"{code[:2]}0000"
    return province if province in regions else None


def get_region(code: str) -> Region | None:
    return all_regions().get(code)


def region_prefix(code: str) -> str:
    """The prefix every code inside `code` starts with: 2 digits for a province, 4 for a city."""
    level = _level(code)
    if level == PROVINCE:
        return code[:2]
    if level == CITY:
        return code[:4]
    return code


def is_region_code(code: str) -> bool:
    """Six digits: the shape of a GB/T 2260 code, listed in the table or not."""
    return len(code) == 6 and code.isdigit()


def region_covering_codes(code: str) -> tuple[str, ...]:
    """The codes whose regions contain `code` by its digits: its province (xx0000), its city
    (xxxx00) and itself, listed in the table or not. A region served as one of these codes
    covers `code` (`region_contains`, seen from the inner side), which lets the matching engine
    test coverage as a set intersection."""
    return (code[:2] + "0000", code[:4] + "00", code) if len(code) == 6 else ()


def region_contains(outer: str, inner: str) -> bool:
    """True when region `inner` lies within region `outer` (or is it)."""
    return inner.startswith(region_prefix(outer))


def region_chain(code: str) -> list[str]:
    """The code and its ancestors, province first: e.g. ["320000", "320200", "320214"]."""
    chain = []
    current = get_region(code)
    while current is not None:
        chain.append(current.code)
        current = get_region(current.parent_code) if current.parent_code else None
    return list(reversed(chain))
