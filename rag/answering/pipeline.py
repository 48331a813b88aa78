"""The answer stage, in one direction: analyse the question, retrieve passages, score their sentences,
extract typed candidates, verify, compose (extractively or through an LLM)."""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Callable, Iterator

from rag.answering import compose
from rag.answering.bylines import Byline, Credit, page_bylines, page_photo_credits
from rag.answering.candidates import extract
from rag.answering.evidence import Sentence, score_sentences
from rag.answering.llm import LLMClient, LLMConfig
from rag.answering.question import AnswerType, EntityKind, Question, analyse
from rag.answering.types import Answer, AnswerConfig, RefusalReason
from rag.answering.verify import Verdict, squash, verify
from rag.embedders.cached import CachedEmbedder
from rag.config import Settings
from rag.engine import Engine
from rag.ingest.layout import PAGE_TEXT
from rag.search.filters import Filters
from rag.text.analyzers import bigrams
from rag.text.clean import CJK
from rag.types import Hit


@dataclass
class QAResult:
    answer: Answer
    hits: list[Hit]
    timings_ms: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class _Checked:
    """What verification saw: the material every composition starts from."""
    question: Question
    hits: list[Hit]
    evidence: list[Sentence]
    verdict: Verdict
    bylines: tuple[Byline, ...] = ()  # when bylines answer: then `hits` are the bylines as passages
    person: str | None = None  # the name asked about that only bylines print
    credits: tuple[Credit, ...] = ()  # when a photo credit answers: then `hits` is it, as a passage

    @property
    def printed(self) -> bool:
        """Answered from what the page prints around its articles (bylines, photo credits), not by an LLM."""
        return bool(self.bylines or self.credits)


class QuestionAnswerer:
    def __init__(self, engine: Engine, config: AnswerConfig = AnswerConfig(), llm: LLMClient | None = None):
        self.engine = engine
        self.config = config
        self.llm = llm
        self.sentence_embedder = CachedEmbedder(engine.embedder)
        self._articles: OrderedDict[tuple[str, str], str] = OrderedDict()  # (build, article id) -> squashed text
        self._articles_lock = threading.Lock()

    @classmethod
    def from_settings(cls, engine: Engine, settings: Settings) -> QuestionAnswerer:
        """The answerer a deployment's settings describe (the service and `rag ask` alike): its refusal
        threshold, and the LLM when an endpoint and a model are configured."""
        llm = LLMClient(LLMConfig(settings.llm_base_url, settings.llm_model, settings.llm_api_key,
                                  settings.llm_timeout)) if settings.llm_base_url and settings.llm_model else None
        return cls(engine, AnswerConfig(refuse_below=settings.refuse_below), llm)

    def ask(self, question: str, top_k: int = 5, filters: Filters | None = None) -> QAResult:
        checked, timings = self._check(question, top_k, filters)
        t = time.perf_counter()
        if checked.verdict.reason is not None or self.llm is None or checked.printed:
            answer = self._compose_extractive(checked)
        else:
            answer = compose.generated(checked.question, checked.hits, checked.evidence, checked.verdict,
                                       self.llm.complete(question, checked.hits))
        timings["compose"] = _ms(t)
        timings["total"] = round(sum(v for k, v in timings.items() if k != "total" and not k.startswith("search_"))
                                 + timings.get("search_total", 0.0), 2)
        return QAResult(answer=answer, hits=checked.hits, timings_ms=timings)

    def stream(self, question: str, top_k: int = 5, filters: Filters | None = None
               ) -> tuple[list[Hit], Iterator[str], Callable[[], Answer]]:
        """The sources first, then the answer's text as it is produced, then the checked answer.

        Returns (hits, deltas, final): iterate `deltas` to the end before calling `final()`."""
        checked, _ = self._check(question, top_k, filters)
        state: dict[str, Answer] = {}

        def deltas() -> Iterator[str]:
            if checked.verdict.reason is not None or self.llm is None or checked.printed:
                answer = self._compose_extractive(checked)
                state["answer"] = answer
                # An extractive answer is whole at once; it is sent sentence by sentence.
                yield from (p for p in re.split(r"(?<=\])", answer.text) if p)
                return
            parts: list[str] = []
            for delta in self.llm.stream(question, checked.hits):
                parts.append(delta)
                yield delta
            state["answer"] = compose.generated(checked.question, checked.hits, checked.evidence,
                                                checked.verdict, "".join(parts))

        return checked.hits, deltas(), lambda: state["answer"]

    def _compose_extractive(self, checked: _Checked) -> Answer:
        if checked.credits:
            return compose.photographed(checked.question, checked.hits, list(checked.credits))
        if checked.bylines:
            return compose.bylined(checked.question, checked.hits, list(checked.bylines), checked.person)
        if checked.verdict.reason is not None:
            return compose.refusal(checked.question, checked.hits, checked.evidence, checked.verdict)
        return compose.extractive(checked.question, checked.hits, checked.evidence, checked.verdict, self.config)

    def _check(self, text: str, top_k: int, filters: Filters | None) -> tuple[_Checked, dict[str, float]]:
        t = time.perf_counter()
        question = analyse(text)
        timings = {"analyse": _ms(t)}
        result = self.engine.search(text, k=top_k, filters=filters)
        timings.update({f"search_{k}": v for k, v in result.timings_ms.items()})
        hits = result.hits
        t = time.perf_counter()
        evidence = score_sentences(text, hits, self.sentence_embedder, self.config)
        # a headline or a sponsor's box printed alone describes nothing: no material for an untyped question
        aside = set() if question.typed else {i for i, h in enumerate(hits) if h.chunk.title == PAGE_TEXT}
        evidence = [s for s in evidence if s.passage not in aside]
        timings["evidence"] = _ms(t)
        t = time.perf_counter()
        articles = ["" if i in aside else a for i, a in enumerate(self._article_texts(hits))]
        years: dict[int, int] = {}
        if question.answer_type in (AnswerType.NUMBER, AnswerType.MONEY, AnswerType.DATE):
            # 张旗在文章里说……多少人: the author named as the source of a figure is present in his byline (asked
            # what the person wrote or who he is, bylines answer below)
            store = self.engine.snapshot().store
            documents = [store.document(h.chunk.doc_id) for h in hits]
            articles = [a + "、".join(d.meta.authors if d else ()) for a, d in zip(articles, documents)]
            # the year each page was printed: what 今年 and 去年 mean on it
            years = {i: int(d.meta.date[:4]) for i, d in enumerate(documents) if d and d.meta.date}
        candidates = extract(question, evidence, years)
        verdict = verify(question, evidence, candidates, articles, self.config, years)
        credit = self._credit(question, hits) if question.asks_photographer else None
        if question.asks_photographer and credit is None and verdict.reason is None:
            # a name in a caption is who the picture shows, not who took it
            verdict = Verdict(RefusalReason.NO_TYPED_ANSWER, "资料中没有找到这张照片的摄影者署名。")
        bylines, person = self._bylines(question, hits, verdict, top_k, filters) if credit is None else ([], None)
        timings["verify"] = _ms(t)
        if credit is not None:
            return _Checked(question, [credit.hit(1.0)], evidence, Verdict(None), credits=(credit,)), timings
        if bylines:
            return _Checked(question, [b.hit(1.0) for b in bylines], evidence, Verdict(None), tuple(bylines),
                            person), timings
        return _Checked(question, hits, evidence, verdict), timings

    def _bylines(self, question: Question, hits: list[Hit], verdict: Verdict, top_k: int,
                 filters: Filters | None) -> tuple[list[Byline], str | None]:
        """The bylines that answer: those of the best passage's article when its author is asked for; else,
        before refusing a question whose only names are people, the bylines of the first of them that some page
        prints as a byline (in the pages a search limited to that author finds)."""
        store = self.engine.snapshot().store
        if question.asks_author:
            # 《…》的作者 asks about a book or a film unless the title is the article's own headline
            titles = [squash(e.text) for e in question.names if e.kind is EntityKind.TITLE]
            for hit in hits[: self.config.passages]:
                if any(t not in squash(hit.chunk.title) for t in titles):
                    continue
                signed = [b for b in _page_bylines(store, hit.chunk.doc_id) if b.article_id == hit.chunk.article_id]
                if signed:
                    return signed, None
            return [], None
        # asked who a person is (写《…》的张旗是什么职务), the other names only describe the person
        if verdict.reason is None or not question.names or question.answer_type is not AnswerType.IDENTITY \
                and any(e.kind is not EntityKind.PERSON for e in question.names):
            return [], None
        scope = filters or Filters()
        for name in (n for e in question.names if e.kind is EntityKind.PERSON for n in _name_forms(question.text, e.text)
                     if not scope.authors or n in scope.authors):
            found = self.engine.search(question.text, k=top_k, filters=replace(scope, authors=(name,))).hits
            signed = [b for doc_id in dict.fromkeys(h.chunk.doc_id for h in found)
                      for b in _page_bylines(store, doc_id) if name in b.names]
            if signed:
                return signed[:top_k], name
        return [], None

    def _credit(self, question: Question, hits: list[Hit]) -> Credit | None:
        """The photo credit whose caption (and its article's headline) shares most of the question's words, among
        the pages of the passages found; none unless a third of the question's bigrams are there."""
        store = self.engine.snapshot().store
        asked = set(bigrams(_PHOTO_WORDS.sub("", squash(question.text))))
        best, share = None, 1 / 3
        for doc_id in dict.fromkeys(h.chunk.doc_id for h in hits):
            for credit in page_photo_credits(doc_id, store.source_text(doc_id) or "", store.articles(doc_id)):
                shared = len(asked & set(bigrams(squash(credit.caption + credit.title)))) / max(len(asked), 1)
                if shared >= share:
                    best, share = credit, shared
        return best

    def _article_texts(self, hits: list[Hit]) -> list[str]:
        """The whole article each hit comes from (title and body, squashed): a name the question asks about
        may stand in the article's headline or first paragraph rather than in the retrieved passage."""
        snapshot = self.engine.snapshot()
        out = []
        for hit in hits:
            key = (snapshot.build_id, hit.chunk.article_id)
            with self._articles_lock:
                text = self._articles.get(key)
            if text is None:
                text = _article_text(snapshot.store, hit.chunk.article_id)
                with self._articles_lock:
                    self._articles[key] = text
                    while len(self._articles) > 5000:
                        self._articles.popitem(last=False)
            out.append(text)
        return out


_HAN = re.compile(f"[{CJK}]")


# The words that ask for a photographer, left out when a question is matched against captions.
_PHOTO_WORDS = re.compile(r"照片|图片|相片|组图|配图|摄影师?|摄影者|拍摄者?|是谁|由谁|哪位|谁|拍的|拍了|摄的|这张|那张|的|[？?。，,]")


def _name_forms(question: str, name: str) -> list[str]:
    """A person's name as the analyser read it, then with the character before or after it: jieba cuts names
    it does not know short (杨雅芳 → 杨 雅芳, 罗玉琢 → 罗玉 琢写)."""
    at = question.find(name)
    if at < 0 or len(name) >= 4:
        return [name]
    before, after = question[at - 1: at] if at else "", question[at + len(name): at + len(name) + 1]
    return [name] + [f for f, c in ((before + name, before), (name + after, after)) if c and _HAN.fullmatch(c)]


def _page_bylines(store, doc_id: str) -> list[Byline]:
    doc = store.document(doc_id)
    return page_bylines(doc_id, store.source_text(doc_id) or "", store.articles(doc_id),
                        doc.meta.authors) if doc is not None else []


def _article_text(store, article_id: str) -> str:
    doc_id = article_id.rsplit("#", 1)[0]
    source = store.source_text(doc_id) or ""
    for a in store.articles(doc_id):
        if a["article_id"] == article_id:
            return squash(a["title"] + source[a["start"]:a["end"]])
    return ""


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)
