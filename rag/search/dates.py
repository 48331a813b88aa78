"""A question's own time expression ("去年", "2021年3月", "上个月") as a publication-date range.

The parsing is jionlp's time extractor (`jionlp.ner.extract_time`), which finds the expression inside a sentence
and resolves it against a reference day. Measured on jionlp 1.5.31 (README, Newspaper metadata), it misses two
forms questions to an archive use often: month-relative words (上个月, 上月, 本月, 这个月 give nothing) and a bare
month ("3月的报道" gives nothing, "三月" a duration). Those are rewritten into explicit "YYYY年M月" before jionlp
reads the question, with a map back to the question's own characters so the matched text and its removal are exact.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

import cn2an

_CN_MONTH = "一二三四五六七八九十"
# 上个月 / 上月 / 本月 / 这个月 / 当月; 下个月 is left out: an archive holds no future pages.
_RELATIVE_MONTH = re.compile(r"上个?月|本月|这个月|当月")
# A month with no year in front and no day after it: "3月", "三月份", "十二月". "三个月" (a duration) has 个.
_BARE_MONTH = re.compile(
    rf"(?<![年\d〇零{_CN_MONTH}个])(1[0-2]|0?[1-9]|十[一二]?|[{_CN_MONTH[:-1]}])月份?(?![\d{_CN_MONTH}日号底初中末])"
)
# Words that only tie the expression to the rest of the question and would be left dangling by its removal.
_BEFORE = "在于从"
# What jionlp also reads as a time but is no publication date: a time of day (中午), a season without a year (冬天,
# which it resolves to the last weeks), words that point back into the story (当天, 当年).
_NOT_A_DATE = re.compile(r"^(?:当|同|次|翌)[天日年月时]|^[^年月日号周天]*$|^[春夏秋冬][天季]$|[点时分午晚早夜]$")
_JOINERS = {"", "和", "与", "及", "或", "、", "，", ","}
_AFTER = re.compile(r"^(的|期间|以内|里|内)")


@dataclass(frozen=True)
class TimeSpan:
    date_from: date  # inclusive
    date_to: date  # inclusive
    text: str  # the time expression as the question wrote it (several joined by "、")
    question: str  # the question with the expression removed, for the retriever (unchanged if nothing else is left)

    def __post_init__(self):
        if self.date_from > self.date_to:
            raise ValueError(f"date_from {self.date_from} is after date_to {self.date_to}")


def find(question: str, today: date) -> TimeSpan | None:
    """The date range a question asks about, relative to `today`, or None when it names no time."""
    rewritten, start_of, end_of = _explicit_months(question, today)
    base = datetime(today.year, today.month, today.day, 12).timestamp()
    spans: list[tuple[int, int]] = []
    froms: list[date] = []
    tos: list[date] = []
    for entity in _extractor()(rewritten, time_base=base, with_parsing=True):
        detail = entity["detail"]
        # A bare duration ("三天") says how long, not when: no filter from it.
        if detail["type"] not in ("time_point", "time_span") or not isinstance(detail["time"], list):
            continue
        if _NOT_A_DATE.search(entity["text"]):
            continue
        first, last = detail["time"]
        froms.append(_day(first, today))
        tos.append(min(_day(last, today), today) if last != "inf" else today)
        start = start_of[entity["offset"][0]]
        if start and question[start - 1] == "最":  # jionlp reads "最近一周" from 近
            start -= 1
        spans.append((start, end_of[entity["offset"][1] - 1]))
    if not spans:
        return None
    date_from, date_to = min(froms), max(tos)
    if date_from > today:
        return None  # "明年": nothing in an archive can match; searching everything is the honest answer
    return TimeSpan(
        date_from=date_from,
        date_to=max(date_to, date_from),
        text="、".join(question[s:e] for s, e in spans),
        question=_remove(question, spans),
    )


@cache
def _extractor():
    # jionlp prints a banner on stdout at import, which would corrupt the CLI's --json output, and logs a
    # traceback on the root logger for every candidate it cannot parse ("几点" in "几点开会"): drop those.
    with contextlib.redirect_stdout(io.StringIO()):
        import jionlp
    logging.getLogger().addFilter(_quiet_jionlp)
    return jionlp.ner.extract_time


def _quiet_jionlp(record: logging.LogRecord) -> bool:
    return "jionlp" not in record.pathname


def _day(text: str, today: date) -> date:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        # jionlp 1.5.31 writes some far-past starts without padding ("8-01-01"); such an open start means "ever".
        return date.min if text[:1].isdigit() else today


def _explicit_months(question: str, today: date) -> tuple[str, list[int], list[int]]:
    """The question with relative and bare months written out, and for each of its characters the start and end
    of the original characters it stands for."""
    pieces: list[tuple[int, int, str]] = []
    for m in _RELATIVE_MONTH.finditer(question):
        month = _shift_month(today, -1 if m.group().startswith("上") else 0)
        pieces.append((m.start(), m.end(), f"{month.year}年{month.month}月"))
    for m in _BARE_MONTH.finditer(question):
        if any(s < m.end() and m.start() < e for s, e, _ in pieces):
            continue
        number = int(cn2an.cn2an(m.group(1), "smart"))
        # A month without a year is the latest one that has already begun.
        year = today.year if number <= today.month else today.year - 1
        pieces.append((m.start(), m.end(), f"{year}年{number}月"))
    pieces.sort()
    text, start_of, end_of = [], [], []
    at = 0
    for s, e, replacement in pieces + [(len(question), len(question), "")]:
        for i in range(at, s):
            text.append(question[i])
            start_of.append(i)
            end_of.append(i + 1)
        text.append(replacement)
        start_of.extend([s] * len(replacement))
        end_of.extend([e] * len(replacement))
        at = e
    return "".join(text), start_of, end_of


def _shift_month(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _remove(question: str, spans: list[tuple[int, int]]) -> str:
    out, at = [], 0
    for s, e in sorted(spans):
        while s > at and question[s - 1] in _BEFORE:
            s -= 1
        between = question[at:s]
        # "2020年和2021年的报道": the 和 between two removed expressions goes with them
        out.append("" if out and between.strip() in _JOINERS else between)
        tail = _AFTER.match(question[e:])
        at = e + (tail.end() if tail else 0)
    out.append(question[at:])
    cleaned = re.sub(r"\s+", " ", "".join(out)).strip(" ，,、")
    return cleaned or question
