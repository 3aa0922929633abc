"""Building valid 统一社会信用代码 for demo data and tests.

Validation is python-stdnum's job (`stdnum.cn.uscc`); this module only composes numbers
that pass it: registration authority 9 (market regulation) and entity type 1 (enterprise),
the GB/T 2260 region, a GB 11714 organisation code with its own check digit, and
stdnum's USCC check digit.
"""

from stdnum.cn import uscc

_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _organisation_check_digit(body: str) -> str:
    remainder = (
        11 - sum(int(digit) * weight for digit, weight in zip(body, _ORG_CODE_WEIGHTS, strict=True)) % 11
    )
    return {10: "X", 11: "0"}.get(remainder, str(remainder))


def uscc_compose(*, region_code: str, serial: int) -> str:
    body = f"{serial % 10**8:08d}"
    partial = f"91{region_code}{body}{_organisation_check_digit(body)}"
    return partial + uscc.calc_check_digit(partial)
