"""Input clean-up shared by the services' write functions."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_REASON_LENGTH = 2000


def clean_text(value: str | None, *, field: str, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise ValidationError({field: [_("At most %(limit)d characters.") % {"limit": limit}]})
    return value


def distinct(values) -> list:
    return list(dict.fromkeys(values))


def decimal_or_none(value) -> Decimal | None:
    if value is None or value == "":
        return None
    return Decimal(str(value))
