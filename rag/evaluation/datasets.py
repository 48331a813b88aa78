"""Evaluation datasets.

The native format is JSONL, one question a line: `{"id", "question", "evidence": [...], "answerable"}`.
A passage is relevant when it contains one of the evidence strings (ignoring white space), so the
judgements survive re-chunking and re-indexing. BEIR (`corpus.jsonl`, `queries.jsonl`,
`qrels/test.tsv`) and TREC qrels are written from it for a given index, and read back.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    evidence: tuple[str, ...] = ()
    answerable: bool = True
    relevant_ids: tuple[str, ...] = ()  # explicit judgements (BEIR/TREC), when there is no evidence
    doc_id: str | None = None
    type: str | None = None  # the expected answer type (rag.answering.question.AnswerType values)
    short_answers: tuple[str, ...] = ()  # gold short answers, verbatim from the source, the canonical one first
    refusal_kind: str | None = None  # why an unanswerable question must be refused (a RefusalReason value)
    split: str | None = None  # "dev" (rules are tuned on it) or "test" (held out)

    def __post_init__(self):
        if not self.question.strip():
            raise ValueError(f"question {self.id} is empty")
        if self.answerable and not (self.evidence or self.relevant_ids):
            raise ValueError(f"question {self.id} is answerable but has no evidence and no judgements")
        for field_name in ("evidence", "short_answers"):
            bad = [v for v in getattr(self, field_name) if not isinstance(v, str)]
            if bad:
                raise ValueError(f"question {self.id}: {field_name} must be a list of strings, found {bad[0]!r}")


@dataclass(frozen=True)
class Dataset:
    name: str
    questions: tuple[Question, ...]
    corpus: dict[str, dict] = field(default_factory=dict)  # BEIR corpus, when read from BEIR

    @property
    def answerable(self) -> list[Question]:
        return [q for q in self.questions if q.answerable]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def is_relevant(question: Question, chunk_id: str, text: str) -> bool:
    if question.relevant_ids:
        return chunk_id in question.relevant_ids
    flat = squash(text)
    return any(squash(e) in flat for e in question.evidence)


def load(path: Path) -> Dataset:
    """A JSONL file, a directory holding questions.jsonl, or a BEIR directory."""
    path = Path(path)
    if path.is_dir() and (path / "questions.jsonl").exists():
        return load_jsonl(path / "questions.jsonl")
    if path.is_dir() and (path / "queries.jsonl").exists():
        return load_beir(path)
    if path.is_file():
        return load_jsonl(path)
    raise ValueError(f"{path}: not a dataset (expected questions.jsonl, or a BEIR folder with queries.jsonl)")


def load_jsonl(path: Path) -> Dataset:
    questions = []
    ids: set[str] = set()
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            q = Question(id=str(raw["id"]), question=raw["question"], evidence=tuple(raw.get("evidence", [])),
                         answerable=bool(raw.get("answerable", True)), doc_id=raw.get("doc_id"),
                         type=raw.get("type"), short_answers=tuple(raw.get("short_answers", [])),
                         refusal_kind=raw.get("refusal_kind"), split=raw.get("split"))
        except (KeyError, TypeError, json.JSONDecodeError, ValueError) as exc:
            raise ValueError(f"{path}:{n}: not a valid question ({exc})") from None
        if q.id in ids:
            raise ValueError(f"{path}:{n}: duplicate question id {q.id}")
        ids.add(q.id)
        questions.append(q)
    return Dataset(name=Path(path).parent.name if Path(path).name == "questions.jsonl" else Path(path).stem,
                   questions=tuple(questions))


def save_jsonl(dataset: Dataset, path: Path) -> None:
    with Path(path).open("w", encoding="utf-8") as fh:
        for q in dataset.questions:
            row = {"id": q.id, "question": q.question, "evidence": list(q.evidence), "answerable": q.answerable}
            extra = {"doc_id": q.doc_id, "type": q.type, "short_answers": list(q.short_answers),
                     "refusal_kind": q.refusal_kind, "split": q.split}
            row.update({k: v for k, v in extra.items() if v})
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def qrels(dataset: Dataset, passages: dict[str, str]) -> dict[str, dict[str, int]]:
    """Binary judgements of the given passages (chunk id -> text) for each answerable question: what
    `is_relevant` says, with every text squashed once rather than once per question (a million passages)."""
    flat = {cid: squash(text) for cid, text in passages.items()}
    out: dict[str, dict[str, int]] = {}
    for q in dataset.answerable:
        if q.relevant_ids:
            rel = {cid: 1 for cid in flat if cid in q.relevant_ids}
        else:
            needles = [squash(e) for e in q.evidence]
            rel = {cid: 1 for cid, text in flat.items() if any(n in text for n in needles)}
        if rel:
            out[q.id] = rel
    return out


def save_beir(dataset: Dataset, passages: dict[str, dict], out: Path) -> None:
    """Write BEIR files for the passages of an index (chunk id -> {"title", "text"})."""
    out = Path(out)
    (out / "qrels").mkdir(parents=True, exist_ok=True)
    with (out / "corpus.jsonl").open("w", encoding="utf-8") as fh:
        for cid, p in passages.items():
            fh.write(json.dumps({"_id": cid, "title": p["title"], "text": p["text"]}, ensure_ascii=False) + "\n")
    with (out / "queries.jsonl").open("w", encoding="utf-8") as fh:
        for q in dataset.questions:
            fh.write(json.dumps({"_id": q.id, "text": q.question,
                                 "metadata": {"answerable": q.answerable, "evidence": list(q.evidence)}},
                                ensure_ascii=False) + "\n")
    judged = qrels(dataset, {cid: p["text"] for cid, p in passages.items()})
    with (out / "qrels" / "test.tsv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter="\t")
        writer.writerow(["query-id", "corpus-id", "score"])
        for qid, rel in judged.items():
            for cid, score in rel.items():
                writer.writerow([qid, cid, score])


def load_beir(path: Path, split: str = "test") -> Dataset:
    path = Path(path)
    corpus = {}
    if (path / "corpus.jsonl").exists():
        for line in (path / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                corpus[str(row["_id"])] = {"title": row.get("title", ""), "text": row["text"]}
    judged: dict[str, list[str]] = {}
    with (path / "qrels" / f"{split}.tsv").open(encoding="utf-8") as fh:
        reader = csv.reader(fh, delimiter="\t")
        next(reader, None)
        for qid, cid, score in reader:
            if int(score) > 0:
                judged.setdefault(qid, []).append(cid)
    questions = []
    for line in (path / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        meta = row.get("metadata") or {}
        qid = str(row["_id"])
        questions.append(Question(id=qid, question=row["text"], evidence=tuple(meta.get("evidence", [])),
                                  answerable=bool(meta.get("answerable", qid in judged)),
                                  relevant_ids=tuple(judged.get(qid, ()))))
    return Dataset(name=path.name, questions=tuple(questions), corpus=corpus)


def save_trec_qrels(judged: dict[str, dict[str, int]], path: Path) -> None:
    with Path(path).open("w", encoding="utf-8") as fh:
        for qid, rel in judged.items():
            for cid, score in rel.items():
                fh.write(f"{qid} 0 {cid} {score}\n")


def load_trec_qrels(path: Path) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            qid, _, cid, score = line.split()
            out.setdefault(qid, {})[cid] = int(score)
    return out
