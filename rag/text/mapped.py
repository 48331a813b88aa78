"""Text that remembers where each of its characters came from in the original file.

Every repair of the OCR text (joining lines, dropping letter-spacing, unifying punctuation) is done on
a `Mapped` value, so that any span of the cleaned text maps back to a span of the original file.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mapped:
    text: str
    origin: tuple[int, ...]  # origin[i] = offset in the original file of text[i]

    def __post_init__(self):
        if len(self.text) != len(self.origin):
            raise ValueError(f"text has {len(self.text)} characters but origin has {len(self.origin)}")

    @classmethod
    def slice_of(cls, source: str, start: int, end: int) -> "Mapped":
        return cls(source[start:end], tuple(range(start, end)))

    @classmethod
    def join(cls, parts: "list[Mapped]", sep: str = "") -> "Mapped":
        text: list[str] = []
        origin: list[int] = []
        for i, part in enumerate(parts):
            if i and sep:
                # A separator stands where the previous part ended in the original.
                text.append(sep)
                origin.extend([origin[-1] + 1 if origin else 0] * len(sep))
            text.append(part.text)
            origin.extend(part.origin)
        return cls("".join(text), tuple(origin))

    def __len__(self) -> int:
        return len(self.text)

    def __getitem__(self, item: slice) -> "Mapped":
        return Mapped(self.text[item], self.origin[item])

    def keep(self, mask: list[bool]) -> "Mapped":
        """The characters whose mask entry is true."""
        return Mapped(
            "".join(c for c, k in zip(self.text, mask) if k),
            tuple(o for o, k in zip(self.origin, mask) if k),
        )

    def translate(self, table: dict[int, str]) -> "Mapped":
        """Replace characters one for one (the table must map to single characters)."""
        return Mapped(self.text.translate(table), self.origin)

    def strip(self) -> "Mapped":
        start = len(self.text) - len(self.text.lstrip())
        end = len(self.text.rstrip())
        return self[start:end]

    def span(self, start: int = 0, end: int | None = None) -> tuple[int, int]:
        """The span of the original file covered by text[start:end]."""
        end = len(self.text) if end is None else end
        if end <= start:
            raise ValueError(f"empty span [{start}, {end})")
        return self.origin[start], self.origin[end - 1] + 1
