"""The one text pipeline: a domain term segments the same whether search or matching runs first.

rjieba's tokenizer is a process-wide global, so the order of first use can only be seen in a
fresh process: each case runs in its own interpreter.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cluster_platform.text import DOMAIN_WORDS

REPO = Path(__file__).resolve().parents[2]
# jieba's general dictionary splits both (物 + 联网; 集群 + 促进 + 机构).
TERMS = ["物联网", "集群促进机构"]
TEXT = "无锡物联网产业集群促进机构提供设备上云与生产执行系统服务"

SCRIPT = """
import json, sys
from cluster_platform.search import segment
from cluster_platform.text import content_terms

text = sys.argv[2]
steps = {"matching": lambda: content_terms(text), "search": lambda: segment(text, for_search=False)}
first, second = ("matching", "search") if sys.argv[1] == "matching-first" else ("search", "matching")
result = {first: steps[first]()}
result[second] = steps[second]()
print(json.dumps(result, ensure_ascii=False))
"""


def _segment_in_fresh_process(order: str) -> dict[str, list[str]]:
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT, order, TEXT], cwd=REPO, capture_output=True, text=True, check=True
    )
    return json.loads(completed.stdout)


@pytest.mark.parametrize("term", TERMS)
def test_terms_are_in_the_domain_vocabulary(term):
    assert term in DOMAIN_WORDS


def test_a_domain_term_segments_the_same_whichever_runs_first():
    matching_first = _segment_in_fresh_process("matching-first")
    search_first = _segment_in_fresh_process("search-first")

    assert matching_first == search_first
    for term in TERMS:
        assert term in matching_first["matching"]
        assert term in matching_first["search"]
