"""A policy's `covers` benefit (share of a service's price, cap, service categories) and its
stacking rules, written through the policy API and the policy import, with field-level errors."""

import csv
import io
import json
import uuid
from decimal import Decimal

import pytest

from cluster_platform.models import StaffRole
from policies.models import Policy
from policies.services import policy_import_file
from tests.cluster_platform.factories import ClusterFactory, staff_member
from tests.policies.factories import PolicyFactory

pytestmark = pytest.mark.django_db

LOCAL = {
    "title": "新吴区中小企业上云服务补贴",
    "document_number": "新吴经发〔2026〕7号",
    "issuer": "无锡市新吴区经济发展局",
    "level": "district",
    "region_code": "320214",
    "categories": ["digital"],
}
COVERS = {
    "covers_share": "0.300",
    "covers_cap": "50000.00",
    "covers_categories": ["cloud-saas", "digital-diagnosis"],
    "stackable": True,
    "max_public_share": "0.700",
}


@pytest.fixture
def agency(client_for, wuxi_cluster):
    return client_for(staff_member(wuxi_cluster, StaffRole.OPERATOR))


def _local_url(cluster, policy=None):
    base = f"/api/v1/clusters/{cluster.slug}/policies/"
    return f"{base}{policy}/" if policy else base


def test_an_agency_sets_the_covers_benefit_and_stacking_rules_of_a_local_policy(agency, wuxi_cluster):
    province = PolicyFactory(level="provincial", region_code="320000")
    created = agency.post(
        _local_url(wuxi_cluster), LOCAL | COVERS | {"exclusive_with": [str(province.pk)]}, format="json"
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert {name: body[name] for name in (*COVERS, "exclusive_with")} == COVERS | {
        "exclusive_with": [str(province.pk)]
    }
    policy = Policy.objects.get(pk=body["id"])
    assert (policy.covers_share, policy.max_public_share) == (Decimal("0.300"), Decimal("0.700"))

    # An unrelated edit keeps them; a change of one leaves the others.
    agency.patch(_local_url(wuxi_cluster, policy.pk), {"summary": "改"}, format="json")
    changed = agency.patch(
        _local_url(wuxi_cluster, policy.pk), {"stackable": False, "covers_cap": None}, format="json"
    ).json()
    assert (changed["stackable"], changed["covers_cap"], changed["covers_share"]) == (False, None, "0.300")
    assert changed["exclusive_with"] == [str(province.pk)]


def test_the_platform_library_takes_the_same_fields(client_for, platform_operator):
    other = PolicyFactory()
    response = client_for(platform_operator).post(
        "/api/v1/policies/",
        LOCAL
        | {"level": "national", "region_code": "", "covers_share": "0.2", "exclusive_with": [str(other.pk)]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["exclusive_with"] == [str(other.pk)]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"covers_share": "0"}, "covers_share"),
        ({"covers_share": "1.5"}, "covers_share"),
        ({"covers_share": "-0.1"}, "covers_share"),
        ({"covers_share": "0.3333"}, "covers_share"),  # more decimals than stored
        ({"covers_share": "lots"}, "covers_share"),
        ({"covers_cap": "-1"}, "covers_cap"),
        (
            {"covers_share": None, "covers_categories": [], "covers_cap": "1000"},
            "covers_cap",
        ),  # a cap of nothing
        ({"covers_categories": ["no-such-service"]}, "covers_categories"),
        ({"covers_categories": "cloud-saas"}, "covers_categories"),  # not a list
        ({"exclusive_with": [str(uuid.uuid4())]}, "exclusive_with"),
        ({"exclusive_with": ["not-an-id"]}, "exclusive_with"),
        ({"max_public_share": "0"}, "max_public_share"),
        ({"max_public_share": "1.2"}, "max_public_share"),
        ({"stackable": "maybe"}, "stackable"),
    ],
)
def test_bad_covers_input_is_a_field_error_and_writes_nothing(agency, wuxi_cluster, changes, field):
    response = agency.post(_local_url(wuxi_cluster), LOCAL | COVERS | changes, format="json")
    assert response.status_code == 400
    assert {error["attr"].split(".")[0] for error in response.json()["errors"]} == {field}
    assert not Policy.objects.exists()


def test_excluded_policies_must_be_visible_in_the_authors_scope(
    agency, wuxi_cluster, client_for, platform_operator
):
    """A cluster may name the library policies it sees and its own; never another cluster's
    local policy (which it cannot see) or a library policy of another region. The library may
    name only library policies."""
    other_cluster = ClusterFactory(region_code="440100")
    theirs = PolicyFactory(cluster=other_cluster, level="municipal", region_code="440100")
    elsewhere = PolicyFactory(level="municipal", region_code="440100")
    own_draft = PolicyFactory(cluster=wuxi_cluster, level="district", region_code="320214", status="draft")
    for hidden in (theirs, elsewhere):
        response = agency.post(
            _local_url(wuxi_cluster), LOCAL | COVERS | {"exclusive_with": [str(hidden.pk)]}, format="json"
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"] == "exclusive_with"
    assert (
        agency.post(
            _local_url(wuxi_cluster), LOCAL | COVERS | {"exclusive_with": [str(own_draft.pk)]}, format="json"
        ).status_code
        == 201
    )
    library = client_for(platform_operator).post(
        "/api/v1/policies/",
        LOCAL | {"level": "national", "region_code": "", "exclusive_with": [str(own_draft.pk)]},
        format="json",
    )
    assert library.status_code == 400 and library.json()["errors"][0]["attr"] == "exclusive_with"


def test_a_policy_cannot_exclude_itself(agency, wuxi_cluster):
    policy_id = agency.post(_local_url(wuxi_cluster), LOCAL | COVERS, format="json").json()["id"]
    response = agency.patch(
        _local_url(wuxi_cluster, policy_id), {"exclusive_with": [policy_id]}, format="json"
    )
    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "exclusive_with"
    assert Policy.objects.get(pk=policy_id).exclusive_with == []


# --- Import ----------------------------------------------------------------------------------


HEADER = [
    "标题",
    "文号",
    "发文机关",
    "级别",
    "区划代码",
    "服务费补贴比例",
    "服务补贴上限",
    "适用服务类别",
    "可叠加",
    "不可同享政策",
    "财政资金占比上限",
]


def _csv(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue().encode("utf-8")


def _row(number, *covers):
    return [
        f"无锡市服务补贴{number}",
        f"锡工信〔2026〕{number}号",
        "无锡市工业和信息化局",
        "市级",
        "320200",
        *covers,
    ]


def test_a_spreadsheet_sets_covers_and_stacking_as_people_write_them():
    funded = PolicyFactory()
    outcome = policy_import_file(
        content=_csv(
            [
                HEADER,
                _row(1, "30%", "5万元", "MES制造执行系统、digital-diagnosis", "否", str(funded.pk), "70%"),
                _row(2, "0.25", "", "", "是", "", ""),
            ]
        ),
        file_format="csv",
        cluster=None,
    )
    assert (outcome.created, outcome.failed, outcome.errors) == (2, 0, [])
    first = Policy.objects.get(document_number="锡工信〔2026〕1号")
    assert (first.covers_share, first.covers_cap, first.max_public_share) == (
        Decimal("0.300"),
        Decimal("50000.00"),
        Decimal("0.700"),
    )
    assert first.covers_categories == ["saas-mes", "digital-diagnosis"]  # names become codes
    assert (first.stackable, first.exclusive_with) == (False, [funded.pk])
    second = Policy.objects.get(document_number="锡工信〔2026〕2号")
    assert (second.covers_share, second.covers_cap, second.covers_categories, second.stackable) == (
        Decimal("0.250"),
        None,
        [],
        True,
    )


def test_bad_covers_cells_are_reported_per_row_and_the_good_rows_import():
    outcome = policy_import_file(
        content=_csv(
            [
                HEADER,
                _row(1, "150%", "", "", "", "", ""),
                _row(2, "0.3", "", "无此类别", "", "", ""),
                _row(3, "0.3", "", "", "也许", "", ""),
                _row(4, "0.3", "", "", "", str(uuid.uuid4()), ""),
                _row(5, "0.3", "", "", "", "锡工信〔2026〕1号", ""),
                _row(6, "", "1000", "", "", "", ""),
                _row(7, "0.3", "-5", "", "", "", "0"),
                _row(8, "0.3", "2万元", "saas-erp", "", "", ""),
            ]
        ),
        file_format="csv",
        cluster=None,
    )
    assert (outcome.created, outcome.failed) == (1, 7)
    assert [(error["row"], error["field"]) for error in outcome.errors] == [
        (2, "covers_share"),
        (3, "covers_categories"),
        (4, "stackable"),
        (5, "exclusive_with"),  # no such policy
        (6, "exclusive_with"),  # a document number, not an id
        (7, "covers_cap"),
        (8, "max_public_share"),
        (8, "covers_cap"),
    ]
    assert Policy.objects.get().document_number == "锡工信〔2026〕8号"


def test_a_reimport_without_the_covers_columns_keeps_them():
    header = HEADER[:5]
    policy_import_file(
        content=_csv([HEADER, _row(1, "30%", "5万元", "saas-mes", "否", "", "")]),
        file_format="csv",
        cluster=None,
    )
    outcome = policy_import_file(content=_csv([header, _row(1)]), file_format="csv", cluster=None)
    assert (outcome.unchanged, outcome.failed) == (1, 0)
    policy = Policy.objects.get()
    assert (policy.covers_share, policy.covers_categories, policy.stackable) == (
        Decimal("0.300"),
        ["saas-mes"],
        False,
    )
    # A new policy imported without the columns gets the defaults.
    policy_import_file(content=_csv([header, _row(2)]), file_format="csv", cluster=None)
    fresh = Policy.objects.get(document_number="锡工信〔2026〕2号")
    assert (fresh.covers_share, fresh.covers_categories, fresh.stackable, fresh.exclusive_with) == (
        None,
        [],
        True,
        [],
    )


def test_a_cluster_import_names_only_policies_the_cluster_sees(wuxi_cluster):
    theirs = PolicyFactory(
        cluster=ClusterFactory(region_code="440100"), level="municipal", region_code="440100"
    )
    library = PolicyFactory()
    lines = [
        json.dumps(
            {
                **dict(
                    zip(["title", "document_number", "issuer", "level", "region_code"], _row(n), strict=False)
                ),
                "covers_share": "0.2",
                "exclusive_with": [str(ref.pk)],
            },
            ensure_ascii=False,
        )
        for n, ref in ((1, theirs), (2, library))
    ]
    outcome = policy_import_file(content="\n".join(lines).encode(), file_format="jsonl", cluster=wuxi_cluster)
    assert (outcome.created, outcome.failed) == (1, 1)
    assert [(error["row"], error["field"]) for error in outcome.errors] == [(1, "exclusive_with")]
    assert Policy.objects.get(cluster=wuxi_cluster).exclusive_with == [library.pk]
