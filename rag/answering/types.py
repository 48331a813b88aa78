"""What the answer stage returns: an answer with numbered citations and its short answer, or a refusal
with its reason and the related passages."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from rag.answering.question import Question
from rag.types import Hit

REFUSAL = "资料中没有找到与这个问题相关的内容。"


class RefusalReason(StrEnum):
    ENTITY_ABSENT = "entity_absent"  # a name the question asks about is in none of the retrieved articles
    NO_TYPED_ANSWER = "no_typed_answer"  # the passages hold no figure/date/name of the kind asked, tied to its focus
    WEAK_EVIDENCE = "weak_evidence"  # no sentence is close enough to the question


@dataclass(frozen=True)
class Citation:
    n: int
    hit: Hit
    highlight: tuple[int, int]  # the supporting sentence, as offsets into the passage text


@dataclass(frozen=True)
class ShortAnswer:
    text: str
    n: int  # the citation it is taken from
    start: int  # offsets into that citation's passage text
    end: int


@dataclass(frozen=True)
class Answer:
    text: str
    citations: tuple[Citation, ...]
    refused: bool
    evidence: float  # the best sentence's score
    question: Question
    short_answer: ShortAnswer | None = None
    refusal_reason: RefusalReason | None = None
    related: tuple[Citation, ...] = ()  # with a refusal: the closest passages, not citations of an answer


@dataclass(frozen=True)
class AnswerConfig:
    passages: int = 3  # top passages whose sentences compete
    max_sentences: int = 2
    refuse_below: float = 0.60  # chosen on the dev splits: see README, "Answers"
    cosine_weight: float = 0.7
    keep_within: float = 0.03  # further sentences must score within this of the best
    verify: bool = True  # refuse on an absent entity or a missing typed answer (off: evidence threshold only)

    def __post_init__(self):
        if not 1 <= self.passages <= 20 or not 1 <= self.max_sentences <= 10:
            raise ValueError(f"passages must be 1-20 and max_sentences 1-10, got {self.passages} and "
                             f"{self.max_sentences}")
        if not 0 <= self.refuse_below <= 1 or not 0 <= self.cosine_weight <= 1:
            raise ValueError(f"refuse_below and cosine_weight must be between 0 and 1, got {self.refuse_below} "
                             f"and {self.cosine_weight}")
