"""Reference codes shared by every app: GB/T 2260 regions and GB/T 4754-2017 industries."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cluster_platform.reference.industries import get_industry
from cluster_platform.reference.regions import get_region


def validate_region_code(value: str) -> None:
    if get_region(value) is None:
        raise ValidationError(
            _("%(value)s is not a current GB/T 2260 administrative division code."),
            code="unknown_region",
            params={"value": value},
        )


def validate_industry_code(value: str) -> None:
    if get_industry(value) is None:
        raise ValidationError(
            _("%(value)s is not a GB/T 4754-2017 industry code."),
            code="unknown_industry",
            params={"value": value},
        )
