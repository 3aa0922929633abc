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


# --- Running engagements of a partner out of good standing -------------------------------------


def _engagements(scene):
    return f"/api/v1/clusters/{scene.cluster.slug}/engagements/"


def test_a_suspended_partner_finishes_its_running_engagements_and_takes_no_new_work(scene, client_for):
    """It reads its engagements and moves the running ones to delivery; a waiting request it may
    only decline; it accepts nothing, publishes nothing and claims no voucher until reinstated."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.programmes.test_vouchers import PDF
    from tests.services.factories import OfferingFactory

    scene.offering.capacity = 5
    scene.offering.save(update_fields=["capacity"])
    accepted = scene.engagement(status="accepted")
    client_user, client_sme = scene.new_sme()
    in_progress = scene.engagement(sme=client_sme, status="in_progress")
    waiting = scene.engagement(sme=scene.new_sme().enterprise, status="requested")
    declinable = scene.engagement(sme=scene.new_sme().enterprise, status="requested")
    pending = OfferingFactory(cluster=scene.cluster, partner=scene.partner, status="pending")
    membership_suspend(membership=_membership(scene), reason="年度信息未更新", by=scene.admin)
    partner = client_for(scene.partner_user)
    url = _engagements(scene)

    listed = {row["id"]: row for row in partner.get(url).json()["results"]}
    assert set(listed) == {str(e.pk) for e in (accepted, in_progress, waiting, declinable)}
    assert listed[str(waiting.pk)]["allowed_actions"] == ["decline"]  # no "accept"
    assert listed[str(accepted.pk)]["allowed_actions"] == ["cancel", "start"]

    assert partner.post(f"{url}{accepted.pk}/start/").json()["status"] == "in_progress"
    assert partner.post(f"{url}{in_progress.pk}/deliver/").json()["status"] == "delivered"
    assert (
        partner.post(f"{url}{declinable.pk}/decline/", {"reason": "暂停接单"}).json()["status"] == "declined"
    )
    refused = partner.post(f"{url}{waiting.pk}/accept/")
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["code"] == "partner_not_in_good_standing"
    waiting.refresh_from_db()
    assert waiting.status == "requested"
    # The client confirms the delivery as usual.
    assert client_for(client_user).post(f"{url}{in_progress.pk}/confirm/").json()["status"] == "completed"

    # Nothing new: no offering, no submission, no voucher claim; the agency cannot publish for it.
    base = f"/api/v1/clusters/{scene.cluster.slug}"
    assert partner.post(f"{base}/offerings/", {"title": "新服务"}, format="json").status_code == 403
    assert partner.post(f"{base}/offerings/{scene.offering.pk}/withdraw/").status_code == 403
    claim = partner.post(
        f"{base}/voucher-claims/",
        {"voucher": str(scene.offering.pk), "proof": SimpleUploadedFile("验收报告.pdf", PDF)},
        format="multipart",
    )
    assert claim.status_code == 403
    approve = client_for(scene.admin).post(f"{base}/offerings/{pending.pk}/approve/")
    assert approve.status_code == 409
    assert approve.json()["errors"][0]["code"] == "partner_not_in_good_standing"
    assert partner.get(f"{base}/demands/").status_code == 403  # no member's view beyond its engagements

    membership_approve(membership=_membership(scene), by=scene.admin)  # reinstated
    assert partner.post(f"{url}{waiting.pk}/accept/").json()["status"] == "accepted"
    assert client_for(scene.admin).post(f"{base}/offerings/{pending.pk}/approve/").status_code == 200


def test_other_suspended_partners_see_nothing_of_these_engagements(scene, client_for):
    running = scene.engagement(status="accepted")
    other_user, other = member_user_partner(scene)
    membership_suspend(
        membership=Membership.objects.get(cluster=scene.cluster, enterprise=other, role="partner"),
        reason="违规",
        by=scene.admin,
    )
    client = client_for(other_user)
    assert client.get(_engagements(scene)).json()["results"] == []
    assert client.post(f"{_engagements(scene)}{running.pk}/start/").status_code == 404
    running.refresh_from_db()
    assert running.status == "accepted"


def test_a_partner_whose_accreditation_ended_accepts_and_publishes_nothing_new(scene, client_for):
    from tests.services.factories import OfferingFactory

    today = timezone.localdate()
    waiting = scene.engagement(status="requested")
    draft = OfferingFactory(cluster=scene.cluster, partner=scene.partner, status="draft")
    Membership.objects.filter(pk=_membership(scene).pk).update(
        accreditation_valid_until=today - timedelta(days=1)
    )
    partner = client_for(scene.partner_user)
    base = f"/api/v1/clusters/{scene.cluster.slug}"
    row = partner.get(f"{_engagements(scene)}{waiting.pk}/").json()
    assert "accept" not in row["allowed_actions"] and "decline" in row["allowed_actions"]
    assert partner.post(f"{_engagements(scene)}{waiting.pk}/accept/").status_code == 409
    submitted = partner.post(f"{base}/offerings/{draft.pk}/submit/")
    assert submitted.status_code == 409
    assert submitted.json()["errors"][0]["code"] == "partner_not_in_good_standing"
    draft.refresh_from_db()
    assert draft.status == "draft"
    accreditation_set(membership=_membership(scene), valid_until=today + timedelta(days=365), by=scene.admin)
    assert partner.post(f"{_engagements(scene)}{waiting.pk}/accept/").json()["status"] == "accepted"
    assert partner.post(f"{base}/offerings/{draft.pk}/submit/").json()["status"] == "pending"


def member_user_partner(scene):
    from enterprises.models import MembershipRole
    from tests.enterprises.factories import member_user

    return member_user(scene.cluster, MembershipRole.PARTNER)
