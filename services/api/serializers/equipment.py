from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from services import slots
from services.api.serializers.refs import EnterpriseRefSerializer, MachineRefSerializer
from services.models import (
    Booking,
    Machine,
    MachineKind,
    MachineStatus,
)
from services.services.bookings import booking_allowed_actions, booking_parties_of
from services.services.inputs import MAX_REASON_LENGTH

# --- Machines -------------------------------------------------------------------------------------


class MachineSerializer(serializers.ModelSerializer):
    partner = EnterpriseRefSerializer(read_only=True)

    class Meta:
        model = Machine
        fields = [
            "id",
            "partner",
            "asset_code",
            "name",
            "kind",
            "model_name",
            "manufacturer",
            "description",
            "location",
            "hourly_rate",
            "status",
            "opening_hours",
            "approval",
            "submitted_at",
            "decided_at",
            "decision_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "decision_reason": {"help_text": "The agency's reason; only its partner and the agency read it."}
        }

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # The agency's reasoning is between it and the partner, not for the public catalogue.
        view = self.context.get("view")
        roles = getattr(view, "roles", None)
        if roles is None or not (roles.is_staff or instance.partner_id in roles.partner_enterprise_ids):
            data["decision_reason"] = ""
        return data


class OpeningHoursField(serializers.JSONField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        problems = slots.opening_hours_errors(value)
        if problems:
            raise serializers.ValidationError(problems)
        return value


class MachineWriteSerializer(serializers.Serializer):
    partner = serializers.UUIDField(
        required=False, help_text="The listing partner, if you act for several partners in this cluster."
    )
    asset_code = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=MachineKind.choices)

    def validate_partner(self, value):
        # A machine stays with the partner that listed it; an edit saying otherwise is refused.
        if self.partial:
            raise serializers.ValidationError(_("The partner cannot be changed."), code="read_only")
        return value

    model_name = serializers.CharField(max_length=200)
    manufacturer = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    location = serializers.CharField(max_length=200)
    hourly_rate = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)
    status = serializers.ChoiceField(choices=MachineStatus.choices, required=False)
    opening_hours = OpeningHoursField(
        required=False,
        help_text='Weekly bookable hours in local time, e.g. {"mon": ["08:00", "18:00"]}; a missing day is closed.',
    )


class MachineDecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=MAX_REASON_LENGTH, default="")


class DateRangeSerializer(serializers.Serializer):
    date_from = serializers.DateField(required=False, help_text="First day (local time); default today.")
    date_to = serializers.DateField(
        required=False, help_text="Last day, included; default a week from date_from."
    )

    def __init__(self, *args, default_days: int = 7, past: bool = False, **kwargs):
        self.default_days = default_days
        self.past = past
        super().__init__(*args, **kwargs)

    def validate(self, attrs):
        today = timezone.localdate()
        if self.past:
            date_to = attrs.get("date_to") or today
            date_from = attrs.get("date_from") or date_to - timedelta(days=self.default_days - 1)
        else:
            date_from = attrs.get("date_from") or today
            date_to = attrs.get("date_to") or date_from + timedelta(days=self.default_days - 1)
        if date_to < date_from:
            raise serializers.ValidationError({"date_to": [_("Must not be before date_from.")]})
        if (date_to - date_from).days + 1 > slots.MAX_RANGE_DAYS:
            raise serializers.ValidationError(
                {"date_to": [_("At most %(days)d days at once.") % {"days": slots.MAX_RANGE_DAYS}]}
            )
        return {"date_from": date_from, "date_to": date_to}


class IntervalSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class UtilisationSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    bookable_hours = serializers.FloatField()
    booked_hours = serializers.FloatField(help_text="Confirmed bookings only, clipped to the range.")
    utilisation = serializers.FloatField(
        allow_null=True, help_text="booked / bookable; null without bookable hours."
    )


class MachineUtilisationSerializer(UtilisationSerializer):
    machine = serializers.UUIDField()


class KindUtilisationSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MachineKind.choices)
    machines = serializers.IntegerField()
    bookable_hours = serializers.FloatField()
    booked_hours = serializers.FloatField()
    utilisation = serializers.FloatField(allow_null=True)


class ClusterUtilisationSerializer(UtilisationSerializer):
    machines = serializers.IntegerField()
    by_kind = KindUtilisationSerializer(many=True)


# --- Bookings -------------------------------------------------------------------------------------


class BookingSerializer(serializers.ModelSerializer):
    machine = MachineRefSerializer(read_only=True)
    sme = EnterpriseRefSerializer(read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Booking
        fields = [
            "id",
            "machine",
            "sme",
            "start",
            "end",
            "purpose",
            "status",
            "hourly_rate",
            "decided_at",
            "cancelled_at",
            "cancelled_by_party",
            "reason",
            "allowed_actions",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, booking) -> list[str]:
        roles = self.context.get("roles")
        if roles is None or booking.start <= timezone.now():
            return []
        parties = booking_parties_of(booking=booking, roles=roles)
        return booking_allowed_actions(status=booking.status, parties=parties)


class BookingCreateSerializer(serializers.Serializer):
    machine = serializers.UUIDField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    purpose = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    sme = serializers.UUIDField(
        required=False, help_text="The booking enterprise, if you act for several SMEs in this cluster."
    )


class BookingActionSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=MAX_REASON_LENGTH, default="")


class CalendarSerializer(serializers.Serializer):
    machine = serializers.UUIDField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    open = IntervalSerializer(many=True, help_text="Bookable windows.")
    busy = IntervalSerializer(many=True, help_text="Slots held by requested or confirmed bookings.")
    bookings = BookingSerializer(
        many=True, help_text="Booking details the caller may see: its own, or all for the partner and agency."
    )
