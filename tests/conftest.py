import pytest
from rest_framework.test import APIClient

from cluster_platform.celery import app as celery_app
from cluster_platform.models import StaffRole
from enterprises.models import MembershipRole
from tests.cluster_platform.factories import ClusterFactory, UserFactory, staff_member
from tests.enterprises.factories import Member, member_user


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


# --- Actors ------------------------------------------------------------------------------------
# One vocabulary for "a user in a role" of the default `cluster`. Anything else (another cluster,
# a pending membership, a second SME) comes from the same two functions:
# `tests.cluster_platform.factories.staff_member(cluster, role)` and
# `tests.enterprises.factories.member_user(cluster, role, status=...)`.


@pytest.fixture
def agency_admin(cluster):
    """An admin of `cluster`'s agency."""
    return staff_member(cluster, StaffRole.ADMIN)


@pytest.fixture
def agency_operator(cluster):
    """An operator of `cluster`'s agency (day-to-day work, no staff management)."""
    return staff_member(cluster, StaffRole.OPERATOR)


@pytest.fixture
def agency_viewer(cluster):
    """A read-only member of `cluster`'s agency."""
    return staff_member(cluster, StaffRole.VIEWER)


@pytest.fixture
def sme(cluster) -> Member:
    """An approved SME member of `cluster`: `sme.user` owns `sme.enterprise`."""
    return member_user(
        cluster,
        MembershipRole.SME,
        name="无锡精密传感器有限公司",
        contact_name="王经理",
        contact_phone="13800000000",
        contact_email="wang@example.com",
    )


@pytest.fixture
def partner(cluster) -> Member:
    """An approved, certified service partner of `cluster` (software and IT services)."""
    return member_user(cluster, MembershipRole.PARTNER, name="无锡物联云科技有限公司", industry_code="I65")


@pytest.fixture
def outsider(db) -> Member:
    """A signed-in user with no role in any cluster and no enterprise."""
    return Member(UserFactory(), None)


@pytest.fixture
def actor(request):
    """The user of a role named as a string, for tests parametrised over roles: "anonymous"
    (None), an agency role ("admin", "operator", "viewer": the `agency_*` fixtures), or the name
    of an actor fixture ("sme", "partner", "outsider", an app's "other_sme"...)."""

    def user_of(name: str):
        if name == "anonymous":
            return None
        if name in StaffRole.values:
            return request.getfixturevalue(f"agency_{name}")
        found = request.getfixturevalue(name)
        return found.user if isinstance(found, Member) else found

    return user_of


@pytest.fixture
def platform_operator(db):
    """A platform operator (superuser): runs the policy library and the platform, no cluster's staff."""
    return UserFactory(is_superuser=True, is_staff=True)


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


@pytest.fixture
def throttle_rates(settings):
    """Set throttle rates (and other REST_FRAMEWORK settings) for one test, on clean counters:
    `throttle_rates(login="3/min", NUM_PROXIES=1)`. The throttles read the rates per request."""
    from django.core.cache import cache

    def apply(**overrides):
        framework = dict(settings.REST_FRAMEWORK)
        rates = dict(framework["DEFAULT_THROTTLE_RATES"])
        for name, value in overrides.items():
            if name.isupper():
                framework[name] = value
            else:
                rates[name] = value
        settings.REST_FRAMEWORK = {**framework, "DEFAULT_THROTTLE_RATES": rates}

    cache.clear()
    yield apply
    cache.clear()
