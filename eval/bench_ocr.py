"""OCR quality and speed on the rendered seed pages, and retrieval over the scans against the text seeds.

    python eval/render_pages.py --out eval/scans --max-pages 10   # once: the page images with known text
    python eval/bench_ocr.py [--scans eval/scans] [--pages 6] [--no-retrieval]

Prints, over the pages read:
- character error rate: edit distance between the known text and the OCR text (whitespace and the `# `
  headline marks left out) over the known length;
- reading order: the share of known sentences found (fuzzily) in the OCR text in the order printed, as the longest
  increasing run of their positions over the number of sentences;
- article boundaries: headlines printed vs articles `rag.ingest.layout` finds on the OCR text, and how many printed
  headlines come back as an article title;
- seconds per page;
- retrieval hit@5 of eval/seeds questions (those whose evidence lies on the pages read) over an index of the OCR
  text vs an index of the same known text, with the real embedder.
"""

from __future__ import annotations

import argparse
import bisect
import json
import re
import sys
import tempfile
import time
from pathlib import Path

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from rag.ingest.layout import split_articles
from rag.ingest.ocr import ocr_page


def squash(text: str) -> str:
    return re.sub(r"\s+|^# ", "", text, flags=re.M)


def cer(known: str, read: str) -> tuple[int, int]:
    a, b = squash(known), squash(read)
    return Levenshtein.distance(a, b), len(a)


def in_order(known: str, read: str) -> tuple[int, int]:
    """(sentences found in order, sentences): positions of fuzzy matches, longest increasing subsequence."""
    sentences = [s for s in re.split(r"(?<=[。！？])", squash(known)) if len(s) >= 8]
    flat = squash(read)
    positions = []
    for s in sentences:
        m = fuzz.partial_ratio_alignment(s, flat)
        if m is not None and m.score >= 90:
            positions.append(m.dest_start)
    tails: list[int] = []
    for p in positions:
        i = bisect.bisect_left(tails, p)
        tails[i:i + 1] = [p]
    return len(tails), len(sentences)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scans", type=Path, default=Path("eval/scans"))
    ap.add_argument("--pages", type=int, default=6)
    ap.add_argument("--questions", type=Path, default=Path("eval/seeds/questions.jsonl"))
    ap.add_argument("--no-retrieval", action="store_true")
    ap.add_argument("--model-dir", type=Path, default=None, help="where the rebuilt embedder is cached")
    args = ap.parse_args()
    pages = sorted(args.scans.glob("*.png"))[: args.pages]
    if not pages:
        sys.exit(f"no page images in {args.scans}; run eval/render_pages.py first")
    errors = chars = ordered = sentences = printed = found = titled = 0
    seconds = []
    known_docs: dict[str, list[str]] = {}
    read_docs: dict[str, list[str]] = {}
    for png in pages:
        meta = json.loads(png.with_suffix(".json").read_text())
        t = time.perf_counter()
        text, _ = ocr_page(png.read_bytes())
        seconds.append(time.perf_counter() - t)
        e, n = cer(meta["text"], text)
        o, s = in_order(meta["text"], text)
        articles = split_articles(png.name, text)
        titles = [squash(a.title) for a in articles if a.title_source == "headline"]
        hits = sum(any(fuzz.ratio(squash(h), t) >= 90 for t in titles) for h in meta["headlines"])
        errors, chars, ordered, sentences = errors + e, chars + n, ordered + o, sentences + s
        printed, found, titled = printed + len(meta["headlines"]), found + len(articles), titled + hits
        known_docs.setdefault(meta["doc"], []).append(meta["text"])
        read_docs.setdefault(meta["doc"], []).append(text)
        print(f"{png.name}: {seconds[-1]:.1f} s, CER {e / n:.2%}, in order {o}/{s}, "
              f"headlines {len(meta['headlines'])} -> articles {len(articles)} ({hits} titled)", flush=True)
    print(f"\npages {len(pages)}  CER {errors / chars:.2%} ({errors} of {chars} chars)  "
          f"reading order {ordered / sentences:.1%} ({ordered}/{sentences} sentences)  "
          f"articles {found} for {printed} printed headlines ({titled} found as titles)  "
          f"seconds/page {sum(seconds) / len(seconds):.1f} (min {min(seconds):.1f}, max {max(seconds):.1f})")
    if not args.no_retrieval:
        text_hit, scan_hit, n = retrieval(known_docs, read_docs, args.questions, args.model_dir)
        print(f"retrieval hit@5 over {n} questions: text {text_hit:.3f}  scans {scan_hit:.3f}  "
              f"gap {text_hit - scan_hit:+.3f}")


def retrieval(known_docs: dict[str, list[str]], read_docs: dict[str, list[str]], questions: Path,
              model_dir: Path | None) -> tuple[float, float, int]:
    """hit@5 of the questions whose evidence is on the pages read, over each corpus built as pages of one file
    per seed document (pages joined by a blank line)."""
    from rag.config import Settings
    from rag.engine import Engine, search_config
    from rag.evaluation.datasets import Dataset, load_jsonl
    from rag.evaluation.datasets import squash as squash_evidence
    from rag.evaluation.evaluate import Retrieved, evaluate_retrieval
    from rag.ingest.loading import decode

    data = load_jsonl(questions)
    known_all = squash_evidence("".join(t for texts in known_docs.values() for t in texts))
    kept = [q for q in data.questions if q.answerable and q.doc_id in known_docs and
            all(squash_evidence(e) in known_all for e in q.evidence)]
    subset = Dataset(name=data.name, questions=kept)
    hit = []
    for docs in (known_docs, read_docs):
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(index_dir=Path(tmp), model_dir=model_dir)
            engine = Engine(settings)
            engine.add([decode(name, "\n\n".join(texts).encode()) for name, texts in docs.items()], rebuild=True)

            def search(question, k, config, engine=engine):
                return [Retrieved(h.chunk.chunk_id, h.chunk.text, h.score) for h in engine.search(question, k).hits]

            report = evaluate_retrieval(subset, search, search_config(settings), "ocr")
            hit.append(report.metrics["hit_rate@5"])
    return hit[0], hit[1], len(kept)


if __name__ == "__main__":
    main()
