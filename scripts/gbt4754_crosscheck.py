"""Rebuild and cross-check the shipped GB/T 4754-2017 table against two public copies of the standard.

    python scripts/gbt4754_crosscheck.py CATEGORY_JS CHINA_PUBLIC_DATA_JSON [--write]

CATEGORY_JS is source A, `src/utils/category.js` of github.com/zmshe/capital (commit 0b8f1ae4): a flat
list with the standard's explanations. CHINA_PUBLIC_DATA_JSON is source B,
`国民经济行业分类/国民经济行业分类_2017.json` of github.com/ramwin/china-public-data (commit 558effa7):
a tree parsed from the standard's PDF. Neither is committed here; fetch them to re-run.

The table is built from A and every code and Chinese name is compared with B. Without `--write` the
script only checks, and exits 1 when A and B disagree or the shipped CSV differs from A. With `--write`
it rewrites the code and Chinese-name columns of the CSV and keeps its curated English names.
"""

import argparse
import csv
import json
import re
import sys
from pathlib import Path

CSV_PATH = (
    Path(__file__).resolve().parent.parent / "cluster_platform" / "reference" / "data" / "gbt4754_2017.csv"
)

# Source A's rows: {class4, class3, level, class2, class1, name, remark}; level 1 to 4 is section to class.
_A_ROW = re.compile(
    r"\{\s*class4: '(\d*)',\s*class3: '(\d*)',\s*level: '([1-4])',\s*class2: '(\d*)',"
    r"\s*class1: '([A-T])',\s*name: '([^']*)',"
)
# Source A lists class 3741 without its class code, as a second group 374 right after the real one.
_A_MISPLACED = {("C374", "飞机制造"): "C3741"}


def normalise(name: str) -> str:
    """Trailing blanks (ASCII and ideographic) dropped; brackets full-width, as the standard mostly
    prints them (both copies mix in a few ASCII ones, e.g. 三维（3D)打印技术推广服务)."""
    return name.replace("\u3000", " ").strip().replace("(", "（").replace(")", "）")


def read_source_a(path: Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8")
    rows = _A_ROW.findall(text)
    if len(rows) != text.count("class1:"):
        sys.exit(f"{path}: read {len(rows)} rows of {text.count('class1:')}; the layout changed")
    table: dict[str, str] = {}
    for class4, class3, level, class2, section, name in rows:
        code = section + {"1": "", "2": class2, "3": class3, "4": class4}[level]
        code = _A_MISPLACED.get((code, name), code)
        if code in table:
            sys.exit(f"{path}: {code} twice")
        table[code] = normalise(name)
    # The standard prints a group with a single class on one line ("134 1340 制糖业"); A lists only
    # the class, so the group takes the class's name.
    for code, name in list(table.items()):
        group = code[:4]
        if len(code) == 5 and group not in table:
            siblings = [c for c in table if len(c) == 5 and c.startswith(group)]
            if siblings != [code] or not code.endswith("0"):
                sys.exit(f"{path}: group {group} is missing and is not a one-line group")
            table[group] = name
    return table


def read_source_b(path: Path) -> dict[str, str]:
    table: dict[str, str] = {}

    def walk(node: dict, section: str) -> None:
        code = node["code"] if len(node["code"]) == 1 else section + node["code"]
        table[code] = normalise(node["name"])
        for child in node.get("children") or []:
            walk(child, section)

    for section in json.loads(path.read_text(encoding="utf-8")):
        walk(section, section["code"])
    return table


def compare(a: dict[str, str], b: dict[str, str]) -> tuple[list[str], list[str]]:
    """(disagreements, names B cut short): B was parsed from the PDF, where a long name that wraps
    lost its end (and once took the start of the explanation beside it)."""
    disagreements = [f"only in A: {code} {a[code]}" for code in sorted(a.keys() - b.keys())]
    disagreements += [f"only in B: {code} {b[code]}" for code in sorted(b.keys() - a.keys())]
    truncated = []
    for code in sorted(a.keys() & b.keys()):
        in_b = b[code].split()[0]
        if a[code] == b[code]:
            continue
        if a[code].startswith(in_b):
            truncated.append(f"{code} A: {a[code]} / B: {b[code]}")
        else:
            disagreements.append(f"{code} A: {a[code]} / B: {b[code]}")
    return disagreements, truncated


def counts(table: dict[str, str]) -> dict[str, int]:
    levels = {1: "sections", 3: "divisions", 4: "groups", 5: "classes"}
    return {name: sum(1 for code in table if len(code) == length) for length, name in levels.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source_a", type=Path, help="zmshe/capital src/utils/category.js")
    parser.add_argument("source_b", type=Path, help="ramwin/china-public-data 国民经济行业分类_2017.json")
    parser.add_argument("--write", action="store_true", help="rewrite the CSV's codes and Chinese names")
    args = parser.parse_args()

    a, b = read_source_a(args.source_a), read_source_b(args.source_b)
    disagreements, truncated = compare(a, b)
    print("A:", counts(a))
    print("B:", counts(b))
    print(f"names B cut short ({len(truncated)}):", *truncated, sep="\n  ")
    print(f"disagreements ({len(disagreements)}):", *disagreements, sep="\n  ")

    with CSV_PATH.open(encoding="utf-8") as handle:
        shipped = {row["code"]: row for row in csv.DictReader(handle)}
    if args.write:
        with CSV_PATH.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["code", "name", "name_en"])
            for code in sorted(a):
                writer.writerow([code, a[code], shipped.get(code, {}).get("name_en", "")])
        print(f"wrote {len(a)} rows to {CSV_PATH}")
        return 1 if disagreements else 0

    stale = sorted(
        code for code in a.keys() | shipped.keys() if a.get(code) != shipped.get(code, {}).get("name")
    )
    print(f"shipped rows that differ from A ({len(stale)}):", *stale[:50], sep="\n  ")
    return 1 if disagreements or stale else 0


if __name__ == "__main__":
    sys.exit(main())
