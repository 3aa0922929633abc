import pytest

from services.models import Offering, PartnerRating, Review
from services.ratings import bayesian_average
from tests.enterprises.factories import member_user
from tests.services.delivery_scene import ROLES, build_scene
from tests.services.factories import EngagementFactory, OfferingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    return build_scene()


_CLIENT = object()


def _review(client_for, scene, engagement, user=_CLIENT, **body):
    return client_for(scene.sme_user if user is _CLIENT else user).post(
        scene.url(f"engagements/{engagement.pk}/review/"),
        {"rating": 5, "comment": "交付及时，报告专业", **body},
    )


def test_sme_reviews_a_completed_engagement_once(client_for, scene):
    engagement = EngagementFactory(offering=scene.offering, sme=scene.sme, status="completed")

    first = _review(client_for, scene, engagement)
    assert first.status_code == 201, first.json()
    assert first.json()["rating"] == 5
    assert first.json()["reviewer"] == scene.sme.name

    second = _review(client_for, scene, engagement, rating=1)
    assert second.status_code == 409
    assert Review.objects.get().rating == 5


def test_review_updates_offering_and_partner_ratings_with_the_bayesian_average(client_for, scene):
    for rating in (5, 4, 3):
        sme_user, sme = member_user(scene.cluster, "sme")
        engagement = EngagementFactory(offering=scene.offering, sme=sme, status="completed")
        assert _review(client_for, scene, engagement, user=sme_user, rating=rating).status_code == 201

    offering = Offering.objects.get(pk=scene.offering.pk)
    assert offering.rating_count == 3
    assert offering.rating_mean == pytest.approx(4.0)
    assert offering.rating_bayes == pytest.approx(bayesian_average(count=3, mean=4.0), abs=1e-4)
    partner = PartnerRating.objects.get(cluster=scene.cluster, partner=scene.partner)
    assert (partner.count, partner.mean) == (3, pytest.approx(4.0))
    assert partner.bayes == pytest.approx((5 * 3.5 + 12) / 8, abs=1e-4)


def test_one_five_star_review_does_not_top_a_solid_record(client_for, scene):
    newcomer = OfferingFactory(cluster=scene.cluster, partner=scene.other_partner, capacity=2)
    engagement = EngagementFactory(offering=newcomer, sme=scene.sme, status="completed")
    assert _review(client_for, scene, engagement, rating=5).status_code == 201
    for rating in (5, 5, 4, 5, 4, 5, 4, 5, 5, 4):
        sme_user, sme = member_user(scene.cluster, "sme")
        done = EngagementFactory(offering=scene.offering, sme=sme, status="completed")
        assert _review(client_for, scene, done, user=sme_user, rating=rating).status_code == 201

    newcomer.refresh_from_db()
    scene.offering.refresh_from_db()
    assert newcomer.rating_mean == 5 > scene.offering.rating_mean
    assert newcomer.rating_bayes < scene.offering.rating_bayes
    best = client_for(None).get(scene.url("partner-ratings/")).json()["results"]
    assert best[0]["partner"]["id"] == str(scene.partner.pk)


@pytest.mark.parametrize(
    "status", ["requested", "accepted", "in_progress", "delivered", "disputed", "cancelled"]
)
def test_only_completed_engagements_can_be_reviewed(client_for, scene, status):
    engagement = EngagementFactory(offering=scene.offering, sme=scene.sme, status=status)
    assert _review(client_for, scene, engagement).status_code == 409
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"rating": 0}, "rating"),
        ({"rating": 6}, "rating"),
        ({"rating": "five"}, "rating"),
        ({"comment": "好" * 2001}, "comment"),
    ],
)
def test_bad_reviews_are_field_errors_and_write_nothing(client_for, scene, body, attr):
    engagement = EngagementFactory(offering=scene.offering, sme=scene.sme, status="completed")
    response = _review(client_for, scene, engagement, **body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == attr
    assert not Review.objects.exists()
    assert Offering.objects.get(pk=scene.offering.pk).rating_count == 0


@pytest.mark.parametrize("role", [r for r in ROLES if r != "sme"])
def test_only_the_client_reviews(client_for, scene, role):
    engagement = EngagementFactory(offering=scene.offering, sme=scene.sme, status="completed")
    response = _review(client_for, scene, engagement, user=scene.user(role))
    assert response.status_code in (401, 403, 404)
    assert not Review.objects.exists()
    assert not PartnerRating.objects.exists()


def test_reviews_of_published_offerings_are_public_without_contact_details(client_for, scene):
    engagement = EngagementFactory(offering=scene.offering, sme=scene.sme, status="completed")
    _review(client_for, scene, engagement)
    hidden_offering = OfferingFactory(cluster=scene.cluster, partner=scene.partner, capacity=2)
    hidden = EngagementFactory(offering=hidden_offering, sme=scene.sme, status="completed")
    _review(client_for, scene, hidden, rating=2)
    hidden_offering.status = "withdrawn"
    hidden_offering.save()

    public = client_for(None).get(scene.url(f"reviews/?offering={scene.offering.pk}"))
    assert public.status_code == 200
    rows = public.json()["results"]
    assert len(rows) == 1
    assert set(rows[0]) == {"id", "offering", "partner", "reviewer", "rating", "comment", "created_at"}
    assert scene.sme_user.email not in public.content.decode()
    assert client_for(None).get(scene.url("reviews/")).json()["count"] == 1
    assert client_for(scene.viewer).get(scene.url("reviews/")).json()["count"] == 2
    assert client_for(scene.partner_user).get(scene.url("reviews/")).json()["count"] == 2
    assert client_for(None).post(scene.url("reviews/"), {}).status_code in (401, 403, 405)


def test_review_list_query_count_does_not_grow(client_for, scene, django_assert_max_num_queries):
    def add(n):
        for _ in range(n):
            sme_user, sme = member_user(scene.cluster, "sme")
            engagement = EngagementFactory(offering=scene.offering, sme=sme, status="completed")
            Review.objects.create(
                cluster=scene.cluster,
                engagement=engagement,
                offering=scene.offering,
                partner=scene.partner,
                sme=sme,
                rating=4,
            )
            PartnerRating.objects.get_or_create(
                cluster=scene.cluster, partner=sme, defaults={"count": 1, "mean": 4, "bayes": 3.6}
            )

    add(2)
    client = client_for(None)
    with django_assert_max_num_queries(10) as small:
        client.get(scene.url("reviews/"))
        client.get(scene.url("partner-ratings/"))
    add(10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(scene.url("reviews/")).json()["count"] == 12
        assert client.get(scene.url("partner-ratings/")).json()["count"] == 12
