"""Character-level repairs of OCR'd Chinese text, each one keeping the origin of every character."""

from __future__ import annotations

import re

from rag.text.mapped import Mapped

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_PUNCT = "，。、；：？！“”‘’（）《》〈〉【】「」『』—…·￥"
_CJK_RE = re.compile(f"[{CJK}]")
TERMINALS = "。！？；…"
CLOSERS = "”’」』）)》】"

# Full-width letters and digits become ASCII; CJK punctuation stays full-width (the house style).
_WIDTH = {cp: chr(cp - 0xFEE0) for cp in range(0xFF10, 0xFF1A)}
_WIDTH.update({cp: chr(cp - 0xFEE0) for cp in range(0xFF21, 0xFF3B)})
_WIDTH.update({cp: chr(cp - 0xFEE0) for cp in range(0xFF41, 0xFF5B)})
_WIDTH.update({0x3000: " ", 0x00A0: " ", 0xFF0E: "."})

# Half-width punctuation that OCR produces inside Chinese text, and its full-width form.
_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}


def is_cjk(ch: str) -> bool:
    return bool(_CJK_RE.match(ch))


def _chinese_context(text: str, i: int) -> bool:
    """Whether the character at i sits in Chinese text (a CJK character or punctuation next to it)."""
    for j in (i - 1, i + 1, i - 2, i + 2):
        if 0 <= j < len(text) and (is_cjk(text[j]) or text[j] in CJK_PUNCT):
            return True
    return False


def unify_punctuation(m: Mapped) -> Mapped:
    """Full-width letters/digits to ASCII; half-width punctuation in Chinese context to full-width."""
    m = m.translate(_WIDTH)
    chars = list(m.text)
    for i, ch in enumerate(chars):
        full = _HALF_TO_FULL.get(ch)
        if not full or not _chinese_context(m.text, i):
            continue
        prev, nxt = (m.text[i - 1] if i else ""), (m.text[i + 1] if i + 1 < len(m.text) else "")
        if ch in ",:" and prev.isdigit() and nxt.isdigit():
            continue  # 1,000 and 10:30 stay as they are
        chars[i] = full
    return Mapped("".join(chars), m.origin)


def _spaces_between_cjk(text: str, letter_spaced_only: bool) -> list[bool]:
    keep = [True] * len(text)
    for match in re.finditer(r"[ \t]+", text):
        a, b = match.start(), match.end()
        left = text[a - 1] if a else ""
        right = text[b] if b < len(text) else ""
        if not left or not right:
            continue
        chinese = lambda c: is_cjk(c) or c in CJK_PUNCT  # noqa: E731
        if letter_spaced_only:
            # 富 裕 美 丽: single characters separated by spaces (a word is never one character wide
            # on both sides of a real phrase break in a headline).
            single_left = a < 2 or text[a - 2] in " \t"
            single_right = b + 1 >= len(text) or text[b + 1] in " \t"
            drop = chinese(left) and chinese(right) and (single_left or single_right)
        else:
            drop = (chinese(left) and (chinese(right) or right.isdigit())) or (
                chinese(right) and left.isdigit())
        if drop:
            for i in range(a, b):
                keep[i] = False
    return keep


def collapse_spacing(m: Mapped, letter_spaced_only: bool = False) -> Mapped:
    """Drop spaces OCR put between Chinese characters (`记 者` -> `记者`, `8 月 11 日` -> `8月11日`).

    In headlines a space can separate two phrases (`强化责任担当 凝聚磅礴伟力`), so there only
    letter-spaced runs are collapsed.
    """
    m = m.keep(_spaces_between_cjk(m.text, letter_spaced_only))
    # Runs of spaces left between Latin words become one.
    return m.keep([not (c == " " and i and m.text[i - 1] == " ") for i, c in enumerate(m.text)])


def ends_sentence(text: str) -> bool:
    stripped = text.rstrip().rstrip(CLOSERS)
    return bool(stripped) and stripped[-1] in TERMINALS

