import pytest
from rest_framework.test import APIClient

from cluster_platform.celery import app as celery_app
from tests.cluster_platform.factories import ClusterFactory, ClusterStaffFactory, UserFactory
from tests.enterprises.factories import EnterpriseUserFactory, MembershipFactory


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def client_for(api_client):
    """An API client signed in as `user` (force_authenticate skips tokens; auth has its own tests)."""

    def make(user):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user=user)
        return client

    return make


@pytest.fixture
def cluster(db):
    return ClusterFactory()


@pytest.fixture
def staff_user(cluster):
    """An admin of `cluster`'s agency."""
    return ClusterStaffFactory(cluster=cluster).user


@pytest.fixture
def member_user_factory(db):
    """A user owning an enterprise with an approved membership in a cluster, in a role."""

    def make(cluster, role="sme", status="approved"):
        user = UserFactory()
        link = EnterpriseUserFactory(user=user)
        MembershipFactory(cluster=cluster, enterprise=link.enterprise, role=role, status=status)
        return user

    return make


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Reinstall the data that migrations ship (the service taxonomy) once per session.

    A transactional test flushes every table at its end, and with --reuse-db the next session
    would start without the migration-loaded rows; the loader is idempotent, so this is cheap.
    """
    from services.models import Category
    from services.taxonomy import category_tree_sync

    with django_db_blocker.unblock():
        category_tree_sync(Category)


@pytest.fixture(autouse=True)
def celery_in_process(request):
    """Tasks run in-process (after commit), also when REDIS_URL is set, except in tests marked
    `worker`, which send them over Redis to a real worker."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = request.node.get_closest_marker("worker") is None
    yield
    celery_app.conf.task_always_eager = previous
