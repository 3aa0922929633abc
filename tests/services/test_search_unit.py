"""The segmentation and literal builders on their own (no database)."""

from cluster_platform.search import query_terms, segment, tsquery_literal, tsvector_literal


def test_segment_splits_chinese_words_and_lowercases_latin():
    assert segment("MES生产管理系统", for_search=False) == ["mes", "生产", "管理系统"]
    # Search mode adds the words inside long words, so documents are found by their parts.
    assert {"管理", "系统", "管理系统"} <= set(segment("生产管理系统"))


def test_segment_drops_punctuation_spaces_and_function_words():
    assert segment("箱包、皮具 的 ERP！", for_search=False) == ["箱包", "皮具", "erp"]
    assert segment("") == []
    assert segment("，。！ ") == []


def test_query_terms_are_distinct_words_in_order():
    assert query_terms("箱包 ERP 箱包") == ["箱包", "erp"]
    assert query_terms("MES") == query_terms("mes") == ["mes"]


def test_tsquery_ands_words_and_lets_a_long_word_match_by_its_parts():
    assert tsquery_literal("生产管理系统") == "'生产' & ('管理系统' | ('管理' & '系统'))"
    assert tsquery_literal("箱包 ERP") == "'箱包' & 'erp'"
    assert tsquery_literal("箱包 ERP", mode="or") == "'箱包' | 'erp'"
    assert tsquery_literal("？！") is None


def test_literals_quote_lexemes_safely():
    assert tsquery_literal("o'neil") == "'o' & 'neil'"
    vector = tsvector_literal([("A", "it's"), ("C", "back\\slash")])
    assert "'it'" in vector and "'slash'" in vector
    assert tsvector_literal([("A", "x'y")]).count("''") == 0  # apostrophes split words


def test_tsvector_weights_and_positions():
    vector = tsvector_literal([("A", "MES系统"), ("B", "系统集成")])
    assert "'mes':1A" in vector
    # One lexeme keeps its positions from every text, each with its weight.
    assert "'系统':2A,4B" in vector


def test_tsvector_rejects_unknown_weight():
    import pytest

    with pytest.raises(ValueError):
        tsvector_literal([("E", "x")])
