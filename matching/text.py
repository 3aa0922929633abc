"""Chinese text segmentation for matching (rjieba), shared by the engine and the reference scorer."""

import re

import rjieba

# Function words and filler that say nothing about what a service is.
STOPWORDS = frozenset(
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
_WORD = re.compile(r"\w", re.UNICODE)


def tokenize(text: str) -> list[str]:
    """Segment `text` into lowercase terms, dropping punctuation, single CJK characters and stopwords."""
    if not text:
        return []
    terms = []
    for token in rjieba.cut(text.lower()):
        token = token.strip()
        if not token or not _WORD.search(token) or token in STOPWORDS:
            continue
        if token.isdigit() or (len(token) == 1 and not token.isascii()):
            continue
        terms.append(token)
    return terms
