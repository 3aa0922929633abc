"""What an SME pays, shown in the catalog (`?net_cost=true` on the list and the detail) and on
its recommendations: the same lines as `net-costs/`, priced for a whole page at once."""

from decimal import Decimal

import pytest

from programmes.services.vouchers import voucher_issue
from tests.enterprises.factories import EnterpriseUserFactory, MembershipFactory
from tests.matching.factories import RecommendationFactory
from tests.policies.factories import PolicyFactory
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.django_db


def _covering_policy(**fields):
    """A live municipal policy of Wuxi (the scene's SMEs are in Binhu, 320214) paying 20 % of a
    service's price, at most 20,000 CNY."""
    return PolicyFactory(
        live=True,
        level="municipal",
        region_code="320200",
        covers_share=Decimal("0.2"),
        covers_cap=Decimal("20000"),
        **fields,
    )


def _priced(scene, **fields):
    values = {"price_model": "fixed", "price_min": Decimal("100000"), "price_max": Decimal("100000")}
    return OfferingFactory(cluster=scene.cluster, partner=scene.partner, **{**values, **fields})


def _catalog(scene, client, **params):
    return client.get(f"/api/v1/clusters/{scene.cluster.slug}/offerings/", params)


def _by_id(body):
    return {row["id"]: row for row in body["results"]}


def test_each_offering_of_the_page_shows_what_the_sme_pays(scene, client_for):
    voucher = voucher_issue(
        programme=scene.programme(eligible_categories=["cloud-saas"]), sme=scene.sme, by=scene.admin
    )
    policy = _covering_policy(covers_categories=["cloud-saas"], max_public_share=Decimal("0.4"))
    mes = _priced(scene, category_id="saas-mes", voucher_eligible=True)
    no_vouchers = _priced(scene, category_id="saas-erp", voucher_eligible=False)
    diagnosis = _priced(scene, category_id="digital-diagnosis", voucher_eligible=True)
    range_priced = _priced(
        scene,
        category_id="saas-crm",
        voucher_eligible=True,
        price_model="subscription",
        price_min=Decimal("10000"),
        price_max=Decimal("400000"),
    )

    body = _catalog(scene, client_for(scene.sme_user), net_cost="true").json()
    rows = _by_id(body)

    def lines(offering, end="low"):
        cost = rows[str(offering.pk)]["net_cost"][end]
        return [(line["key"], line["amount"], line["limited_by"]) for line in cost["lines"]], cost["net"]

    # 30 % voucher (30,000) + 20 % policy (20,000) would be 50 %: the policy caps public money at 40 %.
    assert lines(mes) == (
        [
            (f"voucher:{voucher.pk}", "30000.00", "share"),
            (f"policy:{policy.pk}", "10000.00", f"total_share_cap:policy:{policy.pk}"),
        ],
        "60000.00",
    )
    # No vouchers accepted here: the policy alone.
    assert lines(no_vouchers) == ([(f"policy:{policy.pk}", "20000.00", "share")], "80000.00")
    # Neither covers diagnosis services.
    assert lines(diagnosis) == ([], "100000.00")
    # A price range gives a range of net costs: at 400,000 both sources hit their caps.
    assert lines(range_priced, "low")[1] == "6000.00"
    assert lines(range_priced, "high") == (
        [(f"voucher:{voucher.pk}", "50000.00", "cap"), (f"policy:{policy.pk}", "20000.00", "cap")],
        "330000.00",
    )
    # The scene's own offering is on quotation: nothing to subsidise.
    assert rows[str(scene.offering.pk)]["net_cost"] == {
        "priced": False,
        "low": None,
        "high": None,
        "near_misses": [],
    }

    detail = client_for(scene.sme_user).get(
        f"/api/v1/clusters/{scene.cluster.slug}/offerings/{mes.pk}/", {"net_cost": "yes"}
    )
    assert detail.status_code == 200
    assert detail.json()["net_cost"] == rows[str(mes.pk)]["net_cost"]


def test_the_catalog_shows_a_near_miss_with_what_it_would_save(scene, client_for):
    _covering_policy(
        title="高新技术企业上云补贴", eligibility_rule={"fact": "employees", "op": "gte", "value": 1000}
    )
    offering = _priced(scene)
    row = _by_id(_catalog(scene, client_for(scene.sme_user), net_cost="true").json())[str(offering.pk)]
    assert row["net_cost"]["low"]["lines"] == []
    assert [(miss["title"], miss["would_save"]) for miss in row["net_cost"]["near_misses"]] == [
        ("高新技术企业上云补贴", "20000.00")
    ]


def test_without_the_parameter_the_catalog_has_no_net_cost(scene, client_for):
    _priced(scene)
    for params in ({}, {"net_cost": "false"}):
        rows = _catalog(scene, client_for(scene.sme_user), **params).json()["results"]
        assert rows and all("net_cost" not in row for row in rows)


@pytest.mark.parametrize("who", ["anonymous", "partner", "viewer"])
def test_net_cost_is_for_sme_members_only(scene, client_for, who):
    """Net cost is one SME's: anyone else asking for it gets a clear 400 on the parameter."""
    user = {"anonymous": None, "partner": scene.partner_user, "viewer": scene.viewer}[who]
    client = client_for(user)
    response = _catalog(scene, client, net_cost="true")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "net_cost"
    detail = client.get(f"/api/v1/clusters/{scene.cluster.slug}/offerings/{scene.offering.pk}/?net_cost=1")
    assert detail.status_code == 400


def test_a_boolean_it_cannot_read_is_a_400(scene, client_for):
    response = _catalog(scene, client_for(scene.sme_user), net_cost="maybe")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "net_cost"


def test_a_user_of_two_smes_says_which_one(scene, client_for):
    second = scene.new_sme().enterprise
    EnterpriseUserFactory(user=scene.sme_user, enterprise=second)
    client = client_for(scene.sme_user)
    response = _catalog(scene, client, net_cost="true")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "sme"
    voucher_issue(programme=scene.programme(), sme=second, by=scene.admin)
    offering = _priced(scene, voucher_eligible=True)
    rows = _by_id(_catalog(scene, client, net_cost="true", sme=str(second.pk)).json())
    assert rows[str(offering.pk)]["net_cost"]["low"]["net"] == "70000.00"
    rows = _by_id(_catalog(scene, client, net_cost="true", sme=str(scene.sme.pk)).json())
    assert rows[str(offering.pk)]["net_cost"]["low"]["net"] == "100000.00"
    # An enterprise the user does not act for here is refused, not priced.
    outsider = MembershipFactory(cluster=scene.cluster, role="sme").enterprise
    response = _catalog(scene, client, net_cost="true", sme=str(outsider.pk))
    assert response.status_code == 400


def test_a_page_of_offerings_is_priced_in_a_fixed_number_of_queries(
    scene, client_for, django_assert_max_num_queries
):
    voucher_issue(programme=scene.programme(), sme=scene.sme, by=scene.admin)
    for index in range(3):
        _covering_policy(title=f"覆盖政策{index}")
    _covering_policy(title="差一点的政策", eligibility_rule={"fact": "employees", "op": "gte", "value": 1000})
    client = client_for(scene.sme_user)
    _priced(scene, voucher_eligible=True)
    with django_assert_max_num_queries(15) as small:
        assert _catalog(scene, client, net_cost="true").status_code == 200
    for _ in range(12):
        _priced(scene, voucher_eligible=True, category_id="saas-erp")
    with django_assert_max_num_queries(len(small.captured_queries)):
        rows = _catalog(scene, client, net_cost="true").json()["results"]
    assert len(rows) == 14 and all(
        len(row["net_cost"]["low"]["lines"]) == 4 for row in rows if row["net_cost"]["priced"]
    )


def test_each_recommendation_the_sme_reads_shows_its_net_cost(scene, client_for):
    voucher = voucher_issue(programme=scene.programme(), sme=scene.sme, by=scene.admin)
    offering = _priced(scene, voucher_eligible=True)
    RecommendationFactory(cluster=scene.cluster, sme=scene.sme, offering=offering)
    url = f"/api/v1/clusters/{scene.cluster.slug}/recommendations/"
    [row] = client_for(scene.sme_user).get(url).json()["results"]
    assert [line["key"] for line in row["net_cost"]["low"]["lines"]] == [f"voucher:{voucher.pk}"]
    assert row["net_cost"]["low"]["net"] == "70000.00"
    detail = client_for(scene.sme_user).get(f"{url}{row['id']}/").json()
    assert detail["net_cost"] == row["net_cost"]
    # The agency reads the same recommendation without an SME's net cost.
    [seen_by_agency] = client_for(scene.admin).get(url).json()["results"]
    assert seen_by_agency["net_cost"] is None


def test_recommendations_are_priced_in_a_fixed_number_of_queries(
    scene, client_for, django_assert_max_num_queries
):
    voucher_issue(programme=scene.programme(), sme=scene.sme, by=scene.admin)
    _covering_policy()
    url = f"/api/v1/clusters/{scene.cluster.slug}/recommendations/"
    client = client_for(scene.sme_user)
    RecommendationFactory(
        cluster=scene.cluster, sme=scene.sme, offering=_priced(scene, voucher_eligible=True)
    )
    with django_assert_max_num_queries(15) as small:
        assert client.get(url).status_code == 200
    for _ in range(10):
        RecommendationFactory(
            cluster=scene.cluster, sme=scene.sme, offering=_priced(scene, voucher_eligible=True)
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        rows = client.get(url).json()["results"]
    assert len(rows) == 11 and all(row["net_cost"]["low"]["net"] == "50000.00" for row in rows)
