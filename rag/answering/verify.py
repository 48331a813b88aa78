"""Verification: before anything is composed, check that the retrieved material can answer at all.

Refuse when (a) a name the question asks about is in none of the retrieved articles, (b) a typed question
has no candidate of its type tied to its focus, or (c) no sentence is close enough to the question. A
retrieval or sentence score alone cannot tell answerable from unanswerable questions (on our questions no
score separates them better than 62-65 % of pairs); checking the answer's own material can."""

from __future__ import annotations

import re
from typing import Mapping
from dataclasses import dataclass

from rag.answering.candidates import Candidate, numeric_value
from rag.answering.evidence import Sentence
from rag.answering.question import ADMIN_LEVELS, AnswerType, Entity, EntityKind, Question
from rag.answering.types import REFUSAL, AnswerConfig, RefusalReason


@dataclass(frozen=True)
class Verdict:
    reason: RefusalReason | None  # None: the material can answer
    message: str = ""  # the refusal as the user reads it
    best: Candidate | None = None  # the short answer, for a typed question that passed


# Types whose extraction is reliable enough that finding no candidate means the material holds no answer; a
# place is one when the question names the kind of place (哪个场馆). Titles, organisations and other places
# are printed in too many ways to refuse on their absence.
STRICT_TYPES = frozenset({AnswerType.NUMBER, AnswerType.MONEY, AnswerType.DATE, AnswerType.PERSON,
                          AnswerType.IDENTITY})

_KIND_WORDS = {"number": "数字", "money": "金额", "date": "时间", "person": "人名", "identity": "身份", "place": "地点",
               "organization": "单位名称", "work": "名称"}


def squash(text: str) -> str:
    """Text without white space: OCR line breaks and letter spacing do not split a name."""
    return re.sub(r"\s+", "", text)


def absent_entities(question: Question, articles: list[str]) -> list[Entity]:
    """The question's entities that none of the (squashed) article texts mention in any of their forms. A quoted
    title right before a person's name (“孝老之星”郭建军) is an epithet of that person, a reader's words for what
    the page may print otherwise: the person stands for it."""
    def present(e: Entity) -> bool:
        return any(any(f in a for f in e.forms) or (e.parts and all(p in a for p in e.parts)) for a in articles)

    people = [e for e in question.names if e.kind is EntityKind.PERSON and present(e)]
    q = squash(question.text)
    return [e for e in question.names if not present(e) and not (
        e.kind is EntityKind.TITLE and any(f"{e.text}”{p.text}" in q or f"{e.text}」{p.text}" in q for p in people))]


_YEARS = re.compile(r"((?:19|20)[0-9]{2})(?:年?\s*(?:[—\-－~至到]|以来)\s*((?:19|20)[0-9]{2}))?")


def _of_year(years: set[str], sentence: str) -> bool:
    """Whether a sentence may speak of one of the years asked: it prints one (or a span of years holding one),
    or no year at all (a page need not print the year it reports on)."""
    printed = [(int(a), int(b or a)) for a, b in _YEARS.findall(squash(sentence))]
    return not printed or any(lo <= int(y) <= hi for y in years for lo, hi in printed)


def _of_years(years: set[str], candidate: Candidate, articles: list[str], printed: int | None = None) -> bool:
    """`_of_year` for a candidate's sentence, and for a sentence printing no year, for its article (a figure
    of an article that prints years, none of them the one asked, does not answer). Where years stand before
    the figure in its sentence, the nearest is its year (2023年全市共有4.86万人次……比2022年增长11.3%: 2023's),
    今年 and 去年 among them once the year the page was printed (`printed`) is known."""
    sentence = candidate.sentence
    before = squash(sentence.text[: candidate.start - sentence.start])
    marks = [(m.start(), int(m.group(1)), int(m.group(2) or m.group(1))) for m in _YEARS.finditer(before)]
    if printed is not None:
        marks += [(m.start(), printed - (m.group(0) == "去年"), printed - (m.group(0) == "去年"))
                  for m in re.finditer("今年|去年", before)]
    if marks:
        _, lo, hi = max(marks)
        return any(lo <= int(y) <= hi for y in years)
    if not _of_year(years, sentence.text):
        return False
    return bool(_YEARS.search(squash(sentence.text))) or sentence.passage >= len(articles) \
        or _of_year(years, articles[sentence.passage])


# 第三季, and the phases of a works printed without 第 (二期工程)
_ROUND = re.compile(r"第([0-9一二三四五六七八九十]+)(季|期|届|批|轮)|(?<![0-9一二三四五六七八九十第])([一二三四五六七八九十])(期)(?=工程|项目)")


# A total over several rounds (累计评选4届共计236户) speaks of no single one of them.
_ROUNDS_TOGETHER = re.compile(r"(?<!第)[0-9一二三四五六七八九十]+(季|期|届|批|轮)(?:共|累计|以来|来)")


def _of_round(rounds: set[tuple[int, str]], sentence: str) -> bool:
    """Whether a sentence may speak of the season or round asked (第三季): it prints that one, or none of its kind."""
    printed = {(numeric_value(m.group(1) or m.group(3)), m.group(2) or m.group(4))
               for m in _ROUND.finditer(squash(sentence))}
    printed |= {(None, kind) for kind in _ROUNDS_TOGETHER.findall(squash(sentence))}
    return all((n, kind) in printed or not any(k == kind for _, k in printed) for n, kind in rounds)


def _of_relative_year(question: Question, candidate: Candidate) -> bool:
    """Asked about this year (今年), a figure of last year (去年秋季首次推出，当时只有18门) does not answer, nor the other
    way round: the nearest 今年 or 去年 before the figure in its sentence says which year it is, else the sentence's."""
    q = squash(question.text)
    asked = [w for w in ("今年", "去年") if w in q]
    if len(asked) != 1:
        return True
    text = candidate.sentence.text
    before = re.findall("今年|去年", squash(text[: candidate.start - candidate.sentence.start]))
    said = {before[-1]} if before else set(re.findall("今年|去年", squash(text)))
    return not said or asked[0] in said


_UNITS = "|".join(sorted(ADMIN_LEVELS, key=len, reverse=True))  # 自治区 before 区
_WHOLE = re.compile(f"全({_UNITS})")
_WHOLE_DOING = re.compile(f"(?:(?<=[在于])|(?=全(?:{_UNITS})(?:已|共|累计|范围)))全({_UNITS})")


def _of_place(question: Question, candidate: Candidate) -> bool:
    """Asked about a place, a figure its own clause gives for the whole of a larger unit (全区已设立网点86个,
    asked of a 街道 in that 区) does not answer, unless its sentence names the place asked."""
    places = [(e, m.group(1)) for e in question.names if e.kind is EntityKind.PLACE
              and (m := re.search(f"({_UNITS})$", e.text))]
    if not places:
        return True
    asked, unit = max(places, key=lambda p: ADMIN_LEVELS[p[1]])
    text = candidate.sentence.text
    if any(f in squash(text) for f in asked.forms):
        return True
    before = text[: candidate.start - candidate.sentence.start]
    clause = re.split("[，,；;。！？!?]", before)[-1]
    # a clause earlier, the whole unit where something is done: 麒麟区已在全区11个镇推广……，建成积分超市97个 (not
    # 被确定为全国、全省试点县后，今年又将……)
    wholes = [*_WHOLE.finditer(clause), *_WHOLE_DOING.finditer(before)]
    return not any(ADMIN_LEVELS[m.group(1)] < ADMIN_LEVELS[unit] for m in wholes)


# What is planned is not yet done: asked how many were built (已经建成了多少处), a figure the clause gives as a
# plan (计划新建驿站20处) does not answer.
_PLAN = re.compile("计划|拟|力争|预计|争取|目标|将(?:新建|建成|建设|达到|实现|增加|扩大|推广|完成)")


def _of_plan(question: Question, candidate: Candidate) -> bool:
    if question.answer_type not in (AnswerType.NUMBER, AnswerType.MONEY) or _PLAN.search(question.text):
        return True
    at = candidate.start - candidate.sentence.start
    clause = re.split("[，,；;。！？!?]", candidate.sentence.text[:at])[-1]
    return _PLAN.search(clause) is None


# When something starts and when it ends are different dates: asked when a call for works closes (截止), the
# date it was launched (启动) does not answer.
_STARTS = re.compile("启动|开幕|开始|开展|举行|召开|成立|开通|启用|揭牌|挂牌|发布|开工|开放")
_ENDS = re.compile("截止|结束|闭幕|落幕|收官|完成|竣工|到期")


def _of_event(question: Question, candidate: Candidate) -> bool:
    """Whether a date stands in a sentence about the end (or the start) of something, as the question asks."""
    if question.answer_type is not AnswerType.DATE:
        return True
    q, sentence = squash(question.text), squash(candidate.sentence.text)
    for asked, other in ((_ENDS, _STARTS), (_STARTS, _ENDS)):
        if asked.search(q) and not other.search(q) and not asked.search(sentence) and other.search(sentence):
            return False
    return True


def verify(question: Question, evidence: list[Sentence], candidates: list[Candidate], articles: list[str],
           config: AnswerConfig, printed: Mapping[int, int] | None = None) -> Verdict:
    """`articles`: the squashed text of the article each retrieved passage comes from, by passage index;
    `printed`: the year each passage's page was printed, where known."""
    if config.verify:
        # A figure from an article about somebody else does not answer (a kindergarten's pupils are not
        # counted in another town's report): a candidate's own article must mention every name asked about.
        candidates = [c for c in candidates if c.sentence.passage >= len(articles)
                      or not absent_entities(question, [articles[c.sentence.passage]])]
        # A figure of another year, season or round does not answer (2018年……多少名 is not answered by 2020's
        # count, nor 第三季 by the first season's).
        years = {e.text.rstrip("年") for e in question.entities if e.kind is EntityKind.YEAR}
        rounds = {(numeric_value(m.group(1) or m.group(3)), m.group(2) or m.group(4))
                  for m in _ROUND.finditer(squash(question.text))}
        candidates = [c for c in candidates if (not years or _of_years(years, c, articles,
                                                                        (printed or {}).get(c.sentence.passage)))
                      and _of_round(rounds, c.sentence.text) and _of_event(question, c)
                      and _of_relative_year(question, c) and _of_place(question, c) and _of_plan(question, c)]
        missing = absent_entities(question, articles)
        if missing:
            return Verdict(RefusalReason.ENTITY_ABSENT, f"资料中没有关于{'、'.join(e.text for e in missing)}的内容。")
    if not evidence or evidence[0].score < config.refuse_below:
        return Verdict(RefusalReason.WEAK_EVIDENCE, REFUSAL)
    best = next((c for c in candidates if c.tied), None)
    strict = question.answer_type in STRICT_TYPES or question.answer_type is AnswerType.PLACE and question.focus
    if best is None and candidates and candidates[0].sentence == evidence[0] and not strict:
        best = candidates[0]  # a title or a name in the best sentence answers even when its focus is paraphrased
    if config.verify and best is None and strict:
        subject = "、".join(e.text for e in question.names) or "相关内容"
        wanted = f"{question.focus}的{_KIND_WORDS[question.answer_type]}" if question.focus \
            else f"问题所问的{_KIND_WORDS[question.answer_type]}"
        return Verdict(RefusalReason.NO_TYPED_ANSWER, f"资料提到了{subject}，但没有{wanted}。")
    return Verdict(None, best=best)
