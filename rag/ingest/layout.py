"""From an OCR'd newspaper page to its articles.

The page arrives as lines in print order, with headlines, bylines, captions, ads and column labels
mixed into the body text, lines broken mid-sentence and blank lines that mean nothing. We
1. classify every line (body, headline, byline, subtitle, caption, page furniture),
2. join body lines into paragraphs without inserting anything between Chinese characters,
3. cut the paragraphs into article bodies at the paper's own markers (本报讯, headline + byline),
4. give each body its headline: the one printed right above it (with a byline or subtitle), or
   else the headline anywhere on the page whose words it shares distinctively (OCR often prints
   headlines far from their bodies), or else its lead sentence,
5. drop paragraphs printed twice.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from enum import Enum

from rag.text.analyzers import jieba_module, squashed_bigrams
from rag.text.clean import CJK, collapse_spacing, ends_sentence, unify_punctuation
from rag.text.mapped import Mapped
from rag.types import Article

_NAME = f"[{CJK}]{{2,4}}"
_FURNITURE = [
    re.compile(r"^[\d\s.\-—:：/]+$"),  # stock codes, page numbers, dates alone
    re.compile(r"联办$|协办$|承办$"),  # sponsored-column tags
    re.compile(f"^[{CJK}]{{1,6}}杯$"),  # 龙轴杯, 片仔癀杯 (sponsor cups)
    re.compile(r"官方微信|微信公众号|扫码|二维码|客户端$|^精神文明网$"),
    # the page's header: its date and weekday, its editors (7 2023年3月9日 星期四 / 责任编辑：何 静 版式设计：吴昊天)
    re.compile(r"^[\d\s]*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*星期[一二三四五六日天]|责任编辑|版式设计|美术编辑"),
]
_CREDIT = re.compile(rf"^(?:(?:本报)?记者\s*)?{_NAME}(?:\s+{_NAME}){{0,4}}\s*摄$")
_TRAILING_CREDIT = re.compile(rf"\s+(?:{_NAME}\s+){{0,4}}{_NAME}\s*摄$")
_BYLINE = [
    re.compile(rf"^(?:本报|特约)?(?:记者|通讯员)\s*{_NAME}(?:\s+{_NAME}){{0,4}}$"),
    re.compile(rf"^{_NAME}(?:\s+{_NAME}){{0,3}}$"),
    re.compile(rf"^[{CJK}（）()]{{4,24}}\s+{_NAME}$"),  # 中共北京海淀区委副书记 张旗
]
_MARKER = re.compile(r"^(?:本报讯|本报(?:记者|通讯员))")
_PHOTO_LABEL = re.compile(r"^(?:上图|下图|左图|右图|图为|图片|图：)")  # a caption line of its own
_PHOTO_NEWS = re.compile(r"图为")  # a picture with its story, printed as an item of its own
_BULLET = re.compile(r"^(?:[-•·]\s+|[●○■□◆◇▲△★☆▶►])")  # an item of a list starts a paragraph of its own
# A line opening on a quote is speech, unless a name in quotes leads a headline (“老船长”杜德顺：守护长江十二年)
_QUOTED_LEAD = re.compile(r"^“[^“”]{1,12}”[^“”]")
# A headline does not end on a particle or conjunction; a line broken mid-sentence often does.
_NOT_LAST = "的和与及了把对为从将被向或并而且其这那各，、：；"
_MD_HEADING = re.compile(r"(#{1,6})\s+")
_OPEN, _CLOSE = "“‘《（(「『【", "”’》）)」』】"


PAGE_TEXT = "版面其他文字"  # the title of text printed outside the articles
PAGE_TEXT_SOURCE = "page"
_PRINTED = re.compile(f"[{CJK}]{{2,}}")


class Kind(Enum):
    BODY = "body"
    HEADING = "heading"
    SUBTITLE = "subtitle"  # ——副题
    BYLINE = "byline"
    CREDIT = "credit"
    FURNITURE = "furniture"


@dataclass
class _Line:
    raw: str
    text: Mapped  # cleaned
    indented: bool
    kind: Kind = Kind.BODY
    md_level: int = 0  # 1-6 for a Markdown `#` heading


@dataclass
class _Paragraph:
    text: Mapped
    marker: bool = False  # starts with 本报讯
    caption: bool = False
    indented: bool = False
    heading: bool = False  # a sub-heading kept inside a body


@dataclass
class _Body:
    paragraphs: list[_Paragraph]
    headings: list[tuple[int, Mapped]] = field(default_factory=list)  # (page position, line)
    structural: bool = False  # headline printed right above it with a byline or subtitle


@dataclass
class _Group:
    """Consecutive headline-like lines."""

    lines: list[tuple[int, _Line]]
    next_body: int | None = None
    inside_body: bool = False


def _lines(source: str) -> list[_Line]:
    out = []
    for match in re.finditer(r"[^\n]+", source):
        raw = match.group().rstrip("\r")
        if not raw.strip():
            continue
        mapped = unify_punctuation(Mapped.slice_of(source, match.start(), match.start() + len(raw))).strip()
        md = _MD_HEADING.match(mapped.text)
        if md:
            mapped = mapped[md.end():].strip()
            if not mapped.text:
                continue
        out.append(_Line(raw=raw, text=mapped, indented=raw[:1] in " \t\u3000",
                         md_level=len(md.group(1)) if md else 0))
    return out


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
    return depth == 0


def _column_width(lines: list[_Line], i: int) -> float:
    near = [len(lines[j].text) for j in range(max(0, i - 6), min(len(lines), i + 7)) if j != i]
    return statistics.median(near) if near else len(lines[i].text)


def _classify(lines: list[_Line]) -> None:
    for line in lines:
        t = line.text.text
        if line.md_level:
            line.kind = Kind.HEADING
        elif _CREDIT.match(t):
            line.kind = Kind.CREDIT
        elif any(p.search(t) for p in _FURNITURE):
            line.kind = Kind.FURNITURE
        elif t.startswith("——") and len(t) <= 60:
            line.kind = Kind.SUBTITLE
    for i, line in enumerate(lines):
        if line.kind is not Kind.BODY:
            continue
        t = line.text.text
        prev = lines[i - 1] if i else None
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if _MARKER.match(t) or _PHOTO_LABEL.match(t) or _PHOTO_NEWS.search(t) or _BULLET.match(t) or \
                ends_sentence(t):
            continue
        if len(t) > 60 or not _balanced(t) or re.search("[。！？]", t) or t.count("，") >= 2 or \
                t[0] in "、，：；" or t[-1] in _NOT_LAST:
            continue
        next_is_start = nxt is not None and (_MARKER.match(nxt.text.text) or nxt.kind is Kind.SUBTITLE)
        width = _column_width(lines, i)
        if nxt is not None and nxt.kind is Kind.BODY and _word_across(t, nxt.text.text):
            continue
        if width >= 30:  # wide columns: every body line is a whole paragraph
            heading = len(t) < 0.6 * width
        else:
            after_break = prev is None or prev.kind is not Kind.BODY or ends_sentence(prev.text.text) or \
                prev.kind is Kind.HEADING
            # A body line fills its column; a headline is shorter or longer, or stands apart.
            stands_out = " " in t or t.endswith("——") or abs(len(t) - width) > 2 or prev is None or \
                prev.kind is not Kind.BODY or nxt is None or bool(next_is_start)
            heading = (after_break or bool(next_is_start)) and stands_out and not re.search("[，。；]", t) and \
                (not t.startswith("“") or _QUOTED_LEAD.match(t)) and not (line.indented and i > 0)
        if heading:
            line.kind = Kind.BYLINE if _is_byline(t) and prev is not None and prev.kind in (
                Kind.HEADING, Kind.SUBTITLE) else Kind.HEADING
    # A line right after a headline that looks like a name is a byline, even if it was read as body.
    for i in range(1, len(lines)):
        if lines[i].kind is Kind.BODY and lines[i - 1].kind in (Kind.HEADING, Kind.SUBTITLE) and \
                _is_byline(lines[i].text.text):
            lines[i].kind = Kind.BYLINE


def _word_across(left: str, right: str) -> bool:
    """Whether a common word straddles the line break (`要充分盘` / `活用好` -> 盘活): a broken line."""
    return bool(left and right) and jieba_module().dt.FREQ.get(left[-1] + right[0], 0) >= 50


def _is_byline(text: str) -> bool:
    return len(text) <= 30 and any(p.match(text) for p in _BYLINE)


def _clean_body(m: Mapped) -> Mapped:
    return collapse_spacing(m)


def _clean_heading(m: Mapped) -> Mapped:
    return collapse_spacing(m, letter_spaced_only=True)


def _items(lines: list[_Line]):
    """Yield ('para', _Paragraph) and ('line', index, _Line) in page order."""
    current: list[_Line] = []
    flags: dict = {}

    def flush():
        if current:
            text = Mapped.join([ln.text for ln in current])
            credit = _TRAILING_CREDIT.search(text.text)
            if credit:
                text = text[: credit.start()].strip()
            text = _clean_body(text)
            if text.text:
                yield "para", _Paragraph(text=text, caption=bool(_PHOTO_NEWS.search(text.text)), **flags)
        current.clear()

    for i, line in enumerate(lines):
        if line.kind is not Kind.BODY:
            yield from flush()
            yield "line", i, line
            continue
        t = line.text.text
        starts = bool(_MARKER.match(t) or _PHOTO_LABEL.match(t) or _BULLET.match(t) or line.indented)
        if current:
            prev = current[-1]
            width = _column_width(lines, i - 1)
            short = width >= 30 or len(prev.text) < width - 1
            if starts or (ends_sentence(prev.text.text) and short) or _PHOTO_LABEL.match(prev.text.text):
                yield from flush()
        if not current:
            flags = {"marker": bool(_MARKER.match(t)), "indented": line.indented}
        current.append(line)
    yield from flush()


def _assign_orphans(bodies: list[_Body], groups: list[list[tuple[int, Mapped]]],
                    next_bodies: list[int | None]) -> None:
    """Give headlines printed away from their bodies to the body whose words they share distinctively.

    Similarity is the idf-weighted share of the headline's character bigrams found in a body; a
    headline must beat every other body on the page by a margin, so column labels made of words
    every article uses (全国精神文明建设) are dropped rather than attached.
    """
    grams = [set(squashed_bigrams("".join(p.text.text for p in b.paragraphs))) for b in bodies]
    df = Counter(g for s in grams for g in s)
    n = len(grams)
    for lines, next_body in zip(groups, next_bodies):
        best_of: dict[int, tuple[float, int]] = {}
        for pos, line in lines:
            heading = squashed_bigrams(line.text)
            if len(heading) < 3:
                continue
            idf = {g: math.log((n + 1) / (df.get(g, 0) + 0.5)) for g in heading}
            total = sum(idf.values()) or 1.0
            sims = sorted(((sum(idf[g] for g in heading if g in grams[k]) / total, k) for k in range(n)),
                          reverse=True)
            best, target = sims[0]
            margin = best - (sims[1][0] if n > 1 else 0.0)
            best_of[pos] = (best, target)
            if bodies[target].structural:
                continue
            adjacent = target == next_body
            if (adjacent and best >= 0.2 and margin >= 0.02) or (best >= 0.4 and margin >= 0.25) or \
                    (best >= 0.5 and margin >= 0.15):
                bodies[target].headings.append((pos, line))
        # A headline's companion line (its kicker or subtitle) goes where the headline went.
        chosen = {k for k, b in enumerate(bodies) if any(pos in best_of for pos, _ in b.headings)}
        for pos, line in lines:
            if pos in best_of and best_of[pos][1] in chosen and best_of[pos][0] >= 0.3 and \
                    all(p != pos for p, _ in bodies[best_of[pos][1]].headings):
                bodies[best_of[pos][1]].headings.append((pos, line))


def _lead_title(text: str) -> str:
    text = re.sub(r"^本报(?:讯|记者|通讯员)\s*[（(][^）)]*[）)]", "", text)
    text = re.sub(r"^(?:\d{4}年)?\d{1,2}月\s*\d{1,2}日[，,]?|^(?:近日|日前|近期|今年以来)[，,]", "", text)
    sentence = re.split("[。！？；]", text, maxsplit=1)[0]
    return sentence if len(sentence) <= 40 else sentence[:39] + "…"


def _title(body: _Body) -> tuple[str, str]:
    lines = [m.text for _, m in sorted(body.headings, key=lambda h: h[0])]
    main = [t for t in lines if len(t) >= 6 or t.startswith("——")][:2]
    if main:
        return " ".join(main), "headline"
    return _lead_title(body.paragraphs[0].text.text), "lead"


def split_articles(doc_id: str, source: str) -> list[Article]:
    """The articles printed on one page, in page order."""
    lines = _lines(source)
    _classify(lines)
    # In Markdown the top heading level present starts articles; deeper levels are sections.
    top_md = min((ln.md_level for ln in lines if ln.md_level), default=0)
    bodies: list[_Body] = []
    groups: list[_Group] = []
    group: _Group | None = None
    last_was_caption = False
    for item in _items(lines):
        if item[0] == "line":
            _, i, line = item
            if line.kind in (Kind.HEADING, Kind.SUBTITLE, Kind.BYLINE):
                if group is None:
                    group = _Group(lines=[])
                    groups.append(group)
                group.lines.append((i, line))
            elif line.kind is Kind.FURNITURE:
                group = None
            continue
        para: _Paragraph = item[1]
        structural = group is not None and any(
            ln.kind in (Kind.BYLINE, Kind.SUBTITLE) or (top_md and ln.md_level == top_md) for _, ln in group.lines)
        file_start = group is not None and not bodies and group.lines[0][0] == 0
        new_body = not bodies or para.marker or para.caption or last_was_caption or structural or \
            (para.indented and group is None) or (file_start and group is not None)
        if group is not None and not new_body:
            group.inside_body = True
            bodies[-1].paragraphs.extend(
                _Paragraph(text=_clean_heading(ln.text), heading=True)
                for _, ln in group.lines if ln.kind is not Kind.BYLINE)
        if new_body:
            bodies.append(_Body(paragraphs=[]))
            if group is not None:
                group.next_body = len(bodies) - 1
                if structural or file_start:
                    bodies[-1].structural = True
                    bodies[-1].headings.extend(
                        (i, _clean_heading(ln.text)) for i, ln in group.lines if ln.kind is not Kind.BYLINE)
        bodies[-1].paragraphs.append(para)
        last_was_caption = para.caption
        group = None
    orphans = [g for g in groups
               if not g.inside_body and not (g.next_body is not None and bodies[g.next_body].structural)]
    _assign_orphans(bodies, [[(i, _clean_heading(ln.text)) for i, ln in g.lines if ln.kind is Kind.HEADING]
                             for g in orphans], [g.next_body for g in orphans])
    articles = _articles(doc_id, bodies)
    return articles + _leftovers(doc_id, lines, articles, {pos for b in bodies for pos, _ in b.headings})


def _leftovers(doc_id: str, lines: list[_Line], articles: list[Article], titles: set[int]) -> list[Article]:
    """What the page prints outside its articles, their headlines, bylines and credits (a sponsor's box: 龙轴杯 /
    福建龙溪轴承（集团）股份有限公司联办, a column label, a headline no body claimed): searchable all the same, each
    run of such lines a passage of its own after the articles (PAGE_TEXT), so the articles' numbers do not move."""
    covered = {o for a in articles for o in a.body.origin}
    runs: list[list[Mapped]] = [[]]
    for i, line in enumerate(lines):
        if line.kind is Kind.FURNITURE and not _PRINTED.search(line.text.text):
            continue  # a stock code or a page number: no words, and no end to a box
        if line.kind in (Kind.FURNITURE, Kind.HEADING, Kind.SUBTITLE) and i not in titles \
                and not covered.intersection(line.text.origin) and _PRINTED.search(line.text.text):
            runs[-1].append(_clean_heading(line.text))
        elif runs[-1]:
            runs.append([])
    return [Article(doc_id=doc_id, ordinal=len(articles) + k, title=PAGE_TEXT, title_source=PAGE_TEXT_SOURCE,
                    body=Mapped.join(run, sep="\n"))
            for k, run in enumerate(r for r in runs if sum(map(len, _PRINTED.findall("".join(m.text for m in r)))) >= 6)]


def _articles(doc_id: str, bodies: list[_Body]) -> list[Article]:
    seen: set[str] = set()
    articles = []
    for body in bodies:
        kept = []
        for para in body.paragraphs:
            key = para.text.text
            if len(key) >= 8 and key in seen:
                continue  # a section printed twice is indexed once
            seen.add(key)
            kept.append(para)
        if not kept or sum(len(p.text) for p in kept if not p.heading) < 10:
            continue
        body.paragraphs = kept
        title, source = _title(body)
        articles.append(Article(doc_id=doc_id, ordinal=len(articles), title=title, title_source=source,
                                body=Mapped.join([p.text for p in kept], sep="\n")))
    return articles
