"""Which PDF library keeps Chinese reading order on multi-column pages: pypdf or pypdfium2.

Renders the seed articles to 3-column PDFs (rag.evaluation.documents.pdf) twice: with the content
stream in reading order (column by column) and row by row across the columns. For each library prints
the fraction of seed sentences (8+ characters) found intact in the extracted text, and the fraction
found intact and in order (longest run of increasing positions). "pypdfium2 + XY-cut (ours)" is
rag.ingest.readers.pdf: PDFium's characters and boxes put in reading order by columns, and it also
renders each page to PNG (in its seconds per page).

    python eval/pdf_reading_order.py [--columns 3]
"""

from __future__ import annotations

import argparse
import bisect
import io
import re
import time
from pathlib import Path

import pypdf
import pypdfium2

from rag.evaluation import documents
from rag.ingest.readers import pdf as pdf_reader

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def sentences(stories: list[documents.Story]) -> list[str]:
    out = []
    for story in stories:
        for para in (story.title, *story.paragraphs):
            out.extend(s for s in re.findall(r"[^。！？]+[。！？]?", _squash(para)) if len(s) >= 8)
    return out


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def score(known: list[str], text: str) -> tuple[float, float]:
    """(found intact, found intact and in order) as fractions of the known sentences."""
    flat = _squash(text)
    positions, cursor = [], {}
    for s in known:
        at = flat.find(s, cursor.get(s, 0))
        if at >= 0:
            cursor[s] = at + 1
            positions.append(at)
    tails: list[int] = []  # longest increasing subsequence
    for p in positions:
        i = bisect.bisect_left(tails, p)
        tails[i:i + 1] = [p]
    return len(positions) / len(known), len(tails) / len(known)


def extractors():
    def with_pypdf(data: bytes) -> str:
        return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)

    def with_pypdf_layout(data: bytes) -> str:
        pages = pypdf.PdfReader(io.BytesIO(data)).pages
        return "\n".join(page.extract_text(extraction_mode="layout") for page in pages)

    def with_pypdfium2_raw(data: bytes) -> str:
        return "\n".join(page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(data))

    def with_our_reader(data: bytes) -> str:
        return pdf_reader.read("seed.pdf", data).text

    return {"pypdf": with_pypdf, "pypdf (layout mode)": with_pypdf_layout, "pypdfium2 (its text)": with_pypdfium2_raw,
            "pypdfium2 + XY-cut (ours)": with_our_reader}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--columns", type=int, default=3)
    args = parser.parse_args()
    seeds = sorted(SEEDS.glob("*.txt"))
    print(f"{len(seeds)} seed pages, {args.columns} columns; fractions of seed sentences (8+ chars)")
    print(f"{'stream order':<14}{'library':<26}{'intact':>8}{'in order':>10}{'s/page':>8}")
    for order in ("column", "row"):
        rendered = [(documents.stories(seed),) for seed in seeds]
        rendered = [(stories, documents.pdf(stories, args.columns, order)) for (stories,) in rendered]
        pages = sum(len(pypdf.PdfReader(io.BytesIO(data)).pages) for _, data in rendered)
        for label, extract in extractors().items():
            known_total = intact = ordered = 0.0
            start = time.perf_counter()
            for stories, data in rendered:
                known = sentences(stories)
                a, b = score(known, extract(data))
                known_total += len(known)
                intact += a * len(known)
                ordered += b * len(known)
            per_page = (time.perf_counter() - start) / pages
            print(f"{order:<14}{label:<26}{intact / known_total:>8.3f}{ordered / known_total:>10.3f}{per_page:>8.3f}")


if __name__ == "__main__":
    main()
