"""Create requests in cluster B that name cluster A's rows in their body.

Each case sends a body that works in B (proved: it answers 201) and then the same body with one
id swapped for one of A's rows. The second must be refused with 400 or 404, leave A's rows as
they were, and leave nothing in B that points at A's rows (the harness's reference counts).
"""

from dataclasses import dataclass

import pytest
from django.db import transaction

from services.models import Demand, Machine, Offering, OfferingStatus
from tests.matching.factories import CategoryFactory, DemandFactory, OfferingFactory
from tests.services.factories_delivery import MachineFactory, local_slot
from tests.tenancy import harness
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


@pytest.fixture
def scene(world):
    category = CategoryFactory(code="world-references")
    return Scene(
        offering=OfferingFactory(cluster=world.b.cluster, partner=world.b.partner, category=category),
        demand=DemandFactory(cluster=world.b.cluster, sme=world.b.sme, categories=[category]),
        machine=MachineFactory(cluster=world.b.cluster, partner=world.b.partner),
    )


def _a(world, model, **filters):
    return str(model.objects.filter(cluster=world.a.cluster, **filters).order_by("pk").first().pk)


def _slot():
    start, end = local_slot(3, 9, hours=2)
    return {"start": start.isoformat(), "end": end.isoformat()}


# (case, role in B, path under B's prefix, valid body, field -> A's value)
CASES = [
    (
        "engagement for A's offering",
        "sme",
        "engagements/",
        lambda w, s: {"offering": str(s.offering.pk), "message": "请报价"},
        lambda w: {"offering": _a(w, Offering, status=OfferingStatus.PUBLISHED)},
    ),
    (
        "engagement for A's draft offering",
        "sme",
        "engagements/",
        lambda w, s: {"offering": str(s.offering.pk)},
        lambda w: {"offering": _a(w, Offering, status=OfferingStatus.DRAFT)},
    ),
    (
        "engagement about A's demand",
        "sme",
        "engagements/",
        lambda w, s: {"offering": str(s.offering.pk), "demand": str(s.demand.pk)},
        lambda w: {"demand": _a(w, Demand)},
    ),
    (
        "engagement on behalf of A's SME",
        "sme",
        "engagements/",
        lambda w, s: {"offering": str(s.offering.pk)},
        lambda w: {"sme": str(w.a.sme.pk)},
    ),
    (
        "booking of A's machine",
        "sme",
        "bookings/",
        lambda w, s: {"machine": str(s.machine.pk), **_slot()},
        lambda w: {"machine": _a(w, Machine)},
    ),
    (
        "booking on behalf of A's SME",
        "sme",
        "bookings/",
        lambda w, s: {"machine": str(s.machine.pk), **_slot()},
        lambda w: {"sme": str(w.a.sme.pk)},
    ),
    (
        "offering in the name of A's partner",
        "partner",
        "offerings/",
        lambda w, s: {
            "title": "B集群设备联网服务",
            "summary": "设备联网",
            "category": "world-references",
            "delivery_mode": "online",
            "price_model": "fixed",
            "price_min": "1000",
            "capacity": 3,
        },
        lambda w: {"partner": str(w.a.partner.pk)},
    ),
    (
        "membership application for A's SME",
        "sme",
        "memberships/",
        lambda w, s: {"enterprise": str(w.b.sme.pk), "role": "partner"},
        lambda w: {"enterprise": str(w.a.sme.pk)},
    ),
    (
        "demand in the name of A's SME",
        "sme",
        "demands/",
        lambda w, s: {"title": "B集群需求", "description": "需要MES", "categories": ["world-references"]},
        lambda w: {"sme": str(w.a.sme.pk)},
    ),
]


@pytest.mark.parametrize(("case", "role", "path", "valid", "hostile"), CASES, ids=[c[0] for c in CASES])
def test_a_create_in_b_that_names_as_rows_is_refused_and_writes_nothing(
    world, scene, client_for, case, role, path, valid, hostile
):
    victim = harness.victim_of(world)
    client = client_for(world.b.user_for(role))
    url = f"/api/v1/clusters/{world.b.cluster.slug}/{path}"
    body = valid(world, scene)
    with transaction.atomic():
        control = client.post(url, body, format="json")
        transaction.set_rollback(True)
    assert control.status_code == 201, control.json()
    changes = hostile(world)

    response = client.post(url, {**body, **changes}, format="json")

    assert response.status_code in (400, 404), response.json()
    if response.status_code == 400:
        assert {error["attr"] for error in response.json()["errors"]} & set(changes)
    assert victim.changed_since_baseline() == []
    leaked = victim.leaked(response.content.decode(), set(changes.values()))
    assert not leaked
