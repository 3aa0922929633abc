import factory
from django.utils import timezone

from devices.catalogue import DEVICE_TYPES
from devices.models import DeadLetter, Device, DeviceType
from devices.services.registry import device_secret_hash
from tests.cluster_platform.factories import ClusterFactory
from tests.enterprises.factories import EnterpriseFactory

CATALOGUE = {row["code"]: row for row in DEVICE_TYPES}
# The secret every factory-made device has, so tests can authenticate as it.
FACTORY_SECRET = "factory-device-secret"


class DeviceTypeFactory(factory.django.DjangoModelFactory):
    """A catalogue type (re-created from the shipped catalogue if a transactional test flushed it)."""

    class Meta:
        model = DeviceType
        django_get_or_create = ("code",)

    code = "cnc"
    name = factory.LazyAttribute(lambda o: CATALOGUE.get(o.code, {}).get("name", o.code))
    heartbeat_timeout_s = factory.LazyAttribute(
        lambda o: CATALOGUE.get(o.code, {}).get("heartbeat_timeout_s", 120)
    )
    report_interval_s = factory.LazyAttribute(
        lambda o: CATALOGUE.get(o.code, {}).get("report_interval_s", 10)
    )
    running_key = factory.LazyAttribute(lambda o: CATALOGUE.get(o.code, {}).get("running_key", ""))
    running_above = factory.LazyAttribute(lambda o: CATALOGUE.get(o.code, {}).get("running_above", 0))
    default_keys = factory.LazyAttribute(lambda o: CATALOGUE.get(o.code, {}).get("default_keys", {}))


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Device

    cluster = factory.SubFactory(ClusterFactory)
    enterprise = factory.SubFactory(EnterpriseFactory)
    device_type = factory.SubFactory(DeviceTypeFactory)
    name = factory.Sequence(lambda n: f"加工中心 {n:03d}")
    vendor = "FANUC"
    model_name = "Robodrill α-D21MiB5"
    location = "无锡市新吴区"
    telemetry_keys = factory.LazyAttribute(lambda o: dict(o.device_type.default_keys))
    secret_hash = device_secret_hash(FACTORY_SECRET)
    credentials_issued_at = factory.LazyFunction(timezone.now)


class DeadLetterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeadLetter

    device = factory.SubFactory(DeviceFactory)
    cluster = factory.LazyAttribute(lambda o: o.device.cluster)
    topic = factory.LazyAttribute(
        lambda o: f"clusters/{o.device.cluster.slug}/devices/{o.device.pk}/telemetry"
    )
    payload = "{not json"
    reason = "not_json"
    detail = "Expecting property name"
    received_at = factory.LazyFunction(timezone.now)
