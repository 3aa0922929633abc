"""Writes to the policy library: authoring, publishing and importing policies."""

import datetime
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg.types.json import Jsonb

from cluster_platform.exceptions import Conflict, InvalidTransition
from cluster_platform.models import Cluster
from cluster_platform.services import audit_record
from policies.covers import covers_references_check
from policies.eligibility.notifications import policies_published
from policies.importing import ImportFileError, RawRow, detect_format, parse_file
from policies.models import ImportJobStatus, Policy, PolicyImportJob, PolicyStatus
from policies.records import (
    COVERS_DEFAULTS,
    COVERS_FIELDS,
    FIELDS,
    RowErrors,
    check_record,
    coerce_row,
    identity_key,
    search_document,
)

logger = logging.getLogger(__name__)

IMPORT_BATCH_SIZE = 1000
# A job keeps the first errors in full; the count covers all of them.
MAX_REPORTED_ERRORS = 500
ANALYZE_AFTER_ROWS = 5000
MAX_IMPORT_BYTES = 50 * 1024 * 1024


def _snapshot(policy: Policy) -> dict:
    return {
        "title": policy.title,
        "document_number": policy.document_number,
        "level": policy.level,
        "region_code": policy.region_code,
        "status": policy.status,
    }


def _apply(policy: Policy, values: dict) -> None:
    """Check `values` merged onto `policy`, then set them and the derived identity and search text."""
    merged = {name: getattr(policy, name) for name in FIELDS} | values
    errors = check_record(merged)
    # Only what this change names is checked against the database: a policy that an earlier
    # edit excluded and that has since expired does not block an unrelated edit.
    references = {name: values[name] for name in ("covers_categories", "exclusive_with") if name in values}
    if references and not errors:
        [errors] = covers_references_check([references], cluster=policy.cluster, own_ids=[policy.pk])
        values = values | references  # category names resolved to codes
    if errors:
        raise ValidationError(dict(errors))
    for name, value in values.items():
        setattr(policy, name, value)
    policy.content_hash = identity_key(merged)
    policy.search_vector = search_document(merged)


def _save(policy: Policy) -> None:
    try:
        with transaction.atomic():
            policy.save()
    except IntegrityError:
        raise Conflict(
            _(
                "A policy with this issuer and document number (or this title, issuer and date) already exists."
            )
        ) from None


def policies_published_notify(policies: list[Policy]) -> None:
    """Let the eligibility side match newly published policies to enterprises.

    An import publishes up to a thousand policies per batch: they are handed over in one call, which
    enqueues the reverse matches after commit, so the import does not wait for them.
    """
    if policies:
        policies_published([policy.pk for policy in policies])


def _audit(policy: Policy, *, action: str, by, before: dict | None = None, after: dict | None = None) -> None:
    """Audit-log a change to a cluster's local policy; the platform-wide library has no cluster to log in."""
    if policy.cluster_id is not None:
        audit_record(
            cluster=policy.cluster,
            actor=by,
            action=f"policy.{action}",
            target=policy,
            before=before,
            after=after,
        )


@transaction.atomic
def policy_create(*, values: dict, by, cluster: Cluster | None = None) -> Policy:
    """A new draft policy: in the platform library (cluster None) or a cluster's local policy."""
    policy = Policy(cluster=cluster, status=PolicyStatus.DRAFT)
    _apply(policy, {key: value for key, value in values.items() if key != "status"})
    _save(policy)
    _audit(policy, action="create", by=by, after=_snapshot(policy))
    return policy


@transaction.atomic
def policy_update(*, policy: Policy, values: dict, by) -> Policy:
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    before = _snapshot(policy)
    _apply(policy, {key: value for key, value in values.items() if key != "status"})
    _save(policy)
    _audit(policy, action="update", by=by, before=before, after=_snapshot(policy))
    return policy


@transaction.atomic
def policy_publish(*, policy: Policy, by) -> Policy:
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    if policy.status != PolicyStatus.DRAFT:
        raise InvalidTransition(current=policy.status, requested="publish", allowed=[])
    before = _snapshot(policy)
    policy.status = PolicyStatus.PUBLISHED
    if policy.published_on is None:
        policy.published_on = timezone.localdate()
    policy.save(update_fields=["status", "published_on", "updated_at"])
    _audit(policy, action="publish", by=by, before=before, after=_snapshot(policy))
    policies_published_notify([policy])
    return policy


@transaction.atomic
def policy_expire(*, policy: Policy, by) -> Policy:
    """Withdraw a published policy from the library's active view (it stays readable by its authors)."""
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    if policy.status != PolicyStatus.PUBLISHED:
        raise InvalidTransition(current=policy.status, requested="expire", allowed=[])
    before = _snapshot(policy)
    policy.status = PolicyStatus.EXPIRED
    policy.save(update_fields=["status", "updated_at"])
    _audit(policy, action="expire", by=by, before=before, after=_snapshot(policy))
    return policy


@transaction.atomic
def policy_delete(*, policy: Policy, by) -> None:
    _audit(policy, action="delete", by=by, before=_snapshot(policy))
    policy.delete()


def policies_expire(*, today: datetime.date | None = None) -> int:
    """Mark published policies past their validity as expired (the daily job); returns how many."""
    today = today or timezone.localdate()
    return Policy.objects.filter(status=PolicyStatus.PUBLISHED, valid_until__lt=today).update(
        status=PolicyStatus.EXPIRED, updated_at=timezone.now()
    )


# --- Import -----------------------------------------------------------------------------------


@dataclass
class ImportOutcome:
    rows_total: int = 0
    rows_done: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[dict] = field(default_factory=list)

    def reject(self, row: int, field_name: str | None, reason: str) -> None:
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append({"row": row, "field": field_name, "reason": reason})


def _reject_row(number: int, errors: RowErrors, *, outcome: ImportOutcome) -> None:
    for field_name, messages in errors.items():
        for message in messages:
            outcome.reject(number, field_name, message)


def _row_record(raw: RawRow, *, outcome: ImportOutcome) -> dict | None:
    """The checked record of one row, with its identity and search text, or None (reported)."""
    if raw.cells is None:
        outcome.reject(raw.number, None, raw.error)
        return None
    values, errors = coerce_row(raw.cells)
    if not values.get("status"):
        values["status"] = PolicyStatus.PUBLISHED
    record = {name: values.get(name) for name in FIELDS}
    if not errors:
        errors = check_record(record)
    if errors:
        _reject_row(raw.number, errors, outcome=outcome)
        return None
    for name in TEXT_FIELDS:
        record[name] = record[name] or ""
    for name, default in COVERS_DEFAULTS.items():
        if record[name] is None:
            record[name] = default
    record["categories"] = record["categories"] or []
    record["eligibility_rule"] = record["eligibility_rule"] or {}
    record["content_hash"] = identity_key(record)
    record["search_vector"] = search_document(record)
    return record


TEXT_FIELDS = ("document_number", "region_code", "summary", "full_text", "source_url", "benefit_type")
BASE_FIELDS = tuple(name for name in FIELDS if name not in COVERS_FIELDS)


def _stage_columns(covers: tuple[str, ...]) -> list[str]:
    """Columns of one staged row, in COPY order: every base field, and the covers fields the
    batch's rows have (absent ones take the column defaults in a new row and stay as they are
    in an existing one)."""
    return [
        "id",
        "created_at",
        "updated_at",
        "cluster_id",
        *BASE_FIELDS,
        *covers,
        "content_hash",
        "search_vector",
    ]


_UPSERT_SQL: dict[tuple[str, ...], str] = {}


def _upsert_sql(covers: tuple[str, ...]) -> str:
    if covers not in _UPSERT_SQL:
        table = Policy._meta.db_table
        fields = [*BASE_FIELDS, *covers]
        columns = ", ".join(_stage_columns(covers))
        updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in [*fields, "search_vector", "updated_at"])
        # A row identical to the stored policy is left alone (its updated_at too, so the rule
        # cache keeps it) and is not returned: returned rows are the created (xmax = 0) and the
        # really updated ones.
        current = ", ".join(f"{table}.{name}" for name in fields)
        incoming = ", ".join(f"EXCLUDED.{name}" for name in fields)
        _UPSERT_SQL[covers] = (
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM policy_import_stage "
            f"ON CONFLICT ON CONSTRAINT uniq_policy_identity DO UPDATE SET {updates} "
            f"WHERE ({current}) IS DISTINCT FROM ({incoming}) "
            f"RETURNING (xmax = 0)"
        )
    return _UPSERT_SQL[covers]


def _upsert_batch(
    records: list[dict], *, cluster: Cluster | None, outcome: ImportOutcome, covers: tuple[str, ...] = ()
) -> None:
    """COPY the batch into a session-local staging table, then one INSERT ... ON CONFLICT.

    COPY streams the rows without building and parsing a 20,000-placeholder statement,
    which is where an ORM bulk insert of wide rows spends its time.
    """
    # The same policy twice in one batch would make the upsert touch a row twice: keep the last.
    unique = list({record["content_hash"]: record for record in records}.values())
    now = timezone.now()
    cluster_id = cluster.pk if cluster is not None else None
    with transaction.atomic(), connection.cursor() as cursor:
        previous = dict(
            Policy.objects.filter(
                cluster=cluster, content_hash__in=[r["content_hash"] for r in unique]
            ).values_list("content_hash", "status")
        )
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS policy_import_stage "
            f"(LIKE {Policy._meta.db_table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
        )
        cursor.execute("TRUNCATE policy_import_stage")
        stage_columns = ", ".join(_stage_columns(covers))
        with cursor.cursor.copy(f"COPY policy_import_stage ({stage_columns}) FROM STDIN") as copy:
            for record in unique:
                copy.write_row(
                    [
                        uuid.uuid4(),
                        now,
                        now,
                        cluster_id,
                        *[
                            Jsonb(record[name]) if name == "eligibility_rule" else record[name]
                            for name in (*BASE_FIELDS, *covers)
                        ],
                        record["content_hash"],
                        record["search_vector"],
                    ]
                )
        cursor.execute(_upsert_sql(covers))
        inserted = [row[0] for row in cursor.fetchall()]
        created = sum(1 for was_inserted in inserted if was_inserted)
        outcome.created += created
        outcome.updated += len(inserted) - created
        outcome.unchanged += len(unique) - len(inserted)
        outcome.updated += len(records) - len(unique)  # a later row of the file replaced an earlier one
        newly_published = [
            record["content_hash"]
            for record in unique
            if record["status"] == PolicyStatus.PUBLISHED
            and previous.get(record["content_hash"]) != PolicyStatus.PUBLISHED
        ]
        if newly_published:
            policies_published_notify(
                list(Policy.objects.filter(cluster=cluster, content_hash__in=newly_published))
            )


def policy_import_rows(
    *,
    rows: Iterable[RawRow],
    cluster: Cluster | None,
    progress: Callable[[ImportOutcome], None] | None = None,
    batch_size: int = IMPORT_BATCH_SIZE,
) -> ImportOutcome:
    """Upsert the good rows in batches (each batch commits on its own) and report the bad ones.

    Identity is issuer + document number, else title + issuer + publish date, within the
    scope (the library or one cluster): importing a file twice updates, never duplicates.
    """
    rows = list(rows)
    outcome = ImportOutcome(rows_total=len(rows))
    for start in range(0, len(rows), batch_size):
        chunk = rows[start : start + batch_size]
        numbered = []
        for raw in chunk:
            record = _row_record(raw, outcome=outcome)
            if record is None:
                outcome.failed += 1
            else:
                numbered.append((raw, record))
        records = []
        checks = covers_references_check([record for _raw, record in numbered], cluster=cluster)
        for (raw, record), errors in zip(numbered, checks, strict=True):
            if errors:
                _reject_row(raw.number, errors, outcome=outcome)
                outcome.failed += 1
            else:
                records.append(record)
        # Row order, whichever check found the error (the sort is stable: fields keep theirs).
        outcome.errors.sort(key=lambda error: error["row"])
        # The covers columns that the batch's rows have (all of a spreadsheet's rows have the same).
        present = {name for raw, _record in numbered for name in raw.cells if name in COVERS_FIELDS}
        covers = tuple(name for name in COVERS_FIELDS if name in present)
        if records:
            _upsert_batch(records, cluster=cluster, outcome=outcome, covers=covers)
        outcome.rows_done += len(chunk)
        if progress is not None:
            progress(outcome)
    if outcome.created >= ANALYZE_AFTER_ROWS:
        # Fresh statistics at once (autovacuum may take a minute): search relies on the
        # planner's estimates to walk the date index for common words.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Policy._meta.db_table}")
    return outcome


def policy_import_file(
    *,
    content: bytes,
    file_format: str,
    cluster: Cluster | None,
    progress: Callable[[ImportOutcome], None] | None = None,
) -> ImportOutcome:
    """Parse the whole file first (raising ImportFileError changes nothing), then import its rows."""
    rows = parse_file(content, file_format)
    return policy_import_rows(rows=rows, cluster=cluster, progress=progress)


@transaction.atomic
def policy_import_job_create(
    *, filename: str, content: bytes, by, cluster: Cluster | None = None
) -> PolicyImportJob:
    """Record an upload and run its import on a worker once this transaction commits."""
    try:
        file_format = detect_format(filename)
    except ImportFileError as error:
        raise ValidationError({"file": [str(error)]}) from None
    if not content:
        raise ValidationError({"file": [_("The file is empty.")]})
    if len(content) > MAX_IMPORT_BYTES:
        raise ValidationError(
            {"file": [_("The file is larger than %(limit)d MB.") % {"limit": MAX_IMPORT_BYTES // 2**20}]}
        )
    job = PolicyImportJob.objects.create(
        cluster=cluster, created_by=by, filename=filename[:255], file_format=file_format, content=content
    )
    if cluster is not None:
        audit_record(
            cluster=cluster, actor=by, action="policy.import", target=job, after={"filename": job.filename}
        )
    from policies.tasks import policy_import_job_run

    policy_import_job_run.delay_on_commit(str(job.pk))
    return job


def policy_import_job_run(*, job_id) -> PolicyImportJob | None:
    """Run one import job. A finished job is left alone; a job interrupted mid-way runs again,
    which is harmless because every batch is an upsert."""
    with transaction.atomic():
        job = PolicyImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in (ImportJobStatus.SUCCEEDED, ImportJobStatus.FAILED):
            return job
        job.status = ImportJobStatus.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["status", "started_at", "updated_at"])
    cluster = job.cluster

    def progress(outcome: ImportOutcome) -> None:
        PolicyImportJob.objects.filter(pk=job.pk).update(
            rows_total=outcome.rows_total,
            rows_done=outcome.rows_done,
            rows_created=outcome.created,
            rows_updated=outcome.updated,
            rows_unchanged=outcome.unchanged,
            rows_failed=outcome.failed,
            errors=outcome.errors,
            updated_at=timezone.now(),
        )

    try:
        rows = parse_file(bytes(job.content), job.file_format)
    except ImportFileError as error:
        return _policy_import_job_fail(job, failure=str(error))
    except Exception:
        # A file no check foresaw must still end its job, not leave it running for ever.
        logger.exception("policy import job %s: the file could not be parsed", job.pk)
        return _policy_import_job_fail(job, failure=_("The file could not be read."))
    PolicyImportJob.objects.filter(pk=job.pk).update(rows_total=len(rows))
    try:
        outcome = policy_import_rows(rows=rows, cluster=cluster, progress=progress)
    except Exception:
        logger.exception("policy import job %s: the import failed", job.pk)
        return _policy_import_job_fail(
            job, failure=_("The import stopped with an internal error; the rows before it were imported.")
        )
    progress(outcome)
    PolicyImportJob.objects.filter(pk=job.pk).update(
        status=ImportJobStatus.SUCCEEDED, finished_at=timezone.now(), updated_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def _policy_import_job_fail(job: PolicyImportJob, *, failure: str) -> PolicyImportJob:
    now = timezone.now()
    PolicyImportJob.objects.filter(pk=job.pk).update(
        status=ImportJobStatus.FAILED, failure=failure, finished_at=now, updated_at=now
    )
    job.refresh_from_db()
    return job


# Longer than the import task's hard time limit (1900 s): a running job that has not reported
# progress for this long has lost its worker for good.
STALE_RUNNING_MINUTES = 40


def policy_import_jobs_fail_stale(*, older_than_minutes: int = STALE_RUNNING_MINUTES) -> int:
    """Fail the jobs still `running` with no progress for longer than any run may take (their
    worker died, or a crash escaped the run); returns how many. Their user sees why, and may
    upload again (imports are upserts, so the rows already imported are not duplicated)."""
    cutoff = timezone.now() - datetime.timedelta(minutes=older_than_minutes)
    now = timezone.now()
    return PolicyImportJob.objects.filter(status=ImportJobStatus.RUNNING, updated_at__lt=cutoff).update(
        status=ImportJobStatus.FAILED,
        failure=_("The import stopped without finishing (its worker was lost); upload the file again."),
        finished_at=now,
        updated_at=now,
    )


def policy_import_jobs_stalled(*, older_than_minutes: int = 10) -> list[PolicyImportJob]:
    """Jobs still pending long after their upload: their task was lost (the broker was down
    when the upload committed) and must be enqueued again."""
    cutoff = timezone.now() - datetime.timedelta(minutes=older_than_minutes)
    return list(
        PolicyImportJob.objects.defer("content").filter(status=ImportJobStatus.PENDING, created_at__lt=cutoff)
    )
