"""The documents page in a real headless Chromium: key, upload with progress, status, articles, a question, delete."""

import pytest

from tests.api.test_widget_browser import ARTIFACTS, browser  # noqa: F401 - the shared Chromium fixture

pytestmark = pytest.mark.browser
NEWS = ("# 流动书车进村\n\n本报讯 某市图书馆推出“流动书车”志愿服务，每周为偏远村庄送书两次，受到村民欢迎。\n\n"
        "# 社区义诊\n\n本报讯 市第一医院的医生周末来到光明社区，为老人免费测量血压、讲解用药常识。\n")


def test_documents_page_uploads_and_browses(live_server, browser):  # noqa: F811
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = live_server(api_key="reader", admin_key="adm")
    page = browser.new_page(viewport={"width": 1100, "height": 800})
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    page.goto(f"{base}/admin/documents")
    # Without the key the page loads but its calls are refused, and it says so.
    page.wait_for_function("() => document.getElementById('status').textContent.includes('key')")

    # The key field is the first stop for the keyboard; Tab away stores it for this tab only.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "key"
    page.keyboard.type("adm")
    page.keyboard.press("Tab")
    assert page.evaluate("sessionStorage.getItem('rag-admin-key')") == "adm"
    page.wait_for_selector("#docs tr")  # the seeds documents

    page.evaluate("""() => { window.seen = new Set();
        new MutationObserver(() => document.querySelectorAll('#jobs li').forEach(li => seen.add(li.dataset.status)))
            .observe(document.getElementById('jobs'), {childList: true, subtree: true}); }""")
    page.set_input_files("#files", [
        {"name": "news.md", "mimeType": "text/markdown", "buffer": NEWS.encode()},
        {"name": "bad.txt", "mimeType": "text/plain", "buffer": b"%PDF-1.4 not text at all"},
    ])
    page.get_by_role("button", name="上传").click()
    # the whole upload is refused before any job starts, and the message names the file
    page.wait_for_function("() => document.getElementById('status').textContent.includes('上传失败')", timeout=60000)
    assert "bad.txt" in page.text_content("#status")
    page.get_by_label("报名（可选）").fill("某市日报")
    page.get_by_label("出版日期（可选）").fill("2021-03-05")
    page.get_by_label("版次（可选）").fill("4")
    page.set_input_files("#files", [{"name": "news.md", "mimeType": "text/markdown", "buffer": NEWS.encode()},
                                    {"name": "more.txt", "mimeType": "text/plain",
                                     "buffer": "本报讯 光明社区举办读书会。\n".encode()}])
    page.get_by_role("button", name="上传").click()
    done = page.wait_for_selector("#jobs li[data-status=done]", timeout=60000)
    assert "news.md" in done.text_content() and "已索引" in done.text_content()
    # Where the page was printed, given with the upload, is shown in its row.
    row = page.wait_for_selector("#docs tr:has-text('news.md')")
    assert "某市日报 2021-03-05 第4版" in row.text_content() and "default" in row.text_content()
    assert page.evaluate("document.getElementById('sent').value") == 100
    assert "done" in page.evaluate("[...window.seen]")

    # Its articles, then a question restricted to it.
    page.get_by_role("button", name="查看 news.md").click()
    page.wait_for_selector("#articles li")
    titles = page.evaluate("[...document.querySelectorAll('#articles li')].map(li => li.textContent)")
    assert len(titles) == 2 and titles[0] == "流动书车进村" and "光明社区" in titles[1]
    assert page.evaluate("document.activeElement.id") == "detail-h"
    page.get_by_label("在本文档中提问").fill("医生给老人量血压")
    page.keyboard.press("Enter")
    first = page.wait_for_selector("#results li", timeout=60000)
    assert "测量血压" in first.text_content()
    page.screenshot(path=str(ARTIFACTS / "documents-page.png"), full_page=True)

    # Phone width: nothing overflows sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "documents-page-390.png"), full_page=True)

    page.get_by_role("button", name="删除 news.md").click()
    page.wait_for_function("() => document.getElementById('status').textContent.includes('已删除 news.md')")
    assert dialogs == ["删除 news.md？"]
    assert page.get_by_role("button", name="查看 news.md").count() == 0


def _scan(headlines: list[str]) -> bytes:
    """A multi-page TIFF, one story a page: a headline in large type over lines of body text."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    font = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
    pages = []
    for k, headline in enumerate(headlines):
        page = Image.new("L", (700, 330), 255)
        draw = ImageDraw.Draw(page)
        draw.text((30, 30), headline, font=ImageFont.truetype(font, 44), fill=0)
        body = [f"本报讯 第{k + 1}支志愿服务队走进社区，", "为居民提供便民服务，受到老人欢迎。", f"活动每月举办{k + 2}次。"]
        for n, line in enumerate(body):
            draw.text((30, 130 + 50 * n), line, font=ImageFont.truetype(font, 26), fill=0)
        pages.append(page)
    out = io.BytesIO()
    pages[0].save(out, format="TIFF", save_all=True, append_images=pages[1:])
    return out.getvalue()


def test_documents_page_uploads_a_scan_and_shows_its_ocr_progress(live_server, browser):  # noqa: F811
    base = live_server(admin_key="adm")
    page = browser.new_page(viewport={"width": 1100, "height": 800})
    page.goto(f"{base}/admin/documents")
    page.fill("#key", "adm")
    page.keyboard.press("Tab")
    page.wait_for_selector("#docs tr")
    page.evaluate("""() => { window.lines = new Set();
        new MutationObserver(() => document.querySelectorAll('#jobs li').forEach(li => lines.add(li.textContent)))
            .observe(document.getElementById('jobs'), {childList: true, subtree: true, characterData: true}); }""")
    page.set_input_files("#files", [{"name": "scan.tif", "mimeType": "image/tiff",
                                     "buffer": _scan(["社区理发进楼院", "便民维修到家门", "夜校开课教手机"])}])
    page.get_by_role("button", name="上传").click()
    page.wait_for_selector("#jobs li[data-status=done]", timeout=120000)
    seen = page.evaluate("[...window.lines]")
    assert any("OCR" in line and "/ 3 页" in line for line in seen), seen  # progress, page by page
    page.get_by_role("button", name="查看 scan.tif").click()
    page.wait_for_selector("#articles li")
    titles = page.evaluate("[...document.querySelectorAll('#articles li')].map(li => li.textContent)")
    assert titles == ["社区理发进楼院", "便民维修到家门", "夜校开课教手机"], titles
    page.wait_for_function("() => [...document.querySelectorAll('#pages img')].every(i => i.naturalWidth > 0)")
    assert page.eval_on_selector_all("#pages img", "imgs => imgs.length") == 3
    page.screenshot(path=str(ARTIFACTS / "documents-page-scan.png"), full_page=True)
