"""Per-field precision and recall of the metadata read from page text (rag/ingest/metadata.py) on the pages
of eval/make_mastheads.py, and what it finds on the seeds (which print bylines but no dates).

    python eval/metadata_accuracy.py [--pages eval/mastheads] [--half dev|heldout|both] [--errors]

precision = found correctly / found, recall = found correctly / present; authors count name by name.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rag.ingest.metadata import FIELDS, extract

REPO = Path(__file__).resolve().parents[1]


def score(folder: Path, show_errors: bool) -> dict[str, list[int]]:
    counts = {name: [0, 0, 0] for name in FIELDS}  # correct, found, present
    for line in (folder / "truth.jsonl").read_text(encoding="utf-8").splitlines():
        truth = json.loads(line)
        meta = extract((folder / truth["file"]).read_text(encoding="utf-8")).meta
        for name in FIELDS:
            got, want = getattr(meta, name), truth[name]
            if name == "authors":
                got, want = set(got), set(want)
                counts[name][0] += len(got & want)
                counts[name][1] += len(got)
                counts[name][2] += len(want)
                wrong = got != want
            else:
                counts[name][0] += got is not None and got == want
                counts[name][1] += got is not None
                counts[name][2] += want is not None
                wrong = got != want
            if wrong and show_errors:
                print(f"  {folder.name}/{truth['file']} {name}: got {got!r}, truth {want!r}")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=Path, default=REPO / "eval" / "mastheads")
    parser.add_argument("--half", choices=["dev", "heldout", "both"], default="both")
    parser.add_argument("--errors", action="store_true", help="print every field that differs from the truth")
    args = parser.parse_args()
    halves = ["dev", "heldout"] if args.half == "both" else [args.half]
    for half in halves:
        counts = score(args.pages / half, args.errors)
        pages = len((args.pages / half / "truth.jsonl").read_text(encoding="utf-8").splitlines())
        print(f"{half} ({pages} pages)   precision  recall   (correct / found / present)")
        for name, (correct, found, present) in counts.items():
            precision = correct / found if found else float("nan")
            recall = correct / present if present else float("nan")
            print(f"  {name:<10} {precision:9.3f} {recall:7.3f}   ({correct} / {found} / {present})")
    print("seeds (no masthead printed: every field but authors must stay empty)")
    for path in sorted((REPO / "seeds").glob("*.txt")):
        meta = extract(path.read_text(encoding="utf-8")).meta
        others = {name: getattr(meta, name) for name in FIELDS if name != "authors" and getattr(meta, name)}
        print(f"  {path.name}: authors {list(meta.authors)} other fields {others or 'none'}")


if __name__ == "__main__":
    main()
