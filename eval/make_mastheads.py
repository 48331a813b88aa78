"""Write newspaper pages with known metadata: the seeds' article bodies under made-up mastheads, folios,
datelines and bylines, with OCR-like noise, for eval/metadata_accuracy.py.

    python eval/make_mastheads.py [--out eval/mastheads] [--pages 60]

Two halves: `dev/` (the rules in rag/ingest/metadata.py were written looking at it) and `heldout/` (another
random draw, plus two layouts that dev never uses; not looked at while writing rules). Each half has page
files NNN.txt and truth.jsonl ({"file", "paper", "date", "page", "page_name", "section", "authors"}).

Layouts vary in: paper name (national and provincial papers, made-up "<city>日报/晚报", none), date in Arabic or
Chinese numerals or ISO, page as 第4版 / 第四版 / 04版 / 要闻·4, a 农历 line, issue numbers and an editor's
name (not a byline), masthead at the top or a folio at the bottom, or no masthead at all. Bylines: 本报记者,
记者, 通讯员, 文/图, □, 本报讯（…）, a line of names under the headline, "… 摄", (本报记者 …) at the end.
Noise: letter-spaced words, a date broken across two lines, full-width spaces, and traps in the bodies
(a date in a sentence, "记者了解到", "出版第二版", "据人民日报报道").
"""

from __future__ import annotations

import argparse
import json
import random
import re
from datetime import date, timedelta
from pathlib import Path

import cn2an

from rag.ingest.layout import split_articles

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"

PAPERS = ["人民日报", "光明日报", "经济日报", "中国青年报", "工人日报", "农民日报", "解放日报", "文汇报",
          "新民晚报", "南方日报", "浙江日报", "四川日报", "青海日报", "甘肃日报", "广西日报", "山西日报",
          "精神文明报", "北京日报", "羊城晚报", "大众日报"]
CITIES = ["德阳", "白银", "潮州", "太原", "西宁", "曲靖", "海东", "宝鸡", "绵阳", "襄阳", "柳州", "赣州"]
PAGE_NAMES = ["要闻", "综合", "国内", "评论", "理论", "文化", "社会", "地方", "专版", "民生", "文明实践",
              "新闻", "城市", "乡村振兴"]
OTHER_PAGE_NAMES = ["文明视窗", "城事", "三农", "暖新闻", "实践之窗"]  # not in the extractor's list
SECTIONS = ["文明实践", "身边好人", "志愿风采", "基层动态", "创建在线", "榜样力量"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力鹏飞宇浩凯晨欣怡婷雪琳海波斌宁"
WEEK = "一二三四五六日"
LUNAR_MONTHS = ["正", "二", "三", "四", "五", "六", "七", "八", "九", "十", "冬", "腊"]
LUNAR_DAYS = ["初一", "初五", "初九", "十二", "十六", "二十", "廿二", "廿八", "三十"]
GANZHI = ["辛丑", "庚子", "己亥", "戊戌", "壬寅", "癸卯", "甲辰"]
ADS = ["龙轴杯 全国文明单位", "福建龙溪轴承（集团）股份有限公司联办", "600592", "全国精神文明建设新闻摄影比赛",
       "本报地址：人民路1号 邮编：810000 电话：0971-1234567", "广告热线 0971-7654321", "扫码关注本报官方微信"]
MARKERS = re.compile(r"本报|记者|通讯员|作者|文/|图/|□|■|摄|编辑")


def bodies() -> tuple[list[str], list[str]]:
    """Long OCR lines of the seeds with every byline taken out (so the truth is only the bylines made here),
    and the seeds' short lines that read like headlines."""
    body, heads = [], []
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for line in text.split("\n"):
            line = line.strip()
            if len(line) >= 12 and re.search(r"[，。,；、]", line) and not MARKERS.search(line):
                body.append(line)
        heads.extend(a.title for a in split_articles(path.name, text)
                     if a.title_source == "headline" and len(a.title) <= 40 and not MARKERS.search(a.title))
    return body, heads


def name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 1, 2])))


def spaced(text: str) -> str:
    return " ".join(text)


def cn_date(day: date) -> str:
    year = "".join("〇一二三四五六七八九"[int(c)] for c in str(day.year))
    return f"{year}年{cn2an.an2cn(day.month)}月{cn2an.an2cn(day.day)}日"


def ar_date(day: date, rng: random.Random, noise: bool) -> str:
    text = f"{day.year}年{day.month}月{day.day}日"
    if noise and rng.random() < 0.25:
        text = spaced(text)
    if noise and rng.random() < 0.2:
        cut = text.index("月")
        text = text[:cut] + "\n" + text[cut:]  # broken line: "2021年3" / "月5日"
    return text


def masthead(rng: random.Random, truth: dict, layout: str) -> tuple[str, str]:
    """(text above the articles, text below them) for a layout."""
    paper, day, page, page_name = truth["paper"], date.fromisoformat(truth["date"]) if truth["date"] else None, \
        truth["page"], truth["page_name"]
    week = "星期" + WEEK[day.weekday()] if day else ""
    lunar = f"农历{rng.choice(GANZHI)}年{rng.choice(LUNAR_MONTHS)}月{rng.choice(LUNAR_DAYS)}"
    shown_paper = (spaced(paper) if rng.random() < 0.3 else paper) if paper else ""
    extras = rng.choice(["", f"总第{rng.randint(1000, 25000)}期", "CN11-0065", f"今日{rng.choice([8, 12, 16])}版",
                         f"责任编辑：{name(rng)}"])
    if layout == "L1":
        return f"{shown_paper}\n{ar_date(day, rng, True)} {week}\n{lunar}\n第{page}版：{page_name}  {extras}", ""
    if layout == "L2":
        return f"{ar_date(day, rng, True)}　{week}　{shown_paper}\n{page_name}·{page}\n{extras}", ""
    if layout == "L3":
        return f"{shown_paper}  {cn_date(day)} {week}\n第{cn2an.an2cn(page)}版 {page_name}\n{lunar}", ""
    if layout == "L4":
        return f"{day.isoformat()}\n{page:02d}版 | {page_name}\n{shown_paper}", ""
    if layout == "L5":  # no masthead at all: only bylines
        return "", ""
    if layout == "L6":  # paper on top, folio at the bottom
        return f"{shown_paper}\n{extras}", f"{ar_date(day, rng, False)}  {week}  {page_name}  {page}"
    if layout == "H1":  # held out: everything on one line, dots between
        return f"{shown_paper} · {page_name} · {day.year}年{day.month}月{day.day}日 {week} · 第{page}版", ""
    if layout == "H2":  # held out: page number before its name, dotted date, editor on the folio
        dotted = f"{day.year}.{day.month:02d}.{day.day:02d}"
        return f"{page:02d} {page_name}\n{shown_paper}\n{dotted}  {week}\n责任编辑：{name(rng)}", ""
    raise ValueError(f"unknown layout {layout}")


def article(rng: random.Random, body: list[str], heads: list[str], authors: list[str]) -> str:
    """A headline, a byline in one of the styles newspapers print, and a run of seed lines."""
    start = rng.randrange(len(body) - 8)
    lines = body[start:start + rng.randint(4, 8)]
    if rng.random() < 0.3:  # traps: words that look like metadata inside an article
        trap = rng.choice(["2020年6月5日，全市召开动员会议，部署相关工作。", "记者了解到，活动将持续一个月。",
                           "据人民日报报道，该市出版第二版宣传手册。", "接受本报记者采访时，他说。"])
        lines.insert(rng.randrange(len(lines) + 1), trap)
    head = rng.choice(heads)
    names = [name(rng) for _ in range(rng.choice([1, 1, 2, 2, 3]))]
    style = rng.choice(["reporter", "reporter_correspondent", "plain", "wentu", "bullet", "benbaoxun",
                        "under_head", "photo", "end", "none"])
    shown = [f"{n[0]}\u3000{n[1]}" if len(n) == 2 and rng.random() < 0.3 else n for n in names]
    if style == "reporter":
        text = f"{head}\n本报记者 {' '.join(shown)}\n" + "\n".join(lines)
    elif style == "reporter_correspondent":
        names = names[:1] + [name(rng)]
        text = f"{head}\n本报记者 {names[0]} 通讯员 {names[1]}\n" + "\n".join(lines)
    elif style == "plain":
        names = names[:1]
        text = f"{head}\n记者 {names[0]}\n" + "\n".join(lines)
    elif style == "wentu":
        names = names[:1]
        text = f"{head}\n文/图 {names[0]}\n" + "\n".join(lines)
    elif style == "bullet":
        names = names[:1]
        text = f"{head}\n□ {names[0]}\n" + "\n".join(lines)
    elif style == "benbaoxun":
        text = f"{head}\n本报讯（{'、'.join(names[:2])}）" + "\n".join(lines)
        names = names[:2]
    elif style == "under_head":
        text = f"{head}\n{' '.join(shown)}\n" + "\n".join(lines) + \
               ("\n（作者为市委党校教授）" if len(names) == 1 and rng.random() < 0.5 else "")
    elif style == "photo":
        names = names[:1]
        text = f"{head}\n" + "\n".join(lines) + f"\n图为志愿者在社区开展服务。 {names[0]} 摄"
    elif style == "end":
        text = f"{head}\n" + "\n".join(lines) + f"\n（本报记者 {' '.join(names)}）"
    else:
        names = []
        text = f"{head}\n" + "\n".join(lines)
    authors.extend(n for n in names if n not in authors)
    return text


def page(rng: random.Random, body: list[str], heads: list[str], layouts: list[str], number: int) -> tuple[str, dict]:
    layout = rng.choice(layouts)
    has_masthead = layout != "L5"
    day = date(2015, 1, 1) + timedelta(days=rng.randrange(11 * 365))
    paper = None
    if has_masthead and rng.random() < 0.85:
        paper = rng.choice(PAPERS) if rng.random() < 0.7 else rng.choice(CITIES) + rng.choice(["日报", "晚报"])
    # "要闻·4" and "要闻 4" need a page name the reader knows; the 第N版 layouts may print any name.
    names = PAGE_NAMES if layout in ("L2", "L6", "H2") else PAGE_NAMES + OTHER_PAGE_NAMES
    truth = {
        "file": f"{number:03d}.txt", "paper": paper, "date": day.isoformat() if has_masthead else None,
        "page": rng.randint(1, 24) if has_masthead else None,
        "page_name": rng.choice(names) if has_masthead else None, "section": None, "authors": [],
    }
    top, bottom = (_tidy(part) for part in masthead(rng, truth, layout))
    top = noisy(rng, top)
    parts = [top] if top else []
    if rng.random() < 0.3:  # an advertisement or a sponsor's line among the masthead lines
        parts.insert(rng.randint(0, len(parts)), rng.choice(ADS))
    if rng.random() < 0.3:
        truth["section"] = rng.choice(SECTIONS)
        parts.append(rng.choice([f"【{truth['section']}】", f"栏目：{truth['section']}"]))
    authors: list[str] = []
    for _ in range(rng.randint(1, 3)):
        parts.append(article(rng, body, heads, authors))
    truth["authors"] = authors
    if bottom:
        parts.append(bottom)
    return "\n\n".join(parts) + "\n", truth


def noisy(rng: random.Random, top: str) -> str:
    """OCR accidents on masthead lines: a word broken across lines, 〇 read as the letter O."""
    if rng.random() < 0.15 and re.search(r"第\S+版", top):
        top = re.sub(r"第(\S+)版", lambda m: f"第{m.group(1)}\n版", top, count=1)
    if rng.random() < 0.3:
        top = top.replace("〇", "O")
    if rng.random() < 0.1:
        top = re.sub(r"(要闻|综合|国内|评论|理论|文化|社会|地方)", lambda m: spaced(m.group()), top, count=1)
    return top


def _tidy(text: str) -> str:
    # A layout without a paper leaves an empty slot: drop what it leaves behind.
    lines = (re.sub(r"^[\s·]+|[\s·]+$", "", line) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "eval" / "mastheads")
    parser.add_argument("--pages", type=int, default=60, help="pages in each half")
    args = parser.parse_args()
    body, heads = bodies()
    halves = {"dev": (1, ["L1", "L2", "L3", "L4", "L5", "L6"]),
              "heldout": (2, ["L1", "L2", "L3", "L4", "L5", "L6", "H1", "H2"])}
    for half, (seed, layouts) in halves.items():
        rng = random.Random(seed)
        folder = args.out / half
        folder.mkdir(parents=True, exist_ok=True)
        truths = []
        for number in range(args.pages):
            text, truth = page(rng, body, heads, layouts, number)
            (folder / truth["file"]).write_text(text, encoding="utf-8")
            truths.append(truth)
        with open(folder / "truth.jsonl", "w", encoding="utf-8") as out:
            for truth in truths:
                out.write(json.dumps(truth, ensure_ascii=False) + "\n")
        print(f"{half}: {len(truths)} pages in {folder}")


if __name__ == "__main__":
    main()
