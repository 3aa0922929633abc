"""The programmes' demo: Wuxi's 2026 voucher programme in every state, reconciling to zero, and
the Guangdong partner programme; idempotent."""

import io

import pytest

from cluster_platform.models import StaffRole
from demo import programmes as demo_programmes
from enterprises.models import MembershipRole, MembershipStatus
from programmes.models import LedgerEntry, TierProposal, VoucherClaim, VoucherProgramme, VoucherStatus
from programmes.selectors.ledger import programme_reconciliation
from tests.cluster_platform.factories import ClusterFactory, ClusterStaffFactory
from tests.enterprises.factories import member_user
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.django_db


def _counts():
    return (LedgerEntry.objects.count(), VoucherClaim.objects.count(), TierProposal.objects.count())


def test_demo_runs_every_voucher_state_reconciles_and_is_idempotent(client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    wuxi = ClusterFactory(slug="wuxi-iot", region_code="320200")
    ClusterStaffFactory(cluster=wuxi, role=StaffRole.ADMIN)
    for _ in range(3):
        partner = member_user(wuxi, MembershipRole.PARTNER, industry_code="I65").enterprise
        for category in ("saas-mes", "diagnosis-assessment"):
            OfferingFactory(cluster=wuxi, partner=partner, category_id=category, voucher_eligible=True)
    for _ in range(24):
        member_user(wuxi, MembershipRole.SME, region_code="320214", size_class="small")
    bags = ClusterFactory(slug="gd-bags", region_code="440100")
    ClusterStaffFactory(cluster=bags, role=StaffRole.ADMIN)
    for tier in ("registered", "certified", "strategic"):
        member_user(bags, MembershipRole.PARTNER, partner_tier=tier)
    suspended = member_user(bags, MembershipRole.PARTNER, status=MembershipStatus.SUSPENDED).enterprise

    demo_programmes.seed(stdout=io.StringIO())
    first = _counts()
    demo_programmes.seed(stdout=io.StringIO())

    assert _counts() == first
    programme = VoucherProgramme.objects.get(cluster=wuxi, name=demo_programmes.PROGRAMME_NAME)
    assert set(programme.vouchers.values_list("status", flat=True)) == set(VoucherStatus.values)
    report = programme_reconciliation(programme=programme)
    assert report.balanced, report.as_dict()
    assert report.paid > 0 and report.difference == 0
    assert set(VoucherClaim.objects.values_list("status", flat=True)) == {"submitted", "approved", "rejected"}
    # Guangdong: one accreditation ends within 60 days; the suspended partner's offering is not public.
    review = client_for(bags.staff.first().user).get(
        "/api/v1/clusters/gd-bags/partner-accreditations/review/"
    )
    assert ["accreditation_expiring"] in [row["reasons"] for row in review.json()]
    listed = client_for(None).get("/api/v1/clusters/gd-bags/offerings/").json()["results"]
    assert suspended.offerings.filter(status="published").exists()
    assert not [row for row in listed if row["partner"]["id"] == str(suspended.pk)]
