"""Helpers shared by the test suites of every app."""

import threading

from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(client, url: str, **params) -> tuple[int, object]:
    """Send GET `url` with `client`; return (number of SQL queries, response)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or None)
    assert response.status_code == 200, (response.status_code, getattr(response, "content", b"")[:500])
    return len(captured.captured_queries), response


def assert_queries_constant(client, url: str, make_rows, n: int = 2, **params) -> None:
    """Fail when the number of queries a list endpoint runs grows with its rows (an N+1).

    `make_rows(k)` creates k more rows that `url` lists for `client`. The endpoint is measured
    with n rows and again after adding 2n more (3n in all); the counts must be equal. Keep 3n within
    one page so the page size does not hide a per-row query.
    """
    make_rows(n)
    few, _ = count_queries(client, url, **params)
    make_rows(2 * n)
    many, response = count_queries(client, url, **params)
    body = response.json()
    listed = len(body["results"]) if isinstance(body, dict) and "results" in body else len(body)
    assert listed >= 3 * n, f"{url} lists {listed} rows after creating {3 * n}: make_rows makes unlisted rows"
    assert many == few, f"{url}: {few} queries with {n} rows, {many} with {3 * n} rows"


def race(*jobs):
    """Run the callables in threads released together by a barrier; return what each returned or raised.

    Each thread opens its own database connection (closed at the end), so the jobs really contend in
    PostgreSQL; the tests that use this need `django_db(transaction=True)`.
    """
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait()
            results[index] = job()
        except Exception as error:  # noqa: BLE001 - the outcome is what the test inspects
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
