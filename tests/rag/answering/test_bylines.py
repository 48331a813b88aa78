"""Bylines: found where the page prints them, given to the article they sign, and cited by their own span."""

from rag.answering.bylines import page_bylines, page_photo_credits

PAGE = ("综合新闻\n\n"
        "西宁召开推进会\n\n本报讯（林洛）近日，西宁市召开推进会。\n\n"
        "村民们在文化汇演现场。\n刘敬胜 李霞 摄\n\n"
        "以实践之力筑造百姓之家\n\n杨澜 宋敏\n\n建设新时代文明实践中心，是时代之需。\n")


def _articles():
    first = PAGE.index("本报讯")
    second = PAGE.index("建设新时代")
    return [{"article_id": "p#0", "title": "西宁召开推进会", "start": first, "end": PAGE.index("村民们")},
            {"article_id": "p#1", "title": "以实践之力筑造百姓之家", "start": second, "end": len(PAGE)}]


def test_each_byline_signs_its_article_and_photo_credits_sign_none():
    found = page_bylines("p", PAGE, _articles(), ("林洛", "刘敬胜", "李霞", "杨澜", "宋敏"))
    assert [(b.article_id, b.names, b.text) for b in found] == [("p#0", ("林洛",), "林洛"),
                                                                ("p#1", ("杨澜", "宋敏"), "杨澜 宋敏")]
    assert all(PAGE[b.start:b.end] == b.text for b in found)


def test_a_name_the_metadata_no_longer_gives_is_no_byline():
    found = page_bylines("p", PAGE, _articles(), ("林洛", "杨澜"))  # 宋敏 corrected away (PATCH /documents)
    assert [b.names for b in found] == [("林洛",), ("杨澜",)]


def test_a_byline_under_a_headline_signs_that_article_wherever_the_page_puts_its_body():
    articles = _articles()
    articles[1] = {**articles[1], "start": 0, "end": 4}  # OCR order: this article's body read before the rest
    found = page_bylines("p", PAGE, articles, ("杨澜", "宋敏"))
    assert [b.article_id for b in found] == ["p#1"]


def test_a_byline_hit_is_a_passage_of_the_page_at_the_bylines_span():
    byline = page_bylines("p", PAGE, _articles(), ("杨澜", "宋敏"))[0]
    hit = byline.hit(1.0)
    assert (hit.chunk.doc_id, hit.chunk.article_id, hit.chunk.text) == ("p", "p#1", "杨澜 宋敏")
    assert PAGE[hit.chunk.start:hit.chunk.end] == hit.chunk.text and hit.chunk.chunk_id == "p#1#byline"


def test_a_signature_s_post_is_kept_with_its_byline():
    page = "海淀路径探索\n\n中共北京海淀区委副书记 张旗\n\n近年来，海淀区建设文明实践中心。\n"
    articles = [{"article_id": "h#0", "title": "海淀路径探索", "start": page.index("近年来"), "end": len(page)}]
    (byline,) = page_bylines("h", page, articles, ("张旗",))
    assert (byline.role, byline.names, byline.text) == ("中共北京海淀区委副书记", ("张旗",), "中共北京海淀区委副书记 张旗")
    assert page[byline.start:byline.end] == byline.text
    a, b = byline.signed
    assert byline.text[a:b] == "张旗"
    (plain,) = page_bylines("p", PAGE, _articles(), ("杨澜",))
    assert plain.role == "" and plain.text[slice(*plain.signed)] == "杨澜"


def test_a_photo_credit_is_found_with_its_caption_on_its_own_line_or_after_the_caption():
    page = ("村民们在文化汇演现场。\n刘敬胜 李霞 摄\n\n为庆祝建党100周年，幼儿园开展活动。图为小班学生与党旗合影。 龙令智 杨朝正 摄\n\n"
            "图为村民在繁育种苗。\n陈福平摄\n\n他们的口号是大家一起摄\n")
    articles = [{"article_id": "p#0", "title": "文化汇演", "start": 0, "end": len(page)}]
    found = page_photo_credits("p", page, articles)
    assert [c.names for c in found] == [("刘敬胜", "李霞"), ("龙令智", "杨朝正"), ("陈福平",)]
    assert [c.caption for c in found] == ["村民们在文化汇演现场。", "为庆祝建党100周年，幼儿园开展活动。图为小班学生与党旗合影。",
                                          "图为村民在繁育种苗。"]
    for c in found:
        assert page[c.start:c.end] == c.text and c.text.endswith("摄")
        a, b = c.signed
        assert c.text[a:b].split() == list(c.names)
    hit = found[0].hit(1.0)
    assert hit.chunk.chunk_id == "p#0#photo" and hit.chunk.text == "村民们在文化汇演现场。\n刘敬胜 李霞 摄"
