"""Writes for matching: weights, match runs (plan, chunked writes, resumption), feedback, and the
event hooks the catalog and the assessments call when something that matching depends on changes.

A run has two phases. Planning scores every subject of the run against every published
offering and assigns the recommendations capacity-aware (in memory, engine.match); it stores the
result as chunks in one transaction. Writing replaces each chunk's subjects' recommendations
(delete + insert) and marks the chunk written in one transaction, so a worker killed at any
point leaves either a whole chunk or none of it, and a redelivered or re-enqueued task finishes
the run without duplicating a row. `match_runs_resume` (the periodic sweep) re-enqueues what a
lost worker or a lost message left behind.
"""

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import numpy as np
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cluster_platform.exceptions import Conflict
from cluster_platform.models import Cluster
from cluster_platform.services import audit_record
from matching import engine, explanations, learning
from matching.models import (
    FEATURES,
    DismissReason,
    FeedbackKind,
    MatchChunk,
    MatchingWeights,
    MatchRun,
    MatchRunStatus,
    MatchRunTrigger,
    Recommendation,
    RecommendationFeedback,
)
from matching.selectors import feedback_examples_load, matching_inputs_load
from services.models import Demand, DemandStatus, Offering, OfferingStatus

logger = logging.getLogger(__name__)

DEFAULT_CHUNK_SIZE = 500
# A run with no progress for this long has lost its worker or its message: the sweep resumes it.
STALE_AFTER = timedelta(minutes=15)
MAX_PLAN_ATTEMPTS = 5


# --- weights --------------------------------------------------------------------------------


@transaction.atomic
def matching_weights_update(*, cluster: Cluster, by, values: dict) -> MatchingWeights:
    """Change the cluster's weights (each in [0, 1], at least one positive) and limits."""
    weights = MatchingWeights.objects.select_for_update().filter(cluster=cluster).first()
    if weights is None:
        weights = MatchingWeights(cluster=cluster)
    before = {**weights.as_dict(), "top_n": weights.top_n, "slots_per_capacity": weights.slots_per_capacity}
    allowed = {*FEATURES, "top_n", "slots_per_capacity"}
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise ValidationError({name: [_("Unknown setting.")] for name in unknown})
    for name, value in values.items():
        setattr(weights, name, value)
    if set(values) & set(FEATURES):
        # Learned weights blend the agency's old ones: the agency's new choice stands until the
        # next learning pass starts from it.
        weights.learned, weights.learned_at = {}, None
    weights.updated_by = by
    weights.full_clean(exclude=["cluster"])
    if sum(getattr(weights, feature) for feature in FEATURES) <= 0:
        raise ValidationError({"non_field_errors": [_("At least one weight must be positive.")]})
    weights.save()
    audit_record(
        cluster=cluster,
        actor=by,
        action="matching.weights_update",
        target=weights,
        before=before,
        after={**weights.as_dict(), "top_n": weights.top_n, "slots_per_capacity": weights.slots_per_capacity},
    )
    return weights


def matching_weights_learn(*, cluster: Cluster) -> learning.LearnedWeights:
    """Learn the cluster's weights from its SMEs' answers to recommendations (matching/learning.py)
    and keep the report. Runs score with the learned weights only when they ranked held-out
    answers better than the agency's; with scarce feedback nothing changes."""
    with transaction.atomic():
        weights = MatchingWeights.objects.select_for_update().filter(cluster=cluster).first()
        if weights is None:
            weights = MatchingWeights.objects.create(cluster=cluster)
        result = learning.learn_weights(feedback_examples_load(cluster=cluster), weights.as_dict())
        weights.learned = result.as_report()
        weights.learned_at = timezone.now()
        weights.save(update_fields=["learned", "learned_at", "updated_at"])
    logger.info("matching weights learned for %s: %s", cluster.slug, weights.learned)
    return result


def matching_weights_learn_all() -> int:
    """Learn every cluster that has feedback (the nightly beat job); returns how many learned."""
    clusters = Cluster.objects.filter(
        pk__in=RecommendationFeedback.objects.values("cluster_id").distinct()
    ).order_by("pk")
    count = 0
    for cluster in clusters:
        matching_weights_learn(cluster=cluster)
        count += 1
    return count


# --- runs -----------------------------------------------------------------------------------


def match_run_start(
    *,
    cluster: Cluster,
    by=None,
    trigger: str = MatchRunTrigger.MANUAL,
    scope: list[str] | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    queue: str | None = None,
) -> MatchRun:
    """Create a run and enqueue its planning after commit (the run row survives a lost message:
    the sweep finds pending runs)."""
    run = MatchRun.objects.create(
        cluster=cluster,
        trigger=trigger,
        scope=sorted(set(scope or [])),
        chunk_size=chunk_size,
        requested_by=by if by is not None and getattr(by, "is_authenticated", False) else None,
    )
    _enqueue_plan(run.pk, queue=queue)
    return run


def _enqueue_plan(run_id, *, queue: str | None) -> None:
    from matching.tasks import match_run_plan_task

    options = {"queue": queue} if queue else {}
    match_run_plan_task.apply_async_on_commit(args=[str(run_id)], **options)


def _enqueue_chunks(chunk_ids: list[int], *, queue: str | None) -> None:
    from matching.tasks import match_chunk_write_task

    options = {"queue": queue} if queue else {}

    # One callback sends the whole batch (a run has hundreds of chunks), rather than one
    # `apply_async_on_commit` callback per chunk.
    def send():
        for chunk_id in chunk_ids:
            match_chunk_write_task.apply_async(args=[chunk_id], **options)

    transaction.on_commit(send)


def match_run_plan(*, run_id, queue: str | None = None, enqueue: bool = True) -> None:
    """Score and assign a run's recommendations, store them as chunks, enqueue the chunk writes.

    Idempotent: a run already planned only re-enqueues its unwritten chunks; a finished one is left alone.
    """
    with transaction.atomic():
        run = MatchRun.objects.select_for_update(of=("self",)).select_related("cluster").get(pk=run_id)
        if run.status in (MatchRunStatus.COMPLETED, MatchRunStatus.FAILED):
            return
        if run.status == MatchRunStatus.WRITING:
            if enqueue:
                pending = list(run.chunks.filter(done_at__isnull=True).values_list("pk", flat=True))
                _enqueue_chunks(pending, queue=queue)
            return
        if run.attempts >= MAX_PLAN_ATTEMPTS:
            _fail(run, _("Scoring failed %(n)s times; giving up.") % {"n": run.attempts})
            return
        now = timezone.now()
        run.status = MatchRunStatus.PLANNING
        run.attempts += 1
        run.started_at = run.started_at or now
        run.heartbeat_at = now
        run.save(update_fields=["status", "attempts", "started_at", "heartbeat_at", "updated_at"])
    cluster = run.cluster

    clock = time.perf_counter()
    inputs = matching_inputs_load(cluster=cluster, scope=run.scope)
    loaded = time.perf_counter()
    prepared = engine.PreparedOfferings(inputs.offerings)
    # Scored and explained with the same weights, so every stored contribution is weight x value.
    weights = engine.run_weights(prepared, inputs.weights)
    candidates, positions = engine.match_arrays(
        inputs.offerings,
        inputs.subjects,
        weights,
        top_n=inputs.top_n,
        slots=inputs.slots,
        prepared=prepared,
    )
    scored = time.perf_counter()

    with transaction.atomic():
        run = MatchRun.objects.select_for_update().get(pk=run_id)
        if run.status != MatchRunStatus.PLANNING:  # another delivery planned it meanwhile
            return
        if not run.scope:
            _delete_stale(cluster=cluster)
        # Each chunk is explained as COPY sends the previous one: PostgreSQL stores chunk k while
        # Python explains chunk k + 1, on the machine's other core.
        chunks = _copy_chunks(
            cluster_id=cluster.pk,
            run_id=run.pk,
            chunks=_planned_chunks(inputs, candidates, positions, weights, size=run.chunk_size),
        )
        now = timezone.now()
        run.weights = weights
        run.subjects_total = len(inputs.subjects)
        run.offerings_total = len(inputs.offerings)
        run.pairs_scored = len(inputs.subjects) * len(inputs.offerings)
        run.chunks_total = chunks
        run.heartbeat_at = now
        if chunks:
            run.status = MatchRunStatus.WRITING
        else:
            run.status = MatchRunStatus.COMPLETED
            run.finished_at = now
        run.save()
        if enqueue:
            _enqueue_chunks(list(run.chunks.order_by("index").values_list("pk", flat=True)), queue=queue)
    logger.info(
        "match run %s planned: %d subjects x %d offerings; load %.1fs, score %.1fs, explain and store %.1fs",
        run_id,
        len(inputs.subjects),
        len(inputs.offerings),
        loaded - clock,
        scored - loaded,
        time.perf_counter() - scored,
    )


def _planned_chunks(inputs, candidates, positions, weights, *, size: int) -> Iterator[tuple[list, list, str]]:
    """The run's plan as chunks of `size` subjects: (demand ids, SME ids, payload), one by one.

    The payload has one line per recommendation, best first within each subject: demand id (empty
    for a proactive one), SME id, offering id, partner id, score and the explanation as JSON,
    tab-separated (JSON escapes tabs and newlines in its strings). `_INSERT_ROWS` splits it and
    parses each explanation straight into its row; a payload that was one JSON document cost
    PostgreSQL twice as much to expand. The explanations are assembled from pieces the explainer
    caches (json.dumps of 200,000 nested explanations took longer than scoring them).
    """
    explainer = explanations.Explainer(weights)
    subject_of = candidates.subject[positions]
    # `positions` are grouped by subject in subject order: a chunk's pairs are one slice of them.
    bounds = np.searchsorted(subject_of, np.arange(0, len(inputs.subjects) + size, size)).tolist()
    for number, start in enumerate(range(0, len(inputs.subjects), size)):
        taken = positions[bounds[number] : bounds[number + 1]]
        subjects = candidates.subject[taken].tolist()
        offerings = candidates.offering[taken].tolist()
        contributions = explainer.explain_json_many(
            [(inputs.subjects[s], inputs.offerings[o]) for s, o in zip(subjects, offerings, strict=True)],
            candidates.values[taken],
        )
        lines = []
        for subject, offering, score, explained in zip(
            subjects, offerings, candidates.score[taken].tolist(), contributions, strict=True
        ):
            kind, _sep, subject_id = inputs.subjects[subject].key.partition(":")
            demand = subject_id if kind == "demand" else ""
            lines.append(
                f"{demand}\t{inputs.subjects[subject].sme_id}\t{inputs.offerings[offering].id}\t"
                f"{inputs.offerings[offering].partner_id}\t{round(score, 6)!r}\t{explained}"
            )
        demand_ids, sme_ids = [], []
        for subject in inputs.subjects[start : start + size]:
            kind, _sep, subject_id = subject.key.partition(":")
            if kind == "demand":
                demand_ids.append(subject_id)
            else:
                sme_ids.append(subject.sme_id)
        yield demand_ids, sme_ids, "\n".join(lines)


def _pg_array(values: list[str]) -> str:
    return "{" + ",".join(values) + "}"


def _copy_chunks(*, cluster_id, run_id, chunks: Iterable[tuple[list, list, str]]) -> int:
    """Store the planned chunks with COPY (their JSON is large, and COPY streams it as is);
    returns how many. The JSON is compressed with lz4 where the server has it: pglz, the
    default, took three times as long to store a 20,000-demand run."""
    table = MatchChunk._meta.db_table
    statement = f"COPY {table} (cluster_id, run_id, index, demand_ids, sme_ids, payload) FROM STDIN"
    count = 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY (enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        found = cursor.fetchone()
        if found and found[0]:
            cursor.execute("SET LOCAL default_toast_compression = 'lz4'")
        with cursor.copy(statement) as copy:
            for index, (demand_ids, sme_ids, payload) in enumerate(chunks):
                copy.write_row(
                    (
                        str(cluster_id),
                        str(run_id),
                        index,
                        _pg_array(demand_ids),
                        _pg_array(sme_ids),
                        payload,
                    )
                )
                count += 1
    return count


def _delete_stale(*, cluster: Cluster) -> None:
    """A whole-cluster run also drops recommendations whose demand closed, whose offering left the
    catalog, or whose SME left the cluster (nothing would rewrite them)."""
    from enterprises.models import Membership, MembershipRole, MembershipStatus

    members = Membership.objects.filter(
        cluster=cluster, role=MembershipRole.SME, status=MembershipStatus.APPROVED
    ).values("enterprise_id")
    Recommendation.objects.filter(cluster=cluster).filter(
        ~Q(offering__status=OfferingStatus.PUBLISHED)
        | Q(demand__isnull=False) & ~Q(demand__status=DemandStatus.OPEN)
        | Q(demand__isnull=True) & ~Q(sme_id__in=members)
    ).delete()


def match_chunk_write(*, chunk_id: int) -> int:
    """Replace the chunk's subjects' recommendations and mark it written, in one transaction.

    Returns the rows written (0 when an earlier delivery already wrote it). The rows are expanded
    from the chunk's JSON inside PostgreSQL; an offering withdrawn or a demand closed while the
    run was scoring is skipped, and ranks close up. Locks the chunk and then its run, always in
    that order, so concurrent chunk writers cannot deadlock.
    """
    with transaction.atomic():
        # Only the chunk's row, and no join: MatchChunk's default ordering (by run) joined the run,
        # and FOR UPDATE then locked the run's row too, so that concurrent writers of one run's
        # chunks ran one at a time.
        chunk = (
            MatchChunk.objects.select_for_update(of=("self",))
            .filter(pk=chunk_id)
            .only("pk", "cluster_id", "run_id", "done_at")
            .order_by("pk")
            .first()
        )
        if chunk is None or chunk.done_at is not None:
            return 0
        params = {"chunk": chunk.pk, "cluster": chunk.cluster_id, "run": chunk.run_id}
        with connection.cursor() as cursor:
            # A chunk's expanded JSON and the sort that ranks it (5,000 rows with their
            # explanations) spilled to disk at the default 4 MB.
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute(_DELETE_DEMAND_ROWS, params)
            cursor.execute(_DELETE_PROACTIVE_ROWS, params)
            cursor.execute(_INSERT_ROWS, params)
            written = cursor.rowcount
            # Check the new rows' foreign keys now rather than at commit, that is before the
            # run's row is locked below: concurrent chunk writers then queue on that lock only
            # for the small update of the run, not for each other's 30,000 key checks. (Django
            # declares its foreign keys deferred; later statements get that back.)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        now = timezone.now()
        MatchChunk.objects.filter(pk=chunk.pk).update(done_at=now)
        MatchRun.objects.filter(pk=chunk.run_id).update(
            chunks_done=F("chunks_done") + 1,
            recommendations_count=F("recommendations_count") + written,
            heartbeat_at=now,
            updated_at=now,
        )
        # FOR NO KEY UPDATE, like the update above: FOR UPDATE would wait for the key-share
        # locks that other writers' key checks hold on the run, while they wait for this update.
        run = MatchRun.objects.select_for_update(no_key=True).get(pk=chunk.run_id)
        if run.chunks_done >= run.chunks_total and run.status == MatchRunStatus.WRITING:
            run.status = MatchRunStatus.COMPLETED
            run.finished_at = now
            run.save(update_fields=["status", "finished_at", "updated_at"])
        return written


_RECOMMENDATION = Recommendation._meta.db_table
_CHUNK = MatchChunk._meta.db_table
_OFFERING = Offering._meta.db_table
_DEMAND = Demand._meta.db_table
_DELETE_DEMAND_ROWS = f"""
    DELETE FROM {_RECOMMENDATION}
    WHERE cluster_id = %(cluster)s
      AND demand_id = ANY (SELECT unnest(demand_ids) FROM {_CHUNK} WHERE id = %(chunk)s)
"""
_DELETE_PROACTIVE_ROWS = f"""
    DELETE FROM {_RECOMMENDATION}
    WHERE cluster_id = %(cluster)s AND demand_id IS NULL
      AND sme_id = ANY (SELECT unnest(sme_ids) FROM {_CHUNK} WHERE id = %(chunk)s)
"""
# The chunk's lines (see _planned_chunks), in planned order.
_PLANNED = f"""
    SELECT NULLIF(split_part(line.text, E'\\t', 1), '')::uuid AS demand_id,
           split_part(line.text, E'\\t', 2)::uuid AS sme_id,
           split_part(line.text, E'\\t', 3)::uuid AS offering_id,
           split_part(line.text, E'\\t', 4)::uuid AS partner_id,
           split_part(line.text, E'\\t', 5)::double precision AS score,
           split_part(line.text, E'\\t', 6)::jsonb AS contributions,
           line.position
    FROM {_CHUNK} chunk, string_to_table(chunk.payload, E'\\n') WITH ORDINALITY AS line(text, position)
    WHERE chunk.id = %(chunk)s AND line.text <> ''
"""
_INSERT_ROWS = f"""
    WITH planned AS ({_PLANNED}), live AS (
        SELECT planned.*
        FROM planned
        JOIN {_OFFERING} offering
          ON offering.id = planned.offering_id AND offering.cluster_id = %(cluster)s
         AND offering.status = '{OfferingStatus.PUBLISHED}'
        LEFT JOIN {_DEMAND} demand ON demand.id = planned.demand_id AND demand.cluster_id = %(cluster)s
        WHERE planned.demand_id IS NULL OR demand.status = '{DemandStatus.OPEN}'
    )
    INSERT INTO {_RECOMMENDATION}
        (id, created_at, updated_at, cluster_id, run_id, demand_id, sme_id, offering_id, partner_id, rank, score, contributions)
    SELECT gen_random_uuid(), now(), now(), %(cluster)s, %(run)s, demand_id, sme_id, offering_id, partner_id,
           row_number() OVER (PARTITION BY demand_id, sme_id ORDER BY position), score, contributions
    FROM live
"""


def _fail(run: MatchRun, message: str) -> None:
    run.status = MatchRunStatus.FAILED
    run.error = message
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at", "updated_at"])


def match_run_fail(*, run_id, message: str) -> None:
    with transaction.atomic():
        run = MatchRun.objects.select_for_update().get(pk=run_id)
        if run.status not in (MatchRunStatus.COMPLETED, MatchRunStatus.FAILED):
            _fail(run, message)


def match_runs_resume(*, stale_after: timedelta = STALE_AFTER, queue: str | None = None) -> int:
    """Re-enqueue unfinished runs without recent progress (a lost worker or message). Returns how many.

    Safe to call at any time: planning and chunk writes are idempotent.
    """
    cutoff = timezone.now() - stale_after
    stale = MatchRun.objects.filter(
        status__in=[MatchRunStatus.PENDING, MatchRunStatus.PLANNING, MatchRunStatus.WRITING]
    ).filter(Q(heartbeat_at__lte=cutoff) | Q(heartbeat_at__isnull=True, created_at__lte=cutoff))
    # A deactivated cluster's runs wait, untouched, until an operator reactivates it.
    stale = stale.filter(cluster__is_active=True)
    count = 0
    for run_id in stale.values_list("pk", flat=True):
        with transaction.atomic():
            MatchRun.objects.filter(pk=run_id).update(heartbeat_at=timezone.now())
            _enqueue_plan(run_id, queue=queue)
        count += 1
    return count


def match_run_now(
    *,
    cluster: Cluster,
    trigger: str,
    by=None,
    scope=None,
    progress=None,
    writers: int = 1,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> MatchRun:
    """Run a whole match run in this process (the management command and the demo data), with an
    optional `progress(done, total)` callback.

    `writers` > 1 writes the chunks on that many connections at once, as that many workers
    would: PostgreSQL's share of a run (expanding, inserting and key-checking 200,000 rows) is
    most of it, and one connection keeps only one core busy. The chunks must then be visible to
    other connections, so not inside an open transaction (tests keep the default, 1).
    """
    run = MatchRun.objects.create(
        cluster=cluster,
        trigger=trigger,
        scope=sorted(set(scope or [])),
        chunk_size=chunk_size,
        requested_by=by,
    )
    match_run_plan(run_id=run.pk, enqueue=False)
    chunk_ids = list(run.chunks.order_by("index").values_list("pk", flat=True))
    total = len(chunk_ids)
    if writers <= 1:
        for done, chunk_id in enumerate(chunk_ids, start=1):
            match_chunk_write(chunk_id=chunk_id)
            if progress:
                progress(done, total)
    else:
        lock, written = threading.Lock(), [0]

        def write(share: list[int]) -> None:
            try:
                for chunk_id in share:
                    match_chunk_write(chunk_id=chunk_id)
                    with lock:
                        written[0] += 1
                        if progress:
                            progress(written[0], total)
            finally:
                connection.close()  # this thread's own connection

        with ThreadPoolExecutor(max_workers=writers) as pool:
            for future in [pool.submit(write, chunk_ids[start::writers]) for start in range(writers)]:
                future.result()
    run.refresh_from_db()
    return run


# --- event hooks: what a change affects is re-scored after commit ------------------------------


def demand_changed(demand: Demand) -> MatchRun | None:
    """Call after a demand is created or edited (in the same transaction). An open demand is
    re-scored; a demand no longer open loses its recommendations now."""
    if demand.status != DemandStatus.OPEN:
        Recommendation.objects.filter(cluster_id=demand.cluster_id, demand=demand).delete()
        return None
    return match_run_start(
        cluster=demand.cluster, trigger=MatchRunTrigger.EVENT, scope=[f"demand:{demand.pk}"]
    )


def offering_changed(offering: Offering) -> MatchRun | None:
    """Call after an offering is published, edited while published, or withdrawn. A withdrawn
    offering's recommendations go now; the subjects that held it, and those it may newly suit,
    are re-scored."""
    if offering.status != OfferingStatus.PUBLISHED:
        holders = list(
            Recommendation.objects.filter(cluster_id=offering.cluster_id, offering=offering).values_list(
                "demand_id", "sme_id"
            )
        )
        Recommendation.objects.filter(cluster_id=offering.cluster_id, offering=offering).delete()
        scope = [f"demand:{demand}" if demand else f"sme:{sme}" for demand, sme in holders]
        if not scope:
            return None
        return match_run_start(cluster=offering.cluster, trigger=MatchRunTrigger.EVENT, scope=scope)
    return match_run_start(
        cluster=offering.cluster, trigger=MatchRunTrigger.EVENT, scope=[f"offering:{offering.pk}"]
    )


def assessment_completed(assessment) -> MatchRun:
    """Call after an assessment is stored: the SME's proactive recommendations and its open
    demands are re-scored against its new level and gaps."""
    return match_run_start(
        cluster=assessment.cluster, trigger=MatchRunTrigger.EVENT, scope=[f"sme:{assessment.enterprise_id}"]
    )


# --- feedback -------------------------------------------------------------------------------


@transaction.atomic
def recommendation_feedback(
    *, cluster: Cluster, recommendation: Recommendation, kind: str, by, reason: str = "", comment: str = ""
) -> RecommendationFeedback:
    """The SME answers a recommendation. Interested: an engagement request goes to the partner.
    Dismissed (with a reason): the offering is removed from this SME's recommendations and is
    not recommended to it again."""
    from services.services.engagements import engagement_request

    if recommendation.cluster_id != cluster.pk:
        raise ValidationError({"recommendation": [_("This recommendation is not in this cluster.")]})
    if kind not in FeedbackKind.values:
        raise ValidationError({"kind": [_("Choose interested or dismissed.")]})
    if kind == FeedbackKind.DISMISSED:
        if reason not in DismissReason.values:
            raise ValidationError({"reason": [_("Give a reason for dismissing this offering.")]})
    elif reason:
        raise ValidationError({"reason": [_("A reason is only given when dismissing.")]})
    exists = RecommendationFeedback.objects.filter(
        cluster=cluster, sme_id=recommendation.sme_id, offering_id=recommendation.offering_id, kind=kind
    ).exists()
    if exists:
        raise Conflict(_("You already answered this recommendation."))
    engagement = None
    if kind == FeedbackKind.INTERESTED:
        engagement = engagement_request(
            cluster=cluster,
            offering=recommendation.offering,
            sme=recommendation.sme,
            by=by,
            demand=recommendation.demand,
            message=comment,
        )
    feedback = RecommendationFeedback.objects.create(
        cluster=cluster,
        sme_id=recommendation.sme_id,
        offering_id=recommendation.offering_id,
        demand_id=recommendation.demand_id,
        kind=kind,
        reason=reason,
        comment=comment,
        score=recommendation.score,
        values={
            row["feature"]: row["value"]
            for row in explanations.contributions_expand(recommendation.contributions)
        },
        engagement=engagement,
        created_by=by,
    )
    if kind == FeedbackKind.DISMISSED:
        Recommendation.objects.filter(
            cluster=cluster, sme_id=recommendation.sme_id, offering_id=recommendation.offering_id
        ).delete()
    return feedback
