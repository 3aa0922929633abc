"""Concurrent decisions on one offering: the row lock makes exactly one of them win."""

import pytest

from cluster_platform.exceptions import InvalidTransition
from cluster_platform.models import AuditLog
from services.models import Category, OfferingRevision, OfferingStatus, RevisionStatus
from services.services.offerings import (
    offering_approve,
    offering_reject,
    offering_revision_approve,
    offering_update,
)
from services.taxonomy import category_tree_sync
from tests.cluster_platform.factories import ClusterFactory, staff_member
from tests.enterprises.factories import EnterpriseFactory
from tests.services.factories import OfferingFactory
from tests.utils import race

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def taxonomy():
    """Transactional tests start from flushed tables: reinstall the taxonomy the migration ships."""
    category_tree_sync(Category)


def _outcomes(results):
    """Name each racer's result: "ok" or "conflict" (a lost race); anything else fails the test."""
    for result in results:
        if isinstance(result, Exception) and not isinstance(result, InvalidTransition):
            raise result
    return sorted("conflict" if isinstance(result, InvalidTransition) else "ok" for result in results)


def test_approve_and_reject_race_one_wins():
    cluster = ClusterFactory()
    admin, operator = staff_member(cluster), staff_member(cluster)
    offering = OfferingFactory(cluster=cluster, partner=EnterpriseFactory(), status=OfferingStatus.PENDING)

    outcomes = _outcomes(
        race(
            lambda: offering_approve(offering=offering, by=admin),
            lambda: offering_reject(offering=offering, by=operator, reason="重复"),
        )
    )
    assert outcomes == ["conflict", "ok"]
    assert AuditLog.objects.count() == 1
    offering.refresh_from_db()
    assert offering.status in (OfferingStatus.PUBLISHED, OfferingStatus.REJECTED)


def test_edit_racing_a_revision_approval_leaves_one_pending_or_applied():
    cluster = ClusterFactory()
    admin = staff_member(cluster)
    offering = OfferingFactory(cluster=cluster, partner=EnterpriseFactory(), title="设备上云")
    _offering, revision = offering_update(offering=offering, changes={"title": "设备上云服务"}, by=None)

    race(
        lambda: offering_revision_approve(revision=revision, by=admin),
        lambda: offering_update(offering=offering, changes={"title": "设备上云与运维"}, by=None),
    )
    assert OfferingRevision.objects.filter(status=RevisionStatus.PENDING).count() <= 1
    revision.refresh_from_db()
    assert revision.status in (RevisionStatus.APPROVED, RevisionStatus.SUPERSEDED)
