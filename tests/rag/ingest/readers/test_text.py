import codecs

import pytest

from rag.ingest import loading

PAGE = ("西宁市召开推进会巩固深化全国文明城市创建工作\n"
        "本报讯（记者 王明）8月11日，西宁市召开推进会，巩固深化全国文明城市创建工作。会议指出，要坚持以人民为中心，"
        "把创建工作同改善民生紧密结合起来。\n")
TRADITIONAL = "本報訊 近日，廣西壯族自治區召開全國文明城市創建工作座談交流會，總結交流各地創建經驗。\n"


@pytest.mark.parametrize("data,encoding,text", [
    (PAGE.encode("utf-8"), "utf-8", PAGE),
    (codecs.BOM_UTF8 + PAGE.encode("utf-8"), "utf-8-sig", PAGE),
    (PAGE.encode("utf-16"), "utf-16", PAGE),
    (codecs.BOM_UTF16_BE + PAGE.encode("utf-16-be"), "utf-16", PAGE),
    (PAGE.encode("gbk"), "gb18030", PAGE),
    (PAGE.encode("gb2312"), "gb18030", PAGE),
    ((PAGE + "𠮷野家\n").encode("gb18030"), "gb18030", PAGE + "𠮷野家\n"),  # 𠮷 is four bytes, not in GBK
    (TRADITIONAL.encode("big5"), "big5", TRADITIONAL),
    (TRADITIONAL[:12].encode("big5"), "big5", TRADITIONAL[:12]),  # short: charset-normalizer's first guess is UTF-16
])
def test_detects_and_records_the_encoding(data, encoding, text):
    source = loading.decode("page.txt", data)
    assert (source.text, source.encoding, source.kind, source.pages) == (text, encoding, "text", ())


def test_undecodable_bytes_name_the_file_and_the_offset():
    data = PAGE.encode("gbk")
    bad = data[:40] + b"\xff\xff" + data[40:]
    with pytest.raises(loading.LoadError) as err:
        loading.decode("old.txt", bad)
    message = str(err.value)
    assert message.startswith("old.txt: cannot tell the text encoding") and "byte 0xff at offset 40" in message


def test_utf16_cut_mid_character_is_refused():
    with pytest.raises(loading.LoadError, match=r"bad\.txt: looks like utf-16 .* offset"):
        loading.decode("bad.txt", PAGE.encode("utf-16")[:-1])
