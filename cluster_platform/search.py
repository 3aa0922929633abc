"""Chinese full-text search on PostgreSQL's `simple` configuration, with segmentation in Python.

PostgreSQL's parsers do not know where one Chinese word ends and the next begins, so we
segment with jieba (through `cluster_platform/text.py`, which owns the tokenizer, the domain
vocabulary and the stop words) and hand PostgreSQL ready-made lexemes:

- `tsvector_literal(weighted_texts)` builds a `tsvector` literal (lexemes with positions and
  weights A-D) from several texts; store it with `Cast(Value(literal), SearchVectorField())`.
- `tsquery_literal(query)` builds a `tsquery` literal from what a person typed.

Both are plain functions over strings (no ORM), so any app (the catalog, the policy
library) can reuse them. Literals are cast directly (`'...'::tsvector`), never passed
through `to_tsvector`/`to_tsquery`, whose parser would split or drop CJK text depending on
the database locale.

Indexing uses jieba's search mode, which emits a long word and its shorter words
("管理系统" -> 管理, 系统, 管理系统), so a document is found by the word and by its parts.
A query word matches either as a whole or as all of its parts: "生产管理系统" becomes
`生产 & (管理系统 | (管理 & 系统))`. Latin letters are lower-cased on both sides, so "MES"
and "mes" are the same lexeme.
"""

import functools
from collections.abc import Iterable

from cluster_platform.text import SEARCH_STOPWORDS, cut, cut_for_search, has_word_character

# Positions in a tsvector stop at 16383; longer texts keep their lexemes at the last position.
_MAX_POSITION = 16383
# PostgreSQL refuses a tsvector over 1 MB (1,048,575 bytes) and a lexeme over 2,047 bytes ("string is
# too long for tsvector", "word is too long"). A huge text keeps the lexemes that fit in this budget
# (its beginning, where the words a search needs usually are) instead of failing the whole write.
_MAX_LEXEME_BYTES = 2046
_TSVECTOR_BUDGET = 1_000_000
WEIGHTS = ("A", "B", "C", "D")


# token -> lexeme (or None): tokens repeat endlessly across documents, so indexing a large
# import looks each one up once. Bounded by clearing, as numbers and names keep coming.
_lexemes: dict[str, str | None] = {}
_LEXEME_CACHE_SIZE = 200_000


def _normalise(token: str) -> str | None:
    try:
        return _lexemes[token]
    except KeyError:
        pass
    lexeme = token.strip().lower()
    if not lexeme or not has_word_character(lexeme) or lexeme in SEARCH_STOPWORDS:
        lexeme = None
    if len(_lexemes) >= _LEXEME_CACHE_SIZE:
        _lexemes.clear()
    _lexemes[token] = lexeme
    return lexeme


def segment(text: str, *, for_search: bool = True) -> list[str]:
    """The lexemes of `text`, in order, lower-cased, without punctuation, spaces and stopwords.

    `for_search=True` (for indexing) adds the shorter words inside long words, as jieba's
    search mode does; `for_search=False` gives one token per word (for queries).
    """
    if not text:
        return []
    tokens = cut_for_search(text) if for_search else cut(text)
    return [lexeme for token in tokens if (lexeme := _normalise(token)) is not None]


@functools.lru_cache(maxsize=200_000)
def _quote(lexeme: str) -> str:
    """A lexeme quoted for tsvector/tsquery input: single quotes doubled, backslashes escaped."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(weighted_texts: Iterable[tuple[str, str]]) -> str:
    """A tsvector literal for texts given as (weight, text) pairs, weight in A-D (A weighs most).

    Positions run on across the texts, so proximity (used by ts_rank_cd) stays meaningful
    within each text.
    """
    positions: dict[str, list[str]] = {}
    position = 0
    size = 16  # the tsvector's header, then per lexeme: an entry, the bytes (even), 2 per position
    for weight, text in weighted_texts:
        if weight not in WEIGHTS:
            raise ValueError(f"weight must be one of {WEIGHTS}, not {weight!r}")
        for lexeme in segment(text):
            if position < _MAX_POSITION:
                position += 1
            entries = positions.get(lexeme)
            if entries is None:
                length = len(lexeme.encode("utf-8", "surrogatepass"))
                if length > _MAX_LEXEME_BYTES or size + length + 10 > _TSVECTOR_BUDGET:
                    continue
                size += length + 10
                positions[lexeme] = [f"{position}{weight}"]
            elif len(entries) < 256:  # a tsvector keeps at most 256 positions per lexeme
                if size + 2 > _TSVECTOR_BUDGET:
                    continue
                size += 2
                entries.append(f"{position}{weight}")
        position = min(position + 1, _MAX_POSITION)  # a gap between texts
    return " ".join(f"{_quote(lexeme)}:{','.join(entries)}" for lexeme, entries in positions.items())


def _parts(word: str) -> list[str]:
    """The shorter words that tile `word` from left to right, or [] when they do not.

    jieba's search mode lists the dictionary words inside a long word ("管理系统" -> 管理,
    系统, 管理系); we keep a left-to-right tiling of the shortest ones, so the query
    matches a document that has the parts but never the whole word.
    """
    inner = {token.lower() for token in cut_for_search(word) if 1 < len(token) < len(word)}
    if not inner:
        return []
    parts, start = [], 0
    while start < len(word):
        candidates = [token for token in inner if word.startswith(token, start)]
        if not candidates:
            return []
        shortest = min(candidates, key=len)
        parts.append(shortest)
        start += len(shortest)
    return [part for part in parts if part not in SEARCH_STOPWORDS]


def query_terms(query: str) -> list[str]:
    """The distinct words of a query, in order (each becomes one ANDed term)."""
    seen: dict[str, None] = {}
    for token in segment(query, for_search=False):
        seen.setdefault(token, None)
    return list(seen)


def _term(word: str) -> str:
    parts = _parts(word)
    if len(parts) < 2:
        return _quote(word)
    return f"({_quote(word)} | ({' & '.join(_quote(part) for part in parts)}))"


def tsquery_literal(query: str, *, mode: str = "and") -> str | None:
    """A tsquery literal for what a person typed, or None when it holds no searchable word.

    mode "and" requires every word (the default); "or" any of them (a fallback for when
    "and" finds nothing).
    """
    terms = query_terms(query)
    if not terms:
        return None
    joiner = " & " if mode == "and" else " | "
    return joiner.join(_term(term) for term in terms)


def weighted_document(parts: dict[str, str]) -> str:
    """A tsvector literal from {weight: text}, e.g. {"A": title, "B": summary, "C": full_text}."""
    return tsvector_literal(parts.items())


def parse_query(q: str) -> str | None:
    """The tsquery literal for a search box's text (every word required), or None if it has none."""
    return tsquery_literal(q)
