import csv

import pytest

from cluster_platform.reference.industries import DATA_FILE, all_industries, get_industry

pytestmark = pytest.mark.django_db

REGIONS = "/api/v1/reference/regions/"
INDUSTRIES = "/api/v1/reference/industries/"


def test_industry_table_is_complete_at_the_top_levels():
    industries = all_industries()
    assert sum(1 for i in industries.values() if i.level == "section") == 20
    assert sum(1 for i in industries.values() if i.level == "division") == 97
    assert all(i.name and i.name_en for i in industries.values())


def test_industry_table_rows_are_unique_and_ordered():
    with DATA_FILE.open(encoding="utf-8") as handle:
        codes = [row["code"] for row in csv.DictReader(handle)]
    assert len(codes) == len(set(codes))
    assert codes == sorted(codes)


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("C13", "农副食品加工业"),
        ("C134", "制糖业"),
        ("C1340", "制糖业"),
        ("C1462", "酱油、食醋及类似制品制造"),
        ("C1512", "白酒制造"),
        ("C1713", "棉印染精加工"),
        ("C1830", "服饰制造"),
        ("C1922", "皮箱、包(袋)制造"),
        ("C2110", "木质家具制造"),
        ("C243", "工艺美术及礼仪用品制造"),
        ("C2438", "珠宝首饰及有关物品制造"),
        ("C268", "日用化学产品制造"),
        ("C2682", "化妆品制造"),
        ("C398", "电子元件及电子专用材料制造"),
        ("C3981", "电阻电容电感元件制造"),
        ("C3982", "电子电路制造"),
        ("C3983", "敏感元件及传感器制造"),
        ("C3973", "集成电路制造"),
        ("C4028", "电子测量仪器制造"),
        ("I6432", "互联网生活服务平台"),
        ("I6520", "集成电路设计"),
        ("I6532", "物联网技术服务"),
        ("M7320", "工程和技术研究和试验发展"),
        ("M7452", "检测服务"),
        ("M7491", "工业设计服务"),
        ("M7520", "知识产权服务"),
    ],
)
def test_sample_of_gbt4754_names(code, name):
    assert get_industry(code).name == name


def test_every_group_and_class_has_its_parents():
    industries = all_industries()
    for code in industries:
        if len(code) >= 4:
            assert code[:3] in industries, code
        if len(code) == 5:
            assert code[:4] in industries, code


def test_regions_filter_by_parent_and_level(api_client):
    provinces = api_client.get(REGIONS, {"level": "province", "page_size": 100}).json()
    assert 31 <= provinces["count"] <= 34
    jiangsu = {
        "code": "320000",
        "name": "江苏省",
        "name_zh": "江苏省",
        "name_en": None,
        "level": "province",
        "parent_code": None,
    }
    assert jiangsu in provinces["results"]

    wuxi = api_client.get(REGIONS, {"parent": "320200", "page_size": 100}).json()["results"]
    assert {row["code"] for row in wuxi} >= {"320205", "320211", "320213", "320214"}
    assert all(row["parent_code"] == "320200" for row in wuxi)


def test_regions_search_and_detail(api_client):
    rows = api_client.get(REGIONS, {"search": "新吴"}).json()["results"]
    assert [row["code"] for row in rows] == ["320214"]
    assert api_client.get(f"{REGIONS}320214/").json()["name"] == "新吴区"
    assert api_client.get(f"{REGIONS}999999/").status_code == 404


def test_regions_bad_level_is_a_field_error(api_client):
    response = api_client.get(REGIONS, {"level": "village"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "level"


def test_regions_are_paginated(api_client):
    first = api_client.get(REGIONS, {"page_size": 10}).json()
    second = api_client.get(REGIONS, {"page_size": 10, "page": 2}).json()
    assert first["count"] > 3000
    assert len(first["results"]) == 10
    assert first["results"][-1]["code"] < second["results"][0]["code"]
    assert api_client.get(REGIONS, {"page": 100000}).status_code == 404


def test_industries_filter_by_parent_and_level(api_client):
    sections = api_client.get(INDUSTRIES, {"level": "section", "page_size": 100}).json()
    assert sections["count"] == 20

    groups = api_client.get(INDUSTRIES, {"parent": "C39", "page_size": 100}).json()["results"]
    assert [row["code"] for row in groups] == [
        "C391",
        "C392",
        "C393",
        "C394",
        "C395",
        "C396",
        "C397",
        "C398",
        "C399",
    ]

    classes = api_client.get(INDUSTRIES, {"parent": "C268"}).json()["results"]
    assert [row["code"] for row in classes] == ["C2681", "C2682", "C2683", "C2684", "C2689"]
    detail = api_client.get(f"{INDUSTRIES}C2682/").json()
    assert detail == {
        "code": "C2682",
        "name": "化妆品制造",
        "name_zh": "化妆品制造",
        "name_en": "Manufacture of cosmetics",
        "level": "class",
        "parent_code": "C268",
    }


def test_industries_search_in_both_languages(api_client):
    assert [r["code"] for r in api_client.get(INDUSTRIES, {"search": "化妆品"}).json()["results"]] == [
        "C2682"
    ]
    codes = [r["code"] for r in api_client.get(INDUSTRIES, {"search": "JEWELLERY"}).json()["results"]]
    assert codes == ["C2438"]
