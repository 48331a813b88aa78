"""Bylines as evidence. Who wrote an article is printed under its headline (杨澜 宋敏) or after its body
(本报记者 张三): outside the passages the index holds, so without this a question about an article's author found
no name, and a question naming a reporter was refused as if the pages never mentioned them. A byline is cited
as a passage of its own: its exact span of the page, in the article it signs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rag.answering.verify import squash
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
        chunk = Chunk(chunk_id=f"{self.article_id}#byline", doc_id=self.doc_id, article_id=self.article_id,
                      title=self.title, text=self.text, start=self.start, end=self.end, ordinal=-1)
        return Hit(chunk=chunk, score=score, dense=None, lexical=None)


def page_bylines(doc_id: str, source: str, articles: Sequence[Mapping], authors: Sequence[str]) -> list[Byline]:
    """The bylines of a page's articles, in page order: the author names its text prints (rag.ingest.metadata),
    kept where the document's metadata still names them (a correction wins) and not a photo credit (张三 摄);
    names side by side make one byline, given to the article whose headline is the line above it, else to the
    article whose span holds it, else to the first article after it."""
    found = extract(source)
    keep = set(authors)
    ordered = sorted(articles, key=lambda a: a["start"])
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
    return next((a for a in articles if line in squash(a["title"])), None)
