import pytest

from enterprises.models import MembershipRole
from tests.enterprises.factories import Member, member_user


@pytest.fixture
def other_partner(cluster) -> Member:
    """A second partner of `cluster`, competing with `partner`."""
    return member_user(cluster, MembershipRole.PARTNER, name="江苏智造软件有限公司", industry_code="I65")


@pytest.fixture
def other_sme(cluster) -> Member:
    """A second SME of `cluster`, who must not see `sme`'s private rows."""
    return member_user(cluster, MembershipRole.SME, name="无锡箱包制造有限公司")
