import datetime
from decimal import Decimal

import pytest

from policies.records import check_record, check_region, coerce_row, identity_key, normalise_document_number


def _record(**overrides):
    record = {
        "title": "无锡市物联网产业发展专项资金管理办法",
        "document_number": "锡工信发〔2024〕12号",
        "issuer": "无锡市工业和信息化局",
        "level": "municipal",
        "region_code": "320200",
        "categories": ["digital"],
    }
    return record | overrides


@pytest.mark.parametrize(
    ("level", "code", "ok"),
    [
        ("national", "", True),
        ("national", "320000", False),
        ("provincial", "320000", True),
        ("provincial", "320200", False),
        ("municipal", "320200", True),
        ("municipal", "310000", True),  # Shanghai, a province-level municipality
        ("municipal", "320214", False),
        ("district", "320214", True),
        ("district", "320200", False),
        ("district", "", False),
        ("provincial", "999999", False),
    ],
)
def test_region_must_exist_and_fit_the_level(level, code, ok):
    assert (check_region(level, code) is None) is ok


def test_check_record_reports_every_bad_field():
    errors = check_record(
        _record(
            title="",
            categories=["digital", "lottery"],
            benefit_type="gift",
            max_amount=Decimal("-1"),
            application_opens=datetime.date(2025, 5, 1),
            application_closes=datetime.date(2025, 4, 1),
            source_url="ftp://example.com/x",
        )
    )
    assert set(errors) == {
        "title",
        "categories",
        "benefit_type",
        "max_amount",
        "application_closes",
        "source_url",
    }
    assert "lottery" in errors["categories"][0]


def test_coerce_row_reads_chinese_labels_and_units():
    values, errors = coerce_row(
        {
            "level": "市级",
            "categories": "资金补贴、数字化转型",
            "max_amount": "50万元",
            "published_on": "2024年3月5日",
            "benefit_type": "补贴",
            "status": "已发布",
        }
    )
    assert not errors
    assert values["level"] == "municipal"
    assert values["categories"] == ["subsidy", "digital"]
    assert values["max_amount"] == Decimal("500000.00")
    assert values["published_on"] == datetime.date(2024, 3, 5)
    assert values["benefit_type"] == "subsidy"
    assert values["status"] == "published"


def test_coerce_row_reports_unreadable_cells():
    _, errors = coerce_row({"published_on": "next spring", "max_amount": "a lot", "eligibility_rule": "[1]"})
    assert set(errors) == {"published_on", "max_amount", "eligibility_rule"}


def test_identity_is_issuer_and_document_number_whatever_the_brackets():
    assert normalise_document_number("锡工信发[2024] 12号") == "锡工信发〔2024〕12号"
    assert identity_key(_record(document_number="锡工信发[2024]12号", title="another title")) == identity_key(
        _record()
    )
    assert identity_key(_record(issuer="江苏省工业和信息化厅")) != identity_key(_record())


def test_identity_without_document_number_is_title_issuer_and_date():
    base = _record(document_number="", published_on=datetime.date(2024, 1, 2))
    assert identity_key(base) == identity_key(dict(base))
    assert identity_key(base) != identity_key(base | {"published_on": datetime.date(2024, 1, 3)})
    assert identity_key(base) != identity_key(base | {"title": "其他政策"})
