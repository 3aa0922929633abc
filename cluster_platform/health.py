"""Readiness checks: can this process serve requests and hand work to the workers right now?

Plain functions that report a failed check by name, so that the status endpoint, a management
command or a test can call them alike. Each check is cheap (one round trip) and bounded by a short
timeout: an orchestrator calls them every few seconds, and a check that hangs is worse than one
that fails.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class CheckFailure:
    """One failed readiness check: which (`database`, `migrations`, `broker`) and why."""

    check: str
    reason: str


def database_check() -> CheckFailure | None:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any driver error means "not reachable"; the reason goes to the log
        logger.warning("Readiness: the database is not reachable: %s", exc)
        return CheckFailure("database", "The database is not reachable.")
    return None


def migrations_check() -> CheckFailure | None:
    """Unapplied migrations mean this code runs against an older schema (a deployment in
    progress, or the migrate step failed): not ready, rather than failing on the first query."""
    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:
        logger.warning("Readiness: the migration state cannot be read: %s", exc)
        return CheckFailure("migrations", "The migration state cannot be read.")
    if pending:
        names = ", ".join(f"{migration.app_label}.{migration.name}" for migration, _ in pending[:5])
        return CheckFailure("migrations", f"{len(pending)} migration(s) not applied: {names}.")
    return None


def broker_check() -> CheckFailure | None:
    """The Celery broker, only when one is configured (REDIS_URL): without it tasks run
    in-process and there is nothing to reach."""
    if not settings.REDIS_URL:
        return None
    from cluster_platform.celery import app as celery_app

    try:
        with celery_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT_SECONDS)
    except Exception as exc:
        logger.warning("Readiness: the broker is not reachable: %s", exc)
        return CheckFailure("broker", "The task broker (Redis) is not reachable.")
    return None


def readiness_failures() -> list[CheckFailure]:
    """Every failed check, database first; the migration check needs the database."""
    failures = []
    database = database_check()
    if database is not None:
        failures.append(database)
    else:
        migrations = migrations_check()
        if migrations is not None:
            failures.append(migrations)
    broker = broker_check()
    if broker is not None:
        failures.append(broker)
    return failures
