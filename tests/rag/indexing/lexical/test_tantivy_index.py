import pytest

from rag.indexing.lexical.tantivy_index import TantivyIndex
from rag.text.analyzers import ANALYZERS

TEXTS = {
    11: "太原市新时代文明实践中心试点观摩推进会在太原市晋源区举行",
    12: "德令哈市乌兰路社区为孩子们放映红色电影",
    13: "志愿者走进社区给居民理发，送去温暖",
}


def tokens(text: str) -> tuple[str, ...]:
    return tuple(" ".join(fn(text)) for fn in ANALYZERS.values())


def terms(analyzer: str, text: str) -> list[str]:
    return ANALYZERS[analyzer](text)


@pytest.mark.parametrize("analyzer", list(ANALYZERS))
def test_finds_the_chunk_by_its_words_and_forgets_deleted_ones(tmp_path, analyzer):
    index = TantivyIndex(tmp_path / "lex")
    index.add((row, tokens(text)) for row, text in TEXTS.items())
    index.commit()
    assert index.search(terms(analyzer, "推进会在哪个区举行？"), analyzer, 3)[0][0] == 11
    assert index.search(terms(analyzer, "谁给居民理发"), analyzer, 3)[0][0] == 13
    index.delete([13])
    assert index.search(terms(analyzer, "谁给居民理发"), analyzer, 3)[0][0] == 13  # readers see the last commit
    index.commit()
    assert 13 not in [r for r, _ in index.search(terms(analyzer, "谁给居民理发"), analyzer, 3)]
    assert index.search([], analyzer, 3) == []


def test_allowed_rows_are_a_pre_filter_that_leaves_scores_alone(tmp_path):
    index = TantivyIndex(tmp_path / "lex")
    index.add((row, tokens(text)) for row, text in TEXTS.items())
    index.commit()
    query = terms("bigram", "社区居民")
    everything = dict(index.search(query, "bigram", 3))
    only = index.search(query, "bigram", 3, allowed=[12])
    assert [r for r, _ in only] == [12] and only[0][1] == pytest.approx(everything[12])
    assert index.search(query, "bigram", 3, allowed=[]) == []


def test_adding_a_row_again_replaces_it_and_it_persists(tmp_path):
    index = TantivyIndex(tmp_path / "lex")
    index.add([(7, tokens("红色电影放映")), (8, tokens("社区理发"))])
    index.commit()
    index.add([(7, tokens("红色电影放映"))])  # as after a crash between the lexicon's commit and the store's
    index.commit()
    index.close()
    again = TantivyIndex(tmp_path / "lex")
    hits = again.search(terms("bigram", "红色电影"), "bigram", 5)
    assert [r for r, _ in hits] == [7] and hits[0][1] > 0
    assert again.size == 2 and again.holds([7, 8, 9]) == {7, 8}


def test_bad_input_is_refused(tmp_path):
    index = TantivyIndex(tmp_path / "b")
    with pytest.raises(ValueError, match="row 1 has 1 token strings; give one per analyzer"):
        index.add([(1, ("只有",))])
    with pytest.raises(ValueError, match="unknown analyzer 'words'"):
        index.search(["词"], "words", 3)
    with pytest.raises(ValueError, match="threads must be at least 1"):
        TantivyIndex(tmp_path / "c", threads=0)


def test_a_commit_killed_halfway_does_not_block_the_next_one(tmp_path):
    """A writer killed after writing a commit's files but before meta.json listed them: the next writer makes
    the same commit, with the same file names (found by eval/crash_trial.py)."""
    import shutil

    folder = tmp_path / "lex"
    index = TantivyIndex(folder)
    index.add((row, tokens(text)) for row, text in TEXTS.items())
    index.commit()
    index.close()
    meta = (folder / "meta.json").read_bytes()
    shutil.copytree(folder, tmp_path / "saved")
    index = TantivyIndex(folder)
    index.delete([13])
    index.commit()
    index.close()
    left = {p.name for p in folder.iterdir()} - {p.name for p in (tmp_path / "saved").iterdir()}
    assert any(name.endswith(".del") for name in left)
    (folder / "meta.json").write_bytes(meta)  # the kill: its files written and registered, meta.json not swapped
    again = TantivyIndex(folder)
    assert again.holds([13]) == {13}
    again.delete([13])
    again.commit()
    assert again.holds([11, 12, 13]) == {11, 12}


def test_allowed_rows_in_long_runs_are_matched_as_ranges_with_the_same_results(tmp_path, monkeypatch):
    import numpy as np

    from rag.indexing.lexical import tantivy_index

    index = TantivyIndex(tmp_path / "lex")
    texts = list(TEXTS.values())
    index.add((row, tokens(texts[row % 3] + f"第{row}号")) for row in range(1, 6001))
    index.commit()
    query = terms("bigram", "社区居民理发")
    allowed = np.r_[np.arange(100, 2700), np.arange(3000, 5800)]  # two runs, 5,400 rows: ranges
    as_ranges = index.search(query, "bigram", 20, allowed)
    monkeypatch.setattr(tantivy_index, "IDS_PER_RANGE", 10**9)  # every filter a term set
    as_terms = index.search(query, "bigram", 20, allowed)
    assert len(as_ranges) == 20 and {r for r, _ in as_ranges} <= set(allowed.tolist())
    assert sorted(as_ranges) == sorted(as_terms)
    assert index.search(query, "bigram", 5, np.arange(2700, 3000)) != []  # a single short run: a term set
    assert {r for r, _ in index.search(query, "bigram", 50, np.arange(2700, 3000))} <= set(range(2700, 3000))


def test_a_wide_scattered_filter_lets_the_query_lead_with_the_same_results(tmp_path, monkeypatch):
    import numpy as np

    from rag.indexing.lexical import tantivy_index

    index = TantivyIndex(tmp_path / "lex")
    texts = list(TEXTS.values())
    index.add((row, tokens(texts[row % 3] + f"第{row}号")) for row in range(1, 6001))
    index.commit()
    monkeypatch.setattr(tantivy_index, "FIRST_PASS_ROWS", 100)
    every_other = np.arange(1, 6001, 2)  # 3,000 runs of one row: scattered
    query = terms("bigram", "社区居民理发")
    led = index.search(query, "bigram", 20, every_other)
    # four allowed rows match, with the longest texts, below the query's best hits: the filter must lead again
    few = np.sort(np.r_[np.arange(2, 6001, 3), [5989, 5992, 5995, 5998]])
    film = index.search(terms("bigram", "红色电影"), "bigram", 20, few)
    monkeypatch.setattr(tantivy_index, "FIRST_PASS_HITS", 0)  # the filter always leads
    assert led == index.search(query, "bigram", 20, every_other)
    assert len(led) == 20 and {r for r, _ in led} <= set(every_other.tolist())
    assert {r for r, _ in film} == {5989, 5992, 5995, 5998}
    assert film == index.search(terms("bigram", "红色电影"), "bigram", 20, few)
