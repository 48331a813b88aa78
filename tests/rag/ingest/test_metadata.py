import json
from pathlib import Path

import pytest

from rag.ingest.metadata import MetadataError, extract, from_sidecar, merge, sidecar_for
from rag.types import DocumentMeta

SEEDS = Path(__file__).resolve().parents[3] / "seeds"
BODY = "近日，太原市新时代文明实践中心试点建设现场观摩推进会在晋源区举行。"

# page text -> (paper, date, page, page_name)
MASTHEADS = {
    "人民日报\n2021年3月5日 星期五\n农历辛丑年正月廿二\n第4版：要闻\n": ("人民日报", "2021-03-05", 4, "要闻"),
    "光 明 日 报\n二〇二一年三月五日　星期五\n要闻·4\n": ("光明日报", "2021-03-05", 4, "要闻"),
    "2021-03-05\n04版 | 国内\n德阳晚报\n": ("德阳晚报", "2021-03-05", 4, "国内"),
    "人民日报 2021年3月5日\n第四版：要闻\n": ("人民日报", "2021-03-05", 4, "要闻"),
    "2 0 2 1 年 3 月 5 日 星期五 第 1 2 版\n": (None, "2021-03-05", 12, None),
    "2021年3\n月5日 星期五 第4\n版 理论\n": (None, "2021-03-05", 4, "理论"),
    "解放日报 二O二O年十二月四日 星期五\n第十一版 城事\n": ("解放日报", "2020-12-04", 11, "城事"),
    "青海日报\n总第25000期 CN63-0001\n": ("青海日报", None, None, None),
    "2024年7月12日　星期五　太原日报\n综 合·11\n": ("太原日报", "2024-07-12", 11, "综合"),
    "16 文明实践\n羊城晚报\n2020.12.23  星期三\n责任编辑：袁婷\n": ("羊城晚报", "2020-12-23", 16, "文明实践"),
}


@pytest.mark.parametrize("head", MASTHEADS)
def test_mastheads_and_folios(head):
    paper, day, page, page_name = MASTHEADS[head]
    meta = extract(head + "\n西宁市召开推进会\n" + BODY).meta
    assert (meta.paper, meta.date, meta.page, meta.page_name) == (paper, day, page, page_name)


def test_a_folio_at_the_foot_of_the_page():
    meta = extract(f"标题\n{BODY}\n\n2021年3月5日  星期五  要闻  4\n").meta
    assert (meta.date, meta.page, meta.page_name) == ("2021-03-05", 4, "要闻")


@pytest.mark.parametrize("head, day", [
    ("2022年9月15日 星期四 5 文明中国 责任编辑：刘晓岚 美术编辑：孙 伟", "2022-09-15"),  # the page's staff, letter-spaced
    ("2024年4 月18日 星期四\n7", "2024-04-18"),  # a space OCR put inside the date
])
def test_a_header_naming_the_pages_staff_or_with_spaces_in_its_date_gives_the_date(head, day):
    assert extract(f"{head}\n标题\n{BODY}").meta.date == day


def test_the_lunar_date_is_not_the_publication_date():
    assert extract("农历辛丑年正月廿二\n" + BODY).meta.date is None


@pytest.mark.parametrize("sentence", [
    "2020年6月5日，山西省召开会议。",  # a date inside an article
    "据人民日报报道，该市出版第二版宣传手册。",
    "新华社北京3月4日电 2021年3月5日，国务院召开常务会议。",
])
def test_metadata_words_inside_a_sentence_are_not_the_page_s(sentence):
    meta = extract(sentence + "\n" + BODY).meta
    assert (meta.paper, meta.date, meta.page) == (None, None, None)


# byline -> names
BYLINES = {
    "本报记者 张三 李四": ("张三", "李四"),
    "本报记者　张　三　通讯员 李四": ("张三", "李四"),
    "本报通讯员 王小明": ("王小明",),
    "记者 王五": ("王五",),
    "文/图 赵六": ("赵六",),
    "□ 毛力": ("毛力",),
    "（本报记者 杨雅芳）": ("杨雅芳",),
    "图为志愿者在社区开展服务。 熊建 摄": ("熊建",),
    "刘敬胜 李霞 李冉 摄": ("刘敬胜", "李霞", "李冉"),
}


@pytest.mark.parametrize("byline", BYLINES)
def test_bylines(byline):
    assert extract(f"西宁市召开推进会\n{byline}\n{BODY}").meta.authors == BYLINES[byline]


def test_a_line_of_names_under_a_headline_and_the_benbaoxun_pen_name():
    text = f"以实践之力筑造百姓之家\n杨澜 宋敏\n{BODY}\n本报讯（太文）8月11日，{BODY}\n（作者为市委党校教授）"
    assert extract(text).meta.authors == ("杨澜", "宋敏", "太文")


def test_a_signature_under_a_headline_may_print_the_author_s_post_before_the_name():
    text = f"新时代文明实践中心建设的“海淀路径”探索\n中共北京海淀区委副书记 张旗\n{BODY}"
    found = extract(text)
    assert found.meta.authors == ("张旗",)
    assert [text[s:e] for s, e in found.spans["authors"]] == ["张旗"]
    # a post glued to a word that is no name, or a post alone, signs nothing
    assert extract(f"海淀路径探索\n中共北京海淀区委副书记张旗近年来\n{BODY}").meta.authors == ()
    assert extract(f"海淀路径探索\n中共北京海淀区委副书记\n{BODY}").meta.authors == ()


@pytest.mark.parametrize("line", ["记者了解到，活动将持续一个月。", "接受本报记者采访时，他说。", "龙轴杯",
                                  "责任编辑：王五", "■ 文明实践"])
def test_sentences_and_labels_are_not_bylines(line):
    assert extract(f"太原市新时代文明实践中心试点建设现场观摩推进会召开\n{line}\n{BODY}").meta.authors == ()


def test_spans_point_at_the_text_each_field_was_read_from():
    text = "人 民 日 报\n2021年3月5日 星期五\n第4版：要闻\n\n标题\n本报记者　张　三 李四\n" + BODY
    found = extract(text)
    read = {name: [text[s:e] for s, e in spans] for name, spans in found.spans.items()}
    assert read == {"paper": ["人 民 日 报"], "date": ["2021年3月5日"], "page": ["第4版：要闻"],
                    "page_name": ["要闻"], "authors": ["张　三", "李四"]}


def test_an_author_s_span_leaves_out_brackets_and_reporting_words():
    text = f"标题\n{BODY}\n（本报记者 杨雅芳 张三报道）"
    assert [text[s:e] for s, e in extract(text).spans["authors"]] == ["杨雅芳", "张三"]


def test_sections():
    assert extract(f"【文明实践】\n标题\n{BODY}").meta.section == "文明实践"
    assert extract(f"栏目：身边好人\n标题\n{BODY}").meta.section == "身边好人"


def test_the_seeds_print_bylines_but_nothing_is_invented_for_the_rest():
    expected = {
        "000_323516209898d752.txt": ("徐文", "太文", "林洛"),
        "003_fb165993d270e350.txt": ("赵青", "罗玉琢", "林洛", "陈福平", "潮文"),
        "004_b3238fd52c02d4da.txt": (),
    }
    for path in sorted(SEEDS.glob("*.txt")):
        meta = extract(path.read_text(encoding="utf-8")).meta
        assert (meta.paper, meta.date, meta.page, meta.page_name, meta.section) == (None,) * 5, path.name
        if path.name in expected:
            assert meta.authors == expected[path.name]


def test_upload_fields_win_then_the_sidecar_then_the_text():
    found = extract("人民日报\n2021年3月5日 星期五\n第4版：要闻\n\n标题\n本报记者 张三\n" + BODY)
    meta = merge({"page": "6"}, {"page": 5, "paper": "光明日报", "section": "文明实践"}, found)
    assert meta == DocumentMeta(paper="光明日报", date="2021-03-05", page=6, page_name="要闻",
                                section="文明实践", authors=("张三",))


def test_empty_fields_do_not_hide_what_the_text_prints():
    found = extract("人民日报\n2021年3月5日 星期五\n" + BODY)
    assert merge({"paper": "", "date": None}, {}, found).paper == "人民日报"


def test_a_sidecar_file(tmp_path):
    page = tmp_path / "page.txt"
    assert sidecar_for(page) is None
    (tmp_path / "page.json").write_text(json.dumps({"date": "2021-03-05", "authors": "张三、李四"}), encoding="utf-8")
    assert sidecar_for(page) == tmp_path / "page.json"
    assert from_sidecar(sidecar_for(page)) == {"date": "2021-03-05", "authors": ("张三", "李四")}
    (tmp_path / "page.txt.json").write_text(json.dumps({"page": 4}), encoding="utf-8")
    assert from_sidecar(sidecar_for(page)) == {"page": 4}  # the full file name wins over the stem


@pytest.mark.parametrize("fields, message", [
    ({"date": "2021-13-05"}, "date '2021-13-05' is not a date"),
    ({"date": "2021年3月5日"}, "write it as YYYY-MM-DD"),
    ({"page": "第四版"}, "page '第四版' is not a page number"),
    ({"page": 0}, "page '0' is not a page number"),
    ({"pages": 4}, "unknown metadata field 'pages'"),
    ({"authors": 5}, "authors 5 is not a list of names"),
])
def test_bad_fields_are_refused_with_a_sentence_naming_them(fields, message):
    with pytest.raises(MetadataError, match=message):
        from_sidecar(fields)
    with pytest.raises(MetadataError, match="upload: "):
        merge(fields, None, None)


def test_a_sidecar_that_is_not_json_or_missing(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{date: 2021}", encoding="utf-8")
    with pytest.raises(MetadataError, match="not UTF-8 JSON"):
        from_sidecar(bad)
    with pytest.raises(MetadataError, match="no such file"):
        from_sidecar(tmp_path / "missing.json")
    bad.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(MetadataError, match="expected a JSON object"):
        from_sidecar(bad)
