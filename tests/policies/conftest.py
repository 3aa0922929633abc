import pytest

from tests.cluster_platform.factories import ClusterFactory


@pytest.fixture
def wuxi_cluster(db):
    """A cluster in 无锡市新吴区 (320214): Jiangsu 320000, Wuxi 320200."""
    return ClusterFactory(slug="wuxi-test", region_code="320214")
