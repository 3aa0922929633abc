"""Reads of the service-category tree."""

from django.db.models import QuerySet

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
