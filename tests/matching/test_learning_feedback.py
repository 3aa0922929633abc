"""Learning from a cluster's stored feedback: answers keep the pair's feature values, scarce
feedback changes nothing, a clear signal changes the weights runs score with, and nothing crosses
clusters."""

import random

import pytest

from matching.engine import FEATURES
from matching.models import FeedbackKind, MatchingWeights, Recommendation, RecommendationFeedback
from matching.selectors import matching_inputs_load
from matching.services import (
    match_run_now,
    matching_weights_learn,
    matching_weights_learn_all,
    matching_weights_update,
    recommendation_feedback,
)
from tests.cluster_platform.factories import ClusterFactory, UserFactory
from tests.matching.factories import partner_member, sme_member
from tests.services.factories import CategoryFactory, OfferingFactory

pytestmark = pytest.mark.django_db


def test_an_answer_keeps_the_pairs_feature_values(django_capture_on_commit_callbacks):
    cluster = ClusterFactory()
    mes = CategoryFactory(code="mes")
    OfferingFactory(cluster=cluster, partner=partner_member(cluster), category=mes)
    sme_member(cluster)
    with django_capture_on_commit_callbacks(execute=True):
        match_run_now(cluster=cluster, trigger="command")
    recommendation = Recommendation.objects.filter(cluster=cluster).first()
    feedback = recommendation_feedback(
        cluster=cluster,
        recommendation=recommendation,
        kind=FeedbackKind.DISMISSED,
        by=UserFactory(),
        reason="other",
    )
    stored = {row[0]: row[1] for row in recommendation.contributions}
    assert feedback.values == stored and set(feedback.values) == set(FEATURES)


def _answers(cluster, count, *, rule, seed=5):
    """`count` answered pairs with random feature values; `rule(values)` says whether it was wanted."""
    rng = random.Random(seed)
    offerings = [OfferingFactory(cluster=cluster, partner=partner_member(cluster)) for _ in range(8)]
    smes = [sme_member(cluster) for _ in range(count // 8 + 1)]
    rows = []
    for i in range(count):
        values = {name: round(rng.random(), 4) for name in FEATURES}
        wanted = rule(values, rng)
        rows.append(
            RecommendationFeedback(
                cluster=cluster,
                sme=smes[i // 8],
                offering=offerings[i % 8],
                kind=FeedbackKind.INTERESTED if wanted else FeedbackKind.DISMISSED,
                reason="" if wanted else "not_relevant",
                score=0.5,
                values=values,
            )
        )
    RecommendationFeedback.objects.bulk_create(rows)


def test_scarce_feedback_leaves_the_agencys_weights():
    cluster = ClusterFactory()
    _answers(cluster, 12, rule=lambda values, rng: values["budget"] > 0.5)
    result = matching_weights_learn(cluster=cluster)
    assert not result.used and result.reason == "scarce"
    weights = MatchingWeights.objects.get(cluster=cluster)
    assert weights.learned["reason"] == "scarce" and weights.learned_at is not None
    assert matching_inputs_load(cluster=cluster, scope=[]).weights == weights.as_dict()


def test_a_clear_signal_changes_what_runs_score_with_in_that_cluster_only():
    cluster, other = ClusterFactory(), ClusterFactory()
    _answers(cluster, 160, rule=lambda values, rng: values["budget"] + 0.2 * rng.random() > 0.6)
    _answers(other, 12, rule=lambda values, rng: True)
    assert matching_weights_learn_all() == 2
    learned = MatchingWeights.objects.get(cluster=cluster)
    assert learned.learned["used"] and learned.learned["auc_learned"] > learned.learned["auc_agency"]
    weights = matching_inputs_load(cluster=cluster, scope=[]).weights
    assert weights == learned.scoring_weights() != learned.as_dict()
    assert weights["budget"] > learned.budget / sum(learned.as_dict().values())
    untouched = MatchingWeights.objects.get(cluster=other)
    assert not untouched.learned["used"]
    assert matching_inputs_load(cluster=other, scope=[]).weights == untouched.as_dict()
    # The agency changing its weights sets the learned ones aside until the next pass.
    matching_weights_update(cluster=cluster, by=UserFactory(), values={"text": 0.5})
    learned.refresh_from_db()
    assert (
        learned.learned == {} and matching_inputs_load(cluster=cluster, scope=[]).weights == learned.as_dict()
    )


def test_the_command_prints_the_report(capsys):
    from django.core.management import call_command

    cluster = ClusterFactory()
    call_command("learn_matching_weights", cluster.slug)
    assert '"reason": "scarce"' in capsys.readouterr().out
