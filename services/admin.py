from django.contrib import admin

from services.models import (
    Booking,
    Category,
    Demand,
    Engagement,
    EngagementEvent,
    Machine,
    Offering,
    OfferingRevision,
    PartnerRating,
    Review,
)
from services.services.offerings import offerings_search_refresh_for_categories


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "parent", "position"]
    list_filter = ["parent"]
    search_fields = ["code", "name", "name_en"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"name", "name_en"} & set(form.changed_data):
            offerings_search_refresh_for_categories(codes=[obj.code])


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


class EngagementEventInline(admin.TabularInline):
    model = EngagementEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "from_status", "to_status", "actor", "actor_party", "reason", "created_at"]


@admin.register(Engagement)
class EngagementAdmin(admin.ModelAdmin):
    list_display = ["offering", "sme", "partner", "status", "cluster", "created_at"]
    list_filter = ["status", "cluster"]
    search_fields = ["offering__title", "sme__name", "partner__name"]
    raw_id_fields = ["offering", "sme", "partner", "demand"]
    inlines = [EngagementEventInline]


@admin.register(EngagementEvent)
class EngagementEventAdmin(admin.ModelAdmin):
    list_display = ["engagement", "action", "from_status", "to_status", "actor_party", "actor", "created_at"]
    list_filter = ["action", "actor_party"]
    raw_id_fields = ["engagement", "actor"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["offering", "sme", "rating", "cluster", "created_at"]
    list_filter = ["rating", "cluster"]
    raw_id_fields = ["engagement", "offering", "partner", "sme", "author"]


@admin.register(PartnerRating)
class PartnerRatingAdmin(admin.ModelAdmin):
    list_display = ["partner", "cluster", "count", "mean", "bayes"]
    list_filter = ["cluster"]
    raw_id_fields = ["partner"]


@admin.register(Machine)
class MachineAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "model_name", "partner", "location", "hourly_rate", "status", "approval"]
    list_filter = ["kind", "status", "approval", "cluster"]
    search_fields = ["name", "model_name", "asset_code", "partner__name"]
    raw_id_fields = ["partner", "decided_by"]


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["machine", "sme", "start", "end", "status", "cluster"]
    list_filter = ["status", "cluster"]
    raw_id_fields = ["machine", "sme", "booked_by"]
