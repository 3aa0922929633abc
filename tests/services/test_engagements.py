import pytest

from cluster_platform.models import AuditLog, Notification
from services.models import Engagement, EngagementEvent
from services.services.engagements import engagement_transition
from tests.services.delivery_scene import ROLES, build_scene
from tests.services.factories import EngagementFactory, OfferingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    return build_scene()


def _request(client_for, scene, **body):
    return client_for(scene.sme_user).post(
        scene.url("engagements/"),
        {"offering": str(scene.offering.pk), "message": "需要 MEMS 封装方案", **body},
    )


def _act(client_for, scene, user, engagement, action, **body):
    return client_for(user).post(scene.url(f"engagements/{engagement.pk}/{action}/"), body)


def test_sme_requests_a_published_offering(client_for, scene):
    response = _request(client_for, scene)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "requested"
    assert body["partner"]["id"] == str(scene.partner.pk)
    assert body["allowed_actions"] == ["cancel"]
    engagement = Engagement.objects.get(pk=body["id"])
    assert list(engagement.events.values_list("action", "to_status", "actor_id", "actor_party")) == [
        ("request", "requested", scene.sme_user.pk, "sme")
    ]
    # The partner's people hear about it.
    assert Notification.objects.filter(user=scene.partner_user, kind="engagement.request").count() == 1


def test_full_life_records_every_transition_with_actor_and_time(client_for, scene):
    engagement_id = _request(client_for, scene).json()["id"]
    engagement = Engagement.objects.get(pk=engagement_id)
    steps = [
        (scene.partner_user, "accept", "accepted"),
        (scene.partner_user, "start", "in_progress"),
        (scene.partner_user, "deliver", "delivered"),
        (scene.sme_user, "confirm", "completed"),
    ]
    for user, action, expected in steps:
        response = _act(client_for, scene, user, engagement, action)
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == expected

    history = client_for(scene.sme_user).get(scene.url(f"engagements/{engagement_id}/events/")).json()
    assert [(e["action"], e["from_status"], e["to_status"], e["actor_party"]) for e in history] == [
        ("request", "", "requested", "sme"),
        ("accept", "requested", "accepted", "partner"),
        ("start", "accepted", "in_progress", "partner"),
        ("deliver", "in_progress", "delivered", "partner"),
        ("confirm", "delivered", "completed", "sme"),
    ]
    assert all(e["created_at"] for e in history)
    assert history[1]["actor_name"] == scene.partner_user.name


def test_invalid_transition_answers_409_naming_the_allowed_ones(client_for, scene):
    engagement = EngagementFactory(offering=scene.offering, sme=scene.sme)

    response = _act(client_for, scene, scene.partner_user, engagement, "deliver")

    assert response.status_code == 409
    error = response.json()["errors"][0]
    assert error["code"] == "invalid_transition"
    assert "accept, decline" in error["detail"]
    engagement.refresh_from_db()
    assert engagement.status == "requested"
    assert not EngagementEvent.objects.filter(engagement=engagement).exists()


def test_dispute_needs_a_reason_and_the_agency_resolves_it(client_for, scene):
    engagement = EngagementFactory(offering=scene.offering, sme=scene.sme, status="delivered")

    no_reason = _act(client_for, scene, scene.sme_user, engagement, "dispute")
    assert no_reason.status_code == 400
    assert no_reason.json()["errors"][0]["attr"] == "reason"
    engagement.refresh_from_db()
    assert engagement.status == "delivered"

    assert (
        _act(
            client_for, scene, scene.sme_user, engagement, "dispute", reason="交付物缺少测试报告"
        ).status_code
        == 200
    )

    missing_outcome = _act(client_for, scene, scene.operator, engagement, "resolve", reason="调解")
    assert missing_outcome.status_code == 400
    assert missing_outcome.json()["errors"][0]["attr"] == "outcome"

    resolved = _act(
        client_for, scene, scene.operator, engagement, "resolve", outcome="completed", reason="补交报告后验收"
    )
    assert resolved.status_code == 200
    assert resolved.json()["status"] == "completed"
    entry = AuditLog.objects.get(cluster=scene.cluster, action="engagement.resolve")
    assert entry.actor == scene.operator
    assert entry.after == {"status": "completed", "reason": "补交报告后验收"}


@pytest.mark.parametrize(
    ("status", "role", "body", "expected"),
    [
        ("requested", "sme", {}, 200),
        ("accepted", "sme", {}, 200),
        ("accepted", "partner", {"reason": "设备故障"}, 200),
        ("accepted", "partner", {}, 400),  # partner must give a reason
        ("requested", "partner", {}, 409),  # partner declines instead
        ("in_progress", "sme", {}, 409),
        ("in_progress", "operator", {"reason": "双方协商终止"}, 200),
        ("delivered", "sme", {}, 409),
        ("delivered", "operator", {"reason": "x"}, 409),
        ("completed", "partner", {"reason": "x"}, 409),
    ],
)
def test_cancellation_rules(client_for, scene, status, role, body, expected):
    engagement = EngagementFactory(offering=scene.offering, sme=scene.sme, status=status)

    response = _act(client_for, scene, scene.user(role), engagement, "cancel", **body)

    assert response.status_code == expected, response.json()
    engagement.refresh_from_db()
    assert engagement.status == ("cancelled" if expected == 200 else status)


# Who may take each action on an engagement between scene.sme and scene.partner.
ACTION_STATES = {
    "accept": "requested",
    "decline": "requested",
    "start": "accepted",
    "deliver": "in_progress",
    "confirm": "delivered",
    "dispute": "delivered",
    "cancel": "requested",
    "resolve": "disputed",
}
MAY = {
    "accept": {"partner"},
    "decline": {"partner"},
    "start": {"partner"},
    "deliver": {"partner"},
    "confirm": {"sme"},
    "dispute": {"sme"},
    "cancel": {"sme"},
    "resolve": {"admin", "operator"},
}
# Parties that may cancel from another state: from "requested" they get a 409, not a 403.
CONFLICT = {"cancel": {"partner", "admin", "operator"}}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTION_STATES))
def test_transition_permissions_per_role_leave_no_trace(client_for, scene, action, role):
    engagement = EngagementFactory(offering=scene.offering, sme=scene.sme, status=ACTION_STATES[action])
    body = {"reason": "理由", "outcome": "completed"}

    response = _act(client_for, scene, scene.user(role), engagement, action, **body)

    engagement.refresh_from_db()
    if role in MAY[action]:
        assert response.status_code == 200, response.json()
        assert engagement.status != ACTION_STATES[action]
        return
    # Strangers cannot see the engagement at all (404) or are refused (401/403); nothing changes.
    expected = (
        {409}
        if role in CONFLICT.get(action, ())
        else {
            "anonymous": {401, 403},
            "outsider": {404, 403},
            "other_sme": {404},
            "other_partner": {404},
        }.get(role, {403})
    )
    assert response.status_code in expected, (role, response.status_code, response.json())
    assert engagement.status == ACTION_STATES[action]
    assert not EngagementEvent.objects.filter(engagement=engagement).exists()
    assert not AuditLog.objects.exists()


def test_each_side_sees_its_own_engagements_and_the_agency_all(client_for, scene):
    mine = EngagementFactory(offering=scene.offering, sme=scene.sme)
    theirs_offering = OfferingFactory(cluster=scene.cluster, partner=scene.other_partner, capacity=2)
    theirs = EngagementFactory(offering=theirs_offering, sme=scene.other_sme)

    def ids(user):
        response = client_for(user).get(scene.url("engagements/"))
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert ids(scene.sme_user) == {str(mine.pk)}
    assert ids(scene.partner_user) == {str(mine.pk)}
    assert ids(scene.other_sme_user) == {str(theirs.pk)}
    assert ids(scene.viewer) == {str(mine.pk), str(theirs.pk)}
    assert client_for(scene.other_sme_user).get(scene.url(f"engagements/{mine.pk}/")).status_code == 404
    assert client_for(None).get(scene.url("engagements/")).status_code in (401, 403)
    assert client_for(scene.outsider).get(scene.url("engagements/")).status_code == 403


def test_list_filters_by_status_and_side(client_for, scene):
    EngagementFactory(offering=scene.offering, sme=scene.sme, status="requested")
    done = EngagementFactory(offering=scene.offering, sme=scene.sme, status="completed")

    rows = (
        client_for(scene.partner_user)
        .get(scene.url("engagements/?status=completed&side=partner"))
        .json()["results"]
    )
    assert [row["id"] for row in rows] == [str(done.pk)]
    rows = client_for(scene.partner_user).get(scene.url("engagements/?side=sme")).json()["results"]
    assert rows == []


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"offering": "not-a-uuid"}, "offering"),
        ({"offering": "00000000-0000-0000-0000-000000000000"}, "offering"),
        ({"demand": "00000000-0000-0000-0000-000000000000"}, "demand"),
        ({"message": "长" * 2001}, "message"),
    ],
)
def test_bad_requests_are_field_errors_and_write_nothing(client_for, scene, body, attr):
    response = _request(client_for, scene, **body)

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == attr
    assert not Engagement.objects.exists()


def test_unpublished_or_foreign_offerings_cannot_be_requested(client_for, scene):
    draft = OfferingFactory(cluster=scene.cluster, partner=scene.partner, status="draft", capacity=2)
    foreign = OfferingFactory(partner_membership=True, capacity=2)
    for offering in (draft, foreign):
        response = _request(client_for, scene, offering=str(offering.pk))
        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"] == "offering"
    assert not Engagement.objects.exists()


def test_second_open_request_for_the_same_offering_is_a_conflict(client_for, scene):
    assert _request(client_for, scene).status_code == 201
    response = _request(client_for, scene)
    assert response.status_code == 409
    assert Engagement.objects.count() == 1


def test_a_partner_cannot_request_its_own_offering_even_as_an_sme(client_for, scene):
    from enterprises.models import MembershipRole
    from tests.enterprises.factories import MembershipFactory

    MembershipFactory(cluster=scene.cluster, enterprise=scene.partner, role=MembershipRole.SME)
    response = client_for(scene.partner_user).post(
        scene.url("engagements/"), {"offering": str(scene.offering.pk)}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "offering"


def test_accept_beyond_capacity_is_refused(client_for):
    scene = build_scene(capacity=1)
    busy = EngagementFactory(offering=scene.offering, sme=scene.other_sme, status="in_progress")
    waiting = EngagementFactory(offering=scene.offering, sme=scene.sme)

    response = _act(client_for, scene, scene.partner_user, waiting, "accept")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "at_capacity"
    waiting.refresh_from_db()
    assert waiting.status == "requested"

    # Delivered work still counts; once it completes, capacity frees up.
    busy.status = "completed"
    busy.save()
    assert _act(client_for, scene, scene.partner_user, waiting, "accept").status_code == 200


def test_service_signature_used_by_matching(scene):
    from services.services.engagements import engagement_request

    engagement = engagement_request(
        cluster=scene.cluster, offering=scene.offering, sme=scene.sme, by=scene.sme_user, message="来自推荐"
    )
    assert engagement.status == "requested"
    engagement_transition(
        cluster=scene.cluster, engagement=engagement, action="accept", by=scene.partner_user
    )
    engagement.refresh_from_db()
    assert engagement.status == "accepted"


def test_list_query_count_does_not_grow_with_rows(client_for, scene, django_assert_max_num_queries):
    client = client_for(scene.admin)
    EngagementFactory.create_batch(2, offering=scene.offering, sme=scene.sme, status="completed")
    with django_assert_max_num_queries(10) as small:
        assert client.get(scene.url("engagements/")).status_code == 200
    EngagementFactory.create_batch(10, offering=scene.offering, sme=scene.other_sme, status="completed")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(scene.url("engagements/"))
    assert response.json()["count"] == 12


def _demand(scene, **fields):
    from services.models import Demand

    return Demand.objects.create(cluster=scene.cluster, sme=scene.sme, title="产线传感器选型", **fields)


def test_engagement_for_a_demand_moves_the_demand_along(client_for, scene):
    demand = _demand(scene)
    engagement_id = _request(client_for, scene, demand=str(demand.pk)).json()["id"]
    engagement = Engagement.objects.get(pk=engagement_id)
    assert engagement.demand == demand

    for user, action in ((scene.partner_user, "accept"), (scene.partner_user, "start")):
        _act(client_for, scene, user, engagement, action)
    demand.refresh_from_db()
    assert demand.status == "in_progress"
    _act(client_for, scene, scene.partner_user, engagement, "deliver")
    _act(client_for, scene, scene.sme_user, engagement, "confirm")
    demand.refresh_from_db()
    assert demand.status == "closed"


@pytest.mark.parametrize("status", ["closed", "cancelled"])
def test_closed_demands_and_other_smes_demands_are_refused(client_for, scene, status):
    from services.models import Demand

    closed = _demand(scene, status=status)
    foreign = Demand.objects.create(cluster=scene.cluster, sme=scene.other_sme, title="别家的需求")
    for demand in (closed, foreign):
        response = _request(client_for, scene, demand=str(demand.pk))
        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"] == "demand"
    assert not Engagement.objects.exists()


def test_another_clusters_engagement_answers_404_and_is_untouched(client_for, scene):
    elsewhere = build_scene()
    foreign = EngagementFactory(offering=elsewhere.offering, sme=elsewhere.sme)
    # Even the agency of this cluster, and the foreign engagement's own partner, through this cluster's URL.
    for user in (scene.admin, elsewhere.partner_user):
        assert client_for(user).get(scene.url(f"engagements/{foreign.pk}/")).status_code in (403, 404)
        response = client_for(user).post(scene.url(f"engagements/{foreign.pk}/accept/"), {})
        assert response.status_code in (403, 404)
    assert client_for(scene.admin).post(scene.url(f"engagements/{foreign.pk}/accept/"), {}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == "requested"
