"""Writes for the device registry: provisioning, editing, credentials (issue, rotate, revoke).

A device's secret is shown once, in the answer that creates or rotates it; the platform keeps
only its SHA-256. Broker accounts (Mosquitto's dynamic-security plugin) are provisioned after
commit with the plaintext still in hand, because the broker keeps its own hash of it. That is a
`transaction.on_commit` call in the request, deliberately not a Celery task: a task's arguments
sit in Redis, and the plaintext secret must not.
"""

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cluster_platform.models import Cluster
from devices import broker
from devices.models import Device, DeviceType, Protocol, ValueType
from enterprises.models import Enterprise
from enterprises.selectors.memberships import is_approved_member
from services.models import Machine

MAX_TELEMETRY_KEYS = 64
KEY_ALPHABET = set("abcdefghijklmnopqrstuvwxyz0123456789_")
EDITABLE_FIELDS = ("name", "vendor", "model_name", "protocol", "location", "telemetry_keys", "machine")


@dataclass(frozen=True)
class IssuedCredentials:
    """What a device needs to connect; the secret exists in plaintext only here."""

    device: Device
    secret: str


def device_secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _secret_new() -> str:
    return secrets.token_urlsafe(32)


def telemetry_keys_clean(keys) -> dict:
    """The declared keys as {key: {"unit": str, "type": ValueType}}, or a field error."""
    if not isinstance(keys, dict) or not keys:
        raise ValidationError({"telemetry_keys": [_("Declare at least one telemetry key.")]})
    if len(keys) > MAX_TELEMETRY_KEYS:
        raise ValidationError(
            {"telemetry_keys": [_("At most %(n)d telemetry keys.") % {"n": MAX_TELEMETRY_KEYS}]}
        )
    cleaned = {}
    for key, spec in keys.items():
        if not (isinstance(key, str) and 0 < len(key) <= 64 and set(key) <= KEY_ALPHABET):
            raise ValidationError(
                {"telemetry_keys": [_("Key %(key)r: use lower-case letters, digits and _.") % {"key": key}]}
            )
        if not isinstance(spec, dict) or spec.get("type", ValueType.NUMBER) not in ValueType.values:
            raise ValidationError(
                {
                    "telemetry_keys": [
                        _("Key %(key)r: type must be one of %(types)s.")
                        % {"key": key, "types": ", ".join(ValueType.values)}
                    ]
                }
            )
        unit = spec.get("unit", "")
        if not isinstance(unit, str) or len(unit) > 20:
            raise ValidationError({"telemetry_keys": [_("Key %(key)r: unit too long.") % {"key": key}]})
        cleaned[key] = {"unit": unit, "type": spec.get("type", ValueType.NUMBER)}
    return cleaned


def _require_member(*, cluster: Cluster, enterprise: Enterprise) -> None:
    if not any(
        is_approved_member(cluster=cluster, enterprise_id=enterprise.pk, role=role)
        for role in ("sme", "partner")
    ):
        raise ValidationError(
            {"enterprise": [_("The enterprise is not an approved member of this cluster.")]}
        )


def _machine_resolve(*, cluster: Cluster, enterprise: Enterprise, machine_id) -> Machine | None:
    """The shared machine a device will drive: one of the same cluster and enterprise, or a field error
    (the same error for a machine that exists elsewhere, so ids of others cannot be probed)."""
    if machine_id is None:
        return None
    machine = Machine.objects.filter(pk=machine_id, cluster=cluster, partner=enterprise).first()
    if machine is None:
        raise ValidationError({"machine": [_("Link only a shared machine of the same enterprise here.")]})
    return machine


def _integrity_error(error: IntegrityError) -> ValidationError:
    if "machine" in str(error):
        return ValidationError({"machine": [_("Another device already drives this machine.")]})
    return ValidationError({"name": [_("This enterprise already has a device with this name here.")]})


def device_create(
    *, cluster: Cluster, enterprise: Enterprise, device_type: DeviceType, data: dict
) -> IssuedCredentials:
    """Register a device and issue its credentials (shown once)."""
    _require_member(cluster=cluster, enterprise=enterprise)
    values = {field: data[field] for field in EDITABLE_FIELDS if field in data}
    values["telemetry_keys"] = telemetry_keys_clean(values.get("telemetry_keys") or device_type.default_keys)
    values["machine"] = _machine_resolve(
        cluster=cluster, enterprise=enterprise, machine_id=values.get("machine")
    )
    secret = _secret_new()
    try:
        with transaction.atomic():
            device = Device.objects.create(
                id=uuid.uuid4(),
                cluster=cluster,
                enterprise=enterprise,
                device_type=device_type,
                secret_hash=device_secret_hash(secret),
                credentials_issued_at=timezone.now(),
                **values,
            )
            transaction.on_commit(lambda: broker.device_account_set(device=device, secret=secret))
    except IntegrityError as error:
        raise _integrity_error(error) from None
    return IssuedCredentials(device=device, secret=secret)


@transaction.atomic
def device_update(*, cluster: Cluster, device: Device, data: dict) -> Device:
    device = Device.objects.select_for_update().get(pk=device.pk, cluster=cluster)
    values = {field: data[field] for field in EDITABLE_FIELDS if field in data}
    if "telemetry_keys" in values:
        values["telemetry_keys"] = telemetry_keys_clean(values["telemetry_keys"])
    if "machine" in values:
        values["machine"] = _machine_resolve(
            cluster=cluster, enterprise=device.enterprise, machine_id=values["machine"]
        )
    if values.get("protocol", Protocol.MQTT) not in Protocol.values:
        raise ValidationError({"protocol": [_("Unknown protocol.")]})
    for field, value in values.items():
        setattr(device, field, value)
    try:
        with transaction.atomic():
            device.save(update_fields=[*values, "updated_at"])
    except IntegrityError as error:
        raise _integrity_error(error) from None
    return device


@transaction.atomic
def device_credentials_rotate(*, cluster: Cluster, device: Device) -> IssuedCredentials:
    """A new secret replaces the old one at once (and un-revokes a revoked device)."""
    device = Device.objects.select_for_update().get(pk=device.pk, cluster=cluster)
    secret = _secret_new()
    device.secret_hash = device_secret_hash(secret)
    device.credentials_issued_at = timezone.now()
    device.revoked_at = None
    device.save(update_fields=["secret_hash", "credentials_issued_at", "revoked_at", "updated_at"])
    transaction.on_commit(lambda: broker.device_account_set(device=device, secret=secret))
    return IssuedCredentials(device=device, secret=secret)


@transaction.atomic
def device_revoke(*, cluster: Cluster, device: Device) -> Device:
    """The device can no longer connect or post; its history stays."""
    device = Device.objects.select_for_update().get(pk=device.pk, cluster=cluster)
    if device.revoked_at is None:
        device.revoked_at = timezone.now()
        device.save(update_fields=["revoked_at", "updated_at"])
        transaction.on_commit(lambda: broker.device_account_disable(device=device))
    return device


def device_authenticate(*, device_id: str, secret: str) -> Device | None:
    """The device these credentials belong to, or None (unknown, wrong secret or revoked)."""
    try:
        device = Device.objects.select_related("cluster", "device_type").get(pk=uuid.UUID(str(device_id)))
    except (ValueError, Device.DoesNotExist):
        return None
    if device.revoked_at is not None or not device.cluster.is_active:
        return None
    if not hmac.compare_digest(device.secret_hash, device_secret_hash(secret)):
        return None
    return device
