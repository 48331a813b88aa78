"""Bylines and photo credits as evidence. Who wrote an article is printed under its headline (杨澜 宋敏) or after its body
(本报记者 张三): outside the passages the index holds, so without this a question about an article's author found
no name, and a question naming a reporter was refused as if the pages never mentioned them. A byline is cited
as a passage of its own: its exact span of the page, in the article it signs. A photo credit (刘敬胜 李霞 李冉 摄)
answers who took a picture, cited with the caption above it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rag.answering.question import SURNAMES
from rag.answering.verify import squash
from rag.ingest.layout import PAGE_TEXT_SOURCE
from rag.ingest.metadata import SIGNED_ROLE, extract
from rag.types import Chunk, Hit


@dataclass(frozen=True)
class Byline:
    doc_id: str
    article_id: str
    title: str  # the article's headline
    names: tuple[str, ...]
    start: int  # the byline's span of the page text: the author's post (if printed), first name to last
    end: int
    text: str
    role: str = ""  # the post printed before the names (中共北京海淀区委副书记 张旗), the start of `text`

    @property
    def signed(self) -> tuple[int, int]:
        """Where the names stand in `text` (after the post, if any)."""
        return (self.text.index(self.names[0], len(self.role)) if self.role else 0), len(self.text)

    def hit(self, score: float) -> Hit:
        """The byline as a passage to cite (no index holds it: it has no leg scores)."""
        return _printed(self.doc_id, self.article_id, "byline", self.title, self.start, self.end, self.text, score)


@dataclass(frozen=True)
class Credit:
    """A photo credit and the caption it closes: `text` runs from the caption's start to 摄."""
    doc_id: str
    article_id: str
    title: str  # the headline of the article it is printed with
    names: tuple[str, ...]
    start: int
    end: int
    text: str
    caption: str
    signed: tuple[int, int]  # the names' offsets in `text`

    def hit(self, score: float) -> Hit:
        return _printed(self.doc_id, self.article_id, "photo", self.title, self.start, self.end, self.text, score)


def _printed(doc_id: str, article_id: str, kind: str, title: str, start: int, end: int, text: str,
             score: float) -> Hit:
    chunk = Chunk(chunk_id=f"{article_id}#{kind}", doc_id=doc_id, article_id=article_id, title=title, text=text,
                  start=start, end=end, ordinal=-1)
    return Hit(chunk=chunk, score=score, dense=None, lexical=None)


# "刘敬胜 李霞 李冉 摄" on a line of its own, or closing a caption after its last sentence ("…合影。 龙令智 杨朝正 摄")
_CREDIT = re.compile(r"(?:^|(?<=[。！？”\s]))[ \t　]*((?:[\u4e00-\u9fff]{2,4}[ \t　]+)*[\u4e00-\u9fff]{2,4})[ \t　]*摄[ \t　]*$",
                     re.M)


def page_photo_credits(doc_id: str, source: str, articles: Sequence[Mapping]) -> list[Credit]:
    """The photo credits a page prints, each with its caption: the text above it back to the previous blank line,
    given to the article that holds it, else the one before it."""
    ordered = sorted(_printed_articles(articles), key=lambda a: a["start"])
    out = []
    for m in _CREDIT.finditer(source):
        names = tuple(re.split(r"[ \t　]+", m.group(1)))
        if not all(n[0] in SURNAMES for n in names):
            continue  # a caption's last words, not names
        block = source.rfind("\n\n", 0, m.start(1))
        start = block + 2 if block >= 0 else 0
        caption = source[start:m.start(1)].strip()
        if not caption:
            continue
        article = next((a for a in ordered if a["start"] <= m.start(1) < a["end"]), None) \
            or next((a for a in reversed(ordered) if a["start"] <= m.start(1)), None) or (ordered[0] if ordered else None)
        if article is None:
            continue
        text = source[start:m.end()].rstrip()
        out.append(Credit(doc_id, article["article_id"], article["title"], names, start, start + len(text), text,
                          caption, (m.start(1) - start, m.end(1) - start)))
    return out


def page_bylines(doc_id: str, source: str, articles: Sequence[Mapping], authors: Sequence[str]) -> list[Byline]:
    """The bylines of a page's articles, in page order: the author names its text prints (rag.ingest.metadata),
    kept where the document's metadata still names them (a correction wins) and not a photo credit (张三 摄);
    names side by side make one byline, given to the article whose headline is the line above it, else to the
    article whose span holds it, else to the first article after it."""
    found = extract(source)
    keep = set(authors)
    ordered = sorted(_printed_articles(articles), key=lambda a: a["start"])
    groups: list[list[tuple[str, int, int]]] = []
    for name, (start, end) in sorted(zip(found.meta.authors, found.spans.get("authors", ())), key=lambda x: x[1]):
        if name not in keep:
            continue
        if groups and not source[groups[-1][-1][2]:start].strip():
            groups[-1].append((name, start, end))
        else:
            groups.append([(name, start, end)])
    out = []
    for names in groups:
        start, end = names[0][1], names[-1][2]
        if source[end:end + 3].strip().startswith("摄"):
            continue
        article = _under_headline(source, start, ordered) \
            or next((a for a in ordered if a["start"] <= start < a["end"]), None) \
            or next((a for a in ordered if a["start"] >= end), None)
        if article is not None:
            line = source[source.rfind("\n", 0, start) + 1: start]
            role = SIGNED_ROLE.fullmatch(line.strip())
            if role:
                start = source.rfind(role.group(), 0, start)
            out.append(Byline(doc_id, article["article_id"], article["title"],
                              tuple(dict.fromkeys(n for n, _, _ in names)), start, end, source[start:end],
                              role.group() if role else ""))
    return out


def _under_headline(source: str, start: int, articles: Sequence[Mapping]) -> Mapping | None:
    """The article whose headline is printed on the last line above `start` (OCR puts the articles of a page
    in any order, so the nearest article by position can be another one)."""
    above = [line for line in source[:start].splitlines() if line.strip()]
    line = squash(above[-1]) if above else ""
    if len(line) < 4:
        return None
    return next((a for a in _printed_articles(articles) if line in squash(a["title"])), None)


def _printed_articles(articles: Sequence[Mapping]) -> list[Mapping]:
    """The articles proper: the page's other text (a sponsor's box) signs nothing."""
    return [a for a in articles if a.get("title_source") != PAGE_TEXT_SOURCE]
