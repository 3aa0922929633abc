"""Reviews of completed engagements and the offering and partner ratings they feed."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count
from django.utils.translation import gettext as _

from cluster_platform.exceptions import Conflict
from cluster_platform.models import Cluster
from enterprises.selectors.roles import cluster_roles_for
from services import engagement_flow
from services.models import (
    Engagement,
    Offering,
    PartnerRating,
    Review,
)
from services.ratings import bayesian_average

MAX_COMMENT_LENGTH = 2000


def _rating_aggregate(queryset) -> tuple[int, float]:
    aggregate = queryset.aggregate(count=Count("id"), mean=Avg("rating"))
    return aggregate["count"], float(aggregate["mean"] or 0)


def offering_rating_refresh(*, offering_id) -> None:
    """Recompute an offering's rating columns from its reviews, under the offering's row lock.

    Recomputing from the table (rather than adding to the old mean) keeps the columns exact even if
    a review is removed, and the lock makes concurrent reviews of one offering queue: the second
    transaction's aggregate sees the first one's committed review."""
    Offering.objects.select_for_update().only("id").get(pk=offering_id)
    count, mean = _rating_aggregate(Review.objects.filter(offering_id=offering_id))
    Offering.objects.filter(pk=offering_id).update(
        rating_count=count,
        rating_mean=round(mean, 4),
        rating_bayes=round(bayesian_average(count=count, mean=mean), 4),
    )


def partner_rating_refresh(*, cluster: Cluster, partner_id) -> PartnerRating:
    """Recompute a partner's rating in a cluster, creating its row on first use."""
    # Insert-or-skip first, so that two first reviews of one partner cannot both try to create it.
    PartnerRating.objects.bulk_create(
        [PartnerRating(cluster=cluster, partner_id=partner_id)], ignore_conflicts=True
    )
    rating = PartnerRating.objects.select_for_update().get(cluster=cluster, partner_id=partner_id)
    count, mean = _rating_aggregate(Review.objects.filter(cluster=cluster, partner_id=partner_id))
    rating.count = count
    rating.mean = round(mean, 4)
    rating.bayes = round(bayesian_average(count=count, mean=mean), 4)
    rating.save(update_fields=["count", "mean", "bayes", "updated_at"])
    return rating


@transaction.atomic
def review_create(*, cluster: Cluster, engagement: Engagement, rating, comment: str = "", by) -> Review:
    """The SME rates a completed engagement, once; the offering's and partner's ratings follow."""
    if engagement.cluster_id != cluster.pk:
        raise ValidationError({"engagement": [_("This engagement is not in this cluster.")]})
    roles = cluster_roles_for(user=by, cluster=cluster)
    if engagement.sme_id not in roles.sme_enterprise_ids:
        raise PermissionDenied(_("Only the client of an engagement may review it."))
    errors = {}
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        errors["rating"] = [_("Give a whole number from 1 to 5.")]
    if comment is not None and len(comment.strip()) > MAX_COMMENT_LENGTH:
        errors["comment"] = [_("At most %(limit)d characters.") % {"limit": MAX_COMMENT_LENGTH}]
    if errors:
        raise ValidationError(errors)
    if engagement.status != engagement_flow.COMPLETED:
        raise Conflict(_("Only a completed engagement can be reviewed."))
    try:
        with transaction.atomic():
            review = Review.objects.create(
                cluster=cluster,
                engagement=engagement,
                offering_id=engagement.offering_id,
                partner_id=engagement.partner_id,
                sme_id=engagement.sme_id,
                author=by,
                rating=rating,
                comment=(comment or "").strip(),
            )
    except IntegrityError:
        raise Conflict(_("This engagement has already been reviewed.")) from None
    # Lock order: offering, then partner rating (see the module docstring).
    offering_rating_refresh(offering_id=engagement.offering_id)
    partner_rating_refresh(cluster=cluster, partner_id=engagement.partner_id)
    return review
