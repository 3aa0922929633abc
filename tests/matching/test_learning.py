"""Learning a cluster's weights from its feedback: scarce feedback changes nothing, a real signal
is found and used, noise is not."""

import random

import numpy as np
import pytest

from matching import learning
from matching.engine import DEFAULT_WEIGHTS, FEATURES


def _examples(n, *, rule, seed=3):
    rng = random.Random(seed)
    examples = []
    for i in range(n):
        values = {name: rng.random() for name in FEATURES}
        examples.append(learning.FeedbackExample(values=values, wanted=rule(values, rng), order=f"{i:05d}"))
    return examples


def test_scarce_feedback_keeps_the_agencys_weights():
    examples = _examples(20, rule=lambda v, rng: v["budget"] > 0.5)
    result = learning.learn_weights(examples, DEFAULT_WEIGHTS)
    assert not result.used and result.reason == "scarce"
    total = sum(DEFAULT_WEIGHTS.values())
    assert result.weights == pytest.approx({name: w / total for name, w in DEFAULT_WEIGHTS.items()})
    one_sided = _examples(200, rule=lambda v, rng: True)
    assert learning.learn_weights(one_sided, DEFAULT_WEIGHTS).reason == "scarce"


def test_a_cluster_that_cares_about_budget_learns_to_weigh_it():
    # SMEs here answer on price: they want what fits their budget, whatever the text says.
    examples = _examples(400, rule=lambda v, rng: v["budget"] + 0.2 * rng.random() > 0.6)
    result = learning.learn_weights(examples, DEFAULT_WEIGHTS)
    assert result.used and result.reason == "better"
    assert result.auc_learned > result.auc_agency
    assert result.weights["budget"] > DEFAULT_WEIGHTS["budget"] / sum(DEFAULT_WEIGHTS.values())
    assert max(result.coefficients, key=result.coefficients.get) == "budget"
    assert sum(result.weights.values()) == pytest.approx(1.0)
    report = result.as_report()
    assert report["used"] and report["examples"] == 400


def test_noise_is_not_used():
    examples = _examples(300, rule=lambda v, rng: rng.random() < 0.5)
    result = learning.learn_weights(examples, DEFAULT_WEIGHTS)
    # With no signal the learned weighting must earn its use on held-out feedback; it may not.
    if not result.used:
        assert result.reason == "not_better"
        total = sum(DEFAULT_WEIGHTS.values())
        assert result.weights == pytest.approx({name: w / total for name, w in DEFAULT_WEIGHTS.items()})


def test_logistic_regression_recovers_a_known_model():
    rng = np.random.default_rng(0)
    x = rng.random((2000, 3))
    odds = 4 * x[:, 0] - 3 * x[:, 1] - 0.5
    y = (rng.random(2000) < 1 / (1 + np.exp(-odds))).astype(float)
    coefficients, intercept = learning.fit_logistic(x, y, l2=0.0)
    assert coefficients == pytest.approx([4, -3, 0], abs=0.5)
    assert intercept == pytest.approx(-0.5, abs=0.4)


def test_auc():
    scores = np.array([0.9, 0.8, 0.3, 0.1])
    assert learning.auc(scores, np.array([True, True, False, False])) == 1.0
    assert learning.auc(scores, np.array([False, False, True, True])) == 0.0
    assert learning.auc(np.array([0.5, 0.5]), np.array([True, False])) == 0.5
