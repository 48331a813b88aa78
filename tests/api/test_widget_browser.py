"""The widget end to end in a real headless Chromium (Debian's), embedded with one tag on another origin."""

import shutil
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.browser
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
KEY = "widget-key"


@pytest.fixture
def host_page(tmp_path):
    """Serve host pages from another origin; host_page(html) -> URL."""
    srv = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(tmp_path)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{srv.server_address[1]}"

    def page(name: str, tag: str) -> str:
        (tmp_path / name).write_text(
            f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>内网首页</title>"
            f"<style>* {{ color: red !important; font-size: 40px !important; }} button {{ display: none !important; }}</style>"
            f"</head><body><h1>某单位内网</h1><p>正文内容</p>{tag}</body></html>", encoding="utf-8")
        return f"{origin}/{name}"

    page.origin = origin
    yield page
    srv.shutdown()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is not installed: `make test` installs Debian's chromium (make browser)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


def _shadow(page, js: str):
    return page.evaluate(f"() => {{ const r = document.querySelector('[data-rag-zh]').shadowRoot; return {js}; }}")


def _ask_widget(browser, url: str, question: str):
    """Open the host page, ask the (open) widget a question, wait for the first citation; returns the page."""
    page = browser.new_page(viewport={"width": 1100, "height": 800})
    page.goto(url)
    page.wait_for_function("() => document.querySelector('[data-rag-zh]')")
    _shadow(page, f"(r.querySelector('textarea').value = '{question}', r.querySelector('textarea'))")
    page.evaluate("() => document.querySelector('[data-rag-zh]').shadowRoot.querySelector('textarea').focus()")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('[data-rag-zh]').shadowRoot.querySelector('.bot .cite')",
                           timeout=60000)
    return page


def test_widget_answers_with_citations(live_server, host_page, browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    api = live_server(api_key=KEY, cors_origins=host_page.origin)
    url = host_page("index.html", f'<script src="{api}/widget.js" data-api="{api}" data-title="资料问答" '
                                  f'data-open="false" data-position="right" data-key="{KEY}" defer></script>')
    page = browser.new_page(viewport={"width": 1100, "height": 800})
    page.goto(url)
    page.wait_for_function("() => document.querySelector('[data-rag-zh]')")
    # The host page's hostile CSS does not reach the widget.
    assert _shadow(page, "getComputedStyle(r.querySelector('.launcher')).display") != "none"
    assert _shadow(page, "r.querySelector('.launcher').getAttribute('aria-expanded')") == "false"

    # Open from the keyboard.
    page.keyboard.press("Tab")
    assert _shadow(page, "r.activeElement && r.activeElement.className") == "launcher"
    page.keyboard.press("Enter")
    assert _shadow(page, "r.querySelector('.launcher').getAttribute('aria-expanded')") == "true"
    assert _shadow(page, "r.querySelector('[role=dialog]').getAttribute('aria-labelledby')") == "rag-title"
    assert _shadow(page, "r.activeElement.tagName") == "TEXTAREA"

    # Shift+Enter makes a new line; Enter sends.
    page.keyboard.type("谁带着志愿者")
    page.keyboard.press("Shift+Enter")
    assert _shadow(page, "r.querySelector('textarea').value") == "谁带着志愿者\n"
    page.keyboard.press("Backspace")
    page.keyboard.type("去居民区给居民理发？")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('[data-rag-zh]').shadowRoot.querySelector('.bot .cite')",
                           timeout=60000)
    answer = _shadow(page, "r.querySelector('.bot').textContent")
    assert "汤亚兴" in answer
    assert _shadow(page, "r.querySelector('.bot .short strong').textContent") == "汤亚兴"  # the short answer leads
    assert _shadow(page, "r.querySelector('[role=log]').querySelectorAll('.msg').length") == 2

    # A citation opens its source with the supporting sentence highlighted.
    page.evaluate("() => document.querySelector('[data-rag-zh]').shadowRoot.querySelector('.bot .cite').focus()")
    page.keyboard.press("Enter")
    assert _shadow(page, "r.querySelector('.pop').hidden") is False
    source = _shadow(page, "r.querySelector('.pop .src').textContent")
    title = _shadow(page, "r.querySelector('.pop h3').textContent")
    mark = _shadow(page, "r.querySelector('.pop mark').textContent")
    assert "004_b3238fd52c02d4da.txt" in source and "徐汇" in title
    assert "汤亚兴" in mark and mark in answer
    assert _shadow(page, "r.querySelector('.pop mark.ans').textContent") == "汤亚兴"
    page.screenshot(path=str(ARTIFACTS / "widget-answer.png"))

    # Esc closes the pop-over (focus back on its citation), then the panel (focus back on the launcher).
    page.keyboard.press("Escape")
    assert _shadow(page, "r.querySelector('.pop').hidden") is True
    assert _shadow(page, "r.activeElement.className") == "cite"
    page.keyboard.press("Escape")
    assert _shadow(page, "r.querySelector('.panel').hidden") is True
    assert _shadow(page, "r.activeElement.className") == "launcher"
    assert _shadow(page, "r.querySelector('.launcher').getAttribute('aria-expanded')") == "false"

    # The conversation survives a navigation (sessionStorage); "新对话" clears it.
    page.reload()
    page.wait_for_function("() => document.querySelector('[data-rag-zh]')")
    _shadow(page, "r.querySelector('.launcher').click()")
    assert "汤亚兴" in _shadow(page, "r.querySelector('.bot').textContent")
    assert _shadow(page, "r.querySelectorAll('.bot .cite').length") >= 1
    _shadow(page, "r.querySelector('.new').click()")
    assert _shadow(page, "r.querySelectorAll('.msg').length") == 0


def test_widget_refusal_and_errors(live_server, host_page, browser):
    api = live_server(api_key=KEY, cors_origins=host_page.origin)
    page = browser.new_page()
    page.goto(host_page("ok.html", f'<script src="{api}/widget.js" data-api="{api}" data-key="{KEY}" data-open="true"></script>'))
    page.wait_for_function("() => document.querySelector('[data-rag-zh]')")
    _shadow(page, "(r.querySelector('textarea').value = '杭州亚运会的吉祥物叫什么？', r.querySelector('form').requestSubmit())")
    page.wait_for_function("() => document.querySelector('[data-rag-zh]').shadowRoot.querySelector('.bot.refused')",
                           timeout=60000)
    assert _shadow(page, "r.querySelectorAll('.bot .cite').length") == 0
    refused = _shadow(page, "r.querySelector('.bot').textContent")
    assert "未在资料中找到依据" in refused and "资料中没有关于杭州亚运会的内容" in refused
    # The closest passages are offered as related reading, and open like a source.
    assert _shadow(page, "r.querySelectorAll('.bot .related button').length") >= 1
    _shadow(page, "r.querySelector('.bot .related button').click()")
    assert _shadow(page, "r.querySelector('.pop').hidden") is False
    assert _shadow(page, "r.querySelector('.pop').getAttribute('aria-label')") == "相关资料 的来源"
    page.screenshot(path=str(ARTIFACTS / "widget-refused.png"))

    # No key: 401 -> a short Chinese message, and the input stays usable.
    page2 = browser.new_page()
    page2.goto(host_page("nokey.html", f'<script src="{api}/widget.js" data-api="{api}" data-open="true"></script>'))
    page2.wait_for_function("() => document.querySelector('[data-rag-zh]')")
    _shadow(page2, "(r.querySelector('textarea').value = '潮州', r.querySelector('form').requestSubmit())")
    page2.wait_for_function("() => document.querySelector('[data-rag-zh]').shadowRoot.querySelector('.bot.error')")
    assert "没有访问权限" in _shadow(page2, "r.querySelector('.bot.error').textContent")
    assert _shadow(page2, "r.querySelector('form button').disabled") is False

    # Server down: a connection message.
    page3 = browser.new_page()
    page3.goto(host_page("down.html", '<script src="' + api + '/widget.js" data-api="http://127.0.0.1:9" data-open="true"></script>'))
    page3.wait_for_function("() => document.querySelector('[data-rag-zh]')")
    _shadow(page3, "(r.querySelector('textarea').value = '潮州', r.querySelector('form').requestSubmit())")
    page3.wait_for_function("() => document.querySelector('[data-rag-zh]').shadowRoot.querySelector('.bot.error')")
    assert "无法连接到服务器" in _shadow(page3, "r.querySelector('.bot.error').textContent")


def test_full_page_chat_is_served(live_server, browser):
    api = live_server()
    page = browser.new_page(viewport={"width": 1000, "height": 700})
    page.goto(api + "/")
    page.wait_for_function("() => document.querySelector('[data-rag-zh]')")
    assert _shadow(page, "r.querySelector('.panel').hidden") is False
    _shadow(page, "(r.querySelector('textarea').value = '潮州建成了多少座城市文明小景观？', r.querySelector('form').requestSubmit())")
    page.wait_for_function("() => document.querySelector('[data-rag-zh]').shadowRoot.querySelector('.bot .cite')",
                           timeout=60000)
    assert "18座" in _shadow(page, "r.querySelector('.bot').textContent")
    page.screenshot(path=str(ARTIFACTS / "full-page.png"))


def _scanned_page() -> "Source":
    """A one-page scan made with Pillow, its two lines' boxes known (no OCR needed to test the viewer)."""
    import hashlib
    import io

    from PIL import Image, ImageDraw, ImageFont

    from rag.ingest.loading import Line, Page, Source

    lines = ["本报讯 某市图书馆推出流动书车志愿服务，", "每周为偏远村庄送书两次，受到村民欢迎。"]
    font = ImageFont.truetype("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 24)
    image = Image.new("L", (900, 600), 255)
    draw = ImageDraw.Draw(image)
    text, found, pos = "\n".join(lines), [], 0
    for i, line in enumerate(lines):
        draw.text((300, 300 + 40 * i), line, font=font, fill=0)
        found.append(Line(pos, pos + len(line), tuple(float(v) for v in draw.textbbox((300, 300 + 40 * i), line, font=font))))
        pos += len(line) + 1
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return Source(doc_id="scan.png", text=text, sha256=hashlib.sha256(buf.getvalue()).hexdigest(), path="scan.png",
                  kind="image", pages=(Page(1, buf.getvalue(), tuple(found)),))


def test_widget_shows_the_cited_lines_on_the_page_image(index_copy, embedder, live_server, host_page, browser):
    from rag.indexing.index import Index

    Index(index_copy, embedder).add([_scanned_page()])
    api = live_server(api_key=KEY, cors_origins=host_page.origin)
    url = host_page("scan.html", f'<script src="{api}/widget.js" data-api="{api}" data-key="{KEY}" '
                                 f'data-open="true" defer></script>')
    page = _ask_widget(browser, url, "流动书车每周送书几次？")
    n = _shadow(page, "[...r.querySelectorAll('.bot .cite')].findIndex(b => b.getAttribute('aria-label').includes('流动书车'))")
    assert n >= 0, _shadow(page, "r.querySelector('.bot').textContent")
    _shadow(page, f"r.querySelectorAll('.bot .cite')[{n}].click()")
    assert "第 1 页" in _shadow(page, "r.querySelector('.pop .src').textContent")
    page.wait_for_function("() => { const i = document.querySelector('[data-rag-zh]').shadowRoot"
                           ".querySelector('.pop .crop img'); return i && i.complete && i.naturalWidth > 0; }",
                           timeout=10000)
    assert _shadow(page, "r.querySelector('.pop .crop img').naturalWidth") == 900
    boxes = _shadow(page, "[...r.querySelectorAll('.pop .crop .hl')].map(h => h.getBoundingClientRect().height)")
    assert len(boxes) == 2 and all(h > 10 for h in boxes)
    # The crop holds the cited lines, not the whole page: about their width, far less than the page's height.
    crop = _shadow(page, "(b => [b.width, b.height])(r.querySelector('.pop .crop').getBoundingClientRect())")
    assert 200 < crop[0] <= 342 and crop[1] < 120
    page.screenshot(path=str(ARTIFACTS / "widget-page-crop.png"))


def test_widget_answers_from_its_collection_and_shows_where_it_was_printed(index_copy, embedder, live_server,
                                                                          host_page, browser):
    import hashlib

    from rag.indexing.index import Index
    from rag.ingest.loading import Source
    from rag.types import DocumentMeta

    text = "本报讯 某县图书馆开设“流动书车”阅读点，每月为山区学校送书一次，今年已送书五百册。\n"
    index = Index(index_copy, embedder)
    index.create_collection("clips")
    index.add([Source("clip.txt", text, hashlib.sha256(text.encode()).hexdigest(), "clip.txt", collection="clips",
                      meta=DocumentMeta(paper="某县报", date="2022-01-09", page=2))])
    api = live_server(api_key=KEY, cors_origins=host_page.origin)
    url = host_page("clips.html", f'<script src="{api}/widget.js" data-api="{api}" data-key="{KEY}" '
                                  f'data-collection="clips" data-open="true" defer></script>')
    page = _ask_widget(browser, url, "流动书车今年已送书多少册？")
    assert "五百册" in _shadow(page, "r.querySelector('.bot').textContent")
    _shadow(page, "r.querySelector('.bot .cite').click()")
    source = _shadow(page, "r.querySelector('.pop .src').textContent")
    assert "clip.txt" in source and "某县报 2022-01-09 第2版" in source
    page.screenshot(path=str(ARTIFACTS / "widget-collection.png"))
