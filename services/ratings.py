"""Review aggregation: the Bayesian average that ranks offerings and partners.

    bayes = (C * m + sum of ratings) / (C + n)

with a prior of C = 5 virtual reviews at m = 3.5 (the midpoint of the 1-5 scale, slightly above
the arithmetic 3, as ratings skew high). One five-star review gives (5 * 3.5 + 5) / 6 = 3.75,
below an offering with twenty reviews averaging 4.5 (4.3): a single review cannot top the catalog.
The prior is a constant on purpose: a prior at the cluster's current mean would change every
stored score whenever any review arrives, and the stored columns would go stale.
An entity with no reviews keeps 0 ("not rated yet"), not the prior.
"""

PRIOR_MEAN = 3.5
PRIOR_WEIGHT = 5


def bayesian_average(
    *, count: int, mean: float, prior_mean: float = PRIOR_MEAN, prior_weight: float = PRIOR_WEIGHT
) -> float:
    if count <= 0:
        return 0.0
    return (prior_weight * prior_mean + count * mean) / (prior_weight + count)
