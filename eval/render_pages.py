"""Render the seed articles as newspaper-like page scans with known text, for the OCR benchmark and tests.

Each seed file is split into articles with `rag.ingest.layout`; every article is printed as a module: its
headline in large type across the page, then its body flowed down three columns in body type. Pages are
A4 at 150 DPI (1240 x 1754), greyscale PNG. Next to every `NAME-pN.png` goes `NAME-pN.json` with the text in
reading order (headline lines and body lines, as printed) and the headlines on that page.

    python eval/render_pages.py [--out eval/scans] [--seeds seeds] [--max-pages 10]
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from rag.ingest.layout import split_articles

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
WIDTH, HEIGHT, MARGIN, GUTTER, COLUMNS = 1240, 1754, 60, 36, 3
BODY_SIZE, HEAD_SIZE = 20, 36
LEADING = 1.5


@dataclass
class RenderedPage:
    image: Image.Image
    lines: list[str] = field(default_factory=list)  # in reading order
    headlines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Break a paragraph into printed lines of at most `width` pixels (Chinese breaks anywhere)."""
    lines, line = [], ""
    for ch in text:
        if font.getlength(line + ch) > width and line:
            lines.append(line)
            line = ch
        else:
            line += ch
    if line:
        lines.append(line)
    return lines


def render(articles: list[tuple[str, list[str]]], max_pages: int | None = None) -> list[RenderedPage]:
    """Lay out (headline, paragraphs) articles on pages; an article that does not fit continues overleaf."""
    body = ImageFont.truetype(FONT, BODY_SIZE)
    head = ImageFont.truetype(FONT, HEAD_SIZE)
    col_w = (WIDTH - 2 * MARGIN - (COLUMNS - 1) * GUTTER) // COLUMNS
    step, head_step = int(BODY_SIZE * LEADING), int(HEAD_SIZE * 1.3)
    pages: list[RenderedPage] = []

    def new_page() -> tuple[RenderedPage, ImageDraw.ImageDraw]:
        page = RenderedPage(Image.new("L", (WIDTH, HEIGHT), 255))
        pages.append(page)
        return page, ImageDraw.Draw(page.image)

    page, draw = new_page()
    y = MARGIN
    for headline, paragraphs in articles:
        lines = [ln for p in paragraphs for ln in _wrap(p, body, col_w)]
        head_lines = _wrap(headline, head, WIDTH - 2 * MARGIN)
        if y + len(head_lines) * head_step + 4 * step > HEIGHT - MARGIN:  # no room for the headline and a bit
            if max_pages and len(pages) >= max_pages:
                return pages
            page, draw = new_page()
            y = MARGIN
        for hl in head_lines:
            draw.text((MARGIN, y), hl, font=head, fill=0)
            page.lines.append(hl)
            y += head_step
        page.headlines.append(headline)
        y += step // 2
        while lines:
            rows = (HEIGHT - MARGIN - y) // step
            per_col = min(rows, -(-len(lines) // COLUMNS))  # balance the columns when the article ends here
            for c in range(COLUMNS):
                x = MARGIN + c * (col_w + GUTTER)
                for r, ln in enumerate(lines[c * per_col:(c + 1) * per_col]):
                    draw.text((x, y + r * step), ln, font=body, fill=0)
                    page.lines.append(ln)
            lines = lines[COLUMNS * per_col:]
            y += per_col * step + step
            if lines:
                if max_pages and len(pages) >= max_pages:
                    return pages
                page, draw = new_page()
                y = MARGIN
    return pages


def seed_articles(path: Path) -> list[tuple[str, list[str]]]:
    return [(a.title, [p for p in a.text.split("\n") if p.strip()]) for a in split_articles(path.name, path.read_text())]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=Path, default=Path("seeds"))
    ap.add_argument("--out", type=Path, default=Path("eval/scans"))
    ap.add_argument("--max-pages", type=int, default=10, help="over all seed files")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    total = 0
    for path in sorted(args.seeds.glob("*.txt")):
        left = args.max_pages - total
        if left <= 0:
            break
        for n, page in enumerate(render(seed_articles(path), max_pages=left), start=1):
            stem = args.out / f"{path.stem}-p{n}"
            page.image.save(stem.with_suffix(".png"), optimize=True)
            stem.with_suffix(".json").write_text(json.dumps(
                {"doc": path.name, "page": n, "text": page.text, "headlines": page.headlines},
                ensure_ascii=False, indent=1))
            total += 1
    print(f"{total} pages in {args.out}")


if __name__ == "__main__":
    main()
