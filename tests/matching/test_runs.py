"""Match runs against the database: capacity, idempotency, resumption, events, dismissals."""

import pytest
from django.core.management import call_command

from enterprises.services.assessments import assessment_submit
from matching.explanations import contributions_expand
from matching.models import (
    FeedbackKind,
    MatchChunk,
    MatchingWeights,
    MatchRun,
    MatchRunStatus,
    Recommendation,
    RecommendationFeedback,
)
from matching.services import (
    demand_changed,
    match_chunk_write,
    match_run_plan,
    match_run_start,
    match_runs_resume,
    offering_changed,
    recommendation_feedback,
)
from services.models import DemandStatus, OfferingStatus
from tests.cluster_platform.factories import ClusterFactory, UserFactory
from tests.matching.factories import partner_member, sme_member
from tests.matching.test_assessment import answers
from tests.services.factories import CategoryFactory, DemandFactory, OfferingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_now(django_capture_on_commit_callbacks):
    def run(cluster, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            started = match_run_start(cluster=cluster, **kwargs)
        started.refresh_from_db()
        return started

    return run


def _rows():
    return sorted(
        (str(demand or ""), str(sme), str(offering), rank, score)
        for demand, sme, offering, rank, score in Recommendation.objects.values_list(
            "demand_id", "sme_id", "offering_id", "rank", "score"
        )
    )


@pytest.fixture
def market():
    cluster = ClusterFactory()
    mes = CategoryFactory(code="mes")
    partners = [partner_member(cluster) for _ in range(3)]
    offerings = [
        OfferingFactory(cluster=cluster, partner=partners[i % 3], category=mes, capacity=2) for i in range(6)
    ]
    smes = [sme_member(cluster) for _ in range(4)]
    demands = [DemandFactory(cluster=cluster, sme=smes[i % 4], categories=[mes]) for i in range(8)]
    return {
        "cluster": cluster,
        "mes": mes,
        "partners": partners,
        "offerings": offerings,
        "smes": smes,
        "demands": demands,
    }


def test_run_completes_with_counts_and_top_n(market, run_now):
    MatchingWeights.objects.create(cluster=market["cluster"], top_n=3, slots_per_capacity=10)
    run = run_now(market["cluster"], chunk_size=3)
    assert run.status == MatchRunStatus.COMPLETED
    assert run.subjects_total == 8 + 4
    assert run.offerings_total == 6
    assert run.pairs_scored == 12 * 6
    assert run.chunks_total == run.chunks_done == 4
    assert run.recommendations_count == 12 * 3 == Recommendation.objects.count()
    assert run.progress == 1.0
    assert run.duration_seconds is not None
    for demand in market["demands"]:
        ranks = list(
            Recommendation.objects.filter(demand=demand).order_by("rank").values_list("rank", flat=True)
        )
        assert ranks == [1, 2, 3]


def test_no_offering_beyond_its_free_capacity_in_one_run(market, run_now):
    cluster = market["cluster"]
    # One outstanding offering everybody would pick first, with room for two.
    star = OfferingFactory(
        cluster=cluster,
        partner=market["partners"][0],
        category=market["mes"],
        capacity=2,
        rating_bayes=5,
        rating_count=40,
    )
    MatchingWeights.objects.create(cluster=cluster, top_n=2, slots_per_capacity=1, quality=1.0)
    run_now(cluster)
    assert Recommendation.objects.filter(offering=star).count() == 2
    for offering in [star, *market["offerings"]]:
        assert Recommendation.objects.filter(offering=offering).count() <= offering.capacity
    # Capacity is per offering, so a partner never exceeds the sum of its offerings' free capacity.
    for partner in market["partners"]:
        free = sum(o.capacity for o in [star, *market["offerings"]] if o.partner_id == partner.pk)
        assert Recommendation.objects.filter(partner=partner).count() <= free


def test_running_twice_gives_the_same_rows(market, run_now):
    first_run = run_now(market["cluster"])
    first = _rows()
    second_run = run_now(market["cluster"])
    assert _rows() == first
    assert second_run.recommendations_count == first_run.recommendations_count == len(first)
    assert not Recommendation.objects.filter(run=first_run).exists()


def test_redelivered_plan_and_chunk_tasks_do_not_duplicate(market):
    run = MatchRun.objects.create(cluster=market["cluster"], trigger="manual", chunk_size=5)
    match_run_plan(run_id=run.pk, enqueue=False)
    match_run_plan(run_id=run.pk, enqueue=False)  # a redelivery after planning: nothing new
    chunks = list(MatchChunk.objects.filter(run=run).order_by("index"))
    assert len(chunks) == 3
    first = match_chunk_write(chunk_id=chunks[0].pk)
    assert first > 0
    assert match_chunk_write(chunk_id=chunks[0].pk) == 0  # redelivered chunk: already written
    run.refresh_from_db()
    assert (run.status, run.chunks_done) == (MatchRunStatus.WRITING, 1)


def test_sweep_resumes_a_run_whose_worker_died(market, django_capture_on_commit_callbacks):
    run = MatchRun.objects.create(cluster=market["cluster"], trigger="manual", chunk_size=5)
    match_run_plan(run_id=run.pk, enqueue=False)
    first_chunk = MatchChunk.objects.filter(run=run).order_by("index").first()
    match_chunk_write(chunk_id=first_chunk.pk)  # the worker died after this chunk
    with django_capture_on_commit_callbacks(execute=True):
        assert match_runs_resume(stale_after=__import__("datetime").timedelta(0)) == 1
    run.refresh_from_db()
    assert run.status == MatchRunStatus.COMPLETED
    assert run.chunks_done == run.chunks_total == 3
    reference = _rows()
    # The same run from scratch writes exactly the same recommendations.
    Recommendation.objects.all().delete()
    fresh = MatchRun.objects.create(cluster=market["cluster"], trigger="manual")
    match_run_plan(run_id=fresh.pk, enqueue=False)
    for chunk in MatchChunk.objects.filter(run=fresh):
        match_chunk_write(chunk_id=chunk.pk)
    assert [row[:4] for row in _rows()] == [row[:4] for row in reference]


def test_dismissed_offering_is_not_recommended_again(market, run_now):
    MatchingWeights.objects.create(cluster=market["cluster"], slots_per_capacity=100)
    run_now(market["cluster"])
    sme = market["smes"][0]
    rec = Recommendation.objects.filter(sme=sme).order_by("rank", "id").first()
    recommendation_feedback(
        cluster=market["cluster"],
        recommendation=rec,
        kind=FeedbackKind.DISMISSED,
        reason="too_expensive",
        by=None,
    )
    assert not Recommendation.objects.filter(sme=sme, offering=rec.offering).exists()
    run_now(market["cluster"])
    assert Recommendation.objects.filter(sme=market["smes"][1], offering=rec.offering).exists()
    assert not Recommendation.objects.filter(sme=sme, offering=rec.offering).exists()
    assert RecommendationFeedback.objects.filter(sme=sme, kind="dismissed").count() == 1


def test_closed_demand_and_withdrawn_offering_drop_out(market, run_now, django_capture_on_commit_callbacks):
    run_now(market["cluster"])
    demand = market["demands"][0]
    demand.status = DemandStatus.CLOSED
    demand.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert demand_changed(demand) is None
    assert not Recommendation.objects.filter(demand=demand).exists()
    offering = market["offerings"][0]
    had = Recommendation.objects.filter(offering=offering).count()
    assert had
    offering.status = OfferingStatus.WITHDRAWN
    offering.save()
    with django_capture_on_commit_callbacks(execute=True):
        run = offering_changed(offering)
    run.refresh_from_db()
    assert run.status == MatchRunStatus.COMPLETED
    assert run.subjects_total == had
    assert not Recommendation.objects.filter(offering=offering).exists()


def test_demand_event_rescores_only_that_demand(market, run_now, django_capture_on_commit_callbacks):
    MatchingWeights.objects.create(cluster=market["cluster"], slots_per_capacity=100)
    run_now(market["cluster"])
    untouched = _rows()
    demand = DemandFactory(cluster=market["cluster"], sme=market["smes"][0], categories=[market["mes"]])
    with django_capture_on_commit_callbacks(execute=True):
        run = demand_changed(demand)
    run.refresh_from_db()
    assert run.scope == [f"demand:{demand.pk}"]
    assert run.subjects_total == 1
    assert Recommendation.objects.filter(demand=demand).count() == 6  # every offering, within capacity
    assert [row for row in _rows() if row[0] != str(demand.pk)] == untouched


def test_published_offering_reaches_the_demands_of_its_category(
    market, run_now, django_capture_on_commit_callbacks
):
    run_now(market["cluster"])
    fresh = OfferingFactory(
        cluster=market["cluster"],
        partner=market["partners"][1],
        category=market["mes"],
        capacity=20,
        rating_bayes=5,
        rating_count=30,
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = offering_changed(fresh)
    run.refresh_from_db()
    assert run.status == MatchRunStatus.COMPLETED
    assert Recommendation.objects.filter(offering=fresh, demand__isnull=False).count() == len(
        market["demands"]
    )


def test_assessment_completed_rescores_the_sme_with_its_gaps(market, django_capture_on_commit_callbacks):
    cluster = market["cluster"]
    sme = market["smes"][0]
    ops = OfferingFactory(
        cluster=cluster,
        partner=market["partners"][2],
        category=CategoryFactory(code="marketing"),
        title="电商营销与直播代运营",
        summary="帮助企业开展电商直播营销",
        maturity_levels=[1, 2],
        capacity=10,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assessment = assessment_submit(
            cluster=cluster, enterprise=sme, answers=answers("max", O1="a", O2="a", O3="a", O4="a"), by=None
        )
    assert assessment.weakest_dimensions == ["operation"]
    run = MatchRun.objects.get(scope=[f"sme:{sme.pk}"])
    assert run.status == MatchRunStatus.COMPLETED
    proactive = Recommendation.objects.filter(sme=sme, demand__isnull=True).order_by("rank")
    assert proactive.first().offering == ops
    maturity = next(
        row for row in contributions_expand(proactive.first().contributions) if row["feature"] == "maturity"
    )
    assert "operation" in maturity["reason"]
    # Only this SME (and its demands) were re-scored.
    assert set(Recommendation.objects.filter(run=run).values_list("sme_id", flat=True)) == {sme.pk}


def test_management_command_runs_a_cluster(market, capsys):
    call_command("match_cluster", market["cluster"].slug, "--no-progress")
    run = MatchRun.objects.get()
    assert run.status == MatchRunStatus.COMPLETED
    assert run.trigger == "command"
    assert Recommendation.objects.count() == run.recommendations_count > 0
    assert str(run.pk) in capsys.readouterr().out


def test_management_command_refuses_an_unknown_cluster():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("match_cluster", "no-such-cluster", "--no-progress")
    assert not MatchRun.objects.exists()


def test_interested_feedback_creates_an_engagement_request(market, run_now):
    run_now(market["cluster"])
    user = UserFactory()
    rec = Recommendation.objects.filter(demand__isnull=False).first()
    feedback = recommendation_feedback(
        cluster=market["cluster"],
        recommendation=rec,
        kind=FeedbackKind.INTERESTED,
        by=user,
        comment="请联系我们",
    )
    engagement = feedback.engagement
    assert (engagement.offering_id, engagement.sme_id, engagement.demand_id) == (
        rec.offering_id,
        rec.sme_id,
        rec.demand_id,
    )
    assert engagement.status == "requested"
    assert engagement.message == "请联系我们"


def test_event_run_respects_capacity_held_by_other_subjects(
    market, run_now, django_capture_on_commit_callbacks
):
    MatchingWeights.objects.create(cluster=market["cluster"], slots_per_capacity=1)
    run_now(market["cluster"])  # 6 offerings x 2 free = 12 slots, all taken
    assert Recommendation.objects.count() == 12
    demand = DemandFactory(cluster=market["cluster"], sme=market["smes"][0], categories=[market["mes"]])
    with django_capture_on_commit_callbacks(execute=True):
        demand_changed(demand)
    assert not Recommendation.objects.filter(demand=demand).exists()
    assert Recommendation.objects.count() == 12


def test_demo_seed_is_idempotent(market):
    import io

    from demo import matching as demo_matching
    from enterprises.models import Assessment

    market["cluster"].slug = "wuxi-iot"
    market["cluster"].save()
    demo_matching.seed(stdout=io.StringIO())
    assessments = Assessment.objects.count()
    runs = MatchRun.objects.filter(trigger="demo").count()
    rows = _rows()
    assert assessments == 4 + 2  # four SMEs, two of them assessed twice
    assert runs == 1
    assert rows
    demo_matching.seed(stdout=io.StringIO())
    assert Assessment.objects.count() == assessments
    assert MatchRun.objects.filter(trigger="demo").count() == runs
    assert _rows() == rows


def test_sweep_finds_a_run_whose_message_was_lost(market, django_capture_on_commit_callbacks):
    from datetime import timedelta

    with django_capture_on_commit_callbacks(execute=False):  # Redis was down: nothing was sent
        run = match_run_start(cluster=market["cluster"])
    assert MatchRun.objects.get(pk=run.pk).status == MatchRunStatus.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        assert match_runs_resume(stale_after=timedelta(minutes=15)) == 0  # not stale yet
    with django_capture_on_commit_callbacks(execute=True):
        assert match_runs_resume(stale_after=timedelta(0)) == 1
    run.refresh_from_db()
    assert run.status == MatchRunStatus.COMPLETED
    assert run.recommendations_count == Recommendation.objects.count() > 0


def test_planning_gives_up_after_repeated_failures(market):
    from matching.services import MAX_PLAN_ATTEMPTS

    run = MatchRun.objects.create(
        cluster=market["cluster"],
        trigger="manual",
        status=MatchRunStatus.PLANNING,
        attempts=MAX_PLAN_ATTEMPTS,
    )
    match_run_plan(run_id=run.pk, enqueue=False)
    run.refresh_from_db()
    assert run.status == MatchRunStatus.FAILED
    assert run.error
    assert not MatchChunk.objects.filter(run=run).exists()


@pytest.mark.django_db(transaction=True)
def test_chunks_written_on_parallel_connections_give_the_same_rows(market):
    from matching.services import match_run_now

    cluster = market["cluster"]
    MatchingWeights.objects.create(cluster=cluster, top_n=3, slots_per_capacity=10)
    one = match_run_now(cluster=cluster, trigger="command", chunk_size=2)
    sequential = _rows()
    seen = []
    three = match_run_now(
        cluster=cluster,
        trigger="command",
        chunk_size=2,
        writers=3,
        progress=lambda done, total: seen.append(done),
    )
    assert _rows() == sequential and len(sequential) == 12 * 3
    assert (three.status, three.chunks_done, three.chunks_total) == (MatchRunStatus.COMPLETED, 6, 6)
    assert three.recommendations_count == one.recommendations_count == len(sequential)
    assert sorted(seen) == [1, 2, 3, 4, 5, 6]
    assert set(Recommendation.objects.values_list("run_id", flat=True)) == {three.pk}
