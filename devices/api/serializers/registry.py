from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from devices.models import (
    Alarm,
    AlarmKind,
    AlarmRule,
    DeadLetter,
    Device,
    DeviceStatusChange,
    DeviceType,
    Protocol,
)
from devices.mqtt import topic_for
from devices.selectors.telemetry import machine_live_status


class DeviceTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeviceType
        fields = [
            "code",
            "name",
            "heartbeat_timeout_s",
            "report_interval_s",
            "running_key",
            "running_above",
            "default_keys",
        ]
        read_only_fields = fields


class DeviceSerializer(serializers.ModelSerializer):
    enterprise = serializers.UUIDField(source="enterprise_id", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    device_type = serializers.CharField(source="device_type_id", read_only=True)
    machine = serializers.UUIDField(source="machine_id", read_only=True, allow_null=True)
    mqtt_topic = serializers.SerializerMethodField(help_text="The topic the device publishes telemetry to.")
    machine_live_status = serializers.SerializerMethodField(
        help_text="running / idle / offline of the linked shared machine (null without one)."
    )

    class Meta:
        model = Device
        fields = [
            "id",
            "name",
            "enterprise",
            "enterprise_name",
            "device_type",
            "vendor",
            "model_name",
            "protocol",
            "location",
            "telemetry_keys",
            "machine",
            "status",
            "status_changed_at",
            "last_seen_at",
            "latest_values",
            "latest_ts",
            "credentials_issued_at",
            "revoked_at",
            "mqtt_topic",
            "machine_live_status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_machine_live_status(self, device) -> str | None:
        return machine_live_status(device=device) if device.machine_id else None

    def get_mqtt_topic(self, device) -> str:
        return topic_for(cluster_slug=device.cluster.slug, device_id=device.pk)


class DeviceWriteSerializer(serializers.Serializer):
    enterprise = serializers.UUIDField(
        required=False, help_text="The enterprise the device belongs to (needed if you act for several)."
    )
    device_type = serializers.SlugRelatedField(slug_field="code", queryset=DeviceType.objects.all())
    name = serializers.CharField(max_length=200)
    vendor = serializers.CharField(max_length=200, required=False, allow_blank=True)
    model_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    protocol = serializers.ChoiceField(choices=Protocol.choices, required=False)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    telemetry_keys = serializers.JSONField(
        required=False,
        help_text='{"spindle_speed": {"unit": "rpm", "type": "number"}}; defaults to the type\'s keys.',
    )
    machine = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="A shared machine of the same enterprise this device drives.",
    )


class DeviceCredentialsSerializer(serializers.Serializer):
    """The device's credentials: the secret appears here once and is never shown again."""

    device = DeviceSerializer(read_only=True)
    username = serializers.CharField(read_only=True, help_text="MQTT username: the device id.")
    secret = serializers.CharField(read_only=True, help_text="MQTT password and HTTP secret; shown once.")
    mqtt_topic = serializers.CharField(read_only=True)
    http_authorization = serializers.CharField(
        read_only=True, help_text="The Authorization header for POST /api/v1/telemetry/."
    )

    @staticmethod
    def of(issued) -> dict:
        device = issued.device
        return {
            "device": device,
            "username": str(device.pk),
            "secret": issued.secret,
            "mqtt_topic": topic_for(cluster_slug=device.cluster.slug, device_id=device.pk),
            "http_authorization": f"Device {device.pk}:{issued.secret}",
        }


class DeviceStatusChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeviceStatusChange
        fields = ["status", "at"]
        read_only_fields = fields


class DeadLetterSerializer(serializers.ModelSerializer):
    device = serializers.UUIDField(source="device_id", read_only=True)

    class Meta:
        model = DeadLetter
        fields = ["id", "device", "topic", "payload", "reason", "detail", "received_at"]
        read_only_fields = fields


class TelemetryBatchSerializer(serializers.Serializer):
    """A device's HTTP batch: {"messages": [{"ts", "seq", "values"}, ...]}."""

    messages = serializers.ListField(
        child=serializers.JSONField(),
        min_length=1,
        max_length=settings.TELEMETRY_MAX_HTTP_BATCH,
        help_text=_("Messages as on MQTT: {ts: epoch ms or ISO 8601, seq: integer, values: {key: value}}."),
    )


class TelemetryReceiptSerializer(serializers.Serializer):
    accepted = serializers.IntegerField(help_text="Readings stored now.")
    duplicates = serializers.IntegerField(help_text="Readings already stored (same device, seq and ts).")


class TelemetryRangeQuerySerializer(serializers.Serializer):
    key = serializers.CharField(max_length=64)
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    buckets = serializers.IntegerField(min_value=1, max_value=1000, default=100)

    def validate(self, attrs):
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": _("end must be after start.")})
        if attrs["end"] - attrs["start"] > timedelta(days=93):
            raise serializers.ValidationError({"end": _("At most 93 days at a time.")})
        return attrs


class TelemetryBucketSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    avg = serializers.FloatField()
    min = serializers.FloatField()
    max = serializers.FloatField()
    count = serializers.IntegerField()


class DayRangeQuerySerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()

    def validate(self, attrs):
        if attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError({"date_to": _("date_to must not be before date_from.")})
        if (attrs["date_to"] - attrs["date_from"]).days > 92:
            raise serializers.ValidationError({"date_to": _("At most 93 days at a time.")})
        return attrs


class UtilisationDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    messages = serializers.IntegerField()
    running = serializers.FloatField(help_text="Share of the day running.")
    idle = serializers.FloatField()
    offline = serializers.FloatField()


class DeviceUtilisationSerializer(serializers.Serializer):
    days = UtilisationDaySerializer(many=True)
    measured_utilisation = serializers.FloatField(help_text="Running share over the whole range.")
    booked_utilisation = serializers.FloatField(
        allow_null=True, help_text="The linked shared machine's booked share of its bookable hours."
    )


class MessagesPerDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    messages = serializers.IntegerField()


class DeviceFiguresSerializer(serializers.Serializer):
    devices_connected = serializers.IntegerField()
    devices_online = serializers.IntegerField()
    messages_per_day = MessagesPerDaySerializer(many=True)


class AlarmRuleSerializer(serializers.ModelSerializer):
    device = serializers.PrimaryKeyRelatedField(read_only=True)
    device_type = serializers.CharField(source="device_type_id", read_only=True, allow_null=True)
    enterprise = serializers.UUIDField(source="enterprise_id", read_only=True)

    class Meta:
        model = AlarmRule
        fields = [
            "id",
            "name",
            "enterprise",
            "device",
            "device_type",
            "kind",
            "key",
            "threshold",
            "duration_s",
            "is_active",
            "created_at",
        ]
        read_only_fields = fields


class AlarmRuleWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    device = serializers.UUIDField(required=False, help_text="One of your devices, or give device_type.")
    device_type = serializers.SlugRelatedField(
        slug_field="code", queryset=DeviceType.objects.all(), required=False
    )
    kind = serializers.ChoiceField(choices=AlarmKind.choices)
    key = serializers.CharField(max_length=64, required=False, allow_blank=True)
    threshold = serializers.FloatField(required=False, allow_null=True)
    duration_s = serializers.IntegerField(min_value=0, max_value=7 * 86400, default=60)


class AlarmSerializer(serializers.ModelSerializer):
    rule = serializers.PrimaryKeyRelatedField(read_only=True)
    rule_name = serializers.CharField(source="rule.name", read_only=True)
    device = serializers.PrimaryKeyRelatedField(read_only=True)
    device_name = serializers.CharField(source="device.name", read_only=True)

    class Meta:
        model = Alarm
        fields = [
            "id",
            "rule",
            "rule_name",
            "device",
            "device_name",
            "status",
            "raised_at",
            "cleared_at",
            "value",
        ]
        read_only_fields = fields
