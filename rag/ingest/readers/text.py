"""Plain text and Markdown in UTF-8, UTF-16 (with BOM), GB18030/GBK/GB2312 or Big5.

UTF-8 is tried first: it is what most files are, and a strict decode never mistakes anything for it.
Otherwise charset-normalizer ranks its guesses and the first Chinese one wins: a guess of cp1252 or
latin-1 for a Chinese archive decodes anything into mojibake, and on a short Big5 file its first guess
is often UTF-16 without a BOM (UTF-16 is taken only with its BOM).
"""

from __future__ import annotations

import codecs

import charset_normalizer

from rag.ingest.loading import LoadError, Source
from rag.ingest.readers.factory import Progress, source

# GB18030 is a superset of GBK and GB2312: a GBK file with one GB18030-only character still reads.
_CANONICAL = {"gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030", "hz": "hz",
              "big5": "big5", "big5hkscs": "big5hkscs", "cp950": "cp950",
              "utf_8": "utf-8", "ascii": "utf-8"}
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_FALLBACKS = ("utf-8", "gb18030", "big5")


def read(name: str, data: bytes, progress: Progress | None = None) -> Source:
    encoding = _encoding(name, data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise LoadError(f"{name}: looks like {encoding} but byte 0x{data[exc.start]:02x} at offset {exc.start} "
                        f"is not valid {encoding}; the file may be damaged") from None
    return source(name, data, text, "text", encoding)


def _encoding(name: str, data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    for guess in charset_normalizer.from_bytes(data):
        if guess.encoding in _CANONICAL:
            return _CANONICAL[guess.encoding]
    for encoding in _FALLBACKS[1:]:  # no Chinese guess, yet the bytes are valid: an archive of ours is Chinese
        try:
            data.decode(encoding)
            return encoding
        except UnicodeDecodeError:
            pass
    raise LoadError(f"{name}: cannot tell the text encoding ({_furthest(data)}); "
                    "save it as UTF-8, GB18030/GBK or Big5")


def _furthest(data: bytes) -> str:
    """Where the encoding that reads furthest into the file stops: the byte a user should look at."""
    stops = []
    for encoding in _FALLBACKS:
        try:
            data.decode(encoding)
        except UnicodeDecodeError as exc:
            stops.append((exc.start, encoding))
    offset, encoding = max(stops)
    return f"not valid UTF-8, GB18030 or Big5; {encoding}, which reads furthest, stops at " \
           f"byte 0x{data[offset]:02x} at offset {offset}"
