"""Net cost after stacked subsidies: stacking, exclusivity, caps and price ranges (table-driven)."""

from decimal import Decimal

import pytest

from programmes.net_cost import Subsidy, net_cost

D = Decimal
VOUCHER = Subsidy("voucher:v", "服务券", share=D("0.3"), cap=D("50000"))
CITY = Subsidy("policy:city", "市级补贴", share=D("0.2"), cap=D("20000"))
PROVINCE = Subsidy(
    "policy:prov", "省级补贴", share=D("0.5"), cap=D("100000"), excludes=frozenset({"policy:city"})
)
LONE = Subsidy("policy:lone", "独享政策", share=D("0.6"), stackable=False)
CAPPED = Subsidy("policy:capped", "限额政策", share=D("0.5"), max_public_share=D("0.7"))


@pytest.mark.parametrize(
    ("price", "sources", "lines", "net", "excluded"),
    [
        # nothing to stack
        (D("100000"), [], [], D("100000"), []),
        # one source: the share decides, then the cap decides
        (D("100000"), [VOUCHER], [("voucher:v", D("30000.00"), "share")], D("70000.00"), []),
        (D("500000"), [VOUCHER], [("voucher:v", D("50000.00"), "cap")], D("450000.00"), []),
        # two stackable sources add up
        (
            D("100000"),
            [VOUCHER, CITY],
            [("voucher:v", D("30000.00"), "share"), ("policy:city", D("20000.00"), "share")],
            D("50000.00"),
            [],
        ),
        # the province excludes the city: the larger saving wins, the other is listed as excluded
        (
            D("100000"),
            [VOUCHER, CITY, PROVINCE],
            [("voucher:v", D("30000.00"), "share"), ("policy:prov", D("50000.00"), "share")],
            D("20000.00"),
            [("policy:city", "exclusive_with:policy:prov")],
        ),
        # an exclusive policy against a stack: the bigger total wins (0.6 alone < 0.3 + 0.2 ... at 100k: 60k vs 50k)
        (
            D("100000"),
            [VOUCHER, CITY, LONE],
            [("policy:lone", D("60000.00"), "share")],
            D("40000.00"),
            [("voucher:v", "exclusive_with:policy:lone"), ("policy:city", "exclusive_with:policy:lone")],
        ),
        # a total public share cap of 70 % trims the last line
        (
            D("100000"),
            [VOUCHER, CAPPED],
            [
                ("voucher:v", D("30000.00"), "share"),
                ("policy:capped", D("40000.00"), "total_share_cap:policy:capped"),
            ],
            D("30000.00"),
            [],
        ),
        # never more than the price
        (
            D("1000"),
            [Subsidy("a", "a", share=D("1")), Subsidy("b", "b", share=D("1"))],
            [("a", D("1000.00"), "share"), ("b", D("1000.00"), "share")],
            D("0.00"),
            [],
        ),
    ],
)
def test_net_cost(price, sources, lines, net, excluded):
    result = net_cost(price=price, sources=sources)
    assert [(line.key, line.amount, line.limited_by) for line in result.lines] == lines
    assert result.net == net
    assert [(line.key, line.limited_by) for line in result.excluded] == excluded


@pytest.mark.parametrize(
    ("low", "high", "net_low", "net_high"),
    [
        # the voucher's cap binds only at the high end of the range
        (D("100000"), D("300000"), D("70000.00"), D("250000.00")),
        (D("0"), D("10000"), D("0.00"), D("7000.00")),
    ],
)
def test_a_price_range_gives_a_range_of_net_costs(low, high, net_low, net_high):
    assert net_cost(price=low, sources=[VOUCHER]).net == net_low
    assert net_cost(price=high, sources=[VOUCHER]).net == net_high
