"""Pure helpers that turn catalog and enterprise facts into engine inputs (no ORM)."""

from collections.abc import Iterable
from dataclasses import dataclass

from cluster_platform.text import character_bigrams, concept_terms, content_terms


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


# How much each field says about what a text is about: an offering's title names the service,
# its tags and summary restate it, and a long description wanders (references, company blurb).
OFFERING_FIELD_WEIGHTS = {"title": 3, "tags": 2, "summary": 2, "description": 1}
DEMAND_FIELD_WEIGHTS = {"title": 2, "description": 1}


@dataclass(frozen=True)
class TextProfile:
    """What the engine's text feature compares: words and domain concepts, and character bigrams,
    each field repeated by its weight (so BM25 counts a title word three times)."""

    terms: tuple[str, ...]
    bigrams: tuple[str, ...]


def text_profile(fields: Iterable[tuple[str, int]]) -> TextProfile:
    terms: list[str] = []
    bigrams: list[str] = []
    for text, weight in fields:
        if not text:
            continue
        terms.extend((content_terms(text) + concept_terms(text)) * weight)
        bigrams.extend(character_bigrams(text) * weight)
    return TextProfile(terms=tuple(terms), bigrams=tuple(bigrams))


def offering_text(*, title: str, summary: str, description: str, tags: Iterable[str]) -> TextProfile:
    fields = {"title": title, "tags": " ".join(tags), "summary": summary, "description": description}
    return text_profile((fields[name], weight) for name, weight in OFFERING_FIELD_WEIGHTS.items())


def demand_text(*, title: str, description: str) -> TextProfile:
    fields = {"title": title, "description": description}
    return text_profile((fields[name], weight) for name, weight in DEMAND_FIELD_WEIGHTS.items())


def sme_text(
    *, description: str, industry_name: str, weakest: Iterable[str], dimensions: list[dict]
) -> TextProfile:
    """What a proactive recommendation searches for: the SME's own words, its industry, and the
    keywords of its weakest maturity dimensions (the gaps a service should close)."""
    by_code = {dimension["code"]: dimension for dimension in dimensions}
    gap_words = [" ".join(by_code[code].get("keywords", ())) for code in weakest if code in by_code]
    return text_profile([(description, 1), (industry_name, 1), (" ".join(gap_words), 1)])
