"""Cases for tests/tenancy/test_references.py: programme writes in cluster B naming A's rows.

Each path or body builds what it needs in B on first use (kept on the scene), so the cases fit
the shared case table: (case, role in B, method, path, valid body, field -> A's value).
"""

from datetime import timedelta

from django.utils import timezone

from policies.models import Policy
from programmes.services.vouchers import voucher_issue
from services.models import Engagement
from tests.programmes.factories import VoucherProgrammeFactory
from tests.services.factories import EngagementFactory, OfferingFactory


def _memo(scene, key, make):
    cache = scene.__dict__.setdefault("_programmes", {})
    if key not in cache:
        cache[key] = make()
    return cache[key]


def _programme(scene, key: str):
    return _memo(
        scene,
        f"programme-{key}",
        lambda: VoucherProgrammeFactory(cluster=scene.offering.cluster, by=None, name=f"B集群服务券-{key}"),
    )


def _voucher(scene):
    return _memo(
        scene,
        "voucher",
        lambda: voucher_issue(programme=_programme(scene, "redeem"), sme=scene.demand.sme, by=None),
    )


def _engagement(scene):
    def make():
        offering = OfferingFactory(
            cluster=scene.offering.cluster,
            partner=scene.offering.partner,
            category_id="saas-mes",
            voucher_eligible=True,
        )
        return EngagementFactory(
            offering=offering,
            cluster=offering.cluster,
            partner=offering.partner,
            sme=scene.demand.sme,
            status="accepted",
        )

    return _memo(scene, "engagement", make)


def _a_local_policy(world) -> str:
    return str(Policy.objects.filter(cluster=world.a.cluster).order_by("pk").first().pk)


def _programme_body() -> dict:
    today = timezone.localdate()
    return {
        "name": "B集群新服务券",
        "budget": "100000.00",
        "per_sme_cap": "10000.00",
        "coverage_share": "0.5",
        "applications_open": str(today),
        "applications_close": str(today + timedelta(days=30)),
        "voucher_validity_days": 90,
    }


CASES = [
    (
        "voucher redeemed on A's engagement",
        "sme",
        "post",
        lambda s: f"vouchers/{_voucher(s).pk}/redeem/",
        lambda w, s: {"engagement": str(_engagement(s).pk), "contract_price": "1000.00"},
        lambda w: {
            "engagement": str(Engagement.objects.filter(cluster=w.a.cluster).order_by("pk").first().pk)
        },
    ),
    (
        "voucher issued to A's SME",
        "admin",
        "post",
        lambda s: f"voucher-programmes/{_programme(s, 'issue').pk}/issue/",
        lambda w, s: {"sme": str(w.b.sme.pk)},
        lambda w: {"sme": str(w.a.sme.pk)},
    ),
    (
        "voucher application on behalf of A's SME",
        "sme",
        "post",
        lambda s: f"voucher-programmes/{_programme(s, 'apply').pk}/apply/",
        lambda w, s: {"note": ""},
        lambda w: {"sme": str(w.a.sme.pk)},
    ),
    (
        "programme funded by A's local policy",
        "admin",
        "post",
        lambda s: "voucher-programmes/",
        lambda w, s: _programme_body(),
        lambda w: {"policy": _a_local_policy(w)},
    ),
    (
        "own programme tied to A's local policy",
        "admin",
        "patch",
        lambda s: f"voucher-programmes/{_programme(s, 'edit').pk}/",
        lambda w, s: {"description": "B集群"},
        lambda w: {"policy": _a_local_policy(w)},
    ),
]
