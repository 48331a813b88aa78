"use strict";
// The documents page: every API call carries the admin key typed above, kept in sessionStorage only.
const $ = (id) => document.getElementById(id);
const keyBox = $("key");
keyBox.value = sessionStorage.getItem("rag-admin-key") || "";
keyBox.addEventListener("change", () => { sessionStorage.setItem("rag-admin-key", keyBox.value); refresh(); });

function headers() {
  return keyBox.value ? { Authorization: "Bearer " + keyBox.value } : {};
}

function say(text) { $("status").textContent = text; }

async function api(path, options = {}) {
  const r = await fetch(path, { ...options, headers: { ...headers(), ...(options.headers || {}) } });
  const body = r.headers.get("content-type")?.includes("json") ? await r.json() : null;
  if (!r.ok) throw new Error((body && body.detail) || r.status + " " + r.statusText);
  return body;
}

function el(tag, text, attrs = {}) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

const STATUS = { queued: "排队中", reading: "读取中", ocr: "OCR", indexing: "建索引", done: "已索引", failed: "失败" };

function jobLine(job) {
  let text = `${job.files.join("、")}：${STATUS[job.status]}`;
  if (job.status === "ocr") text += ` 第 ${job.page} / ${job.pages} 页（${job.file}）`;
  if (job.status === "failed") text += `：${job.error}`;
  if (job.status === "done") text += `（${job.documents.map((d) => d.doc_id + " " + d.articles + " 篇").join("，")}）`;
  return el("li", text, { "data-status": job.status, class: job.status === "failed" ? "failed" : "" });
}

let polling = null;
async function refreshJobs() {
  const jobs = await api("/jobs");
  $("jobs").replaceChildren(...jobs.map(jobLine));
  const busy = jobs.some((j) => !["done", "failed"].includes(j.status));
  if (busy && !polling) polling = setInterval(() => refreshJobs().catch((e) => say(e.message)), 700);
  if (!busy && polling) { clearInterval(polling); polling = null; refreshDocs(); }
}

// Where each document was printed: paper, date and page (版次), as far as they are known.
function printed(meta) {
  return [meta.paper, meta.date, meta.page ? `第${meta.page}版` : null, meta.page_name].filter(Boolean).join(" ");
}

const collectionOf = {};
async function refreshDocs() {
  // Every collection the key may read: the upload picks one, the list shows them all, each row naming its own.
  const names = (await api("/collections")).map((c) => c.name);
  const box = $("collection");
  const chosen = box.value;
  box.replaceChildren(...names.map((n) => el("option", n, { value: n })));
  if (names.includes(chosen)) box.value = chosen;
  const docs = await api("/documents?" + names.map((n) => "collection=" + encodeURIComponent(n)).join("&"));
  $("docs").replaceChildren(...docs.map((d) => {
    collectionOf[d.doc_id] = d.collection;
    const tr = el("tr");
    // data-label: at phone width the table becomes one card per document, each cell naming its column.
    tr.append(el("td", d.doc_id, { "data-label": "文档" }), el("td", d.collection, { "data-label": "合集" }),
      el("td", printed(d.meta), { "data-label": "版面" }),
      el("td", d.format + (d.encoding ? ` (${d.encoding})` : ""), { "data-label": "格式" }),
      el("td", String(d.articles), { "data-label": "文章" }), el("td", String(d.pages), { "data-label": "页" }));
    const td = el("td", undefined, { "data-label": "操作" });
    const open = el("button", "查看", { type: "button", "aria-label": "查看 " + d.doc_id });
    open.addEventListener("click", () => show(d.doc_id));
    const del = el("button", "删除", { type: "button", "aria-label": "删除 " + d.doc_id });
    del.addEventListener("click", () => remove(d.doc_id));
    td.append(open, del);
    tr.append(td);
    return tr;
  }));
}

async function refresh() {
  try { await Promise.all([refreshDocs(), refreshJobs()]); say(""); } catch (e) { say(e.message); }
}

let current = null;
async function show(docId) {
  const d = await api("/documents/" + encodeURIComponent(docId));
  current = docId;
  $("detail").hidden = false;
  $("detail-h").textContent = docId;
  $("articles").replaceChildren(...d.articles.map((a) => el("li", a.title)));
  const pages = [];
  for (let n = 1; n <= d.document.pages; n++) {
    const img = el("img", undefined, { class: "page", alt: `${docId} 第 ${n} 页`, loading: "lazy" });
    api_image(`/documents/${encodeURIComponent(docId)}/pages/${n}`, img);
    pages.push(img);
  }
  $("pages").replaceChildren(...pages);
  $("results").replaceChildren();
  $("detail-h").focus();
}

async function api_image(path, img) {
  // An <img src> cannot send the key: fetch the PNG and show it from a blob URL.
  const r = await fetch(path, { headers: headers() });
  if (r.ok) img.src = URL.createObjectURL(await r.blob());
}

async function remove(docId) {
  if (!confirm(`删除 ${docId}？`)) return;
  try {
    await api("/documents/" + encodeURIComponent(docId), { method: "DELETE" });
    if (current === docId) $("detail").hidden = true;
    // The list is redrawn before the status says so: whoever reads the status sees the row gone.
    await refreshDocs();
    say(`已删除 ${docId}`);
  } catch (e) { say(e.message); }
}

$("try").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const query = $("question").value.trim();
  if (!query) return;
  try {
    const r = await api("/search", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ query, top_k: 5, doc_ids: [current], collection: collectionOf[current] }) });
    $("results").replaceChildren(...r.results.map((h) =>
      el("li", `${h.title}${h.page ? `（第 ${h.page} 页）` : ""}：${h.text}`)));
    if (!r.results.length) say("没有找到");
  } catch (e) { say(e.message); }
});

$("upload").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const files = [...$("files").files, ...$("folder").files];
  if (!files.length) { say("请选择文件"); return; }
  const form = new FormData();
  for (const f of files) form.append("files", f, f.name);
  form.append("collection", $("collection").value);
  for (const field of ["paper", "date", "page"]) if ($(field).value) form.append(field, $(field).value);
  // XMLHttpRequest, not fetch: only it reports upload progress.
  const xhr = new XMLHttpRequest();
  const bar = $("sent");
  bar.hidden = false; bar.value = 0;
  xhr.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total); };
  xhr.onload = () => {
    bar.value = 100;
    let body = {};
    try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
    if (xhr.status >= 400) { say(`上传失败：${body.detail || xhr.status}`); return; }
    say(xhr.status === 202 ? "已排队，正在处理" : `已索引 ${body.documents.length} 个文件`);
    $("upload").reset();
    refresh();
  };
  xhr.onerror = () => say("上传失败：网络错误");
  xhr.open("POST", "/documents?async=true");
  for (const [k, v] of Object.entries(headers())) xhr.setRequestHeader(k, v);
  xhr.send(form);
});

refresh();
