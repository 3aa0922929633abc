"""A partner out of good standing (suspended, or its accreditation ended) leaves the public
catalog and matching and takes no new engagements, bookings or voucher claims; its running
engagements continue; reinstatement (or renewal) brings it back."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from enterprises.models import Membership
from enterprises.selectors.memberships import is_partner_in_good_standing
from enterprises.services.memberships import membership_approve, membership_suspend
from matching.selectors import offering_inputs
from programmes.services.partners import accreditation_set
from services.services.engagements import engagement_request, engagement_transition
from tests.services.factories import MachineFactory

pytestmark = pytest.mark.django_db


def _public_offerings(client, scene):
    return {
        row["id"] for row in client.get(f"/api/v1/clusters/{scene.cluster.slug}/offerings/").json()["results"]
    }


def _public_machines(client, scene):
    return {
        row["id"] for row in client.get(f"/api/v1/clusters/{scene.cluster.slug}/machines/").json()["results"]
    }


def _membership(scene):
    return Membership.objects.get(cluster=scene.cluster, enterprise=scene.partner, role="partner")


def test_a_suspended_partner_leaves_the_catalog_and_matching_and_comes_back(scene, client_for):
    machine = MachineFactory(cluster=scene.cluster, partner=scene.partner)
    running = scene.engagement(status="accepted")
    anonymous, own = client_for(None), client_for(scene.partner_user)
    offering = str(scene.offering.pk)
    assert offering in _public_offerings(anonymous, scene)
    assert str(machine.pk) in _public_machines(anonymous, scene)

    membership_suspend(membership=_membership(scene), reason="年度信息未更新", by=scene.admin)

    assert offering not in _public_offerings(anonymous, scene)
    assert offering not in _public_offerings(client_for(scene.sme_user), scene)
    assert str(machine.pk) not in _public_machines(anonymous, scene)
    assert offering in _public_offerings(client_for(scene.admin), scene)  # the agency sees it
    assert offering not in {
        str(row.offering_id) for row in offering_inputs(cluster=scene.cluster, dimensions=[])
    }
    other_user, other = scene.new_sme()
    with translation.override("en"), pytest.raises(ValidationError, match="not in good standing"):
        engagement_request(cluster=scene.cluster, offering=scene.offering, sme=other, by=other_user)
    # The running engagement is left as it is (the suspension cancels nothing).
    running.refresh_from_db()
    assert running.status == "accepted"

    membership_approve(membership=_membership(scene), by=scene.admin)  # reinstated
    assert offering in _public_offerings(anonymous, scene)
    assert str(machine.pk) in _public_machines(anonymous, scene)
    assert engagement_request(cluster=scene.cluster, offering=scene.offering, sme=other, by=other_user).pk
    assert own.get(f"/api/v1/clusters/{scene.cluster.slug}/offerings/").status_code == 200


def test_an_ended_accreditation_takes_the_partner_out_until_renewed(scene, client_for):
    """Out of the catalog and refusing new engagements, while running ones go on."""
    today = timezone.localdate()
    anonymous = client_for(None)
    membership = accreditation_set(
        membership=_membership(scene), valid_until=today + timedelta(days=1), by=scene.admin
    )
    assert is_partner_in_good_standing(cluster=scene.cluster, enterprise_id=scene.partner.pk, today=today)
    assert not is_partner_in_good_standing(
        cluster=scene.cluster, enterprise_id=scene.partner.pk, today=today + timedelta(days=2)
    )
    running = scene.engagement(status="accepted")
    Membership.objects.filter(pk=membership.pk).update(accreditation_valid_until=today - timedelta(days=1))
    assert str(scene.offering.pk) not in _public_offerings(anonymous, scene)
    other_user, other = scene.new_sme()
    with translation.override("en"), pytest.raises(ValidationError, match="not in good standing"):
        engagement_request(cluster=scene.cluster, offering=scene.offering, sme=other, by=other_user)
    # Its running engagements continue: the partner still delivers.
    started = engagement_transition(
        cluster=scene.cluster, engagement=running, action="start", by=scene.partner_user
    )
    assert started.status == "in_progress"
    accreditation_set(membership=membership, valid_until=today + timedelta(days=365), by=scene.admin)
    assert str(scene.offering.pk) in _public_offerings(anonymous, scene)
