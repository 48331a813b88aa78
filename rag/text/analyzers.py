"""Lexical analyzers: the terms BM25 sees. Character bigrams are robust to OCR damage and rare names;
jieba words are offered for comparison (see eval/ for both)."""

from __future__ import annotations

import re
from typing import Callable

from rag.text.clean import CJK

_RUNS = re.compile(f"[{CJK}]+|[A-Za-z0-9]+")
_CJK_RUN = re.compile(f"[{CJK}]+")


def bigrams(text: str) -> list[str]:
    terms: list[str] = []
    for run in _RUNS.findall(text):
        if _CJK_RUN.fullmatch(run):
            terms.extend([run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
        else:
            terms.append(run.lower())
    return terms


def squashed_bigrams(text: str) -> list[str]:
    """Bigrams of the text with everything but CJK characters, letters and digits removed: a
    similarity signature for comparing passages and headlines (not for BM25, which keeps runs apart)."""
    chars = re.sub(f"[^{CJK}A-Za-z0-9]", "", text)
    return [chars[i : i + 2] for i in range(len(chars) - 1)]


def jieba_module():
    """jieba, initialised quietly (it logs its dictionary loading to stderr otherwise)."""
    import logging

    import jieba

    if not jieba.dt.initialized:
        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
    return jieba


def jieba_words(text: str) -> list[str]:
    return [w.lower() for w in jieba_module().cut_for_search(text) if _RUNS.fullmatch(w)]


ANALYZERS: dict[str, Callable[[str], list[str]]] = {"bigram": bigrams, "jieba": jieba_words}


def get(name: str) -> Callable[[str], list[str]]:
    try:
        return ANALYZERS[name]
    except KeyError:
        raise ValueError(f"unknown analyzer '{name}'; choose one of {', '.join(ANALYZERS)}") from None
