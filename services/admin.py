"""The superuser's /admin/ for the catalog, demands, engagements and shared equipment: it reads
(cluster_platform/service_admin.py); the services write them, by the API and the agency console.
A category's names are the exception: the operators rename categories here, through
`category_rename`, which keeps the offerings' search text in step."""

from django.contrib import admin

from cluster_platform.service_admin import ServiceBackedAdmin, ServiceBackedInline
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
from services.services.offerings import category_rename


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """The taxonomy ships as data (services/data/); its names are what an operator may change."""

    list_display = ["code", "name", "name_en", "parent", "position"]
    list_filter = ["parent"]
    search_fields = ["code", "name", "name_en"]
    fields = ["code", "parent", "position", "name", "name_en"]
    readonly_fields = ["code", "parent", "position"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        stored = Category.objects.get(pk=obj.pk)
        category_rename(category=stored, name=obj.name, name_en=obj.name_en)


@admin.register(Offering)
class OfferingAdmin(ServiceBackedAdmin):
    list_display = ["title", "cluster", "partner", "category", "status", "published_at"]
    list_filter = ["cluster", "status", "delivery_mode", "price_model", "voucher_eligible"]
    search_fields = ["title", "summary", "partner__name"]


@admin.register(OfferingRevision)
class OfferingRevisionAdmin(ServiceBackedAdmin):
    list_display = ["offering", "cluster", "status", "created_at", "decided_at"]
    list_filter = ["cluster", "status"]


@admin.register(Demand)
class DemandAdmin(ServiceBackedAdmin):
    list_display = ["title", "cluster", "sme", "status", "deadline", "visible_to_partners"]
    list_filter = ["cluster", "status", "visible_to_partners"]
    search_fields = ["title", "sme__name"]


class EngagementEventInline(ServiceBackedInline):
    model = EngagementEvent
    fields = ["action", "from_status", "to_status", "actor", "actor_party", "reason", "created_at"]


@admin.register(Engagement)
class EngagementAdmin(ServiceBackedAdmin):
    list_display = ["offering", "sme", "partner", "status", "cluster", "created_at"]
    list_filter = ["status", "cluster"]
    search_fields = ["offering__title", "sme__name", "partner__name"]
    inlines = [EngagementEventInline]


@admin.register(EngagementEvent)
class EngagementEventAdmin(ServiceBackedAdmin):
    list_display = ["engagement", "action", "from_status", "to_status", "actor_party", "actor", "created_at"]
    list_filter = ["action", "actor_party"]


@admin.register(Review)
class ReviewAdmin(ServiceBackedAdmin):
    list_display = ["offering", "sme", "rating", "cluster", "created_at"]
    list_filter = ["rating", "cluster"]


@admin.register(PartnerRating)
class PartnerRatingAdmin(ServiceBackedAdmin):
    list_display = ["partner", "cluster", "count", "mean", "bayes"]
    list_filter = ["cluster"]


@admin.register(Machine)
class MachineAdmin(ServiceBackedAdmin):
    list_display = ["name", "kind", "model_name", "partner", "location", "hourly_rate", "status", "approval"]
    list_filter = ["kind", "status", "approval", "cluster"]
    search_fields = ["name", "model_name", "asset_code", "partner__name"]


@admin.register(Booking)
class BookingAdmin(ServiceBackedAdmin):
    list_display = ["machine", "sme", "start", "end", "status", "cluster"]
    list_filter = ["status", "cluster"]
