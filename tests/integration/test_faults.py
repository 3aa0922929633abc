"""Faults, against the real processes: gunicorn with the production settings, a Celery worker with
the prefork pool, Redis and PostgreSQL.

- Redis stopped while requests enqueue work: the requests still succeed, and once Redis is back the
  sweeps do the work (nothing is lost).
- PostgreSQL restarted under load: requests fail fast with a 503 in the one error shape, then the
  same web processes serve again, without a restart.
- A worker killed mid-import: the job resumes and finishes; with its whole worker gone, the sweep
  fails it with a reason instead of leaving it `running`.

What is stopped or killed is always started privately for the test (bench/servers.py): the
machine's shared PostgreSQL and Redis are never touched. The web and worker processes use the test
database of this session, except in the restart test, which runs on a private copy of it.
"""

import csv
import http.client
import io
import itertools
import json
import os
import signal
import threading
import time
import uuid
import warnings
from dataclasses import dataclass

import pytest
from celery.exceptions import AlwaysEagerIgnored
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.db import connection
from django.utils import translation
from knox.models import AuthToken

from bench import servers
from cluster_platform.celery import app as celery_app
from cluster_platform.models import DeferredTask, Notification, StaffRole
from enterprises.models import MembershipRole
from matching.models import MatchRun, MatchRunStatus
from policies.library_generator import generate_policies
from policies.models import ImportJobStatus, Policy, PolicyImportJob
from policies.tasks import policy_import_jobs_sweep
from services.models import Engagement
from tests.cluster_platform.factories import ClusterFactory, staff_member
from tests.enterprises.factories import member_user
from tests.policies.factories import PolicyFactory
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.faults

needs_redis = pytest.mark.skipif(
    not servers.redis_available(),
    reason="needs the redis-server binary: the test stops and starts a Redis of its own",
)
needs_postgres = pytest.mark.skipif(
    servers.postgres_bindir() is None,
    reason="needs PostgreSQL's server binaries (initdb, postgres): the test restarts a cluster of its own",
)

PASSWORD = "fault-test-pass-2026"


def _test_database_url() -> str:
    """The URL of the database this session's tests use, for the processes the tests start."""
    return servers.database_url_named(connection.settings_dict["NAME"])


def _token(user) -> str:
    return AuthToken.objects.create(user)[1]


def _send(redis: servers.PrivateRedis, task: str, **kwargs) -> None:
    """Send a task through the private Redis (as beat would), whatever broker this process uses."""
    with celery_app.connection_for_write(redis.url()) as conn, warnings.catch_warnings():
        # This process runs its own tasks in-process (tests/conftest.py); this one is for the worker.
        warnings.simplefilter("ignore", AlwaysEagerIgnored)
        celery_app.send_task(task, kwargs=kwargs, connection=conn, ignore_result=True)


def _multipart(port: int, path: str, *, token: str, filename: str, content: bytes):
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            f"Content-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(
            "POST",
            path,
            body=body,
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Authorization": f"Token {token}",
                "Accept": "application/json",
            },
        )
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        conn.close()


def _policies_csv(count: int, *, seed: int, skip: int = 0) -> bytes:
    """`count` generated policies (after the first `skip`) as a CSV file, the way agencies upload
    them; one seed's policies are all distinct."""
    buffer = io.StringIO()
    writer = None
    for record in itertools.islice(generate_policies(skip + count, seed=seed), skip, None):
        row = dict(record)
        row["categories"] = "、".join(row["categories"])
        row["eligibility_rule"] = json.dumps(row["eligibility_rule"], ensure_ascii=False)
        if writer is None:
            writer = csv.DictWriter(buffer, fieldnames=list(row))
            writer.writeheader()
        writer.writerow(row)
    return buffer.getvalue().encode()


@pytest.fixture
def private_redis():
    redis = servers.redis_start()
    yield redis
    redis.stop()


@pytest.fixture
def logs(tmp_path):
    """Where the started processes write their logs; a failing test prints their ends."""
    yield tmp_path
    for log in sorted(tmp_path.glob("*.log")):
        print(f"--- {log.name} (end) ---\n{log.read_text(errors='replace')[-4000:]}")


# --- Redis stopped while requests enqueue work ----------------------------------------------------


@needs_redis
@pytest.mark.django_db(transaction=True)
def test_requests_succeed_while_redis_is_down_and_the_sweeps_do_the_work_once_it_is_back(private_redis, logs):
    cluster = ClusterFactory()
    admin = staff_member(cluster, StaffRole.ADMIN)
    sme = member_user(cluster, MembershipRole.SME, employees=80)
    partner = member_user(cluster, MembershipRole.PARTNER, industry_code="I65")
    offering = OfferingFactory(cluster=cluster, partner=partner.enterprise, capacity=5)
    # A library policy the SME qualifies for only once it has 500 employees.
    large = PolicyFactory(live=True, eligibility_rule={"fact": "employees", "op": "gte", "value": 500})
    # Production settings hash with Argon2 only: the SME signs in with a password they can check.
    hasher = Argon2PasswordHasher()
    sme.user.password = hasher.encode(PASSWORD, hasher.salt())
    sme.user.save(update_fields=["password"])
    admin_token = _token(admin)

    env = servers.platform_env(
        database_url=_test_database_url(), redis_url=private_redis.url(), CONN_MAX_AGE="0"
    )
    web = servers.gunicorn_start(env=env, workers=1, log_path=logs / "gunicorn.log")
    worker = None
    try:
        private_redis.stop()
        base = f"/api/v1/clusters/{cluster.slug}"

        # Signing in uses the cache (the rate limits): a miss, not a failure.
        status, body = servers.json_request(
            web.port, "POST", "/api/v1/auth/login/", body={"email": sme.user.email, "password": PASSWORD}
        )
        assert status == 200, body
        sme_token = body["token"]
        # A profile change enqueues the SME's policy re-evaluation.
        status, body = servers.json_request(
            web.port,
            "PATCH",
            f"/api/v1/enterprises/{sme.enterprise.pk}/",
            body={"employees": 600},
            token=sme_token,
        )
        assert status == 200, body
        # Publishing a local policy enqueues its reverse match (the cluster's members).
        status, body = servers.json_request(
            web.port,
            "POST",
            f"{base}/policies/",
            body={
                "title": "集群数字化改造补贴细则",
                "issuer": "集群促进中心",
                "level": "municipal",
                "region_code": "320200",
            },
            token=admin_token,
        )
        assert status == 201, body
        local_id = body["id"]

        def watched_notifications():
            # The imported policies notify the members they suit as well; these two are the test's.
            return Notification.objects.filter(
                kind="policy_eligible", target_id__in=[str(large.pk), local_id]
            )

        status, body = servers.json_request(
            web.port, "POST", f"{base}/policies/{local_id}/publish/", token=admin_token
        )
        assert status == 200, body
        # An upload enqueues its import; a match run its planning.
        status, upload = _multipart(
            web.port,
            f"{base}/policy-imports/",
            token=admin_token,
            filename="local.csv",
            content=_policies_csv(40, seed=7),
        )
        assert status == 202, upload
        status, run = servers.json_request(
            web.port, "POST", f"{base}/match-runs/", body={}, token=admin_token
        )
        assert status == 202, run
        # An engagement request notifies the partner and marks the cached KPIs stale (the cache).
        status, body = servers.json_request(
            web.port, "POST", f"{base}/engagements/", body={"offering": str(offering.pk)}, token=sme_token
        )
        assert status == 201, body

        # The changes are committed; the work the broker refused is recorded in PostgreSQL.
        assert Engagement.objects.filter(offering=offering, sme=sme.enterprise).exists()
        assert sorted(DeferredTask.objects.values_list("task", flat=True)) == [
            "policies.tasks.enterprise_reevaluate",
            "policies.tasks.policies_match_published",
        ]
        assert PolicyImportJob.objects.get(pk=upload["id"]).status == ImportJobStatus.PENDING
        assert MatchRun.objects.get(pk=run["id"]).status == MatchRunStatus.PENDING
        assert not watched_notifications().exists()

        private_redis.start()  # empty: whatever was queued before the stop would be gone too
        worker = servers.celery_worker_start(
            env=env, name=f"faults-{uuid.uuid4().hex[:8]}", log_path=logs / "worker.log"
        )
        # The periodic sweeps, sent as beat sends them; only "how long may a job sit still" is shortened.
        _send(private_redis, "cluster_platform.tasks.deferred_tasks_send")
        _send(private_redis, "policies.tasks.policy_import_jobs_sweep", pending_after_minutes=0)
        _send(private_redis, "matching.tasks.match_runs_resume_task", stale_after_seconds=0)

        def done():
            return (
                not DeferredTask.objects.exists()
                and PolicyImportJob.objects.get(pk=upload["id"]).status == ImportJobStatus.SUCCEEDED
                and MatchRun.objects.get(pk=run["id"]).status == MatchRunStatus.COMPLETED
                and watched_notifications().count() >= 3
            )

        servers.wait_for(done, timeout=90, step=0.5, what="the deferred work")
    finally:
        servers.process_stop(worker)
        web.stop()

    job = PolicyImportJob.objects.get(pk=upload["id"])
    assert (job.rows_created, job.rows_failed) == (40, 0)
    assert Policy.objects.filter(cluster=cluster).count() == 41  # the 40 imported and the one published
    assert set(watched_notifications().values_list("user", "dedup_key")) == {
        # The re-evaluation after the profile change: the library policy and the local one.
        (sme.user.pk, f"policy-eligible:{large.pk}:{sme.enterprise.pk}"),
        (sme.user.pk, f"policy-eligible:{local_id}:{sme.enterprise.pk}"),
        # The published policy's reverse match: every approved member, once each.
        (partner.user.pk, f"policy-eligible:{local_id}:{partner.enterprise.pk}"),
    }


# --- PostgreSQL restarted under load ----------------------------------------------------------------


@dataclass
class Answer:
    """One request of the load: the phases it started and ended in, and what came back."""

    started: str
    ended: str
    path: str
    status: int | str  # the HTTP status, or the client's error (a timeout, a dropped connection)
    body: dict | None = None
    retry_after: str | None = None


class Load:
    """Threads requesting in a loop while the test moves `phase` along."""

    def __init__(self, port: int, token: str, threads: int = 4):
        self.port, self.token = port, token
        self.phase = "before"
        self.answers: list[Answer] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(threads)]

    def _run(self, n: int) -> None:
        # The signed-in user (token and user lookups) and a public list: two paths to the database.
        paths = ["/api/v1/me/", "/api/v1/clusters/"]
        count = 0
        while not self.stopping.is_set():
            started, path = self.phase, paths[(n + count) % 2]
            count += 1
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
            try:
                conn.request(
                    "GET",
                    path,
                    headers={"Authorization": f"Token {self.token}", "Accept": "application/json"},
                )
                response = conn.getresponse()
                raw = response.read()
                answer = Answer(
                    started,
                    self.phase,
                    path,
                    response.status,
                    json.loads(raw) if raw else None,
                    response.getheader("Retry-After"),
                )
            except (OSError, ValueError) as error:  # a hang (timeout), a dropped connection, a non-JSON body
                answer = Answer(started, self.phase, path, f"{type(error).__name__}: {error}")
            finally:
                conn.close()
            with self.lock:
                self.answers.append(answer)
            time.sleep(0.02)

    def within(self, phase: str) -> list[Answer]:
        """The answers to requests that started and ended in `phase`."""
        with self.lock:
            return [answer for answer in self.answers if answer.started == answer.ended == phase]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=30)


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_postgresql_restart_under_load_answers_503_fast_and_the_same_workers_recover(logs):
    database = servers.postgres_create(connection.pg_version // 10000)
    web = None
    try:
        database.copy_database(_test_database_url(), "platform")
        env = servers.platform_env(database_url=database.url("platform"), redis_url=None)
        web = servers.gunicorn_start(env=env, workers=2, log_path=logs / "gunicorn.log")
        workers = web.workers()
        status, _ = servers.json_request(
            web.port,
            "POST",
            "/api/v1/auth/register/",
            body={"email": "restart@example.com", "name": "重启测试", "password": PASSWORD},
        )
        assert status == 201
        status, body = servers.json_request(
            web.port,
            "POST",
            "/api/v1/auth/login/",
            body={"email": "restart@example.com", "password": PASSWORD},
        )
        assert status == 200, body

        with Load(web.port, body["token"]) as load:
            servers.wait_for(
                lambda: len(load.within("before")) >= 20, timeout=60, what="load before the restart"
            )
            load.phase = "down"
            database.stop()  # fast shutdown: sessions in use are cut
            servers.wait_for(
                lambda: len(load.within("down")) >= 20, timeout=60, what="load during the outage"
            )
            load.phase = "starting"
            database.start()
            # The first success after the restart, then a clean stretch, from the same workers.
            servers.wait_for(
                lambda: any(answer.status == 200 for answer in load.within("starting")),
                timeout=60,
                what="recovery",
            )
            load.phase = "after"
            servers.wait_for(
                lambda: len(load.within("after")) >= 20, timeout=60, what="load after the restart"
            )
        assert web.process.poll() is None and web.workers() == workers, "a web worker was restarted"
    finally:
        if web is not None:
            web.stop()
        database.remove()

    assert {answer.status for answer in load.within("before")} == {200}
    assert {answer.status for answer in load.within("after")} == {200}
    # Whenever the database is down, or coming back, a request answers 200 or the documented 503:
    # no 500, no hang (the client gives up after 20 s), no dropped connection.
    for answer in load.answers:
        assert answer.status in (200, 503), answer
        if answer.status == 503:
            assert answer.body["type"] == "server_error", answer
            assert [error["code"] for error in answer.body["errors"]] == ["database_unavailable"], answer
            assert answer.retry_after == "5", answer
    assert sum(1 for answer in load.within("down") if answer.status == 503) >= 10


# --- A worker killed mid-import -------------------------------------------------------------------


@needs_redis
@pytest.mark.django_db(transaction=True)
def test_an_import_resumes_after_its_worker_process_is_killed_and_fails_cleanly_when_the_worker_is_gone(
    private_redis, logs
):
    rows = 2000  # two batches of 1,000, each committed on its own
    content = _policies_csv(rows, seed=11)
    env = servers.platform_env(
        database_url=_test_database_url(), redis_url=private_redis.url(), CONN_MAX_AGE="0"
    )
    worker = servers.celery_worker_start(
        env=env, name=f"import-{uuid.uuid4().hex[:8]}", log_path=logs / "worker.log"
    )
    try:
        # 1. The pool process running the import is killed after the first batch committed. The
        #    message was not acknowledged (acks_late), so the worker hands it back and runs it again.
        job = PolicyImportJob.objects.create(filename="library.csv", file_format="csv", content=content)
        _send(private_redis, "policies.tasks.policy_import_job_run", job_id=str(job.pk))

        def mid_import():
            current = PolicyImportJob.objects.get(pk=job.pk)
            return current.status == ImportJobStatus.RUNNING and 1000 <= current.rows_done < rows

        servers.wait_for(mid_import, timeout=60, step=0.05, what="the first batch")
        (child,) = servers.children_of(worker.pid)
        os.kill(child, signal.SIGKILL)

        def finished():
            current = PolicyImportJob.objects.get(pk=job.pk)
            return current if current.status in (ImportJobStatus.SUCCEEDED, ImportJobStatus.FAILED) else None

        resumed = servers.wait_for(finished, timeout=90, step=0.2, what="the resumed import")
        assert resumed.status == ImportJobStatus.SUCCEEDED, resumed.failure
        assert resumed.attempts == 2
        assert resumed.rows_done == resumed.rows_total == rows
        # Each batch is an upsert: what the first run committed is found unchanged, nothing twice.
        assert resumed.rows_unchanged >= 1000
        assert resumed.rows_created + resumed.rows_unchanged == rows
        assert Policy.objects.count() == rows

        # 2. The whole worker is killed mid-import: nobody hands the message back before Redis'
        #    visibility timeout (an hour), and the job would stay `running`. The sweep fails it.
        second = PolicyImportJob.objects.create(
            filename="more.csv", file_format="csv", content=_policies_csv(rows, seed=11, skip=rows)
        )
        _send(private_redis, "policies.tasks.policy_import_job_run", job_id=str(second.pk))
        servers.wait_for(
            lambda: PolicyImportJob.objects.get(pk=second.pk).rows_done >= 1000,
            timeout=60,
            step=0.05,
            what="the batch",
        )
        servers.process_stop(worker, sig=signal.SIGKILL)
        assert PolicyImportJob.objects.get(pk=second.pk).status == ImportJobStatus.RUNNING
    finally:
        servers.process_stop(worker)

    # Beat runs the sweep every 10 minutes with a 40-minute threshold; here at once, with none.
    with translation.override("en"):
        assert policy_import_jobs_sweep(running_after_minutes=0) == 0
    failed = PolicyImportJob.objects.get(pk=second.pk)
    assert failed.status == ImportJobStatus.FAILED
    assert "worker was lost" in failed.failure and failed.finished_at is not None
    assert 1000 <= Policy.objects.count() - rows < rows  # its committed batches stay
