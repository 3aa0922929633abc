import pytest
from rest_framework.test import APIClient

from cluster_platform.services import notification_send
from tests.cluster_platform.factories import ClusterFactory, UserFactory
from tests.utils import assert_queries_constant

pytestmark = pytest.mark.django_db


@pytest.mark.urls("tests.query_count_urls")
def test_assert_queries_constant_catches_a_per_row_query():
    user = UserFactory()
    keys = iter(range(1000))

    def make_rows(n):
        for _ in range(n):
            notification_send(
                user=user,
                kind="k",
                title="t",
                dedup_key=str(next(keys)),
                cluster=ClusterFactory(),
                email=False,
            )

    with pytest.raises(AssertionError, match="queries with 2 rows"):
        assert_queries_constant(APIClient(), "/naive/", make_rows)


@pytest.mark.urls("tests.query_count_urls")
def test_assert_queries_constant_refuses_rows_the_endpoint_does_not_list():
    with pytest.raises(AssertionError, match="make_rows makes unlisted rows"):
        assert_queries_constant(APIClient(), "/naive/", lambda n: [UserFactory() for _ in range(n)])
