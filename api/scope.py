"""A request's scope (collections, documents, newspaper metadata) to the `Filters` the index applies, checked
against what the caller's key may read and what exists."""

from __future__ import annotations

from fastapi import HTTPException, Request, status

from rag.search.filters import Filters
from rag.types import DEFAULT_COLLECTION

from .schemas import FiltersOut, Scope


def collections_for(request: Request, store, asked: str | list[str] | None) -> tuple[str, ...]:
    """The collections to search: those asked for, else the default one (or, for a key limited to some
    collections, those). 403 for a collection the key may not read, 404 for one that does not exist."""
    allowed = getattr(request.state, "collections", None)
    names = [asked] if isinstance(asked, str) else list(asked or [])
    if not names:
        names = list(allowed) if allowed is not None else [DEFAULT_COLLECTION]
    if allowed is not None:
        forbidden = [n for n in names if n not in allowed]
        if forbidden:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this API key may not read collection "
                                                           f"{', '.join(repr(n) for n in forbidden)}")
    known = set(store.collection_names())
    unknown = [n for n in names if n not in known]
    if unknown:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no such collection: {', '.join(unknown)}")
    return tuple(dict.fromkeys(names))


def filters_for(request: Request, store, body: Scope) -> Filters:
    collections = collections_for(request, store, body.collection)
    if body.doc_ids is not None:
        unknown = [d for d in body.doc_ids if store.document(d) is None]
        if unknown:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no such document: {', '.join(unknown)}")
    return Filters(collections=collections, doc_ids=tuple(body.doc_ids) if body.doc_ids is not None else None,
                   date_from=body.date_from, date_to=body.date_to, papers=tuple(body.papers),
                   pages=tuple(body.pages), sections=tuple(body.sections), authors=tuple(body.authors))


def filters_out(filters: Filters, time_expression: str | None = None) -> FiltersOut:
    return FiltersOut(collections=list(filters.collections),
                      doc_ids=list(filters.doc_ids) if filters.doc_ids is not None else None,
                      date_from=filters.date_from, date_to=filters.date_to, papers=list(filters.papers),
                      pages=list(filters.pages), sections=list(filters.sections), authors=list(filters.authors),
                      time_expression=time_expression)
