"""Writes in cluster B that name cluster A's rows in their body.

Each case sends a body that works in B (proved: it answers 200/201 in a savepoint rolled back)
and then the same body with one id swapped for one of A's rows. The second must be refused with
400 or 404, leave A's rows as they were, and leave nothing in B that points at A's rows (the
harness's reference counts). A meta-test requires a case for every id field that the OpenAPI
schema documents in a write body under the cluster prefix, so a new one cannot be forgotten.
"""

import re
from dataclasses import dataclass

import pytest
from django.db import transaction

from devices.models import Device
from enterprises.assessment import CURRENT_VERSION, questionnaire_load
from services.models import Demand, Machine, Offering, OfferingStatus
from tests.devices.factories import DeviceFactory, DeviceTypeFactory
from tests.policies import references as policies_references
from tests.programmes import references as programmes_references
from tests.services.factories import (
    CategoryFactory,
    DemandFactory,
    MachineFactory,
    OfferingFactory,
    local_slot,
)
from tests.tenancy.harness.requests import strings_in
from tests.tenancy.harness.victims import victim_of
from tests.tenancy.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@dataclass
class Scene:
    offering: Offering
    demand: Demand
    machine: Machine
    device: Device


@pytest.fixture
def scene(world):
    category = CategoryFactory(code="world-references")
    return Scene(
        offering=OfferingFactory(
            cluster=world.b.cluster, partner=world.b.partner, category=category, price_max=None
        ),
        demand=DemandFactory(cluster=world.b.cluster, sme=world.b.sme, categories=[category]),
        machine=MachineFactory(cluster=world.b.cluster, partner=world.b.partner),
        device=DeviceFactory(
            cluster=world.b.cluster, enterprise=world.b.partner, device_type=DeviceTypeFactory(code="cnc")
        ),
    )


def _a(world, model, **filters):
    return str(model.objects.filter(cluster=world.a.cluster, **filters).order_by("pk").first().pk)


def _slot():
    start, end = local_slot(3, 9, hours=2)
    return {"start": start.isoformat(), "end": end.isoformat()}


def _answers() -> dict:
    """The lowest option of every question of the current questionnaire."""
    questionnaire = questionnaire_load(CURRENT_VERSION)
    return {
        question["code"]: (
            [min(question["options"], key=lambda o: o["score"])["code"]]
            if question["type"] == "multiple"
            else min(question["options"], key=lambda o: o["score"])["code"]
        )
        for question in questionnaire["questions"]
    }


harness_uuid = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

OFFERING = {
    "title": "B集群设备联网服务",
    "summary": "设备联网",
    "category": "world-references",
    "delivery_mode": "online",
    "price_model": "fixed",
    "price_min": "1000",
    "capacity": 3,
}
MACHINE = {
    "asset_code": "B-EQ-1",
    "name": "B集群探针台",
    "kind": "test",
    "model_name": "Summit 200",
    "location": "B集群中试线",
    "hourly_rate": "100.00",
}

# (case, role in B, method, path under B's prefix, valid body, field -> A's value)
CASES = [
    (
        "engagement for A's offering",
        "sme",
        "post",
        lambda s: "engagements/",
        lambda w, s: {"offering": str(s.offering.pk), "message": "请报价"},
        lambda w: {"offering": _a(w, Offering, status=OfferingStatus.PUBLISHED)},
    ),
    (
        "engagement for A's draft offering",
        "sme",
        "post",
        lambda s: "engagements/",
        lambda w, s: {"offering": str(s.offering.pk)},
        lambda w: {"offering": _a(w, Offering, status=OfferingStatus.DRAFT)},
    ),
    (
        "engagement about A's demand",
        "sme",
        "post",
        lambda s: "engagements/",
        lambda w, s: {"offering": str(s.offering.pk), "demand": str(s.demand.pk)},
        lambda w: {"demand": _a(w, Demand)},
    ),
    (
        "engagement on behalf of A's SME",
        "sme",
        "post",
        lambda s: "engagements/",
        lambda w, s: {"offering": str(s.offering.pk)},
        lambda w: {"sme": str(w.a.sme.pk)},
    ),
    (
        "booking of A's machine",
        "sme",
        "post",
        lambda s: "bookings/",
        lambda w, s: {"machine": str(s.machine.pk), **_slot()},
        lambda w: {"machine": _a(w, Machine)},
    ),
    (
        "booking on behalf of A's SME",
        "sme",
        "post",
        lambda s: "bookings/",
        lambda w, s: {"machine": str(s.machine.pk), **_slot()},
        lambda w: {"sme": str(w.a.sme.pk)},
    ),
    (
        "offering in the name of A's partner",
        "partner",
        "post",
        lambda s: "offerings/",
        lambda w, s: dict(OFFERING),
        lambda w: {"partner": str(w.a.partner.pk)},
    ),
    (
        "own offering handed to A's partner",
        "partner",
        "patch",
        lambda s: f"offerings/{s.offering.pk}/",
        lambda w, s: {"title": "B集群设备联网服务（新）"},
        lambda w: {"partner": str(w.a.partner.pk)},
    ),
    (
        "machine in the name of A's partner",
        "partner",
        "post",
        lambda s: "machines/",
        lambda w, s: dict(MACHINE),
        lambda w: {"partner": str(w.a.partner.pk)},
    ),
    (
        "own machine handed to A's partner",
        "partner",
        "patch",
        lambda s: f"machines/{s.machine.pk}/",
        lambda w, s: {"name": "B集群探针台（新）"},
        lambda w: {"partner": str(w.a.partner.pk)},
    ),
    (
        "demand in the name of A's SME",
        "sme",
        "post",
        lambda s: "demands/",
        lambda w, s: {"title": "B集群需求", "description": "需要MES", "categories": ["world-references"]},
        lambda w: {"sme": str(w.a.sme.pk)},
    ),
    (
        "own demand handed to A's SME",
        "sme",
        "patch",
        lambda s: f"demands/{s.demand.pk}/",
        lambda w, s: {"title": "B集群需求（新）"},
        lambda w: {"sme": str(w.a.sme.pk)},
    ),
    (
        "membership application for A's SME",
        "sme",
        "post",
        lambda s: "memberships/",
        lambda w, s: {"enterprise": str(w.b.sme.pk), "role": "partner"},
        lambda w: {"enterprise": str(w.a.sme.pk)},
    ),
    (
        "assessment of A's SME",
        "sme",
        "post",
        lambda s: "assessments/",
        lambda w, s: {"answers": _answers(), "questionnaire_version": CURRENT_VERSION},
        lambda w: {"enterprise": str(w.a.sme.pk)},
    ),
    (
        "device driving A's machine",
        "partner",
        "post",
        lambda s: "devices/",
        lambda w, s: {"device_type": "cnc", "name": "B集群设备", "machine": str(s.machine.pk)},
        lambda w: {"machine": _a(w, Machine)},
    ),
    (
        "device in the name of A's SME",
        "partner",
        "post",
        lambda s: "devices/",
        lambda w, s: {"device_type": "cnc", "name": "B集群设备"},
        lambda w: {"enterprise": str(w.a.sme.pk)},
    ),
    (
        "own device handed to A's SME",
        "partner",
        "patch",
        lambda s: f"devices/{s.device.pk}/",
        lambda w, s: {"location": "B集群车间"},
        lambda w: {"enterprise": str(w.a.sme.pk)},
    ),
    (
        "own device driving A's machine",
        "partner",
        "patch",
        lambda s: f"devices/{s.device.pk}/",
        lambda w, s: {"machine": str(s.machine.pk)},
        lambda w: {"machine": _a(w, Machine)},
    ),
    (
        "alarm rule on A's device",
        "partner",
        "post",
        lambda s: "device-alarm-rules/",
        lambda w, s: {
            "name": "超速",
            "kind": "above",
            "key": "spindle_speed",
            "threshold": 1,
            "device": str(s.device.pk),
        },
        lambda w: {"device": _a(w, Device)},
    ),
]

CASES += programmes_references.CASES
CASES += policies_references.CASES


def _named(changes: dict) -> set[str]:
    """The ids a hostile body names (a field may hold a list of them)."""
    return {item for value in changes.values() for item in (value if isinstance(value, list) else [value])}


@pytest.mark.parametrize(
    ("case", "role", "method", "path", "valid", "hostile"), CASES, ids=[c[0] for c in CASES]
)
def test_a_write_in_b_that_names_as_rows_is_refused_and_writes_nothing(
    world, scene, client_for, case, role, method, path, valid, hostile
):
    victim = victim_of(world)
    client = client_for(world.b.user_for(role))
    url = f"/api/v1/clusters/{world.b.cluster.slug}/{path(scene)}"
    body = valid(world, scene)
    with transaction.atomic():
        control = getattr(client, method)(url, body, format="json")
        transaction.set_rollback(True)
    assert control.status_code in (200, 201), control.json()
    changes = hostile(world)

    response = getattr(client, method)(url, {**body, **changes}, format="json")

    if method == "patch" and response.status_code == 200:
        # An update may ignore who acts (it is settled when the row is created): then the
        # row must still name B's enterprise, and nothing of A's may show.
        assert not _named(changes) & set(strings_in(response.json()))
    else:
        assert response.status_code in (400, 404), response.json()
    if response.status_code == 400:
        assert {error["attr"] for error in response.json()["errors"]} & set(changes)
    assert victim.changed_since_baseline() == []
    ignore = _named(changes) if response.status_code >= 400 else set()
    assert not victim.leaked(response.content.decode(), ignore)


def _id_fields(schema: dict, components: dict) -> set[str]:
    if "$ref" in schema:
        return _id_fields(components[schema["$ref"].split("/")[-1]], components)
    fields = set()
    for key in ("allOf", "oneOf", "anyOf"):
        for part in schema.get(key, []):
            fields |= _id_fields(part, components)
    for name, prop in (schema.get("properties") or {}).items():
        items = prop.get("items") or {}
        if not prop.get("readOnly") and "uuid" in (prop.get("format"), items.get("format")):
            fields.add(name)
    return fields


def test_every_id_in_a_cluster_write_body_has_a_case_above(world, scene):
    """The schema's write bodies under the cluster prefix: every id field they take has a case."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    prefix = "/api/v1/clusters/{cluster_slug}/"
    documented = set()
    for path, operations in schema["paths"].items():
        if not path.startswith(prefix):
            continue
        for method, operation in operations.items():
            content = (operation.get("requestBody") or {}).get("content") or {}
            body = content.get("application/json")
            if method in ("post", "put", "patch") and body:
                shape = re.sub(r"\{[^}]+\}", "{}", path[len(prefix) :])
                documented |= {(method, shape, name) for name in _id_fields(body["schema"], components)}
    covered = set()
    for _case, _role, method, path, _valid, hostile in CASES:
        shape = re.sub(harness_uuid, "{}", path(scene))
        covered |= {(method, shape, name) for name in hostile(world)}

    assert {("post", "engagements/", "offering"), ("patch", "offerings/{}/", "partner")} <= documented
    assert documented - covered == set(), "add a case for these (method, path, field)"
