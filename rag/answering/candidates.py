"""Typed answer candidates: the spans of the evidence sentences that are of the kind a question asks for
(a count in its measure word, an amount of money, a date, a person, a place, an organisation, a title),
scored by their sentence and by how close they stand to the question's focus and terms."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping

import cn2an

from rag.answering.evidence import Sentence
from rag.answering.question import (
    ADMIN_SUFFIX,
    EVERY_PLACE,
    MEASURE_UNITS,
    MONEY_UNITS,
    ORG_SUFFIX,
    COMPOUND_SURNAMES,
    AnswerType,
    EntityKind,
    SURNAMES,
    Question,
    posseg,
)
from rag.text.analyzers import bigrams
from rag.text.clean import CJK


Tokens = tuple[tuple[int, int, str, str], ...]  # (start, end, word, jieba's tag) of a sentence


@dataclass(frozen=True)
class Candidate:
    text: str
    sentence: Sentence
    start: int  # offsets into the passage text
    end: int
    tied: bool  # stands near the question's focus (or, with no focus, in a sentence that shares its terms)
    score: float


_DIGITS = r"[0-9０-９]+(?:[.．][0-9０-９]+)?"
_CN_DIGITS = "零〇一二两三四五六七八九十百千万亿"
_NUMBER = rf"(?:{_DIGITS}(?:[万亿])?|[{_CN_DIGITS}]+)(?:多|余|来)?"
_QUANTITY = re.compile(rf"(?:近|约|超过|逾|共|达)?{_NUMBER}(?:{MONEY_UNITS}|{MEASURE_UNITS})|{_DIGITS}%|百分之[{_CN_DIGITS}]+|"
                       rf"{_DIGITS}(?:多|余)?[万亿](?:多|余)?")  # 50余万: a large count printed without its unit
_ORDINAL = re.compile(rf"第(?:{_DIGITS}|[{_CN_DIGITS}]+)(?:{MEASURE_UNITS})?")
_GRADE = re.compile(rf"(?:[{_CN_DIGITS}特]|[0-9]+)等奖")
_AWARD = re.compile(rf"(?:团体|个人|集体)?(?:[{_CN_DIGITS}特]等奖|金奖|银奖|铜奖|优秀奖|最佳[{CJK}]{{1,6}}奖)|“[^”]{{2,20}}奖”|《[^》]{{2,20}}奖》")
_MONEY = re.compile(rf"(?:近|约|超过|逾|共|达)?{_NUMBER}(?:{MONEY_UNITS})")
_YEAR = r"(?:(?:19|20)[0-9]{2}|[〇零一二三四五六七八九]{4})年"
_DATE = re.compile(
    rf"(?:19|20)[0-9]{{2}}[—\-－~至到](?:19|20)[0-9]{{2}}年|{_YEAR}(?:[—\-－~至到]{_YEAR})?(?:[0-9]{{1,2}}月(?:[0-9]{{1,2}}日)?)?|(?:今年|去年|明年)?[0-9]{{1,2}}月[0-9]{{1,2}}日|"
    rf"(?:今年|去年|明年)?[0-9]{{1,2}}月(?:份|初|底|中旬|上旬|下旬)?|[0-9]{{1,2}}[:：][0-9]{{2}}|[0-9]{{1,2}}点半?|"
    r"(?:每周|星期|周)[一二三四五六日天]")
_ASKS_DAY = re.compile(r"哪一?天|几号|几日|哪日|几月几|日期")
_ASKS_YEAR = re.compile(r"哪一?年|何年|几几年")
# A month or a day inside a date is no count (2022年9月, 9月2日)
_DATE_PART = re.compile(r"(?:19|20)[0-9]{2}年[0-9]{1,2}月|[0-9]{1,2}月[0-9]{1,2}[日号]")
_TITLE = re.compile(r"《[^》]{1,80}》|“[^”]{2,30}”|「[^」]{2,30}」")
# The same count may be written 名, 人 or 位: a question asking 多少名 accepts all three.
_UNIT_GROUPS = [{"名", "人", "位", "余名", "余人"}, {"场", "场次"}, {"次", "人次"}, {"个", "处", "座", "家"}]
_PLACE_TAIL = re.compile(rf"(?:{ADMIN_SUFFIX}|馆|中心|广场|礼堂|公园|剧院|会场|基地|宫|大厅|滨江|陵园|学校|院|园|站|所|点|路|街|镇)$")
_ORG_WORD_AHEAD = re.compile(f"[{CJK}]{{0,4}}(?:{ORG_SUFFIX})(?![{CJK}])|[{CJK}]{{0,4}}(?:{ORG_SUFFIX})[，,。；;、]")
_TEAM_AHEAD = re.compile("志愿者?(?:服务)?(?:团队|队伍|队|团|协会|组织)|团队|协会|服务队")
_ORG_TAIL = re.compile(f"(?:{ORG_SUFFIX}|党校|教育|机构|小组|分队|服务队|志愿队|讲解团|团队)$")
_NAME_FLAGS = ("n", "ns", "nr", "nt", "nz", "nrt", "nrfg", "j", "b", "vn", "l", "ng", "a")
# Words that end a name run even though jieba tags them as nouns.
_RUN_BREAK = set("时 中 里 上 下 前 后 内 外 间 期间 方面 工作 活动 建设 问题 情况".split())


def extract(question: Question, evidence: list[Sentence], years: Mapping[int, int] | None = None) -> list[Candidate]:
    """Candidates of the question's type from the evidence sentences, best first (none for untyped questions).
    `years`: the year each passage's page was printed, where known (by the passage's index)."""
    found: list[Candidate] = []
    seen: set[tuple[int, int, int]] = set()
    context = _context_scores(evidence)
    # of two figures, in one sentence or two, the one whose clause prints more of the question's words (26对新人……
    # 步入婚姻殿堂 and 其中有19对新人承诺不收彩礼, asked 几对新人承诺不要彩礼)
    spans_of = {sentence: _spans(question, sentence.text) for sentence in evidence}
    shares_of = {sentence: {span: _clause_share(question, _clause(sentence.text, *span)[0]) for span in spans}
                 for sentence, spans in spans_of.items()}
    top = max((share for shares in shares_of.values() for share in shares.values()), default=0.0)
    for sentence in evidence:
        spans, shares = spans_of[sentence], shares_of[sentence]
        # A team answers 是谁 only where no person does.
        persons = set(_people(question, sentence.text) + _posts_held(question, sentence.text)) \
            if question.answer_type is AnswerType.PERSON else set()
        for a, b in spans:
            # within a sentence the clause decides; across sentences, less (the words asked may stand a clause
            # before the figure: 成立志愿服务联合会，招募志愿者超过90万人)
            behind = max(shares.values()) - shares[(a, b)] + 0.5 * (top - max(shares.values()))
            team = question.answer_type is AnswerType.PERSON and (a, b) not in persons
            a = _past_asked_name(question, sentence.text, a, b)
            text = sentence.text[a:b]
            key = (sentence.passage, sentence.start + a, sentence.start + b)
            if key in seen or _in_question(text, question) or not _ends_as_asked(question, text) \
                    or _common_noun(question, text):
                continue
            seen.add(key)
            tied = _tied(question, sentence.text, a, b)
            clause = _clause(sentence.text, a, b)
            score = (max(sentence.score, context[sentence]) + 0.3 * tied + 0.2 * _nearness(question.terms, sentence.text, a, b)
                     + 0.3 * _nearness(_focus_heads(question), sentence.text, a, b)
                     + 0.4 * _nearness([f for e in question.names for f in e.forms], *clause)
                     - 0.4 * behind
                     + 0.6 * _attached(question, sentence.text, a, b)
                     + 0.2 * _echoes(question, text)
                     + 0.5 * _after_asked_change(question, sentence.text, a)
                     + 0.5 * _as_before(question, sentence.text, a)
                     + 0.5 * _venue(question, sentence.text, a, b)
                     - 0.5 * _parent_of_asked(question, sentence.text, b)
                     + 0.5 * _after_kind_asked(question, sentence.text, a)
                     + 0.3 * _titles_in(question, sentence.text, text)
                     # several dates of one sentence are told apart by their verbs alone
                     + (0.6 if question.answer_type is AnswerType.DATE else 0.3)
                     * _before_asked_verb(question, sentence.text, a, b)
                     + 0.3 * _year_next_to(question, sentence.text, a, (years or {}).get(sentence.passage))
                     - 0.2 * bool(question.answer_type is AnswerType.PLACE and re.search("(?:省|自治区)$", text))
                     - 0.5 * team)
            found.append(Candidate(text, sentence, sentence.start + a, sentence.start + b, tied, score))
    # equal scores: the longer span, the more specific (四川省成都市劳动人民文化宫 over 四川省成都市)
    return sorted(found, key=lambda c: (-round(c.score, 6), c.start - c.end))


_CONTEXT = 0.9  # share of a neighbouring sentence's score a sentence inherits


def _context_scores(evidence: list[Sentence]) -> dict[Sentence, float]:
    """A sentence may name the answer while the one before or after it says what the question asks
    (诞生了“宝怡乐”志愿者团队 after the sentence about decades of meals for street sweepers): each sentence
    inherits part of the best score of its neighbours in the same passage."""
    by_passage: dict[int, list[Sentence]] = {}
    for s in evidence:
        by_passage.setdefault(s.passage, []).append(s)
    out = {}
    for sentences in by_passage.values():
        sentences.sort(key=lambda s: s.start)
        for i, s in enumerate(sentences):
            near = [n.score for n in sentences[max(0, i - 1): i + 2] if n is not s]
            out[s] = _CONTEXT * max(near, default=0.0)
    return out


def _titles_in(question: Question, sentence: str, candidate: str) -> bool:
    """The sentence prints every quoted name the question asks about (2020年，他被授予“全国劳动模范”称号, beside
    a sentence naming the person but not the title): the most specific cue there is."""
    titles = [e.text for e in question.names if e.kind is EntityKind.TITLE]
    return bool(titles) and question.answer_type is not AnswerType.WORK \
        and all(t in sentence and t not in candidate for t in titles)


# what may stand between a body or a date and its verb: 由……工作委员会于2019年发起, 自2020年7月1日起施行
_TO_VERB = re.compile(r"(?:[于在自]?(?:19|20)[0-9]{2}年(?:[0-9]{1,2}月)?(?:[0-9]{1,2}[日号])?)?(?:起|正式|开始|共同|联合|牵头)?")


def _before_asked_verb(question: Question, text: str, a: int, b: int) -> bool:
    """A body or a date printed right before the question's own verb (由陕西童晖托育服务有限公司运营, asked
    由哪家公司来运营; 自2020年7月1日起施行, asked 什么时候开始施行). Not a person: a list of people ends on the
    verb they share (……张峻，……杨继承出席会议)."""
    if question.answer_type not in (AnswerType.ORGANIZATION, AnswerType.DATE):
        return False
    at = _TO_VERB.match(text, b).end()
    verbs = _verbs(question.text)
    if any(text.startswith(v, at) for v in verbs):
        return True
    # a date printed right after its verb: 这支救援队成立于2016年, asked 哪一年组建
    return question.answer_type is AnswerType.DATE and any(
        re.search(f"{v}(?:于|在)?$", text[max(0, a - 4): a]) for v in verbs)


# verbs a page prints for one another: asked when a team was 组建, it was 成立于2016年
_SAME_VERBS = ({"成立", "组建", "创建", "创办", "建立", "组成"}, {"建成", "落成", "竣工"}, {"启动", "开启"})


@lru_cache(maxsize=1024)
def _verbs(text: str) -> tuple[str, ...]:
    """A question's verbs of two characters or more and the verbs a page may print for them, cut once per
    question (not once per candidate)."""
    asked = [w for _, _, w, flag in _tokens(text) if flag.startswith("v") and len(w) >= 2]
    return tuple(dict.fromkeys(asked + [v for w in asked for group in _SAME_VERBS if w in group for v in group]))


def _echoes(question: Question, text: str) -> bool:
    """A name that repeats a word of the question besides its focus (领导干部学党史的课堂: 领导课堂, not 经典课堂)."""
    if question.answer_type is not AnswerType.WORK:
        return False
    names = {f for e in question.names for f in e.forms}
    focus = question.focus or ""
    return any(t in text for t in question.terms if len(t) >= 2 and t not in focus and t not in names)


def _focus_heads(question: Question) -> list[str]:
    """The focus and its head (its last two characters): 新时代文明实践所 is printed 实践所29个."""
    focus = question.focus or ""
    return [h for h in dict.fromkeys([focus, focus[-2:]]) if h]


_CLAUSE_END = re.compile("[，,；;。！？!?]")
_ITEM_END = re.compile("[、，,；;。！？!?：:]")
_BRACKETED = re.compile(r"（[^）]{0,12}）|\([^)]{0,12}\)")


def _attached(question: Question, text: str, a: int, b: int) -> float:
    """How surely a count belongs to the focus: in an enumeration each count is printed against its own noun,
    either before it (实践所138个、实践站1680个) or after it (100家单位, 137个乡（镇、街道）宣传委员), and the
    nearest noun of the list is not necessarily the right one."""
    focus = question.focus
    if question.answer_type not in (AnswerType.NUMBER, AnswerType.MONEY) or not focus:
        return 0.0
    left = _ITEM_END.split(_BRACKETED.sub("", text[:a]))[-1]
    right = _ITEM_END.split(text[b:].replace("（", "").replace("）", ""))[0]
    left, right = (re.sub(f"[^{CJK}]", "", side) for side in (left, right))
    common = next((k for k in range(min(len(left), len(focus)), 0, -1) if left.endswith(focus[-k:])), 0)
    before = 1.0 if common == len(focus) else min(common, 4) / 4 if common >= 2 else 0.0
    at = right.find(focus, 0, len(focus) + 6)
    after = 1.0 / (1.0 + at / 4) if at >= 0 else 0.0
    return max(before, after)


def _clause(text: str, a: int, b: int) -> tuple[str, int, int]:
    """The clause around a span, and the span's offsets in it: a name in the next clause belongs to another
    answer (马龙区的“八小宣讲法”，富源县的“火塘夜话”)."""
    start = max((m.end() for m in _CLAUSE_END.finditer(text, 0, a)), default=0)
    end = next((m.start() for m in _CLAUSE_END.finditer(text, b)), len(text))
    return text[start:end], a - start, b - start


_EVENT = "举行|召开|举办|开幕|启动|开展|进行|上演|开班|开课"


def _venue(question: Question, text: str, a: int, b: int) -> bool:
    """Asked where something took place, the place printed between 在 and the event (启动仪式在阿尔丁广场举行)."""
    return question.answer_type is AnswerType.PLACE and text[a - 1: a] == "在" \
        and re.match(f"(?:{_EVENT})", text[b:]) is not None


def _parent_of_asked(question: Question, text: str, b: int) -> bool:
    """A place printed right before the place asked about holds it (包头市昆都仑区, asked where in 昆都仑区)."""
    return question.answer_type is AnswerType.PLACE and any(
        text.startswith(f, b) for e in question.names if e.kind is EntityKind.PLACE for f in e.forms)


def _after_kind_asked(question: Question, text: str, a: int) -> bool:
    """A name printed right after the kind of body the question asks for (委托社会组织“渝邻公益服务中心”, asked
    哪家社会组织)."""
    if question.answer_type is not AnswerType.ORGANIZATION:
        return False
    before = re.sub(f"[^{CJK}]", "", text[max(0, a - 8): a])
    return any(before.endswith(w) and w in question.text for w in _ORG_KINDS if len(before) >= len(w))


_ORG_KINDS = ("社会组织", "公益组织", "组织", "单位", "机构", "企业", "公司", "学校", "医院", "银行", "协会", "部门")


# A change asked about (降到了多少, 减少了多少, 增加到多少): the figure printed right after that verb is the new
# value or the change (户均花费由原来的3.2万元降到1.1万元), the one before it the old value.
_ASKS_DELTA = re.compile("(?:增加|增长|减少|下降|提高|降低|上升|缩短|扩大)了?(?:多少|几)")  # the change itself
_ASKS_BEFORE = re.compile("原来|原先|最初|起初|当初|以前|之前|过去|改造前|此前")
_CHANGE = re.compile("降到|降至|降低|下降|减少|减到|减至|缩短|缩减|增加|增长|增至|增到|提高|提升|上升|升至|达到|扩大")


def _after_asked_change(question: Question, text: str, a: int) -> bool:
    if question.answer_type not in (AnswerType.NUMBER, AnswerType.MONEY):
        return False
    asked = {m.group(0)[0] for m in _CHANGE.finditer(question.text)}
    before = re.sub(f"[^{CJK}]", "", text[max(0, a - 6): a])
    if asked and any(m.group(0)[0] in asked for m in _CHANGE.finditer(before[-4:])):
        return True
    # 从980个增加到1246个, 由2020年的2.1平方米提高到2.86平方米: what there is now is the figure after 到, unless
    # the question asks what there was before
    clause = re.split("[，,；;。]", text[:a])[-1]
    return not _ASKS_BEFORE.search(question.text) and not _ASKS_DELTA.search(question.text) \
        and re.search("[从由]", clause) is not None \
        and re.search("(?:到|至)(?:去年|今年|目前|现在)?的?$", clause) is not None


def _as_before(question: Question, text: str, a: int) -> bool:
    """Asked what there was before (创建之前), the figure printed as the earlier one: 比创建前的142升下降了,
    从最初的300多人增加到……"""
    if question.answer_type not in (AnswerType.NUMBER, AnswerType.MONEY) or not _ASKS_BEFORE.search(question.text):
        return False
    clause = re.split("[，,；;。]", text[:a])[-1]
    return re.search("(?:前|原来|原先|最初|起初|过去)的?$", clause) is not None \
        or re.search("[从由][^到至]*$", clause) is not None


_YEAR_BEFORE = re.compile(r"((?:19|20)[0-9]{2}|今|去)年(?:的|底|末|全年|共|累计)?[^0-9年，,；;。]{0,6}$")


def _year_next_to(question: Question, text: str, a: int, printed: int | None = None) -> float:
    """+1 for a figure printed right after the year asked (从2018年的4.5万元增加到2020年的68万元, asked of
    2020; 2022年举办村晚247场 in a table of years), -1 right after another year; 0 where no year stands right
    before it. 今年 and 去年 asked are years once the page's own (`printed`) is known; until then a figure after
    the other of the two words is -1, one after a printed year -0.5, and one after the word asked gains nothing,
    as the words after it may list several (今年又将8个县、20个街道……)."""
    asked = {e.text.rstrip("年") for e in question.entities if e.kind is EntityKind.YEAR}
    relative = set(re.findall("(今|去)年", question.text))
    m = _YEAR_BEFORE.search(text, max(0, a - 14), a)
    if not (asked or relative) or m is None:
        return 0.0
    year = m.group(1)
    if printed is not None:
        asked |= {str(printed - (r == "去")) for r in relative}
        if year in "今去":  # a figure after the word itself gains nothing, as above
            return 0.0 if str(printed - (year == "去")) in asked else -1.0
    if asked:
        return 1.0 if year in asked else 0.0 if year in "今去" else -1.0
    return 0.0 if year in relative else -1.0 if year in "今去" else -0.5


_KIND_SUFFIX = {"城市": "市", "省份": "省", "县城": "县"}  # a kind of place asked for, and the suffix of its names


def _ends_as_asked(question: Question, text: str) -> bool:
    """哪个县 is answered by a name ending in 县, 哪个单位 by any organisation: a one-character focus that is
    a kind of place or body is the suffix its answer must carry."""
    focus = question.focus
    if question.answer_type not in (AnswerType.PLACE, AnswerType.ORGANIZATION) or not focus or len(focus) > 2:
        return True
    if focus in _KIND_SUFFIX:  # 哪个城市 is answered by 白银市, not by 徐汇滨江
        return text.endswith(_KIND_SUFFIX[focus])
    return not re.fullmatch(f"(?:{ADMIN_SUFFIX})", focus) or text.endswith(focus)


def _spans(question: Question, text: str) -> list[tuple[int, int]]:
    kind = question.answer_type
    if kind is AnswerType.MONEY:
        return [m.span() for m in _MONEY.finditer(text) if numeric_value(m.group(0)) is not None]
    if kind is AnswerType.NUMBER and "第几" in question.text:  # 排名第几, 第几批: an ordinal, not a count
        return [m.span() for m in _ORDINAL.finditer(text) if _unit_fits(question.unit, m.group(0))
                and numeric_value(m.group(0)) is not None]
    if kind is AnswerType.NUMBER and "几等" in question.text:  # 几等奖: a grade
        return [m.span() for m in _GRADE.finditer(text)]
    if kind is AnswerType.NUMBER:
        # 一座 in 一座文化名城 is an article, not a count; 千名 in “千名文明市民” is part of a name.
        return [m.span() for m in _QUANTITY.finditer(text) if _unit_fits(question.unit, m.group(0))
                and not re.fullmatch(_YEAR, m.group(0)) and not m.group(0).startswith("一")
                and numeric_value(m.group(0)) is not None and not _inside_quotes(text, *m.span())
                and text[m.start() - 1: m.start()] != "第"  # 第二期 is which, not how many
                and not _DATE_PART.search(text, max(0, m.start() - 8), m.end() + 3)]
    if kind is AnswerType.DATE:  # 星期二 in “清和星期二” is a name, not a day
        spans = [m.span() for m in _DATE.finditer(text) if not _inside_quotes(text, *m.span())]
        if _ASKS_DAY.search(question.text):  # 哪天 is not answered by a year
            spans = [(a, b) for a, b in spans if re.search("[日号]$", text[a:b])]
        elif _ASKS_YEAR.search(question.text):  # 哪一年 is not answered by a day
            spans = [(a, b) for a, b in spans if "年" in text[a:b]]
        return spans
    if kind is AnswerType.WORK and (question.focus or "").endswith(("奖", "奖项")):  # 什么团体奖: 团体二等奖
        return [m.span() for m in _AWARD.finditer(text)]
    if kind is AnswerType.WORK:
        return [m.span() for m in _TITLE.finditer(text)]
    if kind is AnswerType.PERSON:
        if question.focus:
            return _people(question, text) + _posts_held(question, text)
        # 是谁 without a role may be answered by a team: 送饭的是谁 -> “宝怡乐”志愿者团队.
        teams = [(a, b) for a, b in _quoted(text) if _TEAM_AHEAD.match(text, b + 1)]
        return _people(question, text) + _posts_held(question, text) + teams
    if kind is AnswerType.IDENTITY:
        return _roles(question, text)
    if kind is AnswerType.PLACE:  # 成都市 in “……成都市总工会……”活动在……文化宫启动 names no venue
        return _as_asked(question, text, [s for s in _tailed_runs(text, _PLACE_TAIL) if not _inside_quotes(text, *s)])
    if kind is AnswerType.ORGANIZATION:  # a quoted name is a body's when it says so, or a word after it does
        named = [(a, b) for a, b in _quoted(text) if _ORG_TAIL.search(text, a, b) or _TEAM_AHEAD.match(text, b + 1)
                 or _ORG_WORD_AHEAD.match(text, b + 1)]
        return _as_asked(question, text, _tailed_runs(text, _ORG_TAIL) + named)
    return []


_ASKS_HOLDER = re.compile("由谁|谁来?(?:担任|兼任|出任)")
_POST_HELD = re.compile(r"由([^，,。；;：:、]{2,20}?)(?:亲自)?(?:担任|兼任|任)")


def _posts_held(question: Question, text: str) -> list[tuple[int, int]]:
    """组长由谁担任 is answered by the post printed as holding it (由市委书记任组长), when no name is."""
    if not _ASKS_HOLDER.search(question.text):
        return []
    return [m.span(1) for m in _POST_HELD.finditer(text) if _ROLE_END.search(m.group(1))]


def _inside_quotes(text: str, a: int, b: int) -> bool:
    """Whether the span is part of a quoted name (“千名文明市民”), not the whole of it; a document's title in
    《》 does state what it counts."""
    return any(qa < a and b <= qb and (qa, qb) != (a - 1, b + 1) for qa, qb in
               (m.span() for m in _TITLE.finditer(text) if m.group(0)[0] != "《"))


def _as_asked(question: Question, text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Asked for several (哪两个县, 哪些单位), names printed as one list (互助县、大通县) are one answer."""
    return _joined(text, spans) if _PLURAL.search(question.text) else spans


def _joined(text: str, spans: list[tuple[int, int]], role_before=None) -> list[tuple[int, int]]:
    """The spans, those printed one after another joined by 、，和 (or, with `role_before(a)`, by a separator and
    the role printed before the next one) merged into one; a span inside a merged one is dropped."""
    outer = sorted(s for s in set(spans) if not any(o != s and o[0] <= s[0] and s[1] <= o[1] for o in spans))
    merged: list[tuple[int, int]] = []
    for a, b in outer:
        gap = _LIST_JOIN.match(text, merged[-1][1]) if merged else None
        if gap and (gap.end() == a or role_before is not None and role_before(a, gap.end())):
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged + [s for s in set(spans) if s not in outer and not any(m[0] <= s[0] and s[1] <= m[1]
                                                                        for m in merged if m not in outer)]


# A role printed before a name (省委宣传部副部长、省文明办主任张峻; 龙华中学学生、“龙传人”志愿者吕佳泉) is a run
# of nouns, joined by 、 and quotes, that ends in a word for a post or a kind of person; a role after it follows
# 是/为/任 (张三是社区志愿者).
_ROLE_FLAGS = ("n", "nr", "ns", "nt", "nz", "j", "b", "ng", "vn", "l", "nrt", "nrfg")
_ROLE_JOINS = set("、“”‘’《》·")
_ROLE_END = re.compile("(?:[长员师者生家手人士官工匠农辈]|主任|书记|主席|经理|总裁|总监|代表|干部|党员|模范|标兵|教授|委员|"
                       "记者|编辑|专家|院士|校友|骨干|带头人|负责人|创始人|楷模|英雄|典型|老兵|志愿者)[”’》]?$")
_ROLE_AFTER = re.compile(r"(?:是|为|系|现任|担任|任)([^，,。；;！？!?]{2,25})")
_ORG_WORD = re.compile(f"(?:{ORG_SUFFIX})")
# A title printed after the name, the body before it (市委党校公共管理部汪仲启副教授): the answer is the whole.
_TITLE_AFTER = re.compile("(?:副?教授|博士|副?研究员|讲师|院士|工程师|医生|医师|律师)")


def _roles(question: Question, text: str) -> list[tuple[int, int]]:
    forms = {f for e in question.names if e.kind is EntityKind.PERSON for f in e.forms}
    if not forms:
        return []
    tokens = _tokens(text)
    people = [(a, b) for a, b in _person_spans(text) if text[a:b] not in forms]
    spans = []
    for form in forms:
        for m in re.finditer(re.escape(form), text):
            start = _run_before(text, tokens, people, m.start())
            role = text[start: m.start()]
            title = _TITLE_AFTER.match(text, m.end())
            if 2 <= len(role) <= 30 and _ROLE_END.search(role):
                spans.append((start, m.start()))
            elif title and len(role) <= 30:
                spans.append((start, title.end()))
            after = _ROLE_AFTER.match(text, m.end())
            if after and _ROLE_END.search(after.group(1)):
                spans.append(after.span(1))
    return spans


def _run_before(text: str, tokens: Tokens, people: list[tuple[int, int]], at: int) -> int:
    """Where the run of nouns that ends at the name starts (at the name itself if none does). Another person's
    name ends the run (市委副书记李新春、省委宣传部副部长张峻: the second role only)."""
    start, after = at, None  # `after`: the token the run took last, the one following this
    for a, b, word, flag in reversed([t for t in tokens if t[1] <= at]):
        if b != start:
            break
        if word in _ROLE_JOINS:
            if any(pb == a for _, pb in people):
                break
        elif not (flag.startswith(_ROLE_FLAGS) or _ROLE_END.search(word) or _ORG_WORD.fullmatch(word)
                  # jieba tags words inside names of bodies as verbs or adjectives: 文明实践/v 站, 新/a 时代
                  or after is not None and (_ORG_WORD.fullmatch(after[0]) or flag == "a" and len(word) == 1
                                            and after[1].startswith("n"))):
            break
        start, after = a, (word, flag)
    while start < at and text[start] in _ROLE_JOINS - set("“‘《"):
        start += 1  # a run does not start with a joining mark
    return start


def _quoted(text: str) -> list[tuple[int, int]]:
    return [(m.start() + 1, m.end() - 1) for m in _TITLE.finditer(text)]


def _tailed_runs(text: str, tail: re.Pattern) -> list[tuple[int, int]]:
    tokens = _tokens(text)
    return [s for s in (_to_tail(text, run, tail, tokens) for run in _name_runs(text)) if s]


def _to_tail(text: str, run: tuple[int, int], tail: re.Pattern, tokens: Tokens
             ) -> tuple[int, int] | None:
    """The run up to its last place or organisation word: 成都市劳动人民文化宫启动 -> 成都市劳动人民文化宫. It ends
    where a word ends (城市社区 gives no 城市社), on a suffix that is not the end of a common word (人民城市 is
    no city: 市 ends the everyday word 城市, where in 白银市 it ends a name)."""
    a, b = run
    ends = {e for _, e, _, _ in tokens} | {b}  # an admin chain may end inside a word jieba made
    for k in range(b, a + 1, -1):
        m = tail.search(text, a, k) if k in ends else None
        if m is None or m.end() != k:
            continue
        word = next((t for t in tokens if t[0] < m.start() < t[1]), None)
        if word is None or not (len(word[2]) == 2 and _jieba_freq(word[2]) >= 100):
            return a, k
    return None


def _unit_fits(unit: str | None, quantity: str) -> bool:
    if unit is None:
        return True
    if "|" in unit:  # a family of units: 多长 -> 公里|米|...
        return re.search(f"(?:{unit})$", quantity) is not None
    if quantity.endswith(unit) or re.search("[万亿][多余]?$", quantity):
        return True
    if unit == "%":  # 比例, 几成: 70%, 百分之七十, 七成
        return quantity.startswith("百分之") or quantity.endswith("成")
    return any(unit in group and any(quantity.endswith(u) for u in group) for group in _UNIT_GROUPS)


@lru_cache(maxsize=4096)  # a sentence is cut once, however many rules read its words (people, runs, roles)
def _tokens(text: str) -> Tokens:
    out, pos = [], 0
    for w in posseg().cut(text):
        out.append((pos, pos + len(w.word), w.word, w.flag))
        pos += len(w.word)
    return tuple(out)


_BODY_END = re.compile("(?:办|委|局|厅)$")  # 文明办/nr is a body, not a person
_PLURAL = re.compile("哪些|哪几|哪[两二三四五六七八九十]|分别")
_LIST_JOIN = re.compile(r"\s*(?:[，,、]|以及|和|及|与)\s*|\s+")


def _people(question: Question, text: str) -> list[tuple[int, int]]:
    """The people a 谁 question may be answered by. Asked for no role (谁出席了会议) or for several, people
    printed as one list, each name after its own role (市委副书记李新春，省委宣传部副部长、省文明办主任张峻，……杨继承
    出席会议), are one answer: the list from its first name to its last. Asked for one role, each name stands alone."""
    people = _person_spans(text)
    if question.focus and not _PLURAL.search(question.text) or len(people) < 2:
        return people
    tokens = _tokens(text)
    return _joined(text, people, lambda a, start: start == _run_before(text, tokens, people, a)
                   and _ROLE_END.search(text[start: a]) is not None)


# What may not be a given name's part: verbs, particles, numbers, words of time and place.
_NOT_GIVEN = ("v", "p", "u", "d", "c", "m", "q", "f", "r", "t", "y", "e", "o")


def _given(token: tuple[int, int, str, str]) -> bool:
    """Whether a token may be (part of) a given name: one or two characters, no verb, particle or number."""
    return len(token[2]) <= 2 and re.fullmatch(f"[{CJK}]+", token[2]) is not None and not token[3].startswith(_NOT_GIVEN)


def _person_spans(text: str) -> list[tuple[int, int]]:
    tokens = _tokens(text)
    spans: list[tuple[int, int]] = []
    taken = -1  # the last token a name took
    for i, (a, b, word, flag) in enumerate(tokens):
        if i <= taken:
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        after_role = i > 0 and _after_role(tokens[i - 1])
        if word in COMPOUND_SURNAMES and nxt is not None and _given(nxt):
            spans.append((a, nxt[1]))  # 欧阳/ns 秀英/nr
            taken = i + 1
            continue
        # A name after a role, cut into a surname and what jieba took for a word: 工人/n 马/n 永庆/ns,
        # 书记/n 严/a 卫东/nr
        # 队长 母/n 国强/nr, or 母国/n 强/a: a surname and at most three characters in all
        split = nxt is not None and _given(nxt) and (len(word) == 1 or len(word) == 2 and len(nxt[2]) == 1)
        # the surname's own tag says nothing there: 书记 张/q 保国/ns, 站长 余/m 建华/nz
        if after_role and word[0] in SURNAMES and (len(word) == 1 or not flag.startswith(_NOT_GIVEN)) and split \
                and not _ROLE_END.search(nxt[2]) and _jieba_freq(word + nxt[2]) < 100:
            spans.append((a, nxt[1]))
            taken = i + 1
            continue
        if flag not in ("nr", "nrfg", "nrt") or not re.fullmatch(f"[{CJK}]+", word):
            continue
        # A surname jieba cut from its given name: 曾/nr 峻/nr, 李/nr 敦瑞/nz; or a given name's last
        # character cut off: 贺兰/nr 芳/nr.
        joined = nxt is not None and (
            len(word) == 1 and len(nxt[2]) <= 2 and re.fullmatch(f"[{CJK}]+", nxt[2]) is not None
            or len(word) == 2 and len(nxt[2]) == 1 and nxt[3] in ("nr", "nrfg") and re.fullmatch(f"[{CJK}]", nxt[2]))
        if joined:
            b = nxt[1]
        # jieba tags some common words as names (道德/nr, 道德风尚/nr): a real name starts with a surname and
        # is rare in its dictionary or absent from it.
        surname = text[a] in SURNAMES or text[a:a + 2] in COMPOUND_SURNAMES  # 上官婷/nr
        if 2 <= b - a <= 4 and surname and _jieba_freq(text[a:b]) < 100 and not _inside_word(text, a, b) \
                and not _BODY_END.search(text, a, b) and not (b - a == 3 and _PLACE_END.search(text, a, b)):
            spans.append((a, b))
            taken = i + 1 if joined else i
    return spans



# 白沙镇/nr is a town: a three-character "name" ending in a unit of place is the place
_PLACE_END = re.compile("[省市县区乡镇村]$")
# a post at a body's unit that jieba tags as a verb (站长/v, 所长/v), unlike 增长 or 擅长
_UNIT_POST = re.compile("[站所院校馆村组队社局处科部厅团厂店行园]长$")


def _after_role(token: tuple[int, int, str, str]) -> bool:
    word, flag = token[2], token[3]
    return _ROLE_END.search(word) is not None and (flag.startswith("n") or _UNIT_POST.search(word) is not None)


def _inside_word(text: str, a: int, b: int) -> bool:
    """Whether the span is part of a longer dictionary word (史明志 in the idiom 以史明志)."""
    return any(_jieba_freq(text[i:j]) > 0 for i in range(max(0, a - 2), a + 1) for j in range(b, min(len(text), b + 2) + 1)
               if (i, j) != (a, b))


def _jieba_freq(word: str) -> int:
    return posseg().dt.tokenizer.FREQ.get(word, 0)


def _past_asked_name(question: Question, text: str, a: int, b: int) -> int:
    """Where a place answer starts once the name asked about is set aside: asked where in 成都 something
    began, 四川省成都市劳动人民文化宫 answers with 劳动人民文化宫; asked which village of 峡江县, 峡江县金江乡庙下村
    answers with 金江乡庙下村. A body keeps the place it is named with, not what holds that place: asked which
    kindergarten of 凯里, 贵州省凯里市第十三幼儿园 answers with 凯里市第十三幼儿园."""
    if question.answer_type not in (AnswerType.PLACE, AnswerType.ORGANIZATION):
        return a
    span = text[a:b]
    for form in sorted((f for e in question.names for f in e.forms), key=len, reverse=True):
        at = span.rfind(form)
        if at < 0:
            continue
        if question.answer_type is AnswerType.ORGANIZATION:  # a body is named with its place: 望奎县农村商业银行
            tail = span[at + len(form):]
            return a + at if len(tail) >= 2 and _ORG_TAIL.search(tail) else a
        tail = re.sub(f"^(?:{ADMIN_SUFFIX})", "", span[at + len(form):])
        if len(tail) >= 2 and (_PLACE_TAIL if question.answer_type is AnswerType.PLACE else _ORG_TAIL).search(tail):
            return b - len(tail)
    return a


_ORDINAL_WORD = re.compile(rf"第?[{_CN_DIGITS}0-9]+")
_NAME_AFTER = re.compile(f"(?:{ORG_SUFFIX}|[{CJK}]{{1,4}}(?:{ORG_SUFFIX}))")
_BRACKETED_PART = re.compile(f"[（(][{CJK}]{{1,4}}[）)][{CJK}]")
_ADMIN_WORD = re.compile(f"(?:{ADMIN_SUFFIX})")
_ADMIN_UNIT = re.compile(f"[{CJK}]{{1,4}}?(?:街道|社区|新村|乡|镇|村|县|区|市)")
_ADMIN_CHAIN = re.compile(f"(?:{_ADMIN_UNIT.pattern})+")


def _common_noun(question: Question, text: str) -> bool:
    """辖区, 居民区, 志愿者团队, 行政村: dictionary nouns name no particular place or body."""
    if question.answer_type not in (AnswerType.PLACE, AnswerType.ORGANIZATION, AnswerType.PERSON):
        return False
    if question.answer_type is not AnswerType.PERSON and (_word_tag(text) in ("n", "s", "r") or EVERY_PLACE.match(text)):
        return True  # a kind of place in the dictionary (行政村, 试点县, 开发区), where names are ns or absent
    tokens = _tokens(text)
    return all(flag in ("n", "vn") and _jieba_freq(word) >= 100 for _, _, word, flag in tokens)


def _word_tag(word: str) -> str | None:
    return posseg().dt.word_tag_tab.get(word)


_VENUE_END = re.compile("公园|广场|礼堂|剧院|体育馆|体育场|文化宫|会展中心|中心")
_COMPANY_END = re.compile("(?:有限公司|公司|集团|服务中心|合作社|研究院|促进会|协会)$")


_BARE_PLACE = re.compile(f"(?:^|(?<=[，,。；;：:、（(“]))([{CJK}]{{1,3}}?(?:镇|乡|村|县|街道|社区))(?=[{CJK}])")
_NOT_A_NAME_START = set("全各本该每这那其我他她此某原新在到从向于赴来去为是和与及由将把被给对")


def _name_runs(text: str) -> list[tuple[int, int]]:
    """Maximal runs of noun-like tokens (陆良县融媒体中心, 成都市劳动人民文化宫), at most 16 characters, and the
    place names inside them (济宁市微山县爱湖村 also gives 济宁市, 微山县 and 爱湖村)."""
    runs, start, end, bracket = [], None, None, False
    tokens = (*_tokens(text), (len(text), len(text), "", "x"))
    for i, (a, b, word, flag) in enumerate(tokens):
        # 拉科/nrt 村/zg: a one-character admin suffix goes on whatever jieba tags it; 陕西童晖托育/v服务有限公司:
        # a verb inside a company's name, whose suffix follows within two words
        inside = start is not None and flag.startswith("v") and any(
            _COMPANY_END.search(t[2]) for t in tokens[i: i + 3])  # the suffix itself too: 促进会/v
        # 在如意/v 河/ns 公园/n, 赛罕区如意/v 河公园: a verb inside a venue's name whose suffix follows within two
        # words, opening it right after 在
        inside = inside or flag.startswith("v") and (start is not None or i > 0 and tokens[i - 1][2] in ("在", "于")) \
            and any(_VENUE_END.fullmatch(t[2]) for t in tokens[i + 1: i + 3])
        # 工作委员会, 活动中心: a word that ends runs goes on inside a body's name
        breaks = word in _RUN_BREAK and not _ORG_WORD.fullmatch(tokens[i + 1][2]) \
            and not any(_COMPANY_END.search(t[2]) for t in tokens[i + 1: i + 4])  # 城市/ns 建设/vn 投资/vn 发展/vn 有限公司
        # 青岛/ns 西海岸/s 新区/ns: a word of place goes on inside a run
        if (flag.startswith(_NAME_FLAGS) or _ADMIN_WORD.fullmatch(word) or inside or flag == "s" and start is not None) \
                and not breaks \
                and re.fullmatch(f"[{CJK}A-Za-z0-9]+", word):
            start = a if start is None else start
            end = b
            if len(word) >= 2 and (flag == "ns" or re.search(f"(?:{ADMIN_SUFFIX})$", word)):
                runs.append((a, b))
                chain = _ADMIN_CHAIN.match(text, b)
                if chain:  # jieba cuts small places apart (金江/ns 乡庙/n 下/f 村/n): an admin chain is read whole
                    runs.append((start, chain.end()))
            continue
        if start is not None and _ORDINAL_WORD.fullmatch(word) and _NAME_AFTER.match(text, b):
            continue  # 凯里市第十三幼儿园: an ordinal inside a name
        if start is not None and word in ("（", "(") and _BRACKETED_PART.match(text, a):
            bracket = True  # 福建龙溪轴承（集团）股份有限公司: a bracketed part inside a name
            continue
        if start is not None and bracket and word in ("）", ")"):
            bracket = False
            continue
        if start is not None and 2 <= end - start <= 20:
            runs.append((start, end))
        start, bracket = None, False
    for m in _BARE_PLACE.finditer(text):  # 八/m 都/d 镇/v: a small place's name jieba tore apart, after a mark
        stem = re.sub(f"(?:{ADMIN_SUFFIX})$", "", m.group(1))
        if _jieba_freq(m.group(1)) < 100 and stem[0] not in _NOT_A_NAME_START \
                and (_word_tag(stem) or "ns").startswith(("n", "s")):  # not 作为/v 村
            runs.append(m.span(1))
    for a, b in list(runs):  # a run opening on 共和乡拉科村 also gives 共和乡 and 拉科村: 拉科村属于哪个乡
        units, at = [], a
        while (m := _ADMIN_UNIT.match(text, at, b)) is not None:
            units.append(m.span())
            at = m.end()
        if len(units) > 1:
            runs.extend(units)
    return runs


def _in_question(text: str, question: Question) -> bool:
    """A span the question contains, or one holding a name it asks about, is not its answer (太原 does not
    answer 太原有多少个县, nor 山西省太原市 太原市在哪个区)."""
    core = re.sub(r"[《》“”「」]", "", text)
    if core in re.sub(r"\s+", "", question.text):
        return True
    # A title may hold the names of its organisers (最牵挂的你——成都市总工会脱贫攻坚采风行活动).
    # A person's identity may be printed around the name (市委党校公共管理部汪仲启副教授).
    # A body named with the place asked about is another thing than the place (望奎县农村商业银行).
    return question.answer_type not in (AnswerType.WORK, AnswerType.IDENTITY) and any(
        f in core and not (question.answer_type is AnswerType.ORGANIZATION and core.startswith(f)
                           and len(core) - len(f) >= 2 and _ORG_TAIL.search(core[len(f):]))
        for e in question.names for f in e.forms if e.kind is not EntityKind.TITLE)


_WINDOW = 24  # characters either side of a candidate in which its focus must stand
_OPENER = re.compile(r"^\s*(?:本报讯)?\s*(?:[（(][^）)]{0,30}[）)])?[\s，,]*")  # 本报讯（记者……）


# A question asking for a person by role accepts these titles for the role (领导人 -> 总书记).
_ROLES = {"领导": "书记|主席|市长|县长|区长|部长|局长|主任|负责人", "领导人": "书记|主席|市长|县长|区长|部长|局长|主任|负责人",
          "负责人": "负责人|主任|站长|所长|馆长|会长|队长|院长|校长",
          "法官": "法官|审判员|审判长|庭长", "医生": "医生|医师|大夫", "警察": "民警|警察|警官|辅警",
          "老师": "老师|教师|教员|讲师|班主任"}


# A kind of body asked for, and the endings of the names of such bodies.
_BODY_KINDS = {"企业": "公司|集团|厂|企业", "公司": "公司|集团", "学校": "学校|大学|学院|中学|小学|幼儿园|党校",
               "媒体": "报社?|日报|晚报|电视台|广播电台|融媒体中心|网"}
for _kind in ("单位", "组织", "机构", "部门"):  # any body answers a question asking for one of these
    _BODY_KINDS[_kind] = ORG_SUFFIX


def _plain(text: str) -> str:
    return re.sub(f"[^{CJK}A-Za-z0-9]", "", text)


def _tied(question: Question, text: str, a: int, b: int) -> bool:
    """Whether the candidate stands near the question's focus (punctuation aside: 137个乡（镇、街道） is tied
    to 乡镇). A person must stand next to the role asked for itself, not to a word sharing its characters."""
    if question.answer_type is AnswerType.IDENTITY:
        return True  # a role is taken only where it stands against the name asked about
    window, plain = _plain(text[max(0, a - _WINDOW): b + _WINDOW]), _plain(text)
    titles = [e.text for e in question.names if e.kind is EntityKind.TITLE]
    if question.answer_type is AnswerType.DATE and not _OPENER.sub("", text[:a]) and all(t in text for t in titles):
        window = plain  # a date opening its sentence dates all of it (the event the question names by title, if there)
    focus = question.focus
    if question.answer_type is AnswerType.DATE and titles and not any(_plain(t) in plain for t in titles) \
            and not any(v in plain for v in _verbs(question.text) if not any(v in t for t in titles)):
        return False  # 玉兰宣讲工作室是哪一年成立的: a date in a sentence that names neither it nor its founding
    if not focus:
        # With no focus, a count in the very unit asked for is tied; anything else needs the question's words.
        return bool(question.unit and "|" not in question.unit) or _shares_terms(question, text, 1)
    if focus:
        if focus in window or (focus in _ROLES and re.search(_ROLES[focus], window)):
            return True
        if any(t in focus and _plain(t) not in plain for t in titles):
            return False  # 多少名“金牌楼栋长”: counted under the quoted name, not a word inside it (选聘楼栋长1260名)
        people = [f for e in question.names if e.kind is EntityKind.PERSON for f in e.forms]
        if focus in _BODY_KINDS and re.search(f"(?:{_BODY_KINDS[focus]})$", text[a:b]) \
                and (not people or any(f in window for f in people)):
            # 哪家企业 is answered by a name that says it is one (……股份有限公司); a person's 单位, next to them
            return True
        role = re.sub("(?:单位|机构|方)$", "", focus)
        if question.answer_type is AnswerType.ORGANIZATION and role != focus and len(role) >= 2 and role in window:
            return True  # 主办单位 is the body printed with 主办 (由……旅游局主办)
        if question.answer_type is AnswerType.PERSON:
            # 退休老师 is printed 退休教师: the role's head among the kinds of a role asked for
            head = next((r for r in _ROLES if focus.endswith(r) and len(r) >= 2), None)
            if head is not None and re.search(_ROLES[head], window):
                return True
            # 主创编导 asked, 栏目主创之一、……编导贺思源 printed: the role's head word right before the name, a deputy
            # (副书记) for a deputy only
            before = re.sub(f"[^{CJK}]", "", text[max(0, a - 10): a])
            return len(focus) >= 3 and before.endswith(focus[-2:]) \
                and ("副" in focus) == (before[-3:-2] == "副")
        # A name says what it is: 八小宣讲法 is a 宣讲方法, 领导课堂 a 课堂.
        name = re.sub(f"[^{CJK}]", "", text[a:b])
        if question.answer_type is AnswerType.WORK and name and name[-1] == focus[-1] \
                and set(bigrams(focus)) & set(bigrams(name)):
            return True
        grams = set(bigrams(focus))
        if grams and len(grams & set(bigrams(window))) / len(grams) >= 0.5:
            return True
        # the focus in the figure's own clause, however far (村集体经济收入从2018年的4.5万元增加到2020年的68万元)
        if focus in _plain(_clause(text, a, b)[0]):
            return True
        # The sentence names the very thing asked about, by its printed name, and the focus: the figure is its
        # own however long the sentence (3月29日，……开展“童心向党——我向党旗敬个礼”教育实践活动).
        if focus in plain and any(e.kind is EntityKind.TITLE and len(e.text) >= 4 and e.text in plain
                                  for e in question.names):
            return True
        # The same words in another order (寻访路线, printed 寻访线路), the head character among them.
        if len(focus) >= 3 and focus[-1] in window and sum(c in window for c in set(focus)) >= 0.75 * len(set(focus)):
            return True
        # A count in the very unit asked for, among the question's other words and next to every name it
        # asks about (多少名队员: 1063人的“龙传人”志愿服务队).
        return (question.unit is not None and "|" not in question.unit and _shares_terms(question, window)
                and all(any(f in window for f in e.forms) for e in question.names))
    return False


def _shares_terms(question: Question, text: str, at_least: int | None = None) -> bool:
    """Whether the text holds `at_least` (default: half) of the question's words other than its names and focus."""
    names = {e.text for e in question.entities}
    terms = [t for t in question.terms if len(t) >= 2 and t not in names and t != question.focus]
    need = at_least if at_least is not None else (len(terms) + 1) // 2
    return not terms or sum(t in text for t in terms) >= min(need, len(terms))


def _clause_share(question: Question, clause: str) -> float:
    """The share of the question's words a figure's clause prints (婚礼现场，26对新人还联名发出倡议，其中有19对新人
    承诺不收彩礼, asked 几对新人承诺不要彩礼: the second clause)."""
    if question.answer_type not in (AnswerType.NUMBER, AnswerType.MONEY):
        return 0.0
    terms = [t for t in question.terms if len(t) >= 2 and not t.isdigit()]
    return sum(t in clause for t in terms) / len(terms) if terms else 0.0


def _nearness(terms, text: str, a: int, b: int) -> float:
    """1 when one of the terms touches the candidate, falling with the distance to the nearest one."""
    best = None
    for term in terms:
        for m in re.finditer(re.escape(term), text):
            d = max(0, m.start() - b, a - m.end())
            best = d if best is None else min(best, d)
    return 0.0 if best is None else 1.0 / (1.0 + best / 8)


def numeric_value(quantity: str) -> float | None:
    """The value of a quantity in digits or Chinese numerals (三千五百名 -> 3500, 6.8万余场次 -> 68000); None
    for a run of numeral characters that is no number (万万)."""
    m = re.search(rf"({_DIGITS})(?:多|余)?([万亿])?|([{_CN_DIGITS}]+)", quantity)
    if not m:
        return None
    if m.group(1):
        value = float(m.group(1).replace("．", ".").translate(_FULL_WIDTH))
        return value * {"万": 1e4, "亿": 1e8}.get(m.group(2) or "", 1)
    numerals = m.group(3)
    if numerals[0] in "百千万亿":  # 千名 is printed for 一千名
        numerals = "一" + numerals
    try:
        return float(cn2an.cn2an(numerals, "smart"))
    except (ValueError, KeyError):
        return None


_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
