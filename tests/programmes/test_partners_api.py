"""The partner programme through the API: criteria, proposals, accreditation, the yearly review."""

from datetime import timedelta

import pytest
from django.utils import timezone

from enterprises.models import Membership
from services.models import PartnerRating
from tests.services.factories import EngagementFactory

pytestmark = pytest.mark.django_db


def _base(scene) -> str:
    return f"/api/v1/clusters/{scene.cluster.slug}"


def test_criteria_proposals_and_decisions(scene, client_for):
    admin, viewer = client_for(scene.admin), client_for(scene.viewer)
    base = _base(scene)
    assert viewer.get(f"{base}/partner-tier-criteria/").json()["certified_min_completed"] == 3
    assert viewer.post(f"{base}/partner-tier-criteria/", {}, format="json").status_code == 403
    response = admin.post(f"{base}/partner-tier-criteria/", {"certified_min_completed": 1}, format="json")
    assert response.status_code == 200, response.json()
    response = admin.post(f"{base}/partner-tier-criteria/", {"strategic_min_rating": "9"}, format="json")
    assert response.status_code == 400

    Membership.objects.filter(enterprise=scene.partner).update(partner_tier="registered")
    EngagementFactory(
        offering=scene.offering,
        cluster=scene.cluster,
        partner=scene.partner,
        sme=scene.sme,
        status="completed",
    )
    PartnerRating.objects.create(cluster=scene.cluster, partner=scene.partner, count=2, mean=4.5, bayes=3.9)
    assert admin.post(f"{base}/tier-proposals/generate/").json() == {"open_proposals": 1}
    proposals = viewer.get(f"{base}/tier-proposals/?status=proposed").json()["results"]
    assert [(p["current_tier"], p["proposed_tier"]) for p in proposals] == [("registered", "certified")]
    proposal = proposals[0]["id"]
    assert viewer.post(f"{base}/tier-proposals/{proposal}/accept/", {}, format="json").status_code == 403
    response = admin.post(
        f"{base}/tier-proposals/{proposal}/accept/", {"reason": "年度评审通过"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert Membership.objects.get(enterprise=scene.partner).partner_tier == "certified"
    assert (
        admin.post(f"{base}/tier-proposals/{proposal}/decline/", {"reason": "x"}, format="json").status_code
        == 409
    )


def test_accreditation_renewal_and_the_review(scene, client_for):
    admin = client_for(scene.admin)
    base = _base(scene)
    membership = Membership.objects.get(enterprise=scene.partner)
    soon = timezone.localdate() + timedelta(days=10)
    response = admin.post(
        f"{base}/partner-accreditations/{membership.pk}/renew/", {"valid_until": str(soon)}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["accreditation_valid_until"] == str(soon)
    response = admin.post(
        f"{base}/partner-accreditations/{membership.pk}/renew/", {"valid_until": "2001-01-01"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "valid_until"
    rows = admin.get(f"{base}/partner-accreditations/review/").json()
    assert [(row["accreditation"]["partner"], row["reasons"]) for row in rows] == [
        (str(scene.partner.pk), ["accreditation_expiring"])
    ]
    # An SME's membership is not a partner accreditation.
    sme_membership = Membership.objects.get(enterprise=scene.sme)
    assert admin.get(f"{base}/partner-accreditations/{sme_membership.pk}/").status_code == 404
    assert client_for(scene.sme_user).get(f"{base}/partner-accreditations/").status_code == 403
