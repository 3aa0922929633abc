"""`python -m bench.console`: export throughput and peak memory for a cluster of N members.

Builds one cluster with N approved member enterprises (BENCH_MEMBERS, default 100000), then
exports its members through the API (CSV and XLSX, the whole request path: authentication,
filters, header translation, formula neutralisation, streaming) and reports rows per second
and the peak Python memory (tracemalloc) of each. Baselines, in the same run:

- throughput: the bare read of the same columns (`values_list(...).iterator()`, nothing
  written), the floor no export can beat;
- memory: the naive export that builds the whole CSV in memory before answering; and each
  streamed export at a tenth of N, which shows whether memory grows with the rows.

Environment: BENCH_MEMBERS (default 100000).
"""

import csv
import gc
import io
import os
import tracemalloc

from bench.common import Timer, bench_database, summary_line

BATCH = 5000


def _populate(count: int):
    from cluster_platform.models import Cluster, ClusterStaff, User
    from enterprises.models import Enterprise, Membership
    from enterprises.uscc import uscc_compose

    cluster = Cluster.objects.create(
        slug="bench", name="基准集群", region_code="320214", agency_name="基准促进中心"
    )
    staff = User.objects.create_user(email="bench-staff@example.com", password="x", name="基准员工")
    ClusterStaff.objects.create(cluster=cluster, user=staff, role="viewer")
    sizes = ["micro", "small", "medium", "large"]
    for offset in range(0, count, BATCH):
        enterprises = [
            Enterprise(
                uscc=uscc_compose(region_code="320214", serial=700_000 + n),
                name=f"基准会员企业{n}有限公司" if n % 97 else f'=HYPERLINK("x","{n}")',
                region_code="320214",
                industry_code="C3982",
                employees=20 + n % 300,
                operating_revenue=1_000_000 + n,
                size_class=sizes[n % 4],
            )
            for n in range(offset, min(count, offset + BATCH))
        ]
        Enterprise.objects.bulk_create(enterprises)
        Membership.objects.bulk_create(
            [Membership(cluster=cluster, enterprise=e, role="sme", status="approved") for e in enterprises]
        )
    return cluster, staff


def _members_export():
    from console.api.exports import EXPORTS

    return next(export for export in EXPORTS if export.name == "members")


def _bare_read(cluster) -> int:
    from enterprises.models import Membership

    members = _members_export()
    rows = 0
    queryset = Membership.objects.filter(cluster=cluster).order_by(*members.order)
    for _row in queryset.values_list(*[c.path for c in members.columns]).iterator(chunk_size=2000):
        rows += 1
    return rows


def _naive_csv(cluster) -> int:
    """The export without streaming: every row in a list, the whole file in one string."""
    from console.selectors.exports import export_header
    from enterprises.models import Membership

    members = _members_export()
    rows = list(
        Membership.objects.filter(cluster=cluster)
        .order_by(*members.order)
        .values_list(*[c.path for c in members.columns])
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(export_header(members.columns))
    writer.writerows(rows)
    body = buffer.getvalue().encode()
    return len(rows) if body else 0


def _export(client, cluster, file_format: str, limit: int | None = None) -> int:
    url = f"/api/v1/clusters/{cluster.slug}/exports/members/{file_format}/"
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    size = 0
    for chunk in response.streaming_content:
        size += len(chunk)
    response.close()
    return size


def _peak(function) -> tuple[float, object]:
    gc.collect()
    tracemalloc.start()
    try:
        result = function()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20, result


def main() -> None:
    count = int(os.environ.get("BENCH_MEMBERS", "100000"))
    with bench_database("cluster_platform_bench_console"):
        from django.test.utils import override_settings, setup_test_environment
        from rest_framework.test import APIClient

        setup_test_environment()
        # The XLSX writer is measured in the request: above EXPORT_XLSX_MAX_ROWS_IN_REQUEST the
        # export is a job, whose worker runs the same writer (docs/console.md).
        override_settings(EXPORT_XLSX_MAX_ROWS_IN_REQUEST=count).enable()
        with Timer() as built:
            cluster, staff = _populate(count)
        print(f"built {count} members in {built.seconds:.1f}s")
        client = APIClient()
        client.force_authenticate(user=staff)

        # The first request imports the URL configuration and the views: not an export's cost.
        _export(client, cluster, "csv")
        figures = {"members": count}
        with Timer() as bare:
            assert _bare_read(cluster) == count
        figures["bare_read_rows_per_s"] = count / bare.seconds
        for file_format in ("csv", "xlsx"):
            with Timer() as timer:
                size = _export(client, cluster, file_format)
            figures[f"{file_format}_rows_per_s"] = count / timer.seconds
            figures[f"{file_format}_vs_bare_read"] = bare.seconds / timer.seconds
            figures[f"{file_format}_mb"] = size / 2**20
            peak, _ = _peak(lambda file_format=file_format: _export(client, cluster, file_format))
            figures[f"{file_format}_peak_mib"] = peak
            print(
                f"{file_format}: {count / timer.seconds:,.0f} rows/s, {size / 2**20:.1f} MiB, peak {peak:.1f} MiB"
            )
        naive_peak, _ = _peak(lambda: _naive_csv(cluster))
        figures["naive_csv_peak_mib"] = naive_peak
        figures["csv_peak_vs_naive"] = figures["csv_peak_mib"] / naive_peak
        print(f"naive in-memory CSV: peak {naive_peak:.1f} MiB")

        # The same exports over a tenth of the members: a streamed export's peak should not move.
        from enterprises.models import Membership

        keep = list(
            Membership.objects.filter(cluster=cluster)
            .order_by("id")
            .values_list("id", flat=True)[: count // 10]
        )
        Membership.objects.filter(cluster=cluster).exclude(id__in=keep).delete()
        for file_format in ("csv", "xlsx"):
            peak, _ = _peak(lambda file_format=file_format: _export(client, cluster, file_format))
            figures[f"{file_format}_peak_mib_at_tenth"] = peak
            print(f"{file_format} at {count // 10} members: peak {peak:.1f} MiB")
        print(summary_line("console-exports", figures))


if __name__ == "__main__":
    main()
