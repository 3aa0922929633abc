from django.contrib import admin

from services.models import Category, Demand, Offering, OfferingRevision


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "parent", "position"]
    list_filter = ["parent"]
    search_fields = ["code", "name", "name_en"]


@admin.register(Offering)
class OfferingAdmin(admin.ModelAdmin):
    list_display = ["title", "cluster", "partner", "category", "status", "published_at"]
    list_filter = ["cluster", "status", "delivery_mode", "price_model", "voucher_eligible"]
    search_fields = ["title", "summary", "partner__name"]
    raw_id_fields = ["partner", "decided_by"]
    readonly_fields = ["rating_count", "rating_mean", "rating_bayes"]


@admin.register(OfferingRevision)
class OfferingRevisionAdmin(admin.ModelAdmin):
    list_display = ["offering", "cluster", "status", "created_at", "decided_at"]
    list_filter = ["cluster", "status"]
    raw_id_fields = ["offering", "submitted_by", "decided_by"]


@admin.register(Demand)
class DemandAdmin(admin.ModelAdmin):
    list_display = ["title", "cluster", "sme", "status", "deadline", "visible_to_partners"]
    list_filter = ["cluster", "status", "visible_to_partners"]
    search_fields = ["title", "sme__name"]
    raw_id_fields = ["sme"]
