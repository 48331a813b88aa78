import re

import pytest

from rag.ingest.chunking import ChunkerConfig, chunk_article, chunk_spans, sentences
from rag.ingest.layout import split_articles
from tests.conftest import SEEDS


def _seed_chunks(config=ChunkerConfig()):
    for path in sorted(SEEDS.glob("*.txt")):
        source = path.read_text(encoding="utf-8")
        for article in split_articles(path.name, source):
            for chunk in chunk_article(article, config):
                yield source, article, chunk


def test_sentences_end_at_chinese_terminals_and_closing_quotes():
    text = "他说：“好。”然后走了！真的吗？是的；好\n新段落"
    got = [text[a:b] for a, b in sentences(text)]
    assert got == ["他说：“好。”", "然后走了！", "真的吗？", "是的；", "好", "新段落"]


def test_chunks_never_cut_inside_a_sentence():
    for _, article, chunk in _seed_chunks():
        a = article.text.index(chunk.text)
        before = article.text[a - 1] if a else "\n"
        assert before in "。！？；…”’」』）)\n" or a == 0, chunk.text[:30]


@pytest.mark.parametrize("size", [150, 300, 400])
def test_chunk_sizes_stay_near_the_target(size):
    config = ChunkerConfig(size=size, overlap=min(80, size // 3), min_size=size // 5)
    lengths = [len(c.text) for _, _, c in _seed_chunks(config)]
    assert max(lengths) <= size * 1.5
    assert sum(lengths) / len(lengths) >= size * 0.5


def test_offsets_cover_the_chunk_text_in_the_original():
    for source, _, chunk in _seed_chunks():
        span = re.sub(r"\s", "", source[chunk.start:chunk.end])
        flat = re.sub(r"\s", "", chunk.text)
        # The span holds the chunk's characters in order, modulo punctuation width.
        table = str.maketrans(",;:()?!", "，；：（）？！")
        flat, span = flat.translate(table), span.translate(table)
        assert span.startswith(flat[:1]) and span.endswith(flat[-1:]) and _in_order(flat, span), chunk.text[:20]


def _in_order(flat: str, span: str) -> bool:
    # The span can hold skipped material (page furniture, a duplicate section) between the chunk's
    # characters; the chunk's characters still appear in order.
    it = iter(span)
    return all(ch in it for ch in flat)


def test_no_chunk_holds_a_letter_spaced_run_or_mid_sentence_line_break():
    for _, _, chunk in _seed_chunks():
        assert not re.search(r"[\u4e00-\u9fff] [\u4e00-\u9fff] [\u4e00-\u9fff]", chunk.text)
        lines = chunk.text.split("\n")
        for line, nxt in zip(lines, lines[1:]):
            # Same rule as the layout test: a break ends a sentence, or a heading, caption or list item,
            # or stands where the printed text itself breaks off before a sub-heading.
            assert re.search(r"[。！？；…][”’」』）)]*$", line) or len(line) <= 40 or len(nxt) <= 40 or \
                re.match(r"^(上图|下图|左图|右图|- )", line), line


def test_overlap_repeats_a_short_last_sentence():
    text = "第一句话很短。" + "第二句话" * 20 + "。" + "短句。" + "第四句话" * 20 + "。"
    spans = chunk_spans(text, ChunkerConfig(size=100, overlap=20, min_size=10))
    assert len(spans) >= 2
    first, second = (text[a:b] for a, b in spans[:2])
    assert first.endswith("短句。") and second.startswith("短句。")


def test_a_very_long_sentence_is_cut_at_clauses():
    text = "，".join(["这是一个很长的分句"] * 40) + "。"
    spans = chunk_spans(text, ChunkerConfig(size=100, overlap=0, min_size=10))
    assert all(b - a <= 100 for a, b in spans)
    assert all(text[b - 1] in "，。" for a, b in spans[:-1])


def test_chunk_ids_are_stable_and_content_addressed():
    ids1 = [c.chunk_id for _, _, c in _seed_chunks()]
    ids2 = [c.chunk_id for _, _, c in _seed_chunks()]
    assert ids1 == ids2 and len(set(ids1)) == len(ids1)


@pytest.mark.parametrize("kwargs", [{"size": 10}, {"size": 100, "overlap": 100}, {"size": 100, "min_size": -1}])
def test_bad_config_names_the_value(kwargs):
    with pytest.raises(ValueError, match="size|overlap"):
        ChunkerConfig(**kwargs)
