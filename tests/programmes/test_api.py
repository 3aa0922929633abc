"""The voucher flow through the API, step by step as docs/programmes.md shows it."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from programmes.models import LedgerEntry, VoucherStatus
from tests.programmes.test_vouchers import PDF, SMALL_ONLY
from tests.utils import assert_queries_constant

pytestmark = pytest.mark.django_db


def _base(scene) -> str:
    return f"/api/v1/clusters/{scene.cluster.slug}"


def _programme_body(**fields):
    today = timezone.localdate()
    return {
        "name": "2026年数字化转型服务券",
        "budget": "1000000.00",
        "per_sme_cap": "50000.00",
        "coverage_share": "0.300",
        "eligible_categories": ["cloud-saas"],
        "eligibility_rule": SMALL_ONLY,
        "applications_open": str(today),
        "applications_close": str(today.replace(year=today.year + 1)),
        "voucher_validity_days": 180,
        **fields,
    }


def test_the_whole_flow(scene, client_for, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    base = _base(scene)
    admin, sme, partner = client_for(scene.admin), client_for(scene.sme_user), client_for(scene.partner_user)

    response = admin.post(f"{base}/voucher-programmes/", _programme_body(), format="json")
    assert response.status_code == 201, response.json()
    programme = response.json()["id"]

    response = sme.get(f"{base}/voucher-programmes/{programme}/eligibility/")
    assert response.status_code == 200
    assert response.json()["eligible"] is True
    assert response.json()["conditions"][0]["outcome"] == "met"

    response = sme.post(f"{base}/voucher-programmes/{programme}/apply/", {"note": "首次申请"}, format="json")
    assert response.status_code == 201, response.json()
    voucher = response.json()["id"]
    assert response.json()["allowed_actions"] == ["approve", "reject"]

    assert sme.post(f"{base}/vouchers/{voucher}/approve/", {}, format="json").status_code == 403
    response = admin.post(f"{base}/vouchers/{voucher}/approve/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "approved"

    engagement = scene.engagement()
    response = sme.post(
        f"{base}/vouchers/{voucher}/redeem/",
        {"engagement": str(engagement.pk), "contract_price": "120000.00"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["subsidy"] == "36000.00"

    engagement.status = "completed"
    engagement.save(update_fields=["status"])
    response = partner.post(
        f"{base}/voucher-claims/",
        {"voucher": voucher, "proof": SimpleUploadedFile("验收报告.pdf", PDF), "note": "已验收"},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    claim = response.json()["id"]

    response = admin.get(f"{base}/voucher-claims/{claim}/proof/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF

    response = admin.post(f"{base}/voucher-claims/{claim}/approve/", {"reason": "材料齐全"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "approved"

    report = admin.get(f"{base}/voucher-programmes/{programme}/reconciliation/").json()
    assert report["balanced"] is True
    assert (report["paid"], report["released"], report["difference"]) == ("36000.00", "14000.00", "0.00")
    ledger = admin.get(f"{base}/voucher-programmes/{programme}/ledger/").json()
    assert [row["kind"] for row in ledger["results"]] == ["fund", "reserve", "redeem", "release", "pay"]


def test_an_ineligible_application_is_a_400_naming_the_condition(scene, client_for):
    programme = scene.programme(eligibility_rule=SMALL_ONLY)
    user, _big = scene.new_sme(employees=800)
    response = client_for(user).post(
        f"{_base(scene)}/voucher-programmes/{programme.pk}/apply/", {}, format="json"
    )
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["attr"] == "sme"
    assert "800" in error["detail"]


@pytest.mark.parametrize(
    ("fields", "attr"),
    [
        ({"budget": "abc"}, "budget"),
        ({"coverage_share": "1.5"}, "coverage_share"),
        ({"per_sme_cap": "2000000"}, "per_sme_cap"),
        ({"eligibility_rule": [1, 2]}, "eligibility_rule"),
        ({"eligibility_rule": {"fact": "nope", "op": "eq", "value": 1}}, "eligibility_rule"),
        ({"applications_close": "2020-01-01"}, "applications_close"),
        ({"policy": "00000000-0000-0000-0000-000000000000"}, "policy"),
    ],
)
def test_bad_programme_input_is_a_field_level_400(scene, client_for, fields, attr):
    response = client_for(scene.admin).post(
        f"{_base(scene)}/voucher-programmes/", _programme_body(**fields), format="json"
    )
    assert response.status_code == 400, response.json()
    assert response.json()["errors"][0]["attr"].startswith(attr)
    assert not LedgerEntry.objects.exists()


def test_a_viewer_reads_but_does_not_decide(scene, client_for):
    programme = scene.programme()
    viewer = client_for(scene.viewer)
    assert viewer.get(f"{_base(scene)}/voucher-programmes/{programme.pk}/reconciliation/").status_code == 200
    assert (
        viewer.post(f"{_base(scene)}/voucher-programmes/", _programme_body(), format="json").status_code
        == 403
    )
    response = viewer.post(
        f"{_base(scene)}/voucher-programmes/{programme.pk}/issue/", {"sme": str(scene.sme.pk)}, format="json"
    )
    assert response.status_code == 403


def test_budget_exhausted_is_a_409_and_the_application_waits(scene, client_for):
    programme = scene.programme(budget=Decimal("50000"), per_sme_cap=Decimal("50000"))
    admin = client_for(scene.admin)
    first = admin.post(
        f"{_base(scene)}/voucher-programmes/{programme.pk}/issue/", {"sme": str(scene.sme.pk)}, format="json"
    )
    assert first.status_code == 201, first.json()
    user, other = scene.new_sme()
    applied = client_for(user).post(
        f"{_base(scene)}/voucher-programmes/{programme.pk}/apply/", {}, format="json"
    )
    response = admin.post(f"{_base(scene)}/vouchers/{applied.json()['id']}/approve/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "budget_exhausted"
    assert (
        admin.get(f"{_base(scene)}/vouchers/{applied.json()['id']}/").json()["status"]
        == VoucherStatus.APPLIED
    )


def test_each_side_sees_its_own_vouchers(scene, client_for):
    programme = scene.programme()
    scene.programme()  # another programme, no vouchers
    other_user, other = scene.new_sme()
    from programmes.services.vouchers import voucher_apply

    mine = voucher_apply(programme=programme, sme=scene.sme, by=None)
    theirs = voucher_apply(programme=programme, sme=other, by=None)
    listed = {
        row["id"] for row in client_for(scene.sme_user).get(f"{_base(scene)}/vouchers/").json()["results"]
    }
    assert listed == {str(mine.pk)}
    assert client_for(scene.sme_user).get(f"{_base(scene)}/vouchers/{theirs.pk}/").status_code == 404
    staff = {row["id"] for row in client_for(scene.admin).get(f"{_base(scene)}/vouchers/").json()["results"]}
    assert staff == {str(mine.pk), str(theirs.pk)}
    assert client_for(scene.partner_user).get(f"{_base(scene)}/vouchers/").json()["results"] == []


def test_a_bad_upload_is_a_field_level_400(scene, client_for, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    from programmes.services.vouchers import voucher_apply, voucher_approve, voucher_redeem

    voucher = voucher_approve(
        voucher=voucher_apply(programme=scene.programme(), sme=scene.sme, by=None), by=scene.admin
    )
    engagement = scene.engagement()
    voucher_redeem(voucher=voucher, engagement=engagement, contract_price=Decimal("1000"), by=None)
    engagement.status = "completed"
    engagement.save(update_fields=["status"])
    response = client_for(scene.partner_user).post(
        f"{_base(scene)}/voucher-claims/",
        {"voucher": str(voucher.pk), "proof": SimpleUploadedFile("x.pdf", b"<html>not a pdf</html>")},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "proof"
    response = client_for(scene.partner_user).post(
        f"{_base(scene)}/voucher-claims/", {"voucher": str(voucher.pk)}, format="multipart"
    )
    assert response.status_code == 400


def test_voucher_list_query_count_is_constant(scene, client_for):
    programme = scene.programme(per_sme_cap=Decimal("1000"))
    from programmes.services.vouchers import voucher_apply

    def make_rows(k):
        for _ in range(k):
            voucher_apply(programme=programme, sme=scene.new_sme()[1], by=None)

    assert_queries_constant(client_for(scene.admin), f"{_base(scene)}/vouchers/", make_rows)


def test_ledger_list_query_count_is_constant(scene, client_for):
    programme = scene.programme(per_sme_cap=Decimal("1000"))
    from programmes.services.vouchers import voucher_issue

    def make_rows(k):
        for _ in range(k):
            voucher_issue(programme=programme, sme=scene.new_sme()[1], by=scene.admin)

    assert_queries_constant(
        client_for(scene.admin), f"{_base(scene)}/voucher-programmes/{programme.pk}/ledger/", make_rows
    )
