"""The console's ModelAdmins: moderation queues, member verification, local policies, the audit log.

Each action calls the service the API calls (imported here, never re-implemented), with the
signed-in person as `by`.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cluster_platform.models import AuditLog
from console.admin.context import console_context
from console.admin.scoping import ClusterScopedAdmin, reasoned_action
from console.admin.site import console_site
from enterprises.models import Membership
from enterprises.services import enterprises as enterprise_services
from enterprises.services import memberships as membership_services
from policies.models import Policy
from services.models import (
    Machine,
    MachineApproval,
    Offering,
    OfferingRevision,
    OfferingStatus,
    RevisionStatus,
)
from services.services import machines as machine_services
from services.services import offerings as catalog_services


class PendingFirst(admin.SimpleListFilter):
    """The queue view: only what waits for a decision, unless asked for everything."""

    title = _("queue")
    parameter_name = "queue"
    pending_lookup: dict = {}

    def lookups(self, request, model_admin):
        return [("pending", _("waiting for a decision"))]

    def queryset(self, request, queryset):
        if self.value() == "pending":
            return queryset.filter(**self.pending_lookup)
        return queryset


@admin.register(Membership, site=console_site)
class MembershipAdmin(ClusterScopedAdmin):
    list_display = ["enterprise", "role", "status", "partner_tier", "verified", "created_at", "decided_at"]
    list_filter = ["status", "role", "partner_tier"]
    search_fields = ["enterprise__name", "enterprise__uscc"]
    list_select_related = ["enterprise", "cluster"]
    actions = ["approve", "reject", "suspend", "verify_enterprise"]
    ordering = ["-created_at", "-id"]

    @admin.display(description=_("verified"), boolean=True)
    def verified(self, obj):
        return obj.enterprise.verified_at is not None

    @admin.action(description=_("Approve the selected applications"), permissions=["decide"])
    def approve(self, request, queryset):
        self.run_service(
            request,
            queryset,
            lambda m: membership_services.membership_approve(membership=m, by=request.user),
            str(_("approved")),
        )

    reject = reasoned_action(
        description=_("Reject the selected applications"),
        service_call=lambda request, m, reason: membership_services.membership_reject(
            membership=m, reason=reason, by=request.user
        ),
        done_message=_("rejected"),
    )
    suspend = reasoned_action(
        description=_("Suspend the selected members"),
        service_call=lambda request, m, reason: membership_services.membership_suspend(
            membership=m, reason=reason, by=request.user
        ),
        done_message=_("suspended"),
    )

    @admin.action(description=_("Verify the selected enterprises' registration"), permissions=["decide"])
    def verify_enterprise(self, request, queryset):
        self.run_service(
            request,
            queryset,
            lambda m: enterprise_services.enterprise_verify(
                cluster=m.cluster, enterprise=m.enterprise, by=request.user
            ),
            str(_("verified")),
        )


class OfferingQueue(PendingFirst):
    pending_lookup = {"status": OfferingStatus.PENDING}


@admin.register(Offering, site=console_site)
class OfferingAdmin(ClusterScopedAdmin):
    list_display = ["title", "partner", "category", "delivery_mode", "status", "submitted_at", "published_at"]
    list_filter = [OfferingQueue, "status", "delivery_mode"]
    search_fields = ["title", "summary", "partner__name"]
    list_select_related = ["partner", "category"]
    exclude = ["search_vector"]
    actions = ["approve", "reject_offerings"]
    ordering = ["submitted_at", "id"]

    def get_readonly_fields(self, request, obj=None):
        return [f for f in super().get_readonly_fields(request, obj) if f != "search_vector"]

    @admin.action(description=_("Approve and publish the selected offerings"), permissions=["decide"])
    def approve(self, request, queryset):
        self.run_service(
            request,
            queryset,
            lambda o: catalog_services.offering_approve(offering=o, by=request.user),
            str(_("approved")),
        )

    reject_offerings = reasoned_action(
        description=_("Reject the selected offerings"),
        service_call=lambda request, o, reason: catalog_services.offering_reject(
            offering=o, by=request.user, reason=reason
        ),
        done_message=_("rejected"),
    )


class RevisionQueue(PendingFirst):
    pending_lookup = {"status": RevisionStatus.PENDING}


@admin.register(OfferingRevision, site=console_site)
class OfferingRevisionAdmin(ClusterScopedAdmin):
    list_display = ["offering", "status", "created_at", "decided_at"]
    list_filter = [RevisionQueue, "status"]
    search_fields = ["offering__title"]
    list_select_related = ["offering"]
    actions = ["approve", "reject_revisions"]
    ordering = ["created_at", "id"]

    @admin.action(description=_("Approve the selected changes"), permissions=["decide"])
    def approve(self, request, queryset):
        self.run_service(
            request,
            queryset,
            lambda r: catalog_services.offering_revision_approve(revision=r, by=request.user),
            str(_("approved")),
        )

    reject_revisions = reasoned_action(
        description=_("Reject the selected changes"),
        service_call=lambda request, r, reason: catalog_services.offering_revision_reject(
            revision=r, by=request.user, reason=reason
        ),
        done_message=_("rejected"),
    )


class MachineQueue(PendingFirst):
    pending_lookup = {"approval": MachineApproval.PENDING}


@admin.register(Machine, site=console_site)
class MachineAdmin(ClusterScopedAdmin):
    list_display = ["name", "partner", "kind", "status", "approval", "submitted_at"]
    list_filter = [MachineQueue, "approval", "kind", "status"]
    search_fields = ["name", "asset_code", "partner__name"]
    list_select_related = ["partner"]
    actions = ["approve", "reject_machines"]
    ordering = ["submitted_at", "id"]

    @admin.action(description=_("Approve the selected machines"), permissions=["decide"])
    def approve(self, request, queryset):
        self.run_service(
            request,
            queryset,
            lambda m: machine_services.machine_approve(cluster=m.cluster, machine=m, by=request.user),
            str(_("approved")),
        )

    reject_machines = reasoned_action(
        description=_("Reject the selected machines"),
        service_call=lambda request, m, reason: machine_services.machine_reject(
            cluster=m.cluster, machine=m, by=request.user, reason=reason
        ),
        done_message=_("rejected"),
    )


@admin.register(Policy, site=console_site)
class LocalPolicyAdmin(ClusterScopedAdmin):
    """The cluster's own policies (the platform library is the operators' and read through the API)."""

    list_display = ["title", "issuer", "level", "status", "application_closes"]
    list_filter = ["status", "level"]
    search_fields = ["title", "issuer", "document_number"]
    exclude = ["search_vector"]
    ordering = ["-published_on", "id"]

    def get_readonly_fields(self, request, obj=None):
        return [f for f in super().get_readonly_fields(request, obj) if f != "search_vector"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if console_context(request).cluster is None:  # operators' "all clusters": local ones only
            queryset = queryset.filter(cluster__isnull=False)
        return queryset


@admin.register(AuditLog, site=console_site)
class AuditLogAdmin(ClusterScopedAdmin):
    list_display = ["created_at", "actor", "action", "target_type", "target_repr"]
    search_fields = ["action", "target_repr", "target_id", "actor__email"]
    list_select_related = ["actor"]
    ordering = ["-created_at", "-id"]
    date_hierarchy = None
