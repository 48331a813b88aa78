"""How the lexicon (tantivy) follows the store's writes.

A document's rows commit to the lexicon inside the write's transaction, before the store commits
(`add_document`): a crash between the two leaves the lexicon rows the store never had, above its last row id;
readers drop them when fetching the chunks, and the next write deletes them (`forget_uncommitted`). Removed rows
are dropped from the lexicon after the store's commit (`forget_deleted`); a crash between leaves stale postings,
dropped at the fetch too, and the next write finishes. Indexes written before this kept a write's tokens in the
store's FTS5 table first (a second transaction dropped them after the move); their first write moves what is
left (`move_to_lexicon`). Every write runs the three repairs first (rag.indexing.merging.sweep).
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.indexing.lexical import LexicalIndex
from rag.indexing.store import Store, lexical_terms
from rag.ingest.loading import Source
from rag.types import Article, Chunk


def add_document(store: Store, lexicon: LexicalIndex, source: Source, articles: list[Article],
                 chunks: list[Chunk], terms: Sequence[tuple[str, ...]] | None = None) -> list[int]:
    """Insert a document into the store and commit its chunks' tokens (`lexical_terms`, unless the caller
    analysed them already: a bulk load in parallel) to the lexicon; its row ids. Call it inside the store's
    transaction: the lexicon commits first, so the document is searchable whole the moment the store commits.
    Staging the tokens in FTS5 inside the transaction and moving them by a second one cost a seeds page 0.29
    MB of its 0.95 (eval/bench_writes.py)."""
    terms = [lexical_terms(c) for c in chunks] if terms is None else terms
    if len(terms) != len(chunks):
        raise ValueError(f"{len(terms)} token tuples for {len(chunks)} chunks; give one per chunk")
    ids = store.add_document(source, articles, chunks)
    try:
        lexicon.add(zip(ids, terms))
        lexicon.commit()
    except BaseException:
        lexicon.rollback()  # the store's transaction is undone too: neither keeps the document
        raise
    return ids


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
