"""Per-cluster weights learned from the cluster's feedback (pure: NumPy, no ORM).

Every answered recommendation is an example: the feature values the pair had when it was
recommended, and whether the SME wanted it (interested, or an engagement that completed) or not
(dismissed as not relevant, too expensive, too far, other). A logistic regression over the
feature values says which features the cluster's SMEs actually respond to; its positive
coefficients, normalised, are the learned weights. The model is small enough to read: one number
per feature, stored with the report that justified it.

Caution, in this order:

- scarce feedback (fewer than MIN_EXAMPLES, or fewer than MIN_PER_CLASS of either answer) learns
  nothing: the agency's weights stay;
- the learned weights are blended with the agency's, the more feedback the more learned
  (`examples / (examples + PRIOR_EXAMPLES)`);
- before they are used, they are judged on held-out feedback: the model is fitted on the oldest
  70 % of the examples and both weightings rank the newest 30 %; the learned ones are used only
  if their AUC beats the agency's.
"""

from dataclasses import dataclass, field

import numpy as np

from matching.engine import FEATURES, UPLIFT_UNKNOWN, normalise_weights

MIN_EXAMPLES = 40
MIN_PER_CLASS = 10
PRIOR_EXAMPLES = 100  # feedback worth as much as the agency's own weights
HOLDOUT_SHARE = 0.3
L2 = 1.0  # ridge penalty: a feature seen in few examples keeps a small coefficient
ITERATIONS = 50  # Newton steps; converges in a handful on ten features
# Answers kept before a feature existed lack its value: they count as it would then have been.
MISSING_VALUES = {"uplift": UPLIFT_UNKNOWN}


@dataclass(frozen=True)
class FeedbackExample:
    """One answered recommendation: its feature values then, and whether the SME wanted it."""

    values: dict[str, float]
    wanted: bool
    order: str = ""  # sorts the examples oldest first (an ISO timestamp)


@dataclass
class LearnedWeights:
    """The outcome of one learning pass, kept as the report that explains it."""

    used: bool
    reason: str  # "scarce", "not_better", "better"
    weights: dict[str, float]  # the weights to score with (the agency's unless used)
    examples: int = 0
    wanted: int = 0
    coefficients: dict[str, float] = field(default_factory=dict)
    auc_agency: float | None = None
    auc_learned: float | None = None

    def as_report(self) -> dict:
        return {
            "used": self.used,
            "reason": self.reason,
            "weights": {name: round(value, 4) for name, value in self.weights.items()},
            "examples": self.examples,
            "wanted": self.wanted,
            "coefficients": {name: round(value, 4) for name, value in self.coefficients.items()},
            "auc_agency": None if self.auc_agency is None else round(self.auc_agency, 4),
            "auc_learned": None if self.auc_learned is None else round(self.auc_learned, 4),
        }


def fit_logistic(x: np.ndarray, y: np.ndarray, *, l2: float = L2) -> tuple[np.ndarray, float]:
    """Ridge-penalised logistic regression by Newton's method: (coefficients, intercept)."""
    rows, columns = x.shape
    design = np.hstack([x, np.ones((rows, 1))])
    beta = np.zeros(columns + 1)
    penalty = np.full(columns + 1, l2)
    penalty[-1] = 0.0  # the intercept is not shrunk
    for _ in range(ITERATIONS):
        p = 1.0 / (1.0 + np.exp(-(design @ beta)))
        gradient = design.T @ (p - y) + penalty * beta
        hessian = (design * (p * (1 - p))[:, None]).T @ design + np.diag(penalty)
        step = np.linalg.solve(hessian + 1e-9 * np.eye(columns + 1), gradient)
        beta -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return beta[:-1], float(beta[-1])


def auc(scores: np.ndarray, wanted: np.ndarray) -> float:
    """Probability that a wanted example outscores an unwanted one (ties count half)."""
    positive, negative = scores[wanted], scores[~wanted]
    if not len(positive) or not len(negative):
        return 0.5
    greater = (positive[:, None] > negative[None, :]).sum()
    equal = (positive[:, None] == negative[None, :]).sum()
    return float((greater + 0.5 * equal) / (len(positive) * len(negative)))


def _matrix(examples: list[FeedbackExample]) -> tuple[np.ndarray, np.ndarray]:
    x = np.array(
        [[float(e.values.get(name, MISSING_VALUES.get(name, 0.0))) for name in FEATURES] for e in examples],
        dtype=np.float64,
    )
    y = np.array([e.wanted for e in examples], dtype=bool)
    return x.reshape(len(examples), len(FEATURES)), y


def weights_from(coefficients: np.ndarray, agency: dict[str, float], examples: int) -> dict[str, float]:
    """The positive coefficients as weights (a feature that lowers the odds gets none), blended
    with the agency's normalised weights by the amount of feedback."""
    positive = np.clip(coefficients, 0.0, None)
    base = normalise_weights(agency)
    if positive.sum() <= 0:
        return dict(zip(FEATURES, base.tolist(), strict=True))
    learned = positive / positive.sum()
    share = examples / (examples + PRIOR_EXAMPLES)
    blended = (1 - share) * base + share * learned
    return dict(zip(FEATURES, blended.tolist(), strict=True))


def learn_weights(examples: list[FeedbackExample], agency: dict[str, float]) -> LearnedWeights:
    """Learn, judge on the newest feedback, and say whether to use the result (see the module)."""
    agency_weights = dict(zip(FEATURES, normalise_weights(agency).tolist(), strict=True))
    ordered = sorted(examples, key=lambda example: example.order)
    wanted = sum(1 for example in ordered if example.wanted)
    scarce = len(ordered) < MIN_EXAMPLES or wanted < MIN_PER_CLASS or len(ordered) - wanted < MIN_PER_CLASS
    if scarce:
        return LearnedWeights(False, "scarce", agency_weights, len(ordered), wanted)
    cut = int(round(len(ordered) * (1 - HOLDOUT_SHARE)))
    train, test = ordered[:cut], ordered[cut:]
    x_train, y_train = _matrix(train)
    x_test, y_test = _matrix(test)
    coefficients, _intercept = fit_logistic(x_train, y_train.astype(np.float64))
    learned = weights_from(coefficients, agency, len(train))
    vector = np.array([learned[name] for name in FEATURES])
    baseline = np.array([agency_weights[name] for name in FEATURES])
    auc_learned, auc_agency = auc(x_test @ vector, y_test), auc(x_test @ baseline, y_test)
    better = auc_learned > auc_agency
    return LearnedWeights(
        used=better,
        reason="better" if better else "not_better",
        weights=learned if better else agency_weights,
        examples=len(ordered),
        wanted=wanted,
        coefficients=dict(zip(FEATURES, coefficients.tolist(), strict=True)),
        auc_agency=auc_agency,
        auc_learned=auc_learned,
    )
