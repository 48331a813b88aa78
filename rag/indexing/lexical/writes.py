"""How the lexicon (tantivy) follows the store's writes.

A write stores its chunks only: rows above the lexicon's last commit (`Store.lexicon_upto`) are fresh, and each
reader tokenizes and searches them from memory (`fresh.py`). Once there are a batch of them, the write that
made them commits their tokens to the lexicon and then moves the mark past them (`flush`): a crash between the
two leaves rows both in the lexicon and fresh, which readers merge (one score a row), and the next flush
replaces them. A bulk load commits its own tokens with each document (`add_document`): a crash between the
lexicon's commit and the store's leaves the lexicon rows the store never had, above its last row id;
readers drop them when fetching the chunks, and the next write deletes them (`forget_uncommitted`). Removed rows
are dropped from the lexicon after the store's commit (`forget_deleted`); a crash between leaves stale postings,
dropped at the fetch too, and the next write finishes. Indexes written before this kept a write's tokens in the
store's FTS5 table first (a second transaction dropped them after the move); their first write moves what is
left (`move_to_lexicon`). Every write runs the three repairs first (rag.indexing.merging.sweep).
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.indexing.lexical import LexicalIndex
from rag.indexing.lexical.fresh import LexiconStats
from rag.indexing.store import Store, lexical_terms
from rag.ingest.loading import Source
from rag.text.analyzers import ANALYZERS
from rag.types import Article, Chunk


def add_document(store: Store, lexicon: LexicalIndex, source: Source, articles: list[Article],
                 chunks: list[Chunk], terms: Sequence[tuple[str, ...]] | None = None) -> list[int]:
    """A bulk load's write: insert a document into the store and commit its chunks' tokens (`lexical_terms`,
    unless the caller analysed them already, in parallel) to the lexicon; its row ids. Call it inside the
    store's transaction: the lexicon commits first, so the document is searchable whole the moment the store
    commits. A tantivy commit a document costs ~0.1 MB on disk: the write path proper (`Index.add`) leaves
    its rows fresh and commits them in batches (`flush`)."""
    terms = [lexical_terms(c) for c in chunks] if terms is None else terms
    if len(terms) != len(chunks):
        raise ValueError(f"{len(terms)} token tuples for {len(chunks)} chunks; give one per chunk")
    caught_up = not store.chunks_after(store.lexicon_upto())  # no fresh rows wait below this document's
    ids = store.add_document(source, articles, chunks)
    try:
        lexicon.add(zip(ids, terms))
        lexicon.commit()
    except BaseException:
        lexicon.rollback()  # the store's transaction is undone too: neither keeps the document
        raise
    if caught_up:
        store.set_lexicon_upto(store.last_chunk_id(), store.lexicon_stats())
    return ids


def flush(store: Store, lexicon: LexicalIndex, batch: int, force: bool = False) -> int:
    """Commit the fresh rows' tokens to the lexicon once there are `batch` of them (any, with `force`), then
    move the mark past them; how many rows were committed. Inside the write lock, outside a transaction."""
    upto = store.lexicon_upto()
    fresh = store.chunks_after(upto)
    if not fresh or (len(fresh) < batch and not force):
        return 0
    terms = {row: lexical_terms(chunk) for row, chunk in fresh.items()}
    lexicon.drop_after(upto)  # rows of a flush a crash cut short: replaced below, or since deleted
    lexicon.add(terms.items())
    lexicon.commit()
    stats = store.lexicon_stats()
    tokens = dict(stats.tokens or {})
    for i, analyzer in enumerate(ANALYZERS):
        tokens[analyzer] = tokens.get(analyzer, 0) + sum(len(t[i].split()) for t in terms.values())
    with store.transaction():
        store.set_lexicon_upto(store.last_chunk_id(), LexiconStats(stats.rows + len(terms), tokens))
        store.bump_generation()  # readers reload the lexicon and drop these rows from their fresh ones
    return len(terms)


def forget_uncommitted(store: Store, lexicon: LexicalIndex) -> None:
    """Delete the lexicon rows above the store's last row id: a write that died between the lexicon's commit
    and the store's left them (its document is not in the store). Readers drop them at the chunk fetch; left
    there, they would count in BM25's statistics until their ids were handed out again."""
    if lexicon.drop_after(store.last_chunk_id()):
        lexicon.commit()


def move_to_lexicon(store: Store, lexicon: LexicalIndex, batch: int = 20_000) -> None:
    """Move the rows an index written before `add_document` holds in FTS5 into the lexicon, a batch at a
    time."""
    while rows := store.lexical_rows(batch):
        lexicon.add(rows)
        lexicon.commit()
        with store.transaction():
            store.unindex_lexical([row for row, _ in rows])
            if not store.lexical_rows(1):
                # FTS5 keeps deleted rows' postings (and scans them) until its segments merge: 3.4 ms -> 0.2 ms
                # a query on an FTS5 table emptied of 20,000 rows
                store.optimize_lexical()
            store.bump_generation()  # readers reload the lexicon


def forget_deleted(store: Store, lexicon: LexicalIndex) -> None:
    """Drop removed rows from the sealed lexicon. The write that removed them recorded them; a crash before
    this ran leaves them for the next write, and until then readers drop them when fetching the chunks."""
    pending = store.pending_lexical_deletes()
    if not pending:
        return
    lexicon.delete(pending)
    lexicon.commit()
    with store.transaction():
        store.clear_lexical_deletes(pending)
        store.bump_generation()  # readers reload the lexicon
