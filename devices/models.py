"""Connected equipment (设备上云): the device registry, its credentials, status, rollups and alarms.

Raw telemetry lives in `devices_telemetry`, a table partitioned by day that migrations create with
SQL (Django models cannot declare partitioning); `devices.services.ingestion` writes it with COPY and
`devices.selectors.telemetry` reads it. The rows here are the registry and what is derived from it.
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from cluster_platform.models import Cluster, TimestampedModel
from enterprises.models import Enterprise
from services.models import Machine


class ValueType(models.TextChoices):
    NUMBER = "number", _("number")
    BOOLEAN = "boolean", _("boolean")
    STRING = "string", _("string")


class Protocol(models.TextChoices):
    MQTT = "mqtt", _("MQTT")
    HTTP = "http", _("HTTP")


class DeviceStatus(models.TextChoices):
    NEVER_SEEN = "never_seen", _("never seen")
    ONLINE = "online", _("online")
    OFFLINE = "offline", _("offline")


class DeviceType(models.Model):
    """A kind of equipment in the platform-wide catalogue, with its reporting habits."""

    code = models.SlugField(_("code"), max_length=40, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    # A device of this type that has sent nothing for this long is offline.
    heartbeat_timeout_s = models.PositiveIntegerField(_("heartbeat timeout (s)"), default=120)
    # How often such a device reports: each message stands for one interval of time when the
    # daily utilisation is estimated from the hourly rollups.
    report_interval_s = models.PositiveIntegerField(_("report interval (s)"), default=10)
    # The key whose value above `running_above` means the machine is running (else idle).
    running_key = models.CharField(_("running key"), max_length=64, blank=True)
    running_above = models.FloatField(_("running above"), default=0)
    # The keys a new device of this type declares unless told otherwise: {key: {"unit", "type"}}.
    default_keys = models.JSONField(_("default telemetry keys"), default=dict, blank=True)

    class Meta:
        verbose_name = _("device type")
        verbose_name_plural = _("device types")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Device(TimestampedModel):
    """A machine or sensor of an enterprise, connected through one cluster's platform."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="devices")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="devices")
    device_type = models.ForeignKey(DeviceType, on_delete=models.PROTECT, related_name="devices")
    name = models.CharField(_("name"), max_length=200)
    vendor = models.CharField(_("vendor"), max_length=200, blank=True)
    model_name = models.CharField(_("model"), max_length=200, blank=True)
    protocol = models.CharField(_("protocol"), max_length=8, choices=Protocol.choices, default=Protocol.MQTT)
    location = models.CharField(_("location"), max_length=200, blank=True)
    # The declared telemetry keys: {key: {"unit": "rpm", "type": "number"}}; anything else is refused.
    telemetry_keys = models.JSONField(_("telemetry keys"), default=dict)
    # A shared machine whose live status this device drives (same cluster, same enterprise).
    machine = models.OneToOneField(
        Machine, null=True, blank=True, on_delete=models.SET_NULL, related_name="device"
    )
    # SHA-256 of the device secret. The secret is 256 random bits, so a fast hash is enough
    # (as for API tokens) and every HTTP batch can be checked without a slow KDF.
    secret_hash = models.CharField(max_length=64, editable=False)
    credentials_issued_at = models.DateTimeField(_("credentials issued at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=DeviceStatus.choices, default=DeviceStatus.NEVER_SEEN
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True)
    # The newest value of each key and the device time it was measured at, kept by ingestion.
    latest_values = models.JSONField(_("latest values"), default=dict, blank=True)
    latest_ts = models.DateTimeField(_("latest reading at"), null=True, blank=True)

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "enterprise", "name"], name="uniq_device_name"),
        ]
        indexes = [models.Index(fields=["cluster", "status"], name="device_cluster_status")]

    def __str__(self):
        return self.name

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class DeviceStatusChange(models.Model):
    """One change of a device's online/offline status, in the order it happened."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="+")
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(_("status"), max_length=12, choices=DeviceStatus.choices)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("device status change")
        verbose_name_plural = _("device status changes")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["device", "at"], name="device_status_change_at")]

    def __str__(self):
        return f"{self.device_id} {self.status} {self.at:%Y-%m-%d %H:%M}"


class DeadLetterReason(models.TextChoices):
    NOT_JSON = "not_json", _("not JSON")
    MALFORMED = "malformed", _("malformed message")
    OVERSIZED = "oversized", _("message too large")
    UNKNOWN_KEY = "unknown_key", _("undeclared telemetry key")
    WRONG_TYPE = "wrong_type", _("value of the wrong type")
    FUTURE_TIMESTAMP = "future_timestamp", _("timestamp in the future")
    STALE_TIMESTAMP = "stale_timestamp", _("timestamp older than the retention period")
    WRONG_TOPIC = "wrong_topic", _("topic of another cluster or device")
    UNKNOWN_DEVICE = "unknown_device", _("unknown device")
    REVOKED_DEVICE = "revoked_device", _("revoked device")


class DeadLetter(models.Model):
    """A message the ingestion refused, kept with the reason so that the device's owner can fix it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    # Both null when the topic names no known device: only platform operators see those.
    cluster = models.ForeignKey(Cluster, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    device = models.ForeignKey(
        Device, null=True, blank=True, on_delete=models.CASCADE, related_name="dead_letters"
    )
    topic = models.CharField(_("topic"), max_length=300)
    # The payload as text (undecodable bytes replaced), cut to DEAD_LETTER_PAYLOAD_CHARS.
    payload = models.TextField(_("payload"))
    reason = models.CharField(_("reason"), max_length=20, choices=DeadLetterReason.choices)
    detail = models.CharField(_("detail"), max_length=300)
    received_at = models.DateTimeField(_("received at"))
    # SHA-256 of topic and payload: a redelivered bad message is recorded once.
    fingerprint = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        verbose_name = _("dead letter")
        verbose_name_plural = _("dead letters")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["device", "received_at"], name="dead_letter_device_at")]

    def __str__(self):
        return f"{self.reason}: {self.topic}"


class DeviceHourly(models.Model):
    """A device's message counts in one hour, kept up to date by each ingested batch."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="+")
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="hourly")
    hour = models.DateTimeField(_("hour"))
    messages = models.PositiveIntegerField(_("messages"), default=0)
    running_messages = models.PositiveIntegerField(_("messages while running"), default=0)

    class Meta:
        verbose_name = _("device hour")
        verbose_name_plural = _("device hours")
        ordering = ["hour", "device_id"]
        constraints = [models.UniqueConstraint(fields=["device", "hour"], name="uniq_device_hour")]
        indexes = [models.Index(fields=["cluster", "hour"], name="device_hourly_cluster_hour")]

    def __str__(self):
        return f"{self.device_id} {self.hour:%Y-%m-%d %H}h"


class TelemetryHourly(models.Model):
    """The count, sum, minimum and maximum of one numeric key of one device in one hour."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="+")
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField(_("hour"))
    key = models.CharField(_("key"), max_length=64)
    samples = models.PositiveIntegerField(_("samples"))
    total = models.FloatField(_("sum"))
    minimum = models.FloatField(_("minimum"))
    maximum = models.FloatField(_("maximum"))

    class Meta:
        verbose_name = _("hourly telemetry rollup")
        verbose_name_plural = _("hourly telemetry rollups")
        ordering = ["hour", "key"]
        constraints = [
            models.UniqueConstraint(fields=["device", "hour", "key"], name="uniq_telemetry_hour_key"),
        ]

    def __str__(self):
        return f"{self.device_id} {self.key} {self.hour:%Y-%m-%d %H}h"


class AlarmKind(models.TextChoices):
    ABOVE = "above", _("value above threshold")
    BELOW = "below", _("value below threshold")
    OFFLINE = "offline", _("offline")


class AlarmRule(TimestampedModel):
    """A condition on one device or on every device of a type in a cluster that raises an alarm."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="alarm_rules")
    # The enterprise whose devices the rule watches (its own rule) ...
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="alarm_rules")
    # ... either one device or every device of the enterprise of one type.
    device = models.ForeignKey(Device, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    device_type = models.ForeignKey(
        DeviceType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=AlarmKind.choices)
    key = models.CharField(_("key"), max_length=64, blank=True)
    threshold = models.FloatField(_("threshold"), null=True, blank=True)
    # The condition must hold this long (value rules) or the device be offline this long.
    duration_s = models.PositiveIntegerField(_("for (seconds)"), default=60)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("alarm rule")
        verbose_name_plural = _("alarm rules")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(device__isnull=False) | models.Q(device_type__isnull=False),
                name="alarm_rule_has_target",
            ),
        ]


class AlarmStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    CLEARED = "cleared", _("cleared")


class Alarm(TimestampedModel):
    """One raising of a rule on one device, from raised to cleared; at most one active per pair."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(AlarmRule, on_delete=models.CASCADE, related_name="alarms")
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="alarms")
    status = models.CharField(_("status"), max_length=8, choices=AlarmStatus.choices)
    raised_at = models.DateTimeField(_("raised at"))
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    value = models.FloatField(_("value"), null=True, blank=True)

    class Meta:
        verbose_name = _("alarm")
        verbose_name_plural = _("alarms")
        ordering = ["-raised_at", "-id"]
        constraints = [
            # Deduplication: a rule that keeps firing extends its one active alarm.
            models.UniqueConstraint(
                fields=["rule", "device"],
                condition=models.Q(status="active"),
                name="uniq_active_alarm",
            ),
        ]
