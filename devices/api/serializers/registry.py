from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from devices.models import DeadLetter, Device, DeviceStatusChange, DeviceType, Protocol
from devices.mqtt import topic_for


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
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

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
