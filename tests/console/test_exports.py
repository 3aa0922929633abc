"""Exports of a cluster's lists: scoped, filtered like the lists, in the request's language."""

import csv
import io

import pytest
from openpyxl import load_workbook

from cluster_platform.models import AuditLog
from cluster_platform.services import audit_record
from tests.cluster_platform.factories import ClusterFactory, ClusterStaffFactory
from tests.console import stats_world
from tests.enterprises.factories import EnterpriseFactory, MembershipFactory, member_user

pytestmark = pytest.mark.django_db

DATASETS = ["members", "offerings", "demands", "engagements", "bookings", "policy-matches", "audit-log"]


@pytest.fixture
def world():
    return stats_world.build()


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))


def _xlsx(response) -> list[list]:
    body = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    return [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]


def _get(client, cluster, dataset, file_format="csv", **params):
    return client.get(f"/api/v1/clusters/{cluster.slug}/exports/{dataset}/{file_format}/", params)


@pytest.mark.parametrize("dataset", DATASETS)
def test_every_export_holds_exactly_the_clusters_rows_in_both_formats(world, client_for, dataset):
    from cluster_platform.models import Notification
    from enterprises.models import Membership
    from services.models import Booking, Demand, Engagement, Offering

    audit_record(
        cluster=world.a, actor=None, action="membership.approved", target=world.shared, before={}, after={}
    )
    audit_record(
        cluster=world.b, actor=None, action="membership.approved", target=world.shared, before={}, after={}
    )
    expected_ids = {
        "members": {
            str(pk) for pk in Membership.objects.filter(cluster=world.a).values_list("pk", flat=True)
        },
        "offerings": {
            str(pk) for pk in Offering.objects.filter(cluster=world.a).values_list("pk", flat=True)
        },
        "demands": {str(pk) for pk in Demand.objects.filter(cluster=world.a).values_list("pk", flat=True)},
        "engagements": {
            str(pk) for pk in Engagement.objects.filter(cluster=world.a).values_list("pk", flat=True)
        },
        "bookings": {str(pk) for pk in Booking.objects.filter(cluster=world.a).values_list("pk", flat=True)},
    }
    client = client_for(ClusterStaffFactory(cluster=world.a, role="viewer").user)
    as_csv = _csv(_get(client, world.a, dataset))
    as_xlsx = _xlsx(_get(client, world.a, dataset, "xlsx"))
    assert len(as_csv) == len(as_xlsx)
    assert as_csv[0] == [str(title) for title in as_xlsx[0]]
    if dataset in expected_ids:
        assert {row[-1] for row in as_csv[1:]} == expected_ids[dataset]
    elif dataset == "audit-log":
        assert len(as_csv) - 1 == AuditLog.objects.filter(cluster=world.a).count()
    else:  # policy matches: A's members matched to the national and A's local policy, not B's
        names = {row[2] for row in as_csv[1:]}
        assert names == {"全国政策", "stats-a 本地政策"}
        assert Notification.objects.filter(title="stats-b 本地政策").exists()
        assert len(as_csv) - 1 == 3  # one member of A's local policy, two of the national one
    assert len(as_csv) > 1


def test_headers_and_labels_follow_the_request_language(world, client_for):
    client = client_for(ClusterStaffFactory(cluster=world.a).user)
    chinese = _csv(_get(client, world.a, "members", status="approved"))
    english = _csv(
        client.get(
            f"/api/v1/clusters/{world.a.slug}/exports/members/csv/",
            {"status": "approved"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    )
    assert english[0][:4] == ["enterprise", "unified social credit code", "role", "status"]
    assert chinese[0] != english[0]
    assert {row[3] for row in english[1:]} == {"approved"}
    assert len(chinese) == len(english)


def test_exports_take_the_list_filters(world, client_for):
    client = client_for(ClusterStaffFactory(cluster=world.a).user)
    pending = _csv(_get(client, world.a, "members", status="pending"))
    assert len(pending) == 2
    offerings = _csv(_get(client, world.a, "offerings", status="draft"))
    assert len(offerings) == 2
    bad = _get(client, world.a, "members", status="maybe")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["attr"] == "status"


def test_formula_cells_are_neutralised(client_for):
    cluster = ClusterFactory()
    MembershipFactory(cluster=cluster, enterprise=EnterpriseFactory(name='=HYPERLINK("http://x","点我")'))
    client = client_for(ClusterStaffFactory(cluster=cluster).user)
    assert _csv(_get(client, cluster, "members"))[1][0] == '\'=HYPERLINK("http://x","点我")'
    assert _xlsx(_get(client, cluster, "members", "xlsx"))[1][0] == '\'=HYPERLINK("http://x","点我")'


@pytest.mark.parametrize("who", ["anonymous", "member", "other_staff"])
def test_only_the_clusters_staff_export(world, client_for, who):
    user = {
        "anonymous": lambda: None,
        "member": lambda: member_user(world.a).user,
        "other_staff": lambda: ClusterStaffFactory(cluster=world.b).user,
    }[who]()
    for dataset in DATASETS:
        assert _get(client_for(user), world.a, dataset).status_code in (401, 403)
