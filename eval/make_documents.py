"""Write the seed pages in every format and encoding we read, then read them back and print what came out.

    python eval/make_documents.py [--out eval/reports/artifacts/documents]

Per file: reader kind, detected encoding, pages, fraction of the seed's sentences (8+ characters) found
intact and in order, and how many of the printed headlines `rag.ingest.layout` gave back in article titles
(an HTML page's own <h1> joins its first story's title). The .txt files are the seed pages as printed, whose
article order differs a little from the order the stories are listed in: hence "in order" below 1 there.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

from rag.evaluation import documents
from rag.ingest import loading
from rag.ingest.layout import split_articles
from rag.ingest.readers import text as text_reader

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "eval"))
from pdf_reading_order import score, sentences  # noqa: E402  (a sibling script)

# Big5 holds traditional characters only; the seeds are simplified, so the Big5 file is this story,
# written in traditional characters after seed 001's first article.
BIG5_STORY = documents.Story("廣西召開座談交流會部署全國文明城市創建工作", (
    "本報訊 近日，廣西壯族自治區召開全國文明城市創建工作座談交流會，總結交流各地創建經驗，部署下一階段工作。"
    "會議強調，要堅持以人民為中心，把創建工作同改善民生緊密結合起來，讓群眾有更多獲得感。",
    "會議要求，各市要對照測評體系查漏補缺，持續開展志願服務、移風易俗和城鄉環境整治，推動文明城市創建常態長效。",
))


def text_of(stories: list[documents.Story]) -> str:
    return "\n\n".join("\n".join(((s.title,) if s.title else ()) + s.paragraphs) for s in stories) + "\n"


def write(out: Path) -> list[tuple[Path, list[documents.Story]]]:
    out.mkdir(parents=True, exist_ok=True)
    seeds = sorted((REPO / "seeds").glob("*.txt"))
    written = []

    def put(name: str, data: bytes, stories: list[documents.Story]) -> None:
        (out / name).write_bytes(data)
        written.append((out / name, stories))

    first = documents.stories(seeds[0])
    put("seed0-gbk.txt", seeds[0].read_text(encoding="utf-8").encode("gbk"), first)
    put("seed0-utf16.txt", seeds[0].read_text(encoding="utf-8").encode("utf-16"), first)
    put("seed0-utf8-bom.txt", seeds[0].read_text(encoding="utf-8").encode("utf-8-sig"), first)
    put("story-big5.txt", text_of([BIG5_STORY]).encode("big5"), [BIG5_STORY])  # strict: fails if Big5 can't hold it
    for seed in seeds:
        stories = documents.stories(seed)
        stem = seed.stem
        put(f"{stem}.docx", documents.docx(stories), stories)
        put(f"{stem}.html", documents.html(stories, f"文明网 第{seeds.index(seed) + 1}版"), stories)
        put(f"{stem}-3col.pdf", documents.pdf(stories, columns=3), stories)
        put(f"{stem}-2col-rows.pdf", documents.pdf(stories, columns=2, order="row"), stories)
    return written


def detection_by_length(lengths=(4, 8, 16, 32), tries: int = 200) -> dict[int, float]:
    """How often a GBK window of the seeds, n characters long, is read back exactly (seeded, repeatable)."""
    rng = random.Random(0)
    chars = "".join(ch for p in sorted((REPO / "seeds").glob("*.txt")) for ch in p.read_text(encoding="utf-8")
                    if not ch.isspace())
    out = {}
    for n in lengths:
        right = 0
        for _ in range(tries):
            start = rng.randrange(len(chars) - n)
            window = chars[start:start + n]
            try:
                right += text_reader.read("w.txt", window.encode("gbk")).text == window
            except loading.LoadError:
                pass
        out[n] = right / tries
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(REPO / "eval" / "reports" / "artifacts" / "documents"))
    args = ap.parse_args()
    written = write(Path(args.out))
    print(f"wrote {len(written)} files to {args.out}")
    print(f"{'file':<36}{'kind':<6}{'encoding':<11}{'pages':>6}{'intact':>8}{'in order':>10}{'headlines':>11}")
    for path, stories in written:
        source = loading.read(path)
        intact, ordered = score(sentences(stories), source.text)
        printed = {s.title for s in stories if s.title}
        titles = {a.title for a in split_articles(source.doc_id, source.text)}
        found = sum(1 for t in printed if any(t in title for title in titles))
        print(f"{path.name:<36}{source.kind:<6}{source.encoding or '-':<11}{len(source.pages):>6}"
              f"{intact:>8.3f}{ordered:>10.3f}{f'{found}/{len(printed)}':>11}")
    print("GBK detected and read back exactly, by length in characters (200 random seed windows each): " +
          ", ".join(f"{n}: {share:.3f}" for n, share in detection_by_length().items()))


if __name__ == "__main__":
    main()
