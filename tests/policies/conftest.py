import pytest

from tests.cluster_platform.factories import ClusterFactory, UserFactory


@pytest.fixture
def operator(db):
    """A platform operator (superuser)."""
    return UserFactory(is_superuser=True, is_staff=True)


@pytest.fixture
def wuxi_cluster(db):
    """A cluster in 无锡市新吴区 (320214): Jiangsu 320000, Wuxi 320200."""
    return ClusterFactory(slug="wuxi-test", region_code="320214")
