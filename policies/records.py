"""A policy record as plain values: coercion from import cells, cross-field checks, identity, search text.

No ORM here: the API service and the importer both call these on plain dicts, so a row from
a spreadsheet and a JSON body are held to exactly the same rules.
"""

import datetime
import hashlib
import re
import uuid
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from cluster_platform.reference.regions import CITY, DISTRICT, PROVINCE, get_region
from cluster_platform.search import weighted_document
from policies.categories import (
    BENEFIT_TYPE_BY_LABEL,
    BENEFIT_TYPE_CODES,
    CATEGORY_BY_LABEL,
    CATEGORY_CODES,
)
from policies.rules.validation import validate_rule

LEVELS = ("national", "provincial", "municipal", "district")
STATUSES = ("draft", "published", "expired")
LEVEL_BY_LABEL = {
    "国家级": "national",
    "国家": "national",
    "省级": "provincial",
    "省": "provincial",
    "市级": "municipal",
    "市": "municipal",
    "区县级": "district",
    "区级": "district",
    "县级": "district",
}
STATUS_BY_LABEL = {"草稿": "draft", "已发布": "published", "发布": "published", "已失效": "expired"}
# Province-level municipalities: their own policies are "municipal" in everyday usage.
DIRECT_MUNICIPALITIES = frozenset({"110000", "120000", "310000", "500000"})
DATE_FIELDS = ("published_on", "application_opens", "application_closes", "valid_from", "valid_until")
TEXT_LIMITS = {
    "title": 300,
    "document_number": 100,
    "issuer": 200,
    "source_url": 500,
}
REQUIRED = ("title", "issuer", "level")
# The `covers` benefit (the policy pays a share of a service's price, up to a cap, for services of
# some categories) and its stacking rules with other subsidies. An import updates these only when
# the file has their columns, so re-importing a file without them keeps what was set elsewhere.
COVERS_FIELDS = (
    "covers_share",
    "covers_cap",
    "covers_categories",
    "stackable",
    "exclusive_with",
    "max_public_share",
)
COVERS_DEFAULTS = {"covers_categories": [], "stackable": True, "exclusive_with": []}
SHARE_FIELDS = ("covers_share", "max_public_share")
# Every field an import file or the API may set.
FIELDS = (
    "title",
    "document_number",
    "issuer",
    "level",
    "region_code",
    "published_on",
    "application_opens",
    "application_closes",
    "valid_from",
    "valid_until",
    "categories",
    "summary",
    "full_text",
    "source_url",
    "benefit_type",
    "max_amount",
    "eligibility_rule",
    "status",
    *COVERS_FIELDS,
)
MAX_AMOUNT_LIMIT = Decimal("999999999999.99")
_BRACKETS = str.maketrans({"[": "〔", "［": "〔", "【": "〔", "]": "〕", "］": "〕", "】": "〕"})
_url_validator = URLValidator(schemes=["http", "https"])


class RowErrors(dict):
    """field -> list of messages."""

    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    for pattern in ("%Y-%m-%d", "%Y年%m月%d日"):
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(_("Not a date (use YYYY-MM-DD)."))


def _amount(value) -> Decimal | None:
    if value is None or value == "":
        return None
    text = _text(value).replace(",", "").replace("，", "")
    multiplier = Decimal(1)
    if text.endswith("万元") or text.endswith("万"):
        text, multiplier = text.rstrip("元").rstrip("万"), Decimal(10_000)
    elif text.endswith("元"):
        text = text[:-1]
    try:
        amount = Decimal(text) * multiplier
    except InvalidOperation:
        raise ValueError(_("Not an amount in CNY.")) from None
    if not amount.is_finite():
        raise ValueError(_("Not an amount in CNY."))
    return amount.quantize(Decimal("0.01"))


def _categories(value) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        items = [_text(item) for item in value]
    else:
        items = [item.strip() for item in re.split(r"[,，;；|、]", _text(value))]
    return [CATEGORY_BY_LABEL.get(item, item) for item in items if item]


def _share(value) -> Decimal | None:
    """A share of a price as people write it: 0.3, "0.3", "30%" or "30％"."""
    if value is None or value == "":
        return None
    text = _text(value).replace("％", "%")
    percent = text.endswith("%")
    try:
        share = Decimal(text.rstrip("%").strip())
    except InvalidOperation:
        raise ValueError(_("Not a share: write a fraction such as 0.3, or a percentage.")) from None
    if not share.is_finite():
        raise ValueError(_("Not a share: write a fraction such as 0.3, or a percentage."))
    if percent:
        share /= 100
    if share != share.quantize(Decimal("0.001")):
        raise ValueError(_("At most three decimals (such as 0.125)."))
    return share.quantize(Decimal("0.001"))


YES = frozenset({"true", "1", "yes", "y", "是", "可", "可叠加", "可以"})
NO = frozenset({"false", "0", "no", "n", "否", "不可", "不可叠加", "不可以"})


def _yes_no(value) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(_("Write yes or no (是/否)."))


def _items(value) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return [_text(item) for item in value if _text(item)]
    return [item.strip() for item in re.split(r"[,，;；|、\s]+", _text(value)) if item.strip()]


def _policy_ids(value) -> list[uuid.UUID]:
    ids = []
    for item in _items(value):
        try:
            ids.append(uuid.UUID(item))
        except ValueError:
            raise ValueError(_("%(value)s is not a policy id.") % {"value": item}) from None
    return list(dict.fromkeys(ids))


def coerce_row(raw: dict) -> tuple[dict, RowErrors]:
    """Typed values from an import row whose cells may be strings, numbers or dates.

    Accepts Chinese labels where people write them (级别 "省级", 类别 "资金补贴", 金额 "50万元").
    Unknown columns are ignored; a cell that cannot be read is a field error.
    """
    values: dict = {}
    errors = RowErrors()
    for field in FIELDS:
        if field not in raw:
            continue
        cell = raw[field]
        try:
            if field in DATE_FIELDS:
                values[field] = _date(cell)
            elif field == "max_amount":
                values[field] = _amount(cell)
            elif field == "categories":
                values[field] = _categories(cell)
            elif field == "level":
                text = _text(cell)
                values[field] = LEVEL_BY_LABEL.get(text, text.lower())
            elif field == "status":
                text = _text(cell)
                values[field] = STATUS_BY_LABEL.get(text, text.lower())
            elif field == "benefit_type":
                text = _text(cell)
                values[field] = BENEFIT_TYPE_BY_LABEL.get(text, text)
            elif field == "eligibility_rule":
                values[field] = _rule(cell)
            elif field in SHARE_FIELDS:
                values[field] = _share(cell)
            elif field == "covers_cap":
                values[field] = _amount(cell)
            elif field == "covers_categories":
                values[field] = list(dict.fromkeys(_items(cell)))
            elif field == "stackable":
                values[field] = _yes_no(cell)
            elif field == "exclusive_with":
                values[field] = _policy_ids(cell)
            elif field == "region_code":
                values[field] = _text(cell)
            else:
                values[field] = _text(cell)
        except ValueError as error:
            errors.add(field, str(error))
    return values, errors


def _rule(cell) -> dict:
    if cell is None or cell == "":
        return {}
    if isinstance(cell, dict):
        return cell
    import json

    try:
        rule = json.loads(cell)
    except (TypeError, ValueError):
        raise ValueError(_("Not a JSON object.")) from None
    if not isinstance(rule, dict):
        raise ValueError(_("Not a JSON object."))
    return rule


def check_region(level: str, region_code: str) -> str | None:
    """The error for a region scope that does not exist or does not fit the level, else None."""
    if level == "national":
        return (
            None
            if not region_code
            else _("A national policy applies to the whole country: leave the region empty.")
        )
    if not region_code:
        return _("A %(level)s policy needs the GB/T 2260 code of the region it applies in.") % {
            "level": level
        }
    region = get_region(region_code)
    if region is None:
        return _("%(code)s is not a current GB/T 2260 administrative division code.") % {"code": region_code}
    expected = {"provincial": (PROVINCE,), "municipal": (CITY,), "district": (DISTRICT,)}[level]
    if level == "municipal" and region_code in DIRECT_MUNICIPALITIES:
        return None
    if region.level not in expected:
        return _(
            "%(code)s (%(name)s) is a %(region_level)s-level code; a %(level)s policy needs a %(expected)s-level code."
        ) % {
            "code": region_code,
            "name": region.name,
            "region_level": region.level,
            "level": level,
            "expected": expected[0],
        }
    return None


def check_record(values: dict) -> RowErrors:
    """Cross-field rules on a complete record (every field present, typed)."""
    errors = RowErrors()
    for field in REQUIRED:
        if not values.get(field):
            errors.add(field, _("This field is required."))
    for field, limit in TEXT_LIMITS.items():
        if len(values.get(field) or "") > limit:
            errors.add(field, _("At most %(limit)d characters.") % {"limit": limit})
    level = values.get("level")
    if level and level not in LEVELS:
        errors.add(
            "level",
            _("Unknown level %(value)s; use one of %(allowed)s.")
            % {"value": level, "allowed": ", ".join(LEVELS)},
        )
    elif level:
        message = check_region(level, values.get("region_code") or "")
        if message:
            errors.add("region_code", message)
    status = values.get("status")
    if status and status not in STATUSES:
        errors.add(
            "status",
            _("Unknown status %(value)s; use one of %(allowed)s.")
            % {"value": status, "allowed": ", ".join(STATUSES)},
        )
    unknown = [code for code in values.get("categories") or [] if code not in CATEGORY_CODES]
    if unknown:
        errors.add("categories", _("Unknown categories: %(codes)s.") % {"codes": ", ".join(unknown)})
    benefit = values.get("benefit_type")
    if benefit and benefit not in BENEFIT_TYPE_CODES:
        errors.add("benefit_type", _("Unknown benefit type %(value)s.") % {"value": benefit})
    amount = values.get("max_amount")
    if amount is not None and (amount < 0 or amount > MAX_AMOUNT_LIMIT):
        errors.add(
            "max_amount", _("The amount must be between 0 and %(limit)s CNY.") % {"limit": MAX_AMOUNT_LIMIT}
        )
    opens, closes = values.get("application_opens"), values.get("application_closes")
    if opens and closes and opens > closes:
        errors.add("application_closes", _("The application window closes before it opens."))
    valid_from, valid_until = values.get("valid_from"), values.get("valid_until")
    if valid_from and valid_until and valid_from > valid_until:
        errors.add("valid_until", _("The validity ends before it starts."))
    url = values.get("source_url")
    if url:
        try:
            _url_validator(url)
        except DjangoValidationError:
            errors.add("source_url", _("Not an http(s) URL."))
    rule = values.get("eligibility_rule")
    if rule:
        for message in rule_errors(rule):
            errors.add("eligibility_rule", message)
    _check_covers(values, errors)
    return errors


def _check_covers(values: dict, errors: RowErrors) -> None:
    """The covers benefit and stacking rules, as far as they can be judged without the database
    (which categories exist and which policies the author may name: policies.covers)."""
    for field in SHARE_FIELDS:
        share = values.get(field)
        if share is not None and not (0 < share <= 1):
            errors.add(field, _("A share must be more than 0 and at most 1 (the whole price)."))
    cap = values.get("covers_cap")
    if cap is not None and (cap < 0 or cap > MAX_AMOUNT_LIMIT):
        errors.add(
            "covers_cap", _("The cap must be between 0 and %(limit)s CNY.") % {"limit": MAX_AMOUNT_LIMIT}
        )
    if values.get("covers_share") is None:
        # A cap or categories without a share describe a benefit that pays nothing.
        if cap is not None:
            errors.add("covers_cap", _("Set covers_share too: the cap limits the share it pays."))
        if values.get("covers_categories"):
            errors.add("covers_categories", _("Set covers_share too: categories say what the share covers."))


def rule_errors(rule: dict) -> list[str]:
    """Errors from the eligibility rule language's validator."""
    if not isinstance(rule, dict):
        return [_("An eligibility rule is a JSON object.")]
    return [str(message) for message in validate_rule(rule)]


def normalise_document_number(number: str) -> str:
    """Document numbers are written with several kinds of brackets: 苏工信[2024]12号 = 苏工信〔2024〕12号."""
    return re.sub(r"\s+", "", number).translate(_BRACKETS)


def identity_key(values: dict) -> str:
    """What makes two records the same policy: issuer + document number, else title + issuer + date."""
    issuer = re.sub(r"\s+", "", values.get("issuer") or "")
    number = normalise_document_number(values.get("document_number") or "")
    if number:
        material = f"doc\x1f{issuer}\x1f{number}"
    else:
        published = values.get("published_on")
        material = f"content\x1f{(values.get('title') or '').strip()}\x1f{issuer}\x1f{published.isoformat() if published else ''}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def search_document(values: dict) -> str:
    """The tsvector literal of a policy: the title weighs most, then the summary and issuer, then the text."""
    return weighted_document(
        {
            "A": values.get("title") or "",
            "B": " ".join(
                filter(None, [values.get("summary"), values.get("issuer"), values.get("document_number")])
            ),
            "C": values.get("full_text") or "",
        }
    )
