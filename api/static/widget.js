/*
 * rag-zh chat widget. Embed with one tag:
 *   <script src="http://HOST/widget.js" data-api="http://HOST" data-title="资料问答"
 *           data-open="false" data-position="right" data-key="…" defer></script>
 * Everything lives in a shadow root: the host page's CSS cannot reach in, ours cannot leak out.
 * Answers stream from /v1/chat/completions; every [n] becomes a button that opens its source.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__ragZhWidget) return;
  window.__ragZhWidget = true;

  var cfg = {
    api: (script.getAttribute("data-api") || new URL(script.src, location.href).origin).replace(/\/+$/, ""),
    title: script.getAttribute("data-title") || "资料问答",
    open: script.getAttribute("data-open") === "true",
    position: script.getAttribute("data-position") === "left" ? "left" : "right",
    key: script.getAttribute("data-key") || "",
    mode: script.getAttribute("data-mode") === "page" ? "page" : "float",
    collection: script.getAttribute("data-collection") || "",  // answer from this collection only
  };
  var storeKey = "rag-zh-widget:" + cfg.api + (cfg.collection ? ":" + cfg.collection : "");

  var css = [
    ":host{all:initial}",
    "*{box-sizing:border-box;font-family:system-ui,'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif}",
    ".launcher{position:fixed;bottom:20px;" + cfg.position + ":20px;width:56px;height:56px;border-radius:50%;border:0;",
    "background:#1f5fbf;color:#fff;font-size:22px;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);z-index:2147483000}",
    ".launcher:focus-visible,button:focus-visible,textarea:focus-visible{outline:3px solid #ffb000;outline-offset:2px}",
    ".panel{position:fixed;bottom:88px;" + cfg.position + ":20px;width:380px;max-width:calc(100vw - 40px);height:560px;",
    "max-height:calc(100vh - 110px);display:flex;flex-direction:column;background:#fff;color:#1a1a1a;border-radius:12px;",
    "box-shadow:0 10px 40px rgba(0,0,0,.3);z-index:2147483001;overflow:hidden;font-size:14px;line-height:1.6}",
    ".panel[hidden]{display:none}",
    ".page .panel{position:static;width:100%;max-width:860px;height:calc(100vh - 40px);max-height:none;margin:20px auto}",
    ".page .launcher{display:none}",
    "header{display:flex;align-items:center;gap:8px;padding:10px 12px;background:#1f5fbf;color:#fff}",
    "header h2{flex:1;margin:0;font-size:16px;font-weight:600}",
    "header button{background:transparent;border:1px solid rgba(255,255,255,.6);color:#fff;border-radius:6px;padding:2px 8px;cursor:pointer;font-size:13px}",
    ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:10px;background:#f6f7f9}",
    ".msg{max-width:92%;padding:8px 11px;border-radius:10px;white-space:pre-wrap;word-break:break-word}",
    ".user{align-self:flex-end;background:#1f5fbf;color:#fff}",
    ".bot{align-self:flex-start;background:#fff;border:1px solid #dde1e6}",
    ".bot.refused{background:#fff8e6;border-color:#f0c36d}",
    ".bot.error{background:#fdecec;border-color:#e8a1a1;color:#8a1c1c}",
    ".tag{display:block;font-size:12px;color:#8a5a00;margin-bottom:2px}",
    ".cite{display:inline-block;min-width:22px;margin:0 1px;padding:0 4px;border:1px solid #1f5fbf;border-radius:4px;",
    "background:#eef3fc;color:#1f5fbf;font-size:12px;line-height:18px;cursor:pointer;vertical-align:baseline}",
    ".empty{color:#667;text-align:center;margin-top:30px}",
    "form{display:flex;gap:8px;padding:10px;border-top:1px solid #dde1e6;background:#fff}",
    "textarea{flex:1;resize:none;height:44px;padding:8px;border:1px solid #b8c0cc;border-radius:8px;font-size:14px}",
    "form button{border:0;border-radius:8px;background:#1f5fbf;color:#fff;padding:0 14px;cursor:pointer;font-size:14px}",
    "form button:disabled{background:#9db4d9;cursor:wait}",
    ".pop{position:absolute;left:12px;right:12px;bottom:70px;max-height:60%;overflow:auto;background:#fff;border:1px solid #b8c0cc;",
    "border-radius:10px;box-shadow:0 8px 24px rgba(0,0,0,.25);padding:10px 12px;z-index:5}",
    ".pop[hidden]{display:none}",
    ".pop h3{margin:0 0 4px;font-size:15px}",
    ".pop .src{font-size:12px;color:#556;margin-bottom:6px}",
    ".pop .passage{white-space:pre-wrap;font-size:13px}",
    ".pop mark{background:#ffe58a;color:inherit;padding:0 1px}",
    ".pop .close{float:right;border:1px solid #b8c0cc;background:#fff;border-radius:6px;cursor:pointer}",
    ".pop mark.ans{background:#ffb000;font-weight:700}",
    ".pop .crop{position:relative;overflow:hidden;margin:0 0 8px;border:1px solid #b8c0cc;background:#fff}",
    ".pop .crop img{position:absolute;max-width:none}",
    ".pop .crop .hl{position:absolute;background:rgba(255,200,0,.35);outline:2px solid #e0a000}",
    ".short{display:block;margin-bottom:4px;font-size:16px}",
    ".short strong{color:#0f3f8a}",
    ".related{display:block;margin-top:6px;font-size:12px;color:#556}",
    ".related button{display:block;margin:3px 0;padding:2px 6px;border:1px dashed #b8c0cc;border-radius:4px;background:#fff;",
    "color:#334;font-size:12px;text-align:left;cursor:pointer;white-space:normal}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}",
  ].join("");

  var host = document.createElement("div");
  host.setAttribute("data-rag-zh", "");
  var root = host.attachShadow({ mode: "open" });
  root.innerHTML =
    "<style>" + css + "</style>" +
    '<div class="wrap ' + cfg.mode + '">' +
    '<button class="launcher" type="button" aria-expanded="false" aria-controls="rag-panel" aria-label="打开问答助手">问</button>' +
    '<div class="panel" id="rag-panel" role="dialog" aria-labelledby="rag-title" hidden>' +
    '<header><h2 id="rag-title"></h2><button type="button" class="new">新对话</button>' +
    '<button type="button" class="close-panel" aria-label="关闭问答助手">✕</button></header>' +
    '<div class="log" role="log" aria-live="polite" aria-label="对话记录"></div>' +
    '<div class="pop" role="dialog" aria-modal="false" hidden></div>' +
    '<form><label class="sr" for="rag-input">输入问题</label>' +
    '<textarea id="rag-input" placeholder="输入问题，回车发送，Shift+回车换行"></textarea>' +
    '<button type="submit">发送</button></form></div></div>';
  (document.body || document.documentElement).appendChild(host);

  var $ = function (sel) { return root.querySelector(sel); };
  var launcher = $(".launcher"), panel = $(".panel"), log = $(".log"), pop = $(".pop");
  var input = $("textarea"), form = $("form"), sendBtn = $("form button");
  $("#rag-title").textContent = cfg.title;

  var state = load();
  var busy = false;

  function load() {
    try {
      var s = JSON.parse(sessionStorage.getItem(storeKey) || "null");
      if (s && Array.isArray(s.messages)) return s;
    } catch (e) { /* storage unavailable or corrupt: start afresh */ }
    return { messages: [], open: cfg.open };
  }
  function save() {
    try { sessionStorage.setItem(storeKey, JSON.stringify(state)); } catch (e) { /* private mode */ }
  }

  function setOpen(open, focusLauncher) {
    state.open = open;
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    launcher.setAttribute("aria-label", open ? "关闭问答助手" : "打开问答助手");
    save();
    if (open) input.focus();
    else { closePop(); if (focusLauncher) launcher.focus(); }
  }

  function bubble(cls) {
    var div = document.createElement("div");
    div.className = "msg " + cls;
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
    return div;
  }

  // Answers are rendered as text nodes only: passages never become HTML.
  function renderAnswer(div, msg) {
    div.textContent = "";
    div.className = "msg bot" + (msg.refused ? " refused" : "") + (msg.error ? " error" : "");
    if (msg.refused) {
      var tag = document.createElement("span");
      tag.className = "tag";
      tag.textContent = "未在资料中找到依据";
      div.appendChild(tag);
    }
    var cites = {};
    (msg.citations || []).forEach(function (c) { cites[c.n] = c; });
    var text = msg.text || "";
    var short = msg.short_answer;
    if (short && text.indexOf(short.text + "。") === 0) {
      // The short answer leads: shown on its own line, the supporting sentences follow.
      var line = document.createElement("span");
      line.className = "short";
      line.appendChild(document.createTextNode("答："));
      var strong = document.createElement("strong");
      strong.textContent = short.text;
      line.appendChild(strong);
      div.appendChild(line);
      text = text.slice(short.text.length + 1);
    }
    var parts = text.split(/(\[\d+\])/);
    parts.forEach(function (part) {
      var m = /^\[(\d+)\]$/.exec(part);
      if (m && cites[m[1]]) {
        var b = document.createElement("button");
        b.type = "button";
        b.className = "cite";
        b.textContent = m[1];
        b.setAttribute("aria-label", "引用 " + m[1] + "：" + cites[m[1]].title);
        b.setAttribute("aria-haspopup", "dialog");
        b.addEventListener("click", function () { openPop(cites[m[1]], b, short); });
        div.appendChild(b);
      } else if (part) {
        div.appendChild(document.createTextNode(part));
      }
    });
    if (msg.refused && msg.related && msg.related.length) {
      // The closest passages, offered as related reading: they are not sources of an answer.
      var rel = document.createElement("span");
      rel.className = "related";
      rel.appendChild(document.createTextNode("相关资料（不是答案的出处）："));
      msg.related.forEach(function (c) {
        var b = document.createElement("button");
        b.type = "button";
        b.textContent = c.title;
        b.addEventListener("click", function () { openPop(c, b, null, "相关资料"); });
        rel.appendChild(b);
      });
      div.appendChild(rel);
    }
  }

  var popOwner = null;
  function openPop(c, owner, short, label) {
    pop.textContent = "";
    var close = document.createElement("button");
    close.type = "button"; close.className = "close"; close.textContent = "关闭";
    close.addEventListener("click", function () { closePop(true); });
    var h = document.createElement("h3"); h.textContent = c.title;
    var src = document.createElement("div"); src.className = "src";
    src.textContent = "来源：" + c.doc_id + "（第 " + c.start + "–" + c.end + " 字）";
    var p = document.createElement("div"); p.className = "passage";
    var crop = c.page && c.boxes && c.boxes.length ? pageCrop(c) : null;
    if (crop) src.textContent = "来源：" + c.doc_id + "（第 " + c.page + " 页）";
    // Where the newspaper printed it, as far as known: paper, date, page (版次).
    var m = c.meta || {};
    var printed = [m.paper, m.date, m.page ? "第" + m.page + "版" : "", m.page_name].filter(Boolean).join(" ");
    if (printed) src.textContent += " · " + printed;
    var a = c.highlight ? c.highlight[0] : 0, z = c.highlight ? c.highlight[1] : 0;
    p.appendChild(document.createTextNode(c.text.slice(0, a)));
    var mark = document.createElement("mark");
    if (short && short.n === c.n && short.start >= a && short.end <= z) {
      // The short answer stands out inside its highlighted sentence.
      mark.appendChild(document.createTextNode(c.text.slice(a, short.start)));
      var ans = document.createElement("mark");
      ans.className = "ans";
      ans.textContent = c.text.slice(short.start, short.end);
      mark.appendChild(ans);
      mark.appendChild(document.createTextNode(c.text.slice(short.end, z)));
    } else {
      mark.textContent = c.text.slice(a, z);
    }
    p.appendChild(mark);
    p.appendChild(document.createTextNode(c.text.slice(z)));
    pop.setAttribute("aria-label", (label || "引用 " + c.n) + " 的来源");
    pop.append(close, h, src);
    if (crop) pop.append(crop);
    pop.append(p);
    pop.hidden = false;
    popOwner = owner;
    close.focus();
    mark.scrollIntoView({ block: "nearest" });
  }
  // The cited lines on their page: the page image (fetched with the key, so no <img src> to the API), cropped
  // to the lines' boxes with a margin, the boxes drawn over it.
  function pageCrop(c) {
    var x0 = Infinity, y0 = Infinity, x1 = 0, y1 = 0, pad = 12;
    c.boxes.forEach(function (b) {
      x0 = Math.min(x0, b[0]); y0 = Math.min(y0, b[1]); x1 = Math.max(x1, b[2]); y1 = Math.max(y1, b[3]);
    });
    x0 = Math.max(0, x0 - pad); y0 = Math.max(0, y0 - pad); x1 += pad; y1 += pad;
    var s = Math.min(1, 340 / (x1 - x0));
    var fig = document.createElement("figure"); fig.className = "crop";
    fig.style.width = (x1 - x0) * s + "px"; fig.style.height = (y1 - y0) * s + "px";
    var img = document.createElement("img");
    img.alt = "第 " + c.page + " 页的原版图像";
    img.style.left = -x0 * s + "px"; img.style.top = -y0 * s + "px";
    img.addEventListener("load", function () { img.style.width = img.naturalWidth * s + "px"; });
    fig.appendChild(img);
    c.boxes.forEach(function (b) {
      var hl = document.createElement("div"); hl.className = "hl";
      hl.style.left = (b[0] - x0) * s + "px"; hl.style.top = (b[1] - y0) * s + "px";
      hl.style.width = (b[2] - b[0]) * s + "px"; hl.style.height = (b[3] - b[1]) * s + "px";
      fig.appendChild(hl);
    });
    var headers = {};
    if (cfg.key) headers.Authorization = "Bearer " + cfg.key;
    fetch(cfg.api + "/documents/" + encodeURIComponent(c.doc_id) + "/pages/" + c.page, { headers: headers })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.blob(); })
      .then(function (blob) { img.src = URL.createObjectURL(blob); })
      .catch(function () { fig.remove(); });  // no page image: the passage text alone still shows the citation
    return fig;
  }
  function closePop(refocus) {
    if (pop.hidden) return;
    pop.hidden = true;
    if (refocus && popOwner) popOwner.focus();
    popOwner = null;
  }

  function redraw() {
    log.textContent = "";
    if (!state.messages.length) {
      var e = document.createElement("p");
      e.className = "empty";
      e.textContent = "请输入问题，回答会注明出处。";
      log.appendChild(e);
    }
    state.messages.forEach(function (m) {
      if (m.role === "user") bubble("user").textContent = m.text;
      else renderAnswer(bubble("bot"), m);
    });
  }

  function errorText(status) {
    if (status === 429) return "请求太频繁，请稍后再试。";
    if (status === 401 || status === 403) return "没有访问权限，请联系管理员。";
    if (status === 503) return "服务暂不可用（索引未就绪），请稍后再试。";
    if (status) return "出错了（状态码 " + status + "），请稍后再试。";
    return "无法连接到服务器，请检查网络后再试。";
  }

  function ask(question) {
    if (busy) return;
    busy = true;
    sendBtn.disabled = true;
    var empty = log.querySelector(".empty");
    if (empty) empty.remove();
    state.messages.push({ role: "user", text: question });
    save();
    bubble("user").textContent = question;
    var div = bubble("bot");
    div.textContent = "…";
    var msg = { role: "assistant", text: "", citations: [], refused: false, short_answer: null, related: [] };
    var headers = { "Content-Type": "application/json" };
    if (cfg.key) headers.Authorization = "Bearer " + cfg.key;
    fetch(cfg.api + "/v1/chat/completions", {
      method: "POST", headers: headers,
      body: JSON.stringify({ model: cfg.collection ? "rag-zh/" + cfg.collection : "rag-zh", stream: true,
                             messages: [{ role: "user", content: question }] }),
    }).then(function (res) {
      if (!res.ok || !res.body) throw { status: res.status };
      var reader = res.body.getReader(), decoder = new TextDecoder(), buf = "";
      function pump() {
        return reader.read().then(function (r) {
          if (r.done) return;
          buf += decoder.decode(r.value, { stream: true });
          var events = buf.split("\n\n");
          buf = events.pop();
          events.forEach(function (ev) {
            var line = ev.split("\n").filter(function (l) { return l.indexOf("data: ") === 0; })[0];
            if (!line) return;
            var data = line.slice(6);
            if (data === "[DONE]") return;
            var obj = JSON.parse(data);
            var delta = obj.choices && obj.choices[0] && obj.choices[0].delta;
            if (delta && delta.content) { msg.text += delta.content; div.textContent = msg.text; }
            if (obj.citations) msg.citations = obj.citations;
            if (obj.refused !== undefined) msg.refused = obj.refused;
            if (obj.short_answer !== undefined) msg.short_answer = obj.short_answer;
            if (obj.related) msg.related = obj.related;
            log.scrollTop = log.scrollHeight;
          });
          return pump();
        });
      }
      return pump();
    }).then(function () {
      renderAnswer(div, msg);
      state.messages.push(msg);
    }, function (err) {
      var m = { role: "assistant", text: errorText(err && err.status), error: true, citations: [] };
      renderAnswer(div, m);
    }).then(function () {
      save();
      busy = false;
      sendBtn.disabled = false;
      log.scrollTop = log.scrollHeight;
      input.focus();
    });
  }

  launcher.addEventListener("click", function () { setOpen(panel.hidden, false); });
  $(".close-panel").addEventListener("click", function () { setOpen(false, true); });
  $(".new").addEventListener("click", function () {
    state.messages = [];
    save();
    closePop(false);
    redraw();
    input.focus();
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var q = input.value.trim();
    if (!q) return;
    input.value = "";
    ask(q);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  root.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    e.stopPropagation();
    if (!pop.hidden) closePop(true);
    else if (cfg.mode !== "page") setOpen(false, true);
  });

  redraw();
  if (cfg.mode === "page") state.open = true;
  setOpen(!!state.open, false);
})();
