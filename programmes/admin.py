"""Admin views of the programmes. Money moves only through the services (they write the
ledger), so vouchers, claims and ledger rows are read-only here."""

from django.contrib import admin

from programmes.models import (
    LedgerEntry,
    PartnerTierCriteria,
    TierProposal,
    Voucher,
    VoucherClaim,
    VoucherProgramme,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(VoucherProgramme)
class VoucherProgrammeAdmin(ReadOnlyAdmin):
    list_display = ["name", "cluster", "budget", "per_sme_cap", "coverage_share", "applications_close"]
    list_filter = ["cluster"]
    search_fields = ["name"]


@admin.register(Voucher)
class VoucherAdmin(ReadOnlyAdmin):
    list_display = ["programme", "sme", "amount", "status", "valid_until", "subsidy"]
    list_filter = ["cluster", "status"]
    search_fields = ["sme__name", "programme__name"]


@admin.register(VoucherClaim)
class VoucherClaimAdmin(ReadOnlyAdmin):
    list_display = ["voucher", "partner", "amount", "status", "created_at"]
    list_filter = ["cluster", "status"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "programme",
        "seq",
        "kind",
        "from_bucket",
        "to_bucket",
        "amount",
        "available_after",
        "created_at",
    ]
    list_filter = ["kind", "programme__cluster"]


@admin.register(PartnerTierCriteria)
class PartnerTierCriteriaAdmin(ReadOnlyAdmin):
    list_display = ["cluster", "certified_min_completed", "strategic_min_completed", "review_min_rating"]


@admin.register(TierProposal)
class TierProposalAdmin(ReadOnlyAdmin):
    list_display = ["partner", "cluster", "current_tier", "proposed_tier", "criterion", "status"]
    list_filter = ["cluster", "status"]
