"""The platform-wide service taxonomy, shipped as versioned data in data/categories.csv.

`category_tree_sync` makes the table match the file: it is idempotent, runs from a data
migration (so `migrate` installs the tree) and from the demo seed. Rows the file no longer
lists are kept (offerings may still point at them); edit them in the admin if needed.
"""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "categories.csv"


@dataclass(frozen=True)
class CategoryRow:
    code: str
    parent: str | None
    name: str
    name_en: str
    position: int


@cache
def category_rows() -> tuple[CategoryRow, ...]:
    """The file's rows, parents before children, positions numbering siblings in file order."""
    with DATA_FILE.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    seen: set[str] = set()
    siblings: dict[str | None, int] = {}
    result = []
    for row in rows:
        parent = row["parent"] or None
        if parent is not None and parent not in seen:
            raise ValueError(f"category {row['code']} lists parent {parent} before it is defined")
        if row["code"] in seen:
            raise ValueError(f"category {row['code']} is listed twice")
        seen.add(row["code"])
        position = siblings.get(parent, 0)
        siblings[parent] = position + 1
        result.append(CategoryRow(row["code"], parent, row["name"], row["name_en"], position))
    return tuple(result)


def category_tree_sync(category_model) -> int:
    """Create or update every category of the file; returns how many rows changed.

    Takes the model class so that a migration can pass its historical model.
    """
    changed = 0
    existing = {category.code: category for category in category_model.objects.all()}
    for row in category_rows():
        values = {"parent_id": row.parent, "name": row.name, "name_en": row.name_en, "position": row.position}
        current = existing.get(row.code)
        if current is None:
            category_model.objects.create(code=row.code, **values)
            changed += 1
        elif any(getattr(current, field) != value for field, value in values.items()):
            category_model.objects.filter(code=row.code).update(**values)
            changed += 1
    return changed
