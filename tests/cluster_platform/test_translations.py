"""The Simplified Chinese catalog: complete, compiled, and covering every string in the code."""

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
IGNORED = [".venv", "tests", "bench", "docs", "scripts", "staticfiles", ".pgdata"]


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file as {"msgid", "msgid_plural", "msgstr": [...], "fuzzy"} (header excluded)."""
    entries, entry, key = [], None, None

    def close():
        if entry and entry.get("msgid"):
            entries.append(entry)

    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            close()
            entry, key = None, None
            continue
        if line.startswith("#~"):
            continue
        entry = entry or {"msgid": "", "msgid_plural": None, "msgstr": {}, "fuzzy": False}
        if line.startswith("#,") and "fuzzy" in line:
            entry["fuzzy"] = True
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = _unquote(line)
            if key == "msgid":
                entry["msgid"] += value
            elif key == "msgid_plural":
                entry["msgid_plural"] += value
            else:
                entry["msgstr"][key] += value
        else:
            keyword, _, rest = line.partition(" ")
            value = _unquote(rest)
            if keyword == "msgid":
                key, entry["msgid"] = "msgid", value
            elif keyword == "msgid_plural":
                key, entry["msgid_plural"] = "msgid_plural", value
            elif keyword.startswith("msgstr"):
                key = keyword
                entry["msgstr"][key] = value
    return entries


def _unquote(text: str) -> str:
    escapes = {"n": "\n", "t": "\t"}
    return re.sub(r"\\(.)", lambda match: escapes.get(match.group(1), match.group(1)), text[1:-1])


def test_every_entry_is_translated_and_none_is_fuzzy():
    entries = parse_po(PO)

    assert len(entries) > 100
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"].values())]
    fuzzy = [e["msgid"] for e in entries if e["fuzzy"]]
    assert untranslated == [], "run `make messages` and translate these"
    assert fuzzy == [], "review these translations and remove the fuzzy flag"


def test_the_committed_mo_matches_the_po():
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in parse_po(PO):
        if entry["msgid_plural"]:
            got = compiled.ngettext(entry["msgid"], entry["msgid_plural"], 1)
            want = entry["msgstr"]["msgstr[0]"]
        else:
            got, want = compiled.gettext(entry["msgid"]), entry["msgstr"]["msgstr"]
        if got != want:
            stale.append(entry["msgid"])
    assert stale == [], "django.mo is stale: run `make messages` (compilemessages) and commit django.mo"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_the_catalog_covers_every_translatable_string_in_the_code(tmp_path):
    """Extract the strings afresh from a copy of the code (makemessages writes next to the code
    it scans, so it must not run on the checkout) and compare them with the catalog."""
    from django.conf import settings

    source = tmp_path / "src"
    shutil.copytree(
        ROOT, source, ignore=shutil.ignore_patterns(".git", "locale", "__pycache__", "*.pyc", *IGNORED)
    )
    (source / "locale").mkdir()
    script = (
        "import sys, django\n"
        "django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('makemessages', locale=['zh_Hans'], no_location=True, verbosity=0)\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cluster_platform.settings.test",
        "DATABASE_URL": os.environ.get("DATABASE_URL", settings.DATABASE_URL),
    }
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=source, env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr
    fresh = {e["msgid"] for e in parse_po(source / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")}
    catalog = {e["msgid"] for e in parse_po(PO)}

    missing = sorted(fresh - catalog)
    assert missing == [], "new strings: run `make messages` and translate them"


# --- `name` of reference rows follows Accept-Language ------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/api/v1/reference/industries/C39/", "C39"),
        ("/api/v1/reference/regions/320214/", "320214"),
    ],
)
def test_reference_names_follow_accept_language(api_client, path, code):
    chinese = api_client.get(path).json()
    english = api_client.get(path, HTTP_ACCEPT_LANGUAGE="en").json()

    assert chinese["name"] == chinese["name_zh"] == english["name_zh"]
    if english["name_en"]:
        assert english["name"] == english["name_en"] != chinese["name"]
    else:  # regions: GB/T 2260 has no English names
        assert english["name"] == chinese["name"]


@pytest.mark.django_db
def test_category_names_follow_accept_language_in_list_tree_and_offerings(api_client):
    from services.models import Category

    category = Category.objects.filter(parent__isnull=False).order_by("code").first()
    # The taxonomy is one short list, answered whole (not paginated; docs/api.md says which lists are).
    english = api_client.get("/api/v1/service-categories/", HTTP_ACCEPT_LANGUAGE="en")
    chinese = api_client.get("/api/v1/service-categories/")
    tree = api_client.get("/api/v1/service-categories/tree/", HTTP_ACCEPT_LANGUAGE="en").json()

    english_row = next(row for row in english.json() if row["code"] == category.code)
    chinese_row = next(row for row in chinese.json() if row["code"] == category.code)
    assert english_row["name"] == category.name_en
    assert chinese_row["name"] == category.name
    assert english_row["name_zh"] == chinese_row["name_zh"] == category.name
    tree_child = next(child for root in tree for child in root["children"] if child["code"] == category.code)
    assert tree_child["name"] == category.name_en
    assert tree[0]["name"] == Category.objects.get(code=tree[0]["code"]).name_en
