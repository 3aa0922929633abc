"""Reads of the service-category tree."""

from django.db.models import Q, QuerySet

from services.models import (
    Category,
)


def category_list() -> QuerySet[Category]:
    return Category.objects.order_by("position", "code")


def category_descendant_codes(*, code: str) -> list[str]:
    """The category and every category below it (the tree is small: one query, walked in Python)."""
    children: dict[str | None, list[str]] = {}
    for child, parent in Category.objects.values_list("code", "parent_id"):
        children.setdefault(parent, []).append(child)
    result, stack = [], [code]
    while stack:
        current = stack.pop()
        result.append(current)
        stack.extend(children.get(current, []))
    return result


def category_codes_by_word(words: set[str]) -> dict[str, str]:
    """The category each word names, by its code or its Chinese or English name (words naming
    none are absent): how spreadsheets and forms written by people refer to categories."""
    found: dict[str, str] = {}
    rows = Category.objects.filter(Q(code__in=words) | Q(name__in=words) | Q(name_en__in=words))
    for code, name, name_en in rows.values_list("code", "name", "name_en"):
        for word in (name_en, name, code):  # a code wins over a name spelled like another code
            if word in words:
                found[word] = code
    return found
