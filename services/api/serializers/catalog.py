from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cluster_platform.api.fields import BoundedListField
from cluster_platform.api.serializers import FastOutputMixin, LocalizedNameField
from enterprises.models import SizeClass
from services.api.serializers.net_cost import NetCostSerializer
from services.api.serializers.refs import EnterpriseNameSerializer
from services.models import (
    Category,
    DeliveryMode,
    Offering,
    OfferingRevision,
    OfferingStatus,
    PriceModel,
)
from services.services.offerings import OFFERING_EDITABLE_FIELDS, offering_values

# --- Taxonomy --------------------------------------------------------------------------------


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent_id", allow_null=True, read_only=True)
    name = LocalizedNameField()
    name_zh = serializers.CharField(source="name", read_only=True)

    class Meta:
        model = Category
        fields = ["code", "parent", "name", "name_zh", "name_en", "position"]


class CategoryTreeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = LocalizedNameField()
    name_zh = serializers.CharField(source="name")
    name_en = serializers.CharField()
    position = serializers.IntegerField()
    children = CategorySerializer(many=True)


class CategoryBriefSerializer(FastOutputMixin, serializers.ModelSerializer):
    name = LocalizedNameField()
    name_zh = serializers.CharField(source="name", read_only=True)

    class Meta:
        model = Category
        fields = ["code", "name", "name_zh", "name_en"]


# --- Offerings -------------------------------------------------------------------------------


class OfferingInputSerializer(serializers.Serializer):
    """What a partner writes; domain rules (codes, price model) are checked by the service."""

    partner = serializers.UUIDField(
        required=False,
        write_only=True,
        help_text=_("The partner enterprise publishing; needed only when you act for several."),
    )
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=500)

    def validate_partner(self, value):
        # An offering stays with the partner that published it; an edit saying otherwise is a
        # mistake to report, not a field to drop silently.
        if self.partial:
            raise serializers.ValidationError(_("The partner cannot be changed."), code="read_only")
        return value

    description = serializers.CharField(required=False, allow_blank=True, default="")
    category = serializers.CharField(max_length=64, help_text=_("A service category code."))
    delivery_mode = serializers.ChoiceField(choices=DeliveryMode.choices)
    target_industries = BoundedListField(
        child=serializers.CharField(max_length=5), required=False, default=list, max_length=50
    )
    target_size_classes = BoundedListField(
        child=serializers.ChoiceField(choices=SizeClass.choices), required=False, default=list, max_length=4
    )
    regions_served = BoundedListField(
        child=serializers.CharField(max_length=6), required=False, default=list, max_length=100
    )
    maturity_levels = BoundedListField(
        child=serializers.IntegerField(min_value=1, max_value=4), required=False, default=list, max_length=4
    )
    price_model = serializers.ChoiceField(choices=PriceModel.choices)
    price_min = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, default=None, min_value=0
    )
    price_max = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, default=None, min_value=0
    )
    voucher_eligible = serializers.BooleanField(required=False, default=False)
    capacity = serializers.IntegerField(min_value=1, required=False, default=1)
    tags = BoundedListField(
        child=serializers.CharField(max_length=32), required=False, default=list, max_length=20
    )


class RejectInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class WithdrawInputSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, help_text=_("Required when the agency withdraws.")
    )


class OfferingRevisionBriefSerializer(serializers.ModelSerializer):
    submitted_at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = OfferingRevision
        fields = ["id", "status", "data", "submitted_at"]


class OfferingSerializer(FastOutputMixin, serializers.ModelSerializer):
    """An offering as the caller may see it.

    Everyone sees the approved columns. Review details (the agency's reason, the pending
    revision) are shown only to the offering's partner and the agency.
    """

    category = CategoryBriefSerializer()
    partner = EnterpriseNameSerializer()
    pending_revision = serializers.SerializerMethodField()
    relevance = serializers.FloatField(
        read_only=True, help_text=_("Search rank (ts_rank_cd); present only when searching with q.")
    )
    net_cost = serializers.SerializerMethodField(
        help_text=_(
            "What your SME pays after its vouchers and covering policies; present only with "
            "?net_cost=true (SME members)."
        )
    )

    PRIVATE_FIELDS = ("decision_reason", "submitted_at", "decided_at", "pending_revision")

    class Meta:
        model = Offering
        fields = [
            "id",
            "title",
            "summary",
            "description",
            "category",
            "partner",
            "delivery_mode",
            "target_industries",
            "target_size_classes",
            "regions_served",
            "maturity_levels",
            "price_model",
            "price_min",
            "price_max",
            "voucher_eligible",
            "capacity",
            "tags",
            "status",
            "published_at",
            "rating_count",
            "rating_mean",
            "rating_bayes",
            "created_at",
            "updated_at",
            "submitted_at",
            "decided_at",
            "decision_reason",
            "pending_revision",
            "relevance",
            "net_cost",
        ]

    @extend_schema_field(OfferingRevisionBriefSerializer(allow_null=True))
    def get_pending_revision(self, offering):
        pending = getattr(offering, "pending_revisions", None)
        if pending is None:
            pending = list(offering.revisions.filter(status="pending"))
        return OfferingRevisionBriefSerializer(pending[0]).data if pending else None

    @extend_schema_field(NetCostSerializer(allow_null=True))
    def get_net_cost(self, offering):
        found = self.context.get("net_costs", {}).get(offering.pk)
        return NetCostSerializer(found).data if found is not None else None

    # For anyone else the review details are not computed at all, so that the public catalog
    # reads no revisions (offering_with_relations).
    @cached_property
    def _field_sets(self) -> dict[tuple[bool, bool], list]:
        """(insider, priced) -> the fields to write: the private ones only for insiders, the net
        cost only when the view priced the page (`?net_cost=true`)."""
        readable = self._readable_fields
        private = set(self.PRIVATE_FIELDS)
        return {
            (insider, priced): [
                field
                for field in readable
                if (insider or field.field_name not in private) and (priced or field.field_name != "net_cost")
            ]
            for insider in (True, False)
            for priced in (True, False)
        }

    def to_representation(self, offering):
        roles = self.context.get("roles")
        insider = roles is not None and (
            roles.is_staff or offering.partner_id in roles.partner_enterprise_ids
        )
        return self.represent(offering, self._field_sets[insider, "net_costs" in self.context])


class OfferingRevisionSerializer(serializers.ModelSerializer):
    """A proposed change, with what differs from the approved offering."""

    offering = serializers.SerializerMethodField()
    submitted_at = serializers.DateTimeField(source="created_at")
    changes = serializers.SerializerMethodField()

    class Meta:
        model = OfferingRevision
        fields = [
            "id",
            "offering",
            "status",
            "data",
            "changes",
            "submitted_at",
            "decided_at",
            "decision_reason",
        ]

    @extend_schema_field(
        {"type": "object", "properties": {"id": {"type": "string"}, "title": {"type": "string"}}}
    )
    def get_offering(self, revision):
        return {"id": str(revision.offering_id), "title": revision.offering.title}

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "object"}})
    def get_changes(self, revision):
        return revision_changes(revision)


def revision_changes(revision: OfferingRevision) -> dict:
    """field -> {"current", "proposed"} for the fields the revision changes."""
    current = offering_values(revision.offering)
    changes = {}
    for field in OFFERING_EDITABLE_FIELDS:
        now = current.get(field)
        now = str(now) if now is not None and field in ("price_min", "price_max") else now
        proposed = revision.data.get(field)
        if proposed != now:
            changes[field] = {"current": now, "proposed": proposed}
    return changes


class ModerationItemSerializer(serializers.Serializer):
    """One entry of the agency's review queue: a pending offering, or a pending change to a published one."""

    kind = serializers.SerializerMethodField()
    queued_at = serializers.DateTimeField()
    offering = serializers.SerializerMethodField()
    revision = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ChoiceField(choices=["offering", "offering_revision"]))
    def get_kind(self, offering):
        return "offering" if offering.status == OfferingStatus.PENDING else "offering_revision"

    @extend_schema_field(OfferingSerializer)
    def get_offering(self, offering):
        return OfferingSerializer(offering, context=self.context).data

    @extend_schema_field(OfferingRevisionSerializer(allow_null=True))
    def get_revision(self, offering):
        pending = getattr(offering, "pending_revisions", [])
        if offering.status == OfferingStatus.PENDING or not pending:
            return None
        revision = pending[0]
        revision.offering = offering
        return OfferingRevisionSerializer(revision, context=self.context).data
