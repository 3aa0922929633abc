"""The device-type catalogue in the database, kept equal to the shipped one (devices/catalogue.py)."""

from devices.catalogue import DEVICE_TYPES
from devices.models import DeviceType


def device_types_sync() -> dict[str, DeviceType]:
    """Create or update the shipped device types; answers every type by code. Idempotent."""
    types = {}
    for row in DEVICE_TYPES:
        values = {key: value for key, value in row.items() if key != "code"}
        device_type, created = DeviceType.objects.get_or_create(code=row["code"], defaults=values)
        if not created and any(getattr(device_type, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(device_type, key, value)
            device_type.save()
        types[device_type.code] = device_type
    return types
