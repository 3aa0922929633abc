"""Pure helpers that turn catalog and enterprise facts into engine inputs (no ORM)."""

from collections.abc import Iterable

from cluster_platform.text import content_terms


def offering_dimensions(
    *, texts: Iterable[str], tags: Iterable[str], dimensions: list[dict]
) -> tuple[str, ...]:
    """The maturity dimensions an offering addresses: a tag naming the dimension (its code or its
    Chinese name), or one of the dimension's keywords in the title, summary or tags."""
    tag_set = {tag.strip().lower() for tag in tags}
    haystack = " ".join([*texts, *tag_set]).lower()
    found = []
    for dimension in dimensions:
        names = {dimension["code"].lower(), dimension["name"].lower()}
        if names & tag_set or any(keyword.lower() in haystack for keyword in dimension.get("keywords", ())):
            found.append(dimension["code"])
    return tuple(found)


def offering_terms(*, title: str, summary: str, description: str, tags: Iterable[str]) -> tuple[str, ...]:
    # The title and tags say what the service is; count them twice against a long description.
    return tuple(content_terms(" ".join([title, title, summary, description, *tags, *tags])))


def demand_terms(*, title: str, description: str) -> tuple[str, ...]:
    return tuple(content_terms(" ".join([title, title, description])))


def sme_terms(
    *, description: str, industry_name: str, weakest: Iterable[str], dimensions: list[dict]
) -> tuple[str, ...]:
    """What a proactive recommendation searches for: the SME's own words, its industry, and the
    keywords of its weakest maturity dimensions (the gaps a service should close)."""
    by_code = {dimension["code"]: dimension for dimension in dimensions}
    gap_words = [" ".join(by_code[code].get("keywords", ())) for code in weakest if code in by_code]
    return tuple(content_terms(" ".join([description, industry_name, *gap_words])))
