"""The services validate on their own, whoever calls them (API, admin actions, imports)."""

import pytest
from django.core.exceptions import ValidationError

from enterprises.models import Enterprise
from enterprises.services.enterprises import enterprise_register, enterprise_update
from enterprises.uscc import uscc_compose
from tests.cluster_platform.factories import UserFactory
from tests.enterprises.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


def test_register_validates_codes_without_the_api():
    with pytest.raises(ValidationError) as caught:
        enterprise_register(
            uscc=uscc_compose(region_code="320214", serial=9),
            data={"name": "x", "region_code": "999999", "industry_code": "C3982"},
            by=UserFactory(),
        )
    assert set(caught.value.message_dict) == {"region_code"}
    assert not Enterprise.objects.exists()


def test_update_refuses_fields_users_do_not_own():
    enterprise = EnterpriseFactory()
    with pytest.raises(ValidationError) as caught:
        enterprise_update(enterprise=enterprise, data={"size_class": "large"}, by=UserFactory())
    assert set(caught.value.message_dict) == {"size_class"}


def test_update_recomputes_the_size_class():
    enterprise = EnterpriseFactory(industry_code="E47", size_class="small")

    enterprise = enterprise_update(
        enterprise=enterprise,
        data={"operating_revenue": 800_000_000, "total_assets": 800_000_000},
        by=UserFactory(),
    )

    assert enterprise.size_class == "large"
    enterprise = enterprise_update(enterprise=enterprise, data={"total_assets": None}, by=UserFactory())
    assert enterprise.size_class == ""
