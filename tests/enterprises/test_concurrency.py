"""Races the database must settle: two admins demoting each other, two registrations of one USCC."""

import pytest

from cluster_platform import staff as staff_services
from cluster_platform.exceptions import Conflict
from cluster_platform.models import ClusterStaff, StaffRole
from enterprises.models import Enterprise
from enterprises.services.enterprises import enterprise_register
from enterprises.uscc import uscc_compose
from tests.cluster_platform.factories import ClusterFactory, ClusterStaffFactory, UserFactory
from tests.utils import race

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_admins_demoting_each_other_leave_one_admin():
    cluster = ClusterFactory()
    first = ClusterStaffFactory(cluster=cluster, role=StaffRole.ADMIN)
    second = ClusterStaffFactory(cluster=cluster, role=StaffRole.ADMIN)

    results = race(
        lambda: staff_services.staff_change_role(staff=first, role=StaffRole.VIEWER, by=second.user),
        lambda: staff_services.staff_change_role(staff=second, role=StaffRole.VIEWER, by=first.user),
    )

    assert sum(isinstance(result, Conflict) for result in results) == 1
    assert ClusterStaff.objects.filter(cluster=cluster, role=StaffRole.ADMIN).count() == 1


def test_concurrent_registrations_of_one_uscc_make_one_enterprise():
    code = uscc_compose(region_code="320214", serial=55_555)
    users = [UserFactory(), UserFactory()]
    data = {"name": "并发测试有限公司", "region_code": "320214", "industry_code": "C39"}

    results = race(*[lambda user=user: enterprise_register(uscc=code, data=data, by=user) for user in users])

    assert sum(isinstance(result, Conflict) for result in results) == 1
    assert Enterprise.objects.filter(uscc=code).count() == 1
    assert Enterprise.objects.get(uscc=code).users.count() == 1
