"""Newspaper metadata of a page: from upload fields, a sidecar JSON, or what the page itself prints.

What a page prints is read with rules for its masthead and folio (paper name, `2021年3月5日 星期五`,
`二〇二一年三月五日`, `2021-03-05`, `第4版`, `04版`, `第四版：要闻`, `要闻·4`) and its bylines (`本报记者 张三 李四`,
`本报讯（太文）`, `文/图 王五`, `□ 张三`, a line of names under a headline). A masthead token only counts on a line
made of masthead tokens (at most a few other characters), so a date or a `第二版` inside an article is never
taken for the page's own. Nothing is guessed: a page that prints no date gets no date.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date
from pathlib import Path

import cn2an
import jieba.posseg

from rag.ingest.loading import Source
from rag.types import DocumentMeta

FIELDS = tuple(f.name for f in fields(DocumentMeta))

# National and provincial papers; any other name ending in 日报/晚报/… is still read when a masthead line holds it.
KNOWN_PAPERS = (
    "人民日报", "光明日报", "经济日报", "解放军报", "中国青年报", "工人日报", "农民日报", "法治日报", "科技日报",
    "中国日报", "参考消息", "环球时报", "新华每日电讯", "学习时报", "中国纪检监察报", "中国妇女报", "中国文化报",
    "中国教育报", "健康报", "人民政协报", "精神文明报", "中国精神文明报", "北京日报", "北京晚报", "北京青年报",
    "天津日报", "今晚报", "解放日报", "文汇报", "新民晚报", "河北日报", "山西日报", "内蒙古日报", "辽宁日报",
    "吉林日报", "黑龙江日报", "新华日报", "扬子晚报", "浙江日报", "钱江晚报", "安徽日报", "福建日报", "江西日报",
    "大众日报", "齐鲁晚报", "河南日报", "大河报", "湖北日报", "楚天都市报", "湖南日报", "南方日报", "羊城晚报",
    "广州日报", "深圳特区报", "广西日报", "海南日报", "重庆日报", "四川日报", "华西都市报", "贵州日报", "云南日报",
    "西藏日报", "陕西日报", "甘肃日报", "青海日报", "宁夏日报", "新疆日报", "兵团日报",
)
PAGE_NAMES = (
    "要闻", "综合", "国内", "国际", "经济", "财经", "评论", "理论", "文化", "社会", "体育", "副刊", "地方", "专版",
    "视点", "时政", "民生", "教育", "科技", "健康", "法治", "文明实践", "新闻", "特别报道", "城市", "乡村振兴",
    "深度", "观察", "专题", "广告", "文体", "生活", "农村", "党建", "视觉", "读书", "旅游",
)

_HAN = r"\u4e00-\u9fff"
_CN_DIGIT = "〇零○OoＯ一二三四五六七八九"  # OCR reads 〇 as the letter O
_CN_NUM = "一二三四五六七八九十"
_WEEKDAY = r"(?:星期|礼拜|周)[一二三四五六日天]"
_DATE = re.compile(
    rf"(?<![\d{_CN_DIGIT}])(?:"
    rf"(?P<y>(?:19|20)\d\d) ?年 ?(?P<m>[01]?\d) ?月 ?(?P<d>[0-3]?\d) ?日"  # OCR spaces: 2024年4 月18日
    rf"|(?P<cy>[{_CN_DIGIT}]{{4}})年(?P<cm>[{_CN_NUM}]{{1,2}})月(?P<cd>[{_CN_NUM}]{{1,3}})日"
    rf"|(?P<iy>(?:19|20)\d\d)(?P<sep>[-./])(?P<im>[01]?\d)(?P=sep)(?P<id>[0-3]?\d)(?![\d.])"
    rf")"
)
# 农历 lines print a lunar date that is not the publication date.
_LUNAR = re.compile(
    rf"农历(?:[甲乙丙丁戊己庚辛壬癸][子丑寅卯辰巳午未申酉戌亥]年)?闰?[正{_CN_NUM}冬腊]{{1,2}}月"
    rf"(?:初[{_CN_NUM}]|廿[{_CN_NUM}]?|卅|[二三]?十[{_CN_NUM}]?|[{_CN_NUM}])?"
)
_PAGE = re.compile(
    rf"(?:第(?P<n>\d{{1,2}}|[{_CN_NUM}]{{1,3}})版|(?<![\d{_HAN}])(?P<n2>\d{{1,2}})版)"
    rf"(?:\s*[:：·•|｜]?\s*(?P<name>[{_HAN}]{{2,6}}))?"
    rf"|(?<![{_HAN}])(?P<name3>[{_HAN}]{{2,6}})\s*[·•・]?\s*(?P<n3>\d{{1,2}})(?![\d年月日.\-/])"
    rf"|(?<![\d.\-/])(?P<n4>\d{{1,2}})\s*[·•・]?\s*(?P<name4>[{_HAN}]{{2,6}})(?![{_HAN}])"
)
_PAPER = re.compile(
    rf"(?<![{_HAN}])[{_HAN}]{{2,8}}(?:日报|晚报|晨报|都市报|商报|时报|青年报|特区报)(?![{_HAN}])"
)
# Other things a masthead or folio prints: issue numbers, registration codes, "今日8版", editors.
_OTHER = re.compile(
    rf"{_WEEKDAY}|总?第\d+(?:期|号)|CN\s*\d\d\s*-\s*\d{{4}}(?:/[A-Z]+)?|代号\s*\d+\s*-\s*\d+|今日\s*\d+\s*版"
    # the page's staff, a name letter-spaced or not: 责任编辑：刘晓岚 美术编辑：孙 伟 版式：郑 薇
    rf"|(?:责任|本版|值班|美术|图片)?(?:编辑|校对|美编|主编|版式设计|版式|设计|制图)\s*[:：]?\s*[{_HAN}](?: ?[{_HAN}]){{1,3}}"
    rf"|出版日期|电话|邮编|天气"
)
_SEPARATORS = set(" \t|｜·•・:：/／-—_()（）[]【】,，")
HEAD_LINES = 12  # a masthead sits in the first lines of a page...
TAIL_LINES = 6  # ...or a folio in the last ones
MASTHEAD_SLACK = 6  # characters a masthead line may hold beyond its tokens

# Bylines.
_ROLE = (r"本报(?:特约|特派|见习)?记者|本报通讯员|特约记者|特派记者|见习记者|记者|通讯员|实习生"
         r"|文\s*[/／]\s*图|文\s*[/／]|图\s*[/／]|撰\s*文|作\s*者\s*[:：]|摄\s*影\s*[:：]?")
_ROLE_RE = re.compile(rf"(?:{_ROLE})")
_BYLINE_LINE = re.compile(rf"^\s*[（(]?\s*[□■◎●▲]?\s*(?:{_ROLE})")
_BENBAO = re.compile(r"本\s*报\s*讯\s*[（(]([^）)\n]{1,30})[）)]")
_BULLET = re.compile(r"^\s*[□■◎]\s*")
_PHOTO = re.compile(rf"(?:^|[\s。])([{_HAN}]{{2,4}})\s*摄\s*$")  # a caption's photographer: "… 张三 摄"
_NOT_NAMES = {"报道", "摄影", "采访", "本报", "记者", "通讯员", "编辑", "综合", "整理", "供图", "电", "摄"}
_NAME_TOKEN = re.compile(rf"[{_HAN}]{{2,4}}|[{_HAN}]{{1,6}}·[{_HAN}]{{1,8}}")
_SECTION = re.compile(rf"(?:栏目|专栏)\s*[:：]\s*([{_HAN}]{{2,10}})|^\s*【([{_HAN}]{{2,8}})】\s*$", re.MULTILINE)


class MetadataError(ValueError):
    """A metadata field from an upload or a sidecar that cannot be used; the message names field and value."""


@dataclass(frozen=True)
class Found:
    """What the page text prints, and for each field found the character spans of the text it was read from
    (one span per author)."""
    meta: DocumentMeta
    spans: Mapping[str, tuple[tuple[int, int], ...]]


@dataclass(frozen=True)
class _Line:
    text: str  # whitespace within the line normalised (letter-spacing removed)
    at: tuple[int, ...]  # for each character of text, its index in the page text


def extract(text: str) -> Found:
    values: dict[str, object] = {}
    spans: dict[str, tuple[tuple[int, int], ...]] = {}
    lines = _lines(text)
    nonblank = [line for line in lines if line.text.strip()]
    head, tail = nonblank[:HEAD_LINES], nonblank[HEAD_LINES:][-TAIL_LINES:]
    for line in head + tail:
        for name, value, span in _masthead(line):
            if name not in values:
                values[name] = value
                spans[name] = (span,)
    section = _SECTION.search(text)
    if section:
        group = 1 if section.group(1) else 2
        values["section"] = section.group(group)
        spans["section"] = (section.span(group),)
    authors = _authors(text)
    if authors:
        values["authors"] = tuple(name for name, _ in authors)
        spans["authors"] = tuple(span for _, span in authors)
    return Found(DocumentMeta(**values), spans)


def _lines(text: str) -> list[_Line]:
    """The page's lines, with full-width forms folded (NFKC, character by character so offsets hold) and
    letter-spacing undone: a run of single characters separated by spaces is glued back into one word.
    A line broken inside a date or a page ("2021年3" / "月5日", "第4" / "版") is joined to the next."""
    out: list[_Line] = []
    pos = 0
    for raw in text.split("\n"):
        chars, at = [], []
        tokens = [(m.group(), m.start()) for m in re.finditer(r"\S+", raw)]
        for i, (token, start) in enumerate(tokens):
            if i and not (_gluable(tokens[i - 1][0]) and _gluable(token)
                          or len(tokens[i - 1][0]) == 1 and re.match(rf"[{_HAN}][^{_HAN}]", token)):
                chars.append(" ")
                at.append(pos + start - 1)
            for j, ch in enumerate(token):
                folded = unicodedata.normalize("NFKC", ch)
                chars.append(folded if len(folded) == 1 else ch)
                at.append(pos + start + j)
        line = _Line("".join(chars), tuple(at))
        if out and re.search(rf"年\d{{0,2}}$|年\d{{1,2}}月$|第[\d{_CN_NUM}]{{1,3}}$", out[-1].text) \
                and re.match(r"\d{0,2}[月日]|版", line.text):
            out[-1] = _Line(out[-1].text + line.text, out[-1].at + line.at)
        else:
            out.append(line)
        pos += len(raw) + 1
    return out


def _gluable(token: str) -> bool:
    # One character, or a number, as OCR'd letter-spacing leaves them ("2 0 2 1 年 3 月", "人 民 日 报"); the
    # last letter of a spaced word may carry what follows it ("综 合·11").
    return len(token) == 1 or token.isdigit()


def _masthead(line: _Line):
    """(field, value, span) for each masthead token of a line, if the line is a masthead line."""
    text = _LUNAR.sub(lambda m: "\0" * len(m.group()), line.text)
    tokens: list[tuple[int, int, str, object]] = []  # start, end, kind, value
    taken = [False] * len(text)

    def claim(start, end, kind, value):
        if any(taken[start:end]):
            return
        taken[start:end] = [True] * (end - start)
        tokens.append((start, end, kind, value))

    for paper in sorted(KNOWN_PAPERS, key=len, reverse=True):  # 中国精神文明报 before 精神文明报
        for m in re.finditer(paper, text):
            claim(m.start(), m.end(), "paper", paper)
    for m in _PAPER.finditer(text):
        claim(m.start(), m.end(), "paper", m.group())
    for m in _DATE.finditer(text):
        day = _date(m)
        if day:
            claim(m.start(), m.end(), "date", day)
    for m in _PAGE.finditer(text):
        number = m.group("n") or m.group("n2") or m.group("n3") or m.group("n4")
        page = int(number) if number.isdigit() else int(cn2an.cn2an(number, "smart"))
        bare = "name3" if m.group("name3") else "name4" if m.group("name4") else None
        if bare:
            if m.group(bare) not in PAGE_NAMES:
                continue  # "要闻·4", "16 要闻" only with a page name we know: "3 个" in a body is not a folio
            claim(m.start(), m.end(), "page", (page, m.group(bare), m.span(bare)))
            continue
        end, name, name_span = m.end(), m.group("name"), None
        if name:
            # The name runs on into whatever follows when no space parts them ("要闻人民日报"): keep a known one.
            known = [n for n in PAGE_NAMES if name.startswith(n)]
            name = max(known, key=len) if known else name
            name_span = (m.start("name"), m.start("name") + len(name))
            end = name_span[1]
        claim(m.start(), end, "page", (page, name, name_span))
    for m in _OTHER.finditer(text):
        claim(m.start(), m.end(), "other", None)
    if not any(kind != "other" for *_, kind, _ in tokens):
        return
    for i, ch in enumerate(text):
        if ch == "\0":
            taken[i] = True
    loose = [i for i, ch in enumerate(text) if not taken[i] and re.match(rf"[{_HAN}]", ch)]
    # A page name on its own (要闻 第4版) is a masthead token too.
    words = {m.span() for m in re.finditer(rf"[{_HAN}]+", text)}
    names = [(s, e) for s, e in words if text[s:e] in PAGE_NAMES and not any(taken[s:e])]
    loose = [i for i in loose if not any(s <= i < e for s, e in names)]
    if len(loose) > MASTHEAD_SLACK:
        return
    for start, end, kind, _ in tokens:
        # A date or page number glued to other words ("2020年6月5日，山西…") belongs to a sentence.
        if kind in ("date", "page") and (
                _loose_neighbour(text, taken, start - 1, -1) or _loose_neighbour(text, taken, end, 1)):
            return
    for start, end, kind, value in sorted(tokens):
        span = (line.at[start], line.at[end - 1] + 1)
        if kind == "paper":
            yield kind, value, span
        elif kind == "date":
            yield kind, value.isoformat(), span
        elif kind == "page":
            page, name, name_span = value
            yield "page", page, span
            if name:
                yield "page_name", name, (line.at[name_span[0]], line.at[name_span[1] - 1] + 1)
    for s, e in sorted(names):
        yield "page_name", text[s:e], (line.at[s], line.at[e - 1] + 1)


def _loose_neighbour(text: str, taken: list[bool], i: int, step: int) -> bool:
    if not 0 <= i < len(text) or text[i] == " ":
        return False
    return not taken[i] and (bool(re.match(rf"[{_HAN}]", text[i])) or text[i] in "，,。；;、")


def _date(m: re.Match) -> date | None:
    try:
        if m.group("y"):
            return date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
        if m.group("cy"):
            year = "".join(str("〇一二三四五六七八九".index(c)) if c in "〇一二三四五六七八九" else "0"
                           for c in m.group("cy"))
            return date(int(year), int(cn2an.cn2an(m.group("cm"), "smart")), int(cn2an.cn2an(m.group("cd"), "smart")))
        return date(int(m.group("iy")), int(m.group("im")), int(m.group("id")))
    except ValueError:
        return None  # 2021年2月30日: not a day, so not a publication date


def _authors(text: str) -> list[tuple[str, tuple[int, int]]]:
    found: list[tuple[str, tuple[int, int]]] = []
    seen: set[str] = set()

    def add(name_spans):
        for name, span in name_spans:
            if name not in seen:
                seen.add(name)
                found.append((name, span))

    pos = 0
    raw_lines = text.split("\n")
    previous = ""
    for raw in raw_lines:
        if _BYLINE_LINE.match(raw) or _BULLET.match(raw):
            add(_names_after_roles(raw, pos))
        elif photo := _PHOTO.search(raw):
            # "刘敬胜 李霞 李冉 摄": a line of names; "图为…。张三 摄": the caption's last word
            names = _names(raw[:photo.end(1)], pos, 0, strict=False)
            whole = names and names[-1][1][1] == pos + photo.end(1)
            add(names if whole else _names(raw[:photo.end(1)], pos, photo.start(1), strict=False))
        elif previous and _headline_like(previous):
            add(_name_line(raw, pos))
        if raw.strip():
            previous = raw
        pos += len(raw) + 1
    for m in _BENBAO.finditer(text):
        inside = m.group(1)
        add(_names_after_roles(inside, m.start(1)))
    found.sort(key=lambda item: item[1])
    return found


def _names_after_roles(raw: str, pos: int) -> list[tuple[str, tuple[int, int]]]:
    """Names following each role word of a byline ("本报记者 张三 李四 通讯员 王五"), or a bullet ("□ 张三")."""
    roles = list(_ROLE_RE.finditer(raw))
    if roles:
        ends = [m.start() for m in roles[1:]] + [len(raw)]
        # Glued to a bare 记者 may be a sentence ("记者了解到"): then only a word that is a person's name counts.
        segments = [(m.end(), end, _glued_to_bare_role(raw, m)) for m, end in zip(roles, ends)]
    else:
        bullet = _BULLET.match(raw)
        # □ sets a byline apart; ■ and ◎ also mark section labels, so there the words must be a person's name.
        segments = [(bullet.end(), len(raw), "□" not in bullet.group())] if bullet else [(0, len(raw), False)]
    out = []
    for start, end, strict in segments:
        out.extend(_names(raw[:end], pos, start, strict))
    return out


def _glued_to_bare_role(raw: str, role: re.Match) -> bool:
    return not raw[role.end():role.end() + 1].isspace() and not role.group().startswith(("本报", "文", "图", "作", "撰"))


def _names(raw: str, pos: int, start: int, strict: bool) -> list[tuple[str, tuple[int, int]]]:
    """Names from raw[start:], separated by spaces or 、，; stops at the first word that is not a name.
    Two single characters in a row are one name set apart to fill the width ("张　三")."""
    words = [(m.group(), m.start()) for m in re.finditer(r"[^\s、，,；;/／]+", raw[start:])]
    out, i = [], 0
    while i < len(words):
        printed, at = words[i]
        if len(printed) == 1 and i + 1 < len(words) and len(words[i + 1][0]) == 1:
            word, end = printed + words[i + 1][0], words[i + 1][1] + 1
            i += 1
        else:
            # "（杨雅芳）", "张三报道": the name without what clings to it
            word = re.sub(r"(报道|摄影?|电)$", "", printed.strip("（()）。"))
            at += printed.find(word)
            end = at + len(word)
        if word in _NOT_NAMES or not _NAME_TOKEN.fullmatch(word) or (strict and not _is_person(word)):
            break
        out.append((word, (pos + start + at, pos + start + end)))
        i += 1
    return out


# A signed article's author may print a post before the name ("中共北京海淀区委副书记 张旗").
SIGNED_ROLE = re.compile(rf"[{_HAN}、“”]{{2,30}}(?:书记|主任|部长|局长|厅长|处长|主席|市长|县长|区长|镇长|校长|院长|所长|"
                         rf"馆长|会长|社长|站长|经理|董事长|教授|研究员|专家|学者|委员|代表|干部)")


def _name_line(raw: str, pos: int) -> list[tuple[str, tuple[int, int]]]:
    """A line holding only one to three person names: a byline printed under its headline ("杨澜 宋敏"), maybe
    after the author's post (`SIGNED_ROLE`). One word must be a name jieba knows; of two or three set apart on
    one line, one is enough."""
    indent = len(raw) - len(raw.lstrip())
    role = SIGNED_ROLE.match(raw, indent)
    skip = role.end() if role and raw[role.end():role.end() + 1].isspace() else 0  # the post set apart
    names = _names(raw, pos, skip, strict=False)
    rest = raw[skip:]
    for _, (start, end) in reversed(names):
        rest = rest[:start - pos - skip] + rest[end - pos - skip:]
    if not 1 <= len(names) <= 3 or re.sub(r"[\s、，,]", "", rest) or not any(_is_person(n) for n, _ in names):
        return []
    return names


def _is_person(word: str) -> bool:
    # jieba's part-of-speech tags tell a person's name (nr) from a place or a thing (上海徐汇区 is ns + nr).
    return all(pair.flag.startswith("nr") for pair in jieba.posseg.cut(word))


def _headline_like(line: str) -> bool:
    stripped = line.strip()
    return 4 <= len(stripped) <= 60 and not re.search(r"[。！？；;]$", stripped)


# --- fields from an upload or a sidecar ---

def check_fields(given: Mapping[str, object], where: str) -> dict[str, object]:
    """The fields of `given` that are set, validated and normalised; `where` names the source in errors."""
    out: dict[str, object] = {}
    for key, value in given.items():
        if key not in FIELDS:
            raise MetadataError(f"{where}: unknown metadata field '{key}' (known: {', '.join(FIELDS)})")
        if value is None or value == "" or value == [] or value == ():
            continue
        if key == "date":
            out[key] = _check_date(value, where)
        elif key == "page":
            out[key] = _check_page(value, where)
        elif key == "authors":
            names = re.split(r"[\s、，,;；]+", value) if isinstance(value, str) else value
            if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
                raise MetadataError(f"{where}: authors {value!r} is not a list of names")
            out[key] = tuple(n.strip() for n in names if n.strip())
        else:
            if not isinstance(value, str):
                raise MetadataError(f"{where}: {key} {value!r} is not text")
            out[key] = value.strip()
    return out


def _check_date(value: object, where: str) -> str:
    text = str(value).strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    raise MetadataError(f"{where}: date '{text}' is not a date: write it as YYYY-MM-DD, e.g. 2021-03-05")


def _check_page(value: object, where: str) -> int:
    if isinstance(value, bool) or not re.fullmatch(r"\d{1,4}", str(value).strip()) or int(str(value)) < 1:
        raise MetadataError(f"{where}: page '{value}' is not a page number (版次): use a whole number from 1")
    return int(str(value))


def sidecar_for(document: str | Path) -> Path | None:
    """A document's sidecar beside it, as uploads name it: `page.txt.json`, else `page.json`; None if neither."""
    path = Path(document)
    for candidate in (path.with_name(path.name + ".json"), path.with_name(path.stem + ".json")):
        if candidate.is_file():
            return candidate
    return None


def from_sidecar(source: str | Path | Mapping[str, object]) -> dict[str, object]:
    """The validated fields of a sidecar: a JSON file's path, or its already parsed object."""
    if isinstance(source, Mapping):
        return check_fields(source, "sidecar")
    path = Path(source)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MetadataError(f"sidecar {path}: no such file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MetadataError(f"sidecar {path}: not UTF-8 JSON ({error})") from None
    if not isinstance(data, dict):
        raise MetadataError(f"sidecar {path}: expected a JSON object of fields, got {type(data).__name__}")
    return check_fields(data, f"sidecar {path.name}")


def merge(upload_fields: Mapping[str, object] | None, sidecar: Mapping[str, object] | None,
          found: Found | DocumentMeta | None) -> DocumentMeta:
    """Field by field: what the upload says wins, then the sidecar, then what the page text prints."""
    upload = check_fields(upload_fields or {}, "upload")
    side = check_fields(sidecar or {}, "sidecar")
    text = found.meta if isinstance(found, Found) else (found or DocumentMeta())
    values = {}
    for name in FIELDS:
        values[name] = upload.get(name, side.get(name, getattr(text, name)))
    return DocumentMeta(**values)


def described(source: Source, collection: str, upload: Mapping[str, object] | None = None,
              sidecar: Mapping[str, object] | None = None) -> Source:
    """The source with the collection it goes into and its metadata: the upload's fields, then the sidecar's,
    then what its own text prints."""
    return replace(source, collection=collection, meta=merge(upload, sidecar, extract(source.text)))
