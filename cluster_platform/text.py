"""The platform's one Chinese text pipeline: the rjieba tokenizer, the domain vocabulary and the
stop words.

rjieba's tokenizer is one global per process. Adding the domain vocabulary changes how every
later caller segments ("物联网" is one word with it, 物 + 联网 without), so the vocabulary is
added here, before the first segmentation whoever asks first, and nothing else calls rjieba:
search (`cluster_platform/search.py`: tsvector and tsquery literals) and matching (`content_terms()`)
segment the same text the same way however a process started.

Matching also compares texts by their domain concepts (`concept_terms()`, from the maintained
synonym list in data/synonyms.txt) and by character bigrams (`character_bigrams()`), which
survive a segmentation that splits a jargon word differently on the two sides.
"""

import functools
import re
import threading
from pathlib import Path

import rjieba

from cluster_platform.reference.regions import all_regions

# Search drops only function words: someone who types 服务 or 企业 means it.
SEARCH_STOPWORDS = frozenset(
    [
        "的",
        "了",
        "和",
        "与",
        "及",
        "或",
        "等",
        "在",
        "是",
        "为",
        "对",
        "把",
        "被",
        "从",
        "以",
        "于",
        "之",
        "其",
        "中",
        "上",
        "下",
        "个",
        "我",
        "你",
        "他",
        "它",
        "们",
        "这",
        "那",
        "有",
        "也",
        "都",
        "就",
        "并",
        "而",
        "a",
        "an",
        "and",
        "or",
        "the",
        "of",
        "for",
        "to",
        "in",
        "on",
        "with",
        "by",
    ]
)
# Matching also drops the filler every offering and demand shares (服务, 企业, 需要, ...): it
# compares what two texts are about, and such words would make every pair look alike.
MATCHING_STOPWORDS = frozenset(
    [
        "的",
        "了",
        "和",
        "与",
        "及",
        "或",
        "等",
        "为",
        "在",
        "对",
        "是",
        "有",
        "我们",
        "我司",
        "公司",
        "企业",
        "一个",
        "提供",
        "服务",
        "需要",
        "希望",
        "进行",
        "相关",
        "可以",
        "以及",
        "通过",
        "帮助",
        "实现",
        "开展",
        "主要",
        "目前",
        "我",
        "要",
        "找",
        "the",
        "and",
        "of",
        "for",
        "to",
        "a",
        "in",
        "with",
    ]
)
# Words of the platform's domain that jieba's general dictionary splits ("物联网" -> 物 + 联网,
# "新吴区物" ...). They are added once, before the first segmentation by anyone, so indexing,
# queries and matching always agree. Region names come from the GB/T 2260 table.
DOMAIN_WORDS = [
    "物联网",
    "工业互联网",
    "产业集群",
    "集群促进机构",
    "服务券",
    "专精特新",
    "小巨人",
    "单项冠军",
    "上云用云",
    "数字化转型",
    "智能制造",
    "智能工厂",
    "数字化车间",
    "集成电路",
    "传感器",
    "加计扣除",
    "高新技术企业",
    "科技型中小企业",
    "首台套",
    "贷款贴息",
    "融资担保",
    "知识产权质押",
    "跨境电商",
    "工业软件",
    "柔性生产",
    "箱包皮具",
    "纺织服装",
    "美妆日化",
    "珠宝首饰",
    "食品饮料",
    "定制家居",
    "数字化服务商",
    "链式改造",
    "小快轻准",
]

_WORD = re.compile(r"\w", re.UNICODE)
_vocabulary_lock = threading.Lock()
_vocabulary_loaded = False


def _load_vocabulary() -> None:
    global _vocabulary_loaded
    if _vocabulary_loaded:
        return
    with _vocabulary_lock:  # two threads' first calls must not both add the words half-way
        if _vocabulary_loaded:
            return
        words = set(DOMAIN_WORDS)
        words.update(region.name for region in all_regions().values() if len(region.name) >= 3)
        for word in sorted(words):
            rjieba.add_word(word, 2000, None)
        _vocabulary_loaded = True


def cut(text: str) -> list[str]:
    """The words of `text`, one token per word, punctuation and spaces included."""
    _load_vocabulary()
    return rjieba.cut(text)


def cut_for_search(text: str) -> list[str]:
    """The words of `text` and the shorter words inside long ones ("管理系统" -> 管理, 系统, 管理系统)."""
    _load_vocabulary()
    return rjieba.cut_for_search(text)


def has_word_character(token: str) -> bool:
    return _WORD.search(token) is not None


def content_terms(text: str) -> list[str]:
    """The content terms of `text` for matching: lower-cased words without punctuation, single CJK
    characters, bare numbers and stop words."""
    if not text:
        return []
    found = []
    for token in cut(text.lower()):
        token = token.strip()
        if not token or not has_word_character(token) or token in MATCHING_STOPWORDS:
            continue
        if token.isdigit() or (len(token) == 1 and not token.isascii()):
            continue
        found.append(token)
    return found


# --- matching: domain concepts and character n-grams -----------------------------------------

SYNONYMS_FILE = Path(__file__).parent / "data" / "synonyms.txt"
CONCEPT_PREFIX = "~"  # a concept term never collides with a segmented word


_LATIN = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


@functools.cache
def _synonyms() -> tuple[dict[str, list[tuple[str, int, bool]]], dict[str, str]]:
    """Every spelling by its first character (longest first, with its length and whether it is
    Latin), and spelling -> concept term."""
    concept_of: dict[str, str] = {}
    for line in SYNONYMS_FILE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        spellings = line.lower().split()
        for spelling in spellings:
            concept_of.setdefault(spelling, CONCEPT_PREFIX + spellings[0])
    by_first: dict[str, list[tuple[str, int, bool]]] = {}
    for spelling in sorted(concept_of, key=len, reverse=True):
        by_first.setdefault(spelling[0], []).append((spelling, len(spelling), spelling.isascii()))
    return by_first, concept_of


def concept_terms(text: str) -> list[str]:
    """The domain concepts `text` mentions ("~设备联网" for 机联网, 设备上云, 数据采集, ...), each once.

    Left to right, the longest spelling that starts at a position wins and the scan resumes after
    it; a Latin spelling counts as a whole word only ("bi" is not in "mobile", "mes" not in
    "times"). Only positions whose character starts some spelling are tried: one alternation
    over every spelling tried them all at every position, three times slower.
    """
    if not text:
        return []
    by_first, concept_of = _synonyms()
    lowered = text.lower()
    length = len(lowered)
    found: dict[str, None] = {}
    position = 0
    while position < length:
        for spelling, size, latin in by_first.get(lowered[position], ()):
            end = position + size
            if lowered.startswith(spelling, position) and (
                not latin
                or (
                    (position == 0 or lowered[position - 1] not in _LATIN)
                    and (end == length or lowered[end] not in _LATIN)
                )
            ):
                found[concept_of[spelling]] = None
                position = end
                break
        else:
            position += 1
    return list(found)


def character_bigrams(text: str) -> list[str]:
    """Overlapping pairs of letters, digits and CJK characters of `text`, lower-cased, in order."""
    characters = [character for character in text.lower() if character.isalnum()]
    return [a + b for a, b in zip(characters, characters[1:], strict=False)]
