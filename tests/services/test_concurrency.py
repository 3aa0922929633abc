"""Concurrent decisions on one offering: the row lock makes exactly one of them win."""

import threading

import pytest
from django.db import connection

from cluster_platform.exceptions import InvalidTransition
from cluster_platform.models import AuditLog
from services.models import Category, OfferingRevision, OfferingStatus, RevisionStatus
from services.services import offering_approve, offering_reject, offering_revision_approve, offering_update
from services.taxonomy import category_tree_sync
from tests.cluster_platform.factories import ClusterFactory, ClusterStaffFactory
from tests.enterprises.factories import EnterpriseFactory
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def taxonomy():
    """Transactional tests start from flushed tables: reinstall the taxonomy the migration ships."""
    category_tree_sync(Category)


def _race(*calls):
    barrier = threading.Barrier(len(calls))
    outcomes = []

    def run(call):
        try:
            barrier.wait()
            call()
            outcomes.append("ok")
        except InvalidTransition:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def test_approve_and_reject_race_one_wins():
    cluster = ClusterFactory()
    admin, operator = ClusterStaffFactory(cluster=cluster).user, ClusterStaffFactory(cluster=cluster).user
    offering = OfferingFactory(cluster=cluster, partner=EnterpriseFactory(), status=OfferingStatus.PENDING)

    outcomes = _race(
        lambda: offering_approve(offering=offering, by=admin),
        lambda: offering_reject(offering=offering, by=operator, reason="重复"),
    )
    assert outcomes == ["conflict", "ok"]
    assert AuditLog.objects.count() == 1
    offering.refresh_from_db()
    assert offering.status in (OfferingStatus.PUBLISHED, OfferingStatus.REJECTED)


def test_edit_racing_a_revision_approval_leaves_one_pending_or_applied():
    cluster = ClusterFactory()
    admin = ClusterStaffFactory(cluster=cluster).user
    offering = OfferingFactory(cluster=cluster, partner=EnterpriseFactory(), title="设备上云")
    _offering, revision = offering_update(offering=offering, changes={"title": "设备上云服务"}, by=None)

    _race(
        lambda: offering_revision_approve(revision=revision, by=admin),
        lambda: offering_update(offering=offering, changes={"title": "设备上云与运维"}, by=None),
    )
    assert OfferingRevision.objects.filter(status=RevisionStatus.PENDING).count() <= 1
    revision.refresh_from_db()
    assert revision.status in (RevisionStatus.APPROVED, RevisionStatus.SUPERSEDED)
