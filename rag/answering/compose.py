"""Composition: the answer's text and citations, from verified material, extractively or through an LLM.

Extractive: the short answer first (for a typed question), then the supporting sentences verbatim, each
followed by the number of its passage. Every [n] is a citation whose passage contains the sentence, and
`highlight` is the sentence's span inside that passage."""

from __future__ import annotations

import re

from rag.answering.bylines import Byline, Credit
from rag.answering.candidates import numeric_value
from rag.answering.evidence import Sentence
from rag.answering.question import AnswerType, Question
from rag.answering.types import REFUSAL, Answer, AnswerConfig, Citation, ShortAnswer
from rag.answering.verify import Verdict, squash
from rag.ingest.chunking import sentences
from rag.text.clean import CJK
from rag.types import Hit

_MARKER = re.compile(r"\[(\d+)\]")


def refusal(question: Question, hits: list[Hit], evidence: list[Sentence], verdict: Verdict) -> Answer:
    """The refusal, with the closest passages as related material (not as citations of an answer)."""
    related = _citations(evidence, hits, limit=3)
    return Answer(text=verdict.message or REFUSAL, citations=(), refused=True,
                  evidence=evidence[0].score if evidence else 0.0, question=question,
                  refusal_reason=verdict.reason, related=tuple(related))


def extractive(question: Question, hits: list[Hit], evidence: list[Sentence], verdict: Verdict,
               config: AnswerConfig) -> Answer:
    best_score = evidence[0].score
    distinct, seen = [], set()
    for s in evidence:  # two passages that overlap hold the same sentence: it is said once
        if (key := squash(s.text)) not in seen:
            seen.add(key)
            distinct.append(s)
    chosen = [s for s in distinct if s.score >= best_score - config.keep_within][: config.max_sentences]
    if not question.typed:  # a list or a description goes on past ；and ：to the end of its sentence
        grown = [_continued(s, evidence, hits[s.passage].chunk.text) for s in chosen]
        chosen = [s for i, s in enumerate(grown) if not any(o.passage == s.passage and o.start <= s.start
                                                              and s.end <= o.end for o in grown[:i])]
        items = _items(question, hits, hits[chosen[0].passage].chunk.article_id)
        chosen += [s for s in items if not any(squash(s.text) in squash(c.text) for c in chosen)]
    short = None
    if verdict.best is not None:
        lead = verdict.best.sentence
        # The sentence that holds the short answer leads, whatever its rank.
        chosen = [lead] + [s for s in chosen if s != lead][: config.max_sentences - 1]
        short = ShortAnswer(verdict.best.text, lead.passage + 1, verdict.best.start, verdict.best.end)
    parts = [f"{s.text.strip()}[{s.passage + 1}]" for s in chosen]
    text = (f"{short.text}。" if short else "") + "".join(parts)
    return Answer(text=text, citations=tuple(_citations(chosen, hits)), refused=False, evidence=best_score,
                  question=question, short_answer=short)


# “五个课堂”分别是什么: the items of an enumeration the question names, each printed as a quoted name ending in
# its noun (打造党史学习“集中课堂”。), often one per paragraph, across the passages found.
_ENUMERATION = re.compile(f"([两二三四五六七八九十])(?:个|大|项|种|类|条)([{CJK}]{{1,4}})")


def _items(question: Question, hits: list[Hit], article_id: str) -> list[Sentence]:
    """The sentences of the article's passages that name the enumeration's items (“集中课堂” for “五个课堂”), in
    the passages' order, one per item, as many as the enumeration counts; none unless two are found."""
    m = _ENUMERATION.search(question.text)
    if m is None:
        return []
    count, noun = int(numeric_value(m.group(1))), m.group(2)
    found: dict[str, Sentence] = {}
    for i, hit in enumerate(hits):
        if hit.chunk.article_id != article_id:
            continue
        text = hit.chunk.text
        for a, b in sentences(text):
            for name in re.findall(f"“([{CJK}]{{1,8}}{noun})”", text[a:b]):
                if not _ENUMERATION.fullmatch(name) and name not in found and len(found) < count:
                    found[name] = Sentence(i, a, b, text[a:b], 0.0)
    return list(dict.fromkeys(found.values())) if len(found) >= 2 else []


_GOES_ON = ("；", ";", "：", ":")
_CONTINUED_MAX = 300  # characters an answer sentence may grow to


def _continued(sentence: Sentence, evidence: list[Sentence], text: str) -> Sentence:
    """The sentence with those after it in its passage while it ends on ；or ：(治理城市不文明行为，治理网上失德行为；
    治理天价彩礼……): Chinese prints a list's items, or what a colon announces, as clauses of one sentence."""
    following = sorted((s for s in evidence if s.passage == sentence.passage and s.start >= sentence.end),
                       key=lambda s: s.start)
    end = sentence.end
    for s in following:
        if not text[:end].rstrip().endswith(_GOES_ON) or text[end:s.start].strip() \
                or s.end - sentence.start > _CONTINUED_MAX:
            break
        end = s.end
    if end == sentence.end:
        return sentence
    return Sentence(sentence.passage, sentence.start, end, text[sentence.start:end], sentence.score)


_POST_ASKED = re.compile("职务|职位|身份|头衔|什么职")


def bylined(question: Question, hits: list[Hit], bylines: list[Byline], person: str | None) -> Answer:
    """An answer from bylines, each cited as its own passage (`hits`: `Byline.hit` of each): the author of the
    article asked about, or (`person`: a name the question gives that only bylines print) the articles that
    person signed."""
    marks = {b.article_id: "".join(f"[{i + 1}]" for i, c in enumerate(bylines) if c.article_id == b.article_id)
             for b in bylines}
    titles = {b.article_id: "《" + b.title.split("——")[0].strip() + "》" for b in bylines}
    signed = "、".join(t + marks[a] for a, t in titles.items())
    posts = [(i, b.role) for i, b in enumerate(bylines) if b.role]
    if person is None:
        names = "、".join(dict.fromkeys(n for b in bylines for n in b.names))
        text = f"{titles[bylines[0].article_id]}的署名作者是{names}{marks[bylines[0].article_id]}。"
        a, b = bylines[0].signed
        short = ShortAnswer(bylines[0].text[a:b], 1, a, b)
        if _POST_ASKED.search(question.text) and bylines[0].role:  # 作者担任什么职务: the post its signature prints
            post = bylines[0].role
            text = f"{titles[bylines[0].article_id]}的署名作者{names}是{post}{marks[bylines[0].article_id]}。"
            short = ShortAnswer(post, 1, 0, len(post))
    elif question.answer_type is AnswerType.IDENTITY and posts:
        # who the person is: the post the signature prints (中共北京海淀区委副书记 张旗)
        i, post = posts[0]
        text = f"{person}是{post}[{i + 1}]，{signed}的署名作者。"
        short = ShortAnswer(post, i + 1, 0, len(post))
    else:
        text = f"{person}是{signed}的署名作者。"
        short = None
    citations = tuple(Citation(i + 1, h, (0, len(h.chunk.text))) for i, h in enumerate(hits))
    return Answer(text=text, citations=citations, refused=False, evidence=1.0, question=question,
                  short_answer=short)


def photographed(question: Question, hits: list[Hit], credits: list[Credit]) -> Answer:
    """Who took a picture: the names of its credit, and the caption that says what it shows."""
    credit = credits[0]
    shown = re.sub(r"\s+", "", credit.caption)
    shown = shown[shown.find("图为"):] if "图为" in shown else shown[-80:]
    text = f"照片由{'、'.join(credit.names)}拍摄[1]。{shown}"
    a, b = credit.signed
    citations = tuple(Citation(i + 1, h, (0, len(h.chunk.text))) for i, h in enumerate(hits))
    return Answer(text=text, citations=citations, refused=False, evidence=1.0, question=question,
                  short_answer=ShortAnswer(credit.text[a:b], 1, a, b))


def generated(question: Question, hits: list[Hit], evidence: list[Sentence], verdict: Verdict,
              text: str) -> Answer:
    """An LLM's answer, kept only with the markers that point at a source, each highlighting the best
    sentence of its passage; the LLM's own refusal stands as a refusal."""
    text, cited = check_markers(text.strip(), len(hits))
    if REFUSAL[:6] in text or not cited:
        return refusal(question, hits, evidence, Verdict(verdict.reason, REFUSAL))
    best_in = {}
    for s in evidence:  # best first: the first sentence seen of a passage is its best
        best_in.setdefault(s.passage, s)
    citations = [Citation(n, hits[n - 1], (best_in[n - 1].start, best_in[n - 1].end) if n - 1 in best_in
                          else (0, len(hits[n - 1].chunk.text))) for n in cited]
    short = None
    if verdict.best is not None and verdict.best.sentence.passage + 1 in cited:
        b = verdict.best
        short = ShortAnswer(b.text, b.sentence.passage + 1, b.start, b.end)
    return Answer(text=text, citations=tuple(citations), refused=False,
                  evidence=evidence[0].score if evidence else 0.0, question=question, short_answer=short)


def _citations(sentences: list[Sentence], hits: list[Hit], limit: int | None = None) -> list[Citation]:
    # A passage keeps its rank as its number, so the sources streamed before an answer and the markers
    # inside it agree; its highlight is the first (best) of its chosen sentences.
    out: dict[int, Citation] = {}
    for s in sentences:
        if s.passage + 1 not in out:
            out[s.passage + 1] = Citation(n=s.passage + 1, hit=hits[s.passage], highlight=(s.start, s.end))
    return list(out.values())[:limit]


def check_markers(text: str, count: int) -> tuple[str, list[int]]:
    """Drop citation markers that point at no source; return the text and the sources it cites."""
    cited: list[int] = []

    def keep(m: re.Match) -> str:
        n = int(m.group(1))
        if 1 <= n <= count:
            if n not in cited:
                cited.append(n)
            return m.group(0)
        return ""

    return _MARKER.sub(keep, text), cited
