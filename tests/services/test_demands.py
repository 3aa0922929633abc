"""Demands: SMEs post needs; who sees them; the status machine."""

import pytest

from cluster_platform.models import AuditLog
from services.models import Demand, DemandStatus
from tests.services.factories import DemandFactory

pytestmark = pytest.mark.django_db


def url(cluster, *parts):
    tail = "".join(f"{part}/" for part in parts)
    return f"/api/v1/clusters/{cluster.slug}/demands/{tail}"


def payload(**overrides):
    data = {
        "title": "车间设备联网与数据采集",
        "description": "30台注塑机需要联网，采集产量与能耗。",
        "categories": ["device-connectivity", "saas-mes"],
        "budget_min": "50000",
        "budget_max": "150000",
        "desired_start": "2027-01-10",
        "deadline": "2027-03-31",
        "visible_to_partners": True,
    }
    data.update(overrides)
    return data


def test_sme_posts_a_demand(client_for, cluster, sme):
    response = client_for(sme.user).post(url(cluster), payload(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "open"
    assert {category["code"] for category in body["categories"]} == {"saas-mes", "device-connectivity"}
    assert body["sme"]["name"] == sme.enterprise.name
    assert body["sme_contact"]["contact_phone"] == "13800000000"
    assert Demand.objects.get().cluster == cluster


@pytest.mark.parametrize(
    "overrides, attr",
    [
        ({"title": ""}, "title"),
        ({"categories": ["nope"]}, "categories"),
        ({"budget_min": "200000", "budget_max": "100"}, "budget_max"),
        ({"budget_min": "-1"}, "budget_min"),
        ({"desired_start": "2027-05-01", "deadline": "2027-04-01"}, "deadline"),
        ({"deadline": "not a date"}, "deadline"),
    ],
)
def test_bad_demand_input_is_a_field_error_and_writes_nothing(client_for, cluster, sme, overrides, attr):
    response = client_for(sme.user).post(url(cluster), payload(**overrides), format="json")
    assert response.status_code == 400
    assert attr in {error["attr"].split(".")[0] for error in response.json()["errors"]}
    assert not Demand.objects.exists()


@pytest.mark.parametrize("who", ["anonymous", "partner", "admin", "outsider"])
def test_only_smes_post_demands(client_for, cluster, partner, outsider, actor, who):
    user = actor(who)
    assert client_for(user).post(url(cluster), payload(), format="json").status_code in (401, 403)
    assert not Demand.objects.exists()


def test_visibility_and_contact_details(
    client_for, api_client, cluster, sme, other_sme, partner, agency_viewer
):
    private = DemandFactory(cluster=cluster, sme=sme.enterprise, title="私有需求")
    shown = DemandFactory(cluster=cluster, sme=sme.enterprise, title="公开需求", visible_to_partners=True)
    closed = DemandFactory(
        cluster=cluster, sme=sme.enterprise, visible_to_partners=True, status=DemandStatus.CLOSED
    )
    DemandFactory(sme=sme.enterprise, visible_to_partners=True)  # another cluster

    def listed(user):
        response = client_for(user).get(url(cluster))
        return response.status_code, {row["id"]: row for row in response.json().get("results", [])}

    status, rows = listed(sme.user)
    assert status == 200 and set(rows) == {str(private.id), str(shown.id), str(closed.id)}
    assert all("sme_contact" in row for row in rows.values())

    status, rows = listed(agency_viewer)
    assert set(rows) == {str(private.id), str(shown.id), str(closed.id)}
    assert rows[str(shown.id)]["sme_contact"]["contact_email"] == "wang@example.com"

    status, rows = listed(partner.user)
    assert set(rows) == {str(shown.id)}
    row = rows[str(shown.id)]
    assert row["sme"]["name"] == sme.enterprise.name
    assert "sme_contact" not in row and "13800000000" not in str(row) and "wang@example.com" not in str(row)
    assert client_for(partner.user).get(url(cluster, private.id)).status_code == 404

    status, rows = listed(other_sme.user)
    assert rows == {}
    assert client_for(other_sme.user).get(url(cluster, shown.id)).status_code == 404
    assert api_client.get(url(cluster)).status_code in (401, 403)


def test_status_machine(client_for, cluster, sme, agency_operator):
    demand = DemandFactory(cluster=cluster, sme=sme.enterprise)
    client = client_for(sme.user)
    response = client.post(url(cluster, demand.id, "start"))
    assert response.status_code == 409
    assert "match" in response.json()["errors"][0]["detail"]
    assert client.post(url(cluster, demand.id, "match")).json()["status"] == "matched"
    assert client.post(url(cluster, demand.id, "start")).json()["status"] == "in_progress"
    # No edits once work has started.
    assert client.patch(url(cluster, demand.id), {"title": "改"}, format="json").status_code == 409
    assert client.post(url(cluster, demand.id, "close")).json()["status"] == "closed"
    assert client.post(url(cluster, demand.id, "cancel")).status_code == 409
    assert not AuditLog.objects.exists()  # the SME's own moves are not agency decisions

    other = DemandFactory(cluster=cluster, sme=sme.enterprise)
    response = client_for(agency_operator).post(url(cluster, other.id, "cancel"))
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert AuditLog.objects.get().action == "demand.cancel"


@pytest.mark.parametrize("who", ["partner", "other_sme", "viewer", "anonymous"])
def test_others_cannot_move_or_edit_a_demand(client_for, cluster, sme, other_sme, partner, actor, who):
    demand = DemandFactory(cluster=cluster, sme=sme.enterprise, visible_to_partners=True)
    user = actor(who)
    client = client_for(user)
    assert client.post(url(cluster, demand.id, "cancel")).status_code in (401, 403, 404)
    assert client.patch(url(cluster, demand.id), {"title": "改"}, format="json").status_code in (
        401,
        403,
        404,
    )
    demand.refresh_from_db()
    assert demand.status == DemandStatus.OPEN and demand.title != "改"


def test_sme_edits_its_open_demand(client_for, cluster, sme):
    demand = DemandFactory(cluster=cluster, sme=sme.enterprise)
    client = client_for(sme.user)
    response = client.patch(
        url(cluster, demand.id), {"categories": ["saas-erp"], "budget_max": "8000"}, format="json"
    )
    assert response.status_code == 200
    assert [c["code"] for c in response.json()["categories"]] == ["saas-erp"]
    bad = client.patch(url(cluster, demand.id), {"budget_min": "9000"}, format="json")
    assert bad.status_code == 400
    demand.refresh_from_db()
    assert demand.budget_min is None


def test_filters_and_ordering(client_for, cluster, sme, agency_admin):
    from datetime import date

    erp = DemandFactory(cluster=cluster, sme=sme.enterprise, deadline=date(2027, 6, 1))
    erp.categories.set(["saas-erp"])
    gateway = DemandFactory(cluster=cluster, sme=sme.enterprise, deadline=date(2027, 2, 1))
    gateway.categories.set(["device-connectivity"])
    done = DemandFactory(cluster=cluster, sme=sme.enterprise, status=DemandStatus.CLOSED)
    client = client_for(agency_admin)

    def ids(**params):
        return [row["id"] for row in client.get(url(cluster), params).json()["results"]]

    assert ids(category="cloud-saas") == [str(erp.id)]
    assert ids(status="closed") == [str(done.id)]
    assert set(ids(status=["open", "closed"])) == {str(erp.id), str(gateway.id), str(done.id)}
    assert ids(ordering="deadline") == [str(gateway.id), str(erp.id), str(done.id)]
    assert client.get(url(cluster), {"status": "bogus"}).status_code == 400


def test_demand_list_query_count_does_not_grow(
    client_for, cluster, sme, agency_admin, django_assert_max_num_queries
):
    client = client_for(agency_admin)

    def add(count):
        for _ in range(count):
            DemandFactory(cluster=cluster, sme=sme.enterprise).categories.set(["saas-erp", "saas-mes"])

    add(2)
    with django_assert_max_num_queries(12) as small:
        client.get(url(cluster))
    add(8)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url(cluster)).json()["count"] == 10


def test_patch_naming_another_sme_is_refused_and_changes_nothing(client_for, cluster, sme, other_sme):
    demand = DemandFactory(cluster=cluster, sme=sme.enterprise)
    title = demand.title

    response = client_for(sme.user).patch(
        url(cluster, demand.id), {"sme": str(other_sme.enterprise.pk), "title": "新需求"}, format="json"
    )

    assert response.status_code == 400
    assert [(e["code"], e["attr"]) for e in response.json()["errors"]] == [("read_only", "sme")]
    demand.refresh_from_db()
    assert (demand.sme_id, demand.title) == (sme.enterprise.pk, title)
