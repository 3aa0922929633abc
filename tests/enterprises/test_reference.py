import csv
from collections import Counter

import pytest

from cluster_platform.reference.industries import DATA_FILE, all_industries, get_industry

pytestmark = pytest.mark.django_db

REGIONS = "/api/v1/reference/regions/"
INDUSTRIES = "/api/v1/reference/industries/"


def test_industry_table_is_the_complete_classification():
    industries = all_industries()
    per_level = Counter(industry.level for industry in industries.values())
    # GB/T 4754-2017 as published; both public copies it was checked against list 1,381 classes.
    assert per_level == {"section": 20, "division": 97, "group": 473, "class": 1381}
    assert all(industry.name == industry.name.strip() and industry.name for industry in industries.values())
    assert all(i.name_en for i in industries.values() if i.level in ("section", "division"))


def test_industry_table_rows_are_unique_and_ordered():
    with DATA_FILE.open(encoding="utf-8") as handle:
        codes = [row["code"] for row in csv.DictReader(handle)]
    assert len(codes) == len(set(codes))
    assert codes == sorted(codes)


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("A0111", "稻谷种植"),
        ("A0532", "畜禽粪污处理活动"),
        ("C13", "农副食品加工业"),
        ("C134", "制糖业"),
        ("C1340", "制糖业"),
        ("C1462", "酱油、食醋及类似制品制造"),
        ("C1512", "白酒制造"),
        ("C1713", "棉印染精加工"),
        ("C1830", "服饰制造"),
        ("C1922", "皮箱、包（袋）制造"),
        ("C2110", "木质家具制造"),
        ("C243", "工艺美术及礼仪用品制造"),
        ("C2438", "珠宝首饰及有关物品制造"),
        ("C268", "日用化学产品制造"),
        ("C2682", "化妆品制造"),
        ("C2921", "塑料薄膜制造"),
        ("C2922", "塑料板、管、型材制造"),
        ("C2923", "塑料丝、绳及编织品制造"),
        ("C2924", "泡沫塑料制造"),
        ("C2925", "塑料人造革、合成革制造"),
        ("C2926", "塑料包装箱及容器制造"),
        ("C2927", "日用塑料制品制造"),
        ("C2928", "人造草坪制造"),
        ("C2929", "塑料零件及其他塑料制品制造"),
        ("C339", "铸造及其他金属制品制造"),
        ("C3453", "齿轮及齿轮减、变速箱制造"),
        ("C3551", "纺织专用设备制造"),
        ("C3562", "半导体器件专用设备制造"),
        ("C367", "汽车零部件及配件制造"),
        ("C3670", "汽车零部件及配件制造"),
        ("C374", "航空、航天器及设备制造"),
        ("C3741", "飞机制造"),
        ("C395", "非专业视听设备制造"),
        ("C398", "电子元件及电子专用材料制造"),
        ("C3981", "电阻电容电感元件制造"),
        ("C3982", "电子电路制造"),
        ("C3983", "敏感元件及传感器制造"),
        ("C3973", "集成电路制造"),
        ("C4028", "电子测量仪器制造"),
        ("F5176", "计算机、软件及辅助设备批发"),
        ("F5292", "互联网零售"),
        ("I6432", "互联网生活服务平台"),
        ("I6520", "集成电路设计"),
        ("I6532", "物联网技术服务"),
        ("M746", "环境与生态监测检测服务"),
        ("M7320", "工程和技术研究和试验发展"),
        ("M7452", "检测服务"),
        ("M7491", "工业设计服务"),
        ("M7517", "三维（3D）打印技术推广服务"),
        ("M7520", "知识产权服务"),
        ("O8111", "汽车修理与维护"),
        ("O8030", "洗染服务"),
        ("R87", "广播、电视、电影和录音制作业"),
        ("T9700", "国际组织"),
    ],
)
def test_sample_of_gbt4754_names(code, name):
    assert get_industry(code).name == name


def test_every_code_has_its_parent_and_every_parent_its_children():
    industries = all_industries()
    parent_length = {"division": 1, "group": 3, "class": 4}
    for code, industry in industries.items():
        if industry.level != "section":
            assert code[: parent_length[industry.level]] in industries, code
    parents = {code[: parent_length[i.level]] for code, i in industries.items() if i.level != "section"}
    assert {code for code, i in industries.items() if i.level != "class"} == parents


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
    cosmetics = api_client.get(INDUSTRIES, {"search": "化妆品"}).json()["results"]
    # manufacture, wholesale (化妆品及卫生用品批发) and retail (化妆品及卫生用品零售)
    assert [row["code"] for row in cosmetics] == ["C2682", "F5134", "F5234"]
    codes = [r["code"] for r in api_client.get(INDUSTRIES, {"search": "JEWELLERY"}).json()["results"]]
    assert codes == ["C2438"]


def test_industry_classes_are_all_listed_page_by_page(api_client):
    codes, page = [], 1
    while True:
        body = api_client.get(INDUSTRIES, {"level": "class", "page_size": 100, "page": page}).json()
        codes += [row["code"] for row in body["results"]]
        if body["next"] is None:
            break
        page += 1
    assert body["count"] == len(codes) == 1381
    assert codes == sorted(codes) and {"C3551", "C3562", "C3453", "C3670", "C2929"} <= set(codes)

    machinery = api_client.get(INDUSTRIES, {"parent": "C355"}).json()["results"]
    assert [(row["code"], row["parent_code"]) for row in machinery] == [
        ("C3551", "C355"),
        ("C3552", "C355"),
        ("C3553", "C355"),
        ("C3554", "C355"),
    ]


def test_an_industry_without_an_english_name_is_chinese_in_every_language(api_client):
    chinese = api_client.get(f"{INDUSTRIES}C3551/").json()
    english = api_client.get(f"{INDUSTRIES}C3551/", HTTP_ACCEPT_LANGUAGE="en").json()

    assert chinese == {
        "code": "C3551",
        "name": "纺织专用设备制造",
        "name_zh": "纺织专用设备制造",
        "name_en": None,
        "level": "class",
        "parent_code": "C355",
    }
    assert english == chinese
    listed = api_client.get(INDUSTRIES, {"search": "纺织专用"}, HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    assert [(row["code"], row["name"]) for row in listed] == [("C3551", "纺织专用设备制造")]
