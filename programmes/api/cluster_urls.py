from rest_framework.routers import DefaultRouter

from programmes.api.views.net_cost import NetCostViewSet
from programmes.api.views.partners import (
    PartnerAccreditationViewSet,
    PartnerTierCriteriaViewSet,
    TierProposalViewSet,
)
from programmes.api.views.programmes import VoucherProgrammeViewSet
from programmes.api.views.vouchers import VoucherClaimViewSet, VoucherViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("voucher-programmes", VoucherProgrammeViewSet, basename="voucher-programme")
router.register("vouchers", VoucherViewSet, basename="voucher")
router.register("voucher-claims", VoucherClaimViewSet, basename="voucher-claim")
router.register("partner-tier-criteria", PartnerTierCriteriaViewSet, basename="partner-tier-criteria")
router.register("tier-proposals", TierProposalViewSet, basename="tier-proposal")
router.register("partner-accreditations", PartnerAccreditationViewSet, basename="partner-accreditation")
router.register("net-costs", NetCostViewSet, basename="net-cost")

urlpatterns = router.urls
