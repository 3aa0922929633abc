"""Demo data for matching: assessments for some demo SMEs (two for a few, to show an uplift) and a
completed match run per demo cluster that has offerings and demands or SMEs. Idempotent."""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from cluster_platform.models import Cluster
from enterprises.assessment import CURRENT_VERSION, questionnaire_load
from enterprises.models import Assessment, Membership, MembershipRole, MembershipStatus
from enterprises.services.assessments import assessment_submit
from matching.models import MatchRun, MatchRunStatus, MatchRunTrigger
from matching.services import match_run_now
from services.models import Offering, OfferingStatus

DEMO_SLUGS = ["wuxi-iot", "gd-bags", "gd-textiles", "gd-cosmetics", "gd-jewellery", "gd-food", "gd-furniture"]
ASSESSED_PER_CLUSTER = 6


def _answers(rng: random.Random, questionnaire: dict, strength: float) -> dict:
    """Answers whose options lean towards the better ones as `strength` (0..1) grows."""
    answers = {}
    for question in questionnaire["questions"]:
        options = sorted(question["options"], key=lambda option: option["score"])
        if question["type"] == "multiple":
            usable = [o for o in options if not o.get("exclusive")]
            count = max(1, round(strength * len(usable) + rng.uniform(-0.5, 0.5)))
            answers[question["code"]] = [o["code"] for o in usable[-count:]]
        else:
            position = min(
                len(options) - 1, max(0, round(strength * (len(options) - 1) + rng.uniform(-0.6, 0.6)))
            )
            answers[question["code"]] = options[position]["code"]
    return answers


def seed(*, stdout) -> None:
    questionnaire = questionnaire_load(CURRENT_VERSION)
    for cluster in Cluster.objects.filter(slug__in=DEMO_SLUGS).order_by("slug"):
        smes = list(
            Membership.objects.filter(
                cluster=cluster, role=MembershipRole.SME, status=MembershipStatus.APPROVED
            )
            .select_related("enterprise")
            .order_by("enterprise__uscc")[:ASSESSED_PER_CLUSTER]
        )
        created = 0
        for position, membership in enumerate(smes):
            enterprise = membership.enterprise
            if Assessment.objects.filter(cluster=cluster, enterprise=enterprise).exists():
                continue
            rng = random.Random(f"{cluster.slug}:{enterprise.uscc}")
            strengths = [rng.uniform(0.1, 0.45)]
            if position % 2 == 0:  # every other SME has been assessed twice: before and after
                strengths.append(min(1.0, strengths[0] + rng.uniform(0.15, 0.35)))
            with transaction.atomic():
                for number, strength in enumerate(strengths):
                    assessment = assessment_submit(
                        cluster=cluster,
                        enterprise=enterprise,
                        answers=_answers(rng, questionnaire, strength),
                        by=None,
                    )
                    if number == 0 and len(strengths) > 1:
                        Assessment.objects.filter(pk=assessment.pk).update(
                            created_at=timezone.now() - timedelta(days=120)
                        )
                    created += 1
        has_offerings = Offering.objects.filter(cluster=cluster, status=OfferingStatus.PUBLISHED).exists()
        done = MatchRun.objects.filter(
            cluster=cluster, trigger=MatchRunTrigger.DEMO, status=MatchRunStatus.COMPLETED
        ).exists()
        run = None
        if has_offerings and smes and not done:
            run = match_run_now(cluster=cluster, trigger=MatchRunTrigger.DEMO)
        stdout.write(
            f"matching {cluster.slug}: {created} assessments"
            + (f", match run with {run.recommendations_count} recommendations" if run else "")
            + "\n"
        )
