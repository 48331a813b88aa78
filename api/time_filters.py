"""`auto_filters`: a time expression in the question ("去年", "2021年3月") becomes a date filter."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from rag.search.filters import Filters


def with_time_filter(question: str, filters: Filters, auto: bool, today: dt.date | None = None
                     ) -> tuple[str, Filters, str | None]:
    """(the question to search with, the filters, the expression that became a date filter or None).

    A date range the caller gave wins over one read from the question; the expression is then left in it."""
    if not auto or filters.date_from or filters.date_to:
        return question, filters, None
    from rag.search.dates import find  # jionlp loads its dictionaries on first use: only when asked for

    span = find(question, today or dt.date.today())
    if span is None:
        return question, filters, None
    return span.question, replace(filters, date_from=span.date_from, date_to=span.date_to), span.text
