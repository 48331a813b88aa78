import pytest

from rag.indexing.lexical.tantivy_index import TantivyIndex

TEXTS = {
    11: "太原市新时代文明实践中心试点观摩推进会在太原市晋源区举行",
    12: "德令哈市乌兰路社区为孩子们放映红色电影",
    13: "志愿者走进社区给居民理发，送去温暖",
}


@pytest.mark.parametrize("analyzer", ["bigram", "jieba"])
def test_finds_the_chunk_by_its_words_and_forgets_deleted_ones(tmp_path, analyzer):
    index = TantivyIndex(tmp_path / "lex", analyzer)
    index.add(list(TEXTS), list(TEXTS.values()))
    index.commit()
    assert index.search("推进会在哪个区举行？", 3)[0][0] == 11
    assert index.search("谁给居民理发", 3)[0][0] == 13
    index.delete([13])
    assert index.search("谁给居民理发", 3)[0][0] == 13  # not committed yet: readers see the last commit
    index.commit()
    assert 13 not in [r for r, _ in index.search("谁给居民理发", 3)]
    assert index.search("", 3) == [] and index.search("！？", 3) == []


def test_persists_in_its_directory(tmp_path):
    index = TantivyIndex(tmp_path / "lex")
    index.add([7, 8], ["红色电影放映", "社区理发"])
    index.commit()
    index.close()
    again = TantivyIndex(tmp_path / "lex")
    hits = again.search("红色电影", 5)
    assert [r for r, _ in hits] == [7] and hits[0][1] > 0


def test_bad_input_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown analyzer 'words'"):
        TantivyIndex(tmp_path / "a", "words")
    index = TantivyIndex(tmp_path / "b")
    with pytest.raises(ValueError, match="2 row ids for 1 texts"):
        index.add([1, 2], ["只有一条"])
    index.add([1], ["一条保留的文字"])
    index.commit()
    assert index.search("保留的文字", 1)[0][0] == 1
