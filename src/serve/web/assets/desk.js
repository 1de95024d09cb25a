// The dispatcher's desk: plain JavaScript over the service's JSON API, no libraries, nothing from the network.
// Every view is drawn from API answers; what a role may see and do is decided by the service, the page only
// hides what would be refused anyway.
"use strict";

const desk = {
  token: sessionStorage.getItem("desk-token") || "",
  me: null,
  catalog: null,
  view: null,
};

// ---- helpers ----------------------------------------------------------------------------------------------

/** Builds an element: h("button", {class: "primary", onclick: f}, "text", child…). */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "html") el.innerHTML = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces an element's children, skipping null, undefined and false as h() does. */
function put(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

/** The text with every occurrence of the reason terms marked; terms are quoted as written (Traditional too). */
function highlighted(text, reasons) {
  const terms = [...new Set((reasons || []).map((r) => r.term).filter((t) => t && t.trim()))];
  const span = h("span", { class: "marked" });
  if (!terms.length) {
    span.textContent = text;
    return span;
  }
  terms.sort((a, b) => b.length - a.length);
  const pattern = new RegExp(terms.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g");
  let html = "";
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    html += escapeHtml(text.slice(last, match.index)) + "<mark>" + escapeHtml(match[0]) + "</mark>";
    last = match.index + match[0].length;
  }
  span.innerHTML = html + escapeHtml(text.slice(last));
  return span;
}

function percent(p) {
  return p === null || p === undefined || p === "" ? "—" : (100 * p).toFixed(1) + "%";
}

function day(iso) {
  return iso ? iso.slice(0, 10) : "—";
}

/** A date `days` from today as YYYY-MM-DD in local time, for a date picker. */
function daysFromToday(days) {
  const d = new Date();
  d.setDate(d.getDate() + days);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function toast(message, bad) {
  const el = document.getElementById("toast");
  el.textContent = message;
  el.className = "toast show" + (bad ? " bad" : "");
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (el.className = "toast"), bad ? 6000 : 3000);
}

async function api(method, path, body, raw) {
  const headers = {};
  if (desk.token) headers["Authorization"] = "Bearer " + desk.token;
  const options = { method, headers };
  if (body !== undefined && !raw) {
    headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  } else if (raw) {
    options.body = body;
  }
  const response = await fetch(path, options);
  if (response.status === 401 && desk.me) {
    logout();
    throw new Error("登录已失效，请重新登录");
  }
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) {
    const message = typeof data === "object" ? data.message || data.error || JSON.stringify(data) : data;
    const error = new Error(message);
    error.status = response.status;
    error.data = data;
    throw error;
  }
  return data;
}

function category(label) {
  return (desk.catalog && desk.catalog.byLabel[label]) || { label, name: label || "（无）", department: "", department_id: "" };
}

function departmentName(id) {
  if (!id) return "—";
  return (desk.catalog && desk.catalog.departmentNames[id]) || id;
}

function table(headers, rows) {
  return h("table", {},
    h("thead", {}, h("tr", {}, headers.map((c) => (typeof c === "string" ? h("th", { scope: "col" }, c) : c)))),
    h("tbody", {}, rows));
}

// ---- login and navigation ---------------------------------------------------------------------------------

const VIEWS = [
  { id: "intake", name: "分诊", roles: ["admin", "dispatcher"], draw: drawIntake },
  { id: "review", name: "待复核", roles: ["admin", "dispatcher"], draw: drawReview },
  { id: "board", name: "督办", roles: ["admin", "dispatcher", "reader"], draw: drawBoard },
  { id: "department", name: "部门", roles: ["admin", "dispatcher", "department"], draw: drawDepartment },
  { id: "model", name: "模型", roles: ["admin"], draw: drawModel },
];

function roleKind(role) {
  return role.startsWith("department:") ? "department" : role;
}

function allowedViews() {
  if (!desk.me) return [];
  const kind = roleKind(desk.me.role);
  return VIEWS.filter((v) => v.roles.includes(kind));
}

async function start() {
  try {
    desk.me = await api("GET", "/api/v1/desk/me");
  } catch (error) {
    desk.me = null;
    if (error.status === 401) return drawLogin(desk.token ? "令牌无效，请检查后重试" : "");
    return drawLogin("无法连接服务：" + error.message);
  }
  const catalog = await api("GET", "/api/v1/desk/catalog");
  catalog.byLabel = Object.fromEntries(catalog.categories.map((c) => [c.label, c]));
  catalog.departmentNames = Object.fromEntries(catalog.departments.map((d) => [d.id, d.name]));
  desk.catalog = catalog;
  drawChrome();
  route();
}

function drawLogin(message) {
  put(document.getElementById("nav"));
  put(document.getElementById("who"));
  const input = h("input", { id: "login-token", type: "password", autocomplete: "off", required: true, size: 40 });
  const form = h("form", { class: "panel login", id: "login-form", onsubmit: async (e) => {
    e.preventDefault();
    desk.token = input.value.trim();
    sessionStorage.setItem("desk-token", desk.token);
    await start();
  } },
  h("h2", {}, "登录"),
  h("p", { class: "muted" }, "请输入管理员发给您的访问令牌。令牌只保存在本浏览器窗口中，关闭窗口即退出。"),
  h("div", { class: "field" }, h("label", { for: "login-token" }, "访问令牌"), input),
  message ? h("p", { class: "err", role: "alert" }, message) : null,
  h("button", { class: "primary", type: "submit" }, "登录"));
  put(document.getElementById("main"), form);
  input.focus();
}

function logout() {
  desk.token = "";
  desk.me = null;
  sessionStorage.removeItem("desk-token");
  drawLogin("");
}

function drawChrome() {
  const nav = document.getElementById("nav");
  put(nav, ...allowedViews().map((v) => h("a", { href: "#" + v.id, id: "nav-" + v.id }, v.name)));
  const roleNames = { admin: "管理员", dispatcher: "分诊员", reader: "只读" };
  const kind = roleKind(desk.me.role);
  const shown = kind === "department" ? "承办部门：" + departmentName(desk.me.department_id) : roleNames[kind] || kind;
  const who = document.getElementById("who");
  put(who, h("span", { id: "who-name" }, desk.me.name + "（" + shown + "）"));
  if (desk.token) who.append(h("button", { type: "button", id: "logout", onclick: logout }, "退出"));
  const report = document.getElementById("report-link");
  report.hidden = !["admin", "dispatcher"].includes(kind);
  report.onclick = openReport;
}

/** The report over all cases (/report) in a new tab; fetched with the token, which a plain link would not send. */
async function openReport(event) {
  if (!desk.token) return;
  event.preventDefault();
  const tab = window.open("", "_blank");
  try {
    const response = await fetch("/report", { headers: { Authorization: "Bearer " + desk.token } });
    if (!response.ok) throw new Error(await response.text());
    const url = URL.createObjectURL(await response.blob());
    if (tab) tab.location = url;
    else location.href = url;
  } catch (error) {
    if (tab) tab.close();
    toast("报告生成失败：" + error.message, true);
  }
}

function route() {
  const views = allowedViews();
  if (!views.length) {
    put(document.getElementById("main"), h("p", {}, "此令牌没有可用的视图。"));
    return;
  }
  const wanted = location.hash.slice(1);
  const view = views.find((v) => v.id === wanted) || views[0];
  desk.view = view.id;
  document.title = view.name + " · 企业诉求分诊台";
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.getAttribute("href") === "#" + view.id) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const main = document.getElementById("main");
  put(main, h("p", { class: "muted" }, "正在加载……"));
  view.draw(main).catch((error) => {
    put(main, h("p", { class: "err", role: "alert" }, "出错了：" + error.message));
  });
}

window.addEventListener("hashchange", () => desk.me && route());

// ---- 分诊 (intake) -----------------------------------------------------------------------------------------

function decisionRow(d) {
  const cat = category(d.label);
  return h("tr", { "data-id": d.id },
    h("td", {}, d.id),
    h("td", { class: "text" }, highlighted(d.text || "", d.reasons)),
    h("td", {}, d.category_name || cat.name),
    h("td", {}, d.department || departmentName(d.department_id)),
    h("td", { class: "num" }, d.label ? percent(d.confidence) : "—"),
    h("td", {}, d.review ? h("span", { class: "tag review", title: d.review_reason || "" }, "需复核") : h("span", { class: "tag auto" }, "自动分派"),
      d.review && d.review_reason ? h("div", { class: "small muted" }, reviewReasonName(d.review_reason)) : null));
}

const DECISION_HEADERS = ["编号", "诉求内容（标黄为判断依据）", "类别", "承办部门", "置信度", "复核"];

// The promotion rule's reasons, in Chinese when the comparison has them (older records have English only).
function refusalText(c) {
  const reasons = c.refusals_zh && c.refusals_zh.length ? c.refusals_zh : c.refusals;
  return reasons.join("；");
}

function reviewReasonName(reason) {
  const names = {
    "confidence below": "把握不足",
    "empty text": "内容为空",
    "no word the model knows": "没有可识别的词",
    "unlike any complaint": "与以往诉求都不相似",
    "not a complaint": "疑似非诉求",
    "unreadable row": "该行无法读取",
  };
  for (const [key, name] of Object.entries(names)) if (reason.startsWith(key)) return name;
  return reason;
}

async function drawIntake(main) {
  const text = h("textarea", { id: "one-text", rows: 4, placeholder: "把企业反映的问题粘贴到这里（简体、繁体均可）" });
  const enterprise = h("input", { id: "one-enterprise", type: "text", size: 30 });
  const oneResult = h("div", { id: "one-result" });
  const one = h("form", { class: "panel", id: "one-form", onsubmit: async (e) => {
    e.preventDefault();
    if (!text.value.trim()) return toast("请先填写诉求内容", true);
    try {
      const answer = await api("POST", "/api/v1/cases", {
        cases: [{ text: text.value, enterprise: enterprise.value.trim() || undefined, source: "分诊台录入" }],
        explain: true,
      });
      const c = answer.cases[0];
      const d = Object.assign({}, c.decision, { id: c.id, text: c.text });
      put(oneResult, table(DECISION_HEADERS, [decisionRow(d)]),
        h("p", { class: "small" }, "已登记为 ", h("b", {}, c.id), d.review ? "，已进入待复核。" : "，可在待复核中勾选“含未交办的自动分派案件”后交办。"));
      text.value = "";
      toast("已登记 " + c.id);
    } catch (error) {
      toast(error.message, true);
    }
  } },
  h("h2", {}, "单条分诊"),
  h("div", { class: "field" }, h("label", { for: "one-text" }, "诉求内容"), text),
  h("div", { class: "row" },
    h("div", { class: "field" }, h("label", { for: "one-enterprise" }, "企业名称（可不填）"), enterprise),
    h("button", { class: "primary", type: "submit" }, "分诊并登记")),
  oneResult);

  const textColumn = h("select", { id: "batch-text-column" }, h("option", { value: "text" }, "text"));
  const idColumn = h("select", { id: "batch-id-column" }, h("option", { value: "id" }, "id"), h("option", { value: "" }, "（无，按行号）"));
  const columnHint = h("p", { id: "batch-column-hint", class: "small muted" }, "选择文件后，这里列出文件第一行的列名，并自动选出诉求内容所在的列。");
  const file = h("input", { id: "batch-file", type: "file", accept: ".csv,.tsv,.xlsx,.xlsm,.jsonl,.txt", onchange: () => offerColumns(file, textColumn, idColumn, columnHint) });
  const status = h("div", { id: "batch-status", "aria-live": "polite" });
  const results = h("div", { id: "batch-results" });
  const past = h("div", { id: "batch-past" });
  const send = async (again) => {
    const chosen = file.files[0];
    const query = new URLSearchParams({ name: chosen.name, text_column: textColumn.value.trim() || "text", id_column: idColumn.value.trim() || "id" });
    if (again) query.set("again", "true");
    put(status, h("p", {}, "正在上传 " + chosen.name + " ……"));
    put(results);
    try {
      const job = await api("POST", "/api/v1/desk/batches?" + query, chosen, true);
      await followBatch(job.job, status, results);
      drawPastBatches(past, status, results);
    } catch (error) {
      if (error.status === 409 && error.data && error.data.earlier) return drawDuplicate(error.data.earlier, status, results, () => send(true));
      put(status, h("p", { class: "err", role: "alert" }, "导入失败：" + error.message));
    }
  };
  const batch = h("form", { class: "panel", id: "batch-form", onsubmit: async (e) => {
    e.preventDefault();
    if (!file.files.length) return toast("请先选择文件", true);
    await send(false);
  } },
  h("h2", {}, "批量导入"),
  h("p", { class: "muted small" }, "CSV、TSV、JSONL 或 Excel（XLSX）文件，第一行为列名；UTF-8 或 GBK 编码均可，自动识别。每行登记为一件诉求。"),
  h("div", { class: "row" },
    h("div", { class: "field" }, h("label", { for: "batch-file" }, "文件"), file),
    h("div", { class: "field" }, h("label", { for: "batch-text-column" }, "诉求内容列"), textColumn),
    h("div", { class: "field" }, h("label", { for: "batch-id-column" }, "编号列"), idColumn),
    h("button", { class: "primary", type: "submit", id: "batch-upload" }, "上传并分诊")),
  columnHint,
  status);
  put(main, h("div", { class: "cols" }, one, batch), results, past);
  drawPastBatches(past, status, results);
  if (desk.lastBatch) await followBatch(desk.lastBatch, status, results);
}

/** Reads the chosen file's header on the service and offers its columns, the guessed ones chosen. */
async function offerColumns(file, textColumn, idColumn, hint) {
  if (!file.files.length) return;
  const chosen = file.files[0];
  // A text table's header and first rows are in its first part; a workbook must be sent whole.
  const part = /\.xls[xm]$/i.test(chosen.name) ? chosen : chosen.slice(0, 256 * 1024);
  try {
    const guess = await api("POST", "/api/v1/desk/columns?" + new URLSearchParams({ name: chosen.name }), part, true);
    put(textColumn, guess.columns.map((c) => h("option", { value: c, selected: c === guess.text_column }, c)));
    put(idColumn, h("option", { value: "" }, "（无，按行号）"), guess.columns.map((c) => h("option", { value: c, selected: c === guess.id_column }, c)));
    if (!guess.id_column) idColumn.value = "";
    hint.textContent = guess.text_column
      ? `已自动选出诉求内容列“${guess.text_column}”` + (guess.id_column ? `、编号列“${guess.id_column}”` : "，文件没有编号列，按行号编号") + "；不对请在上面改选。"
      : "没能认出哪一列是诉求内容，请在上面选择。";
  } catch (error) {
    hint.textContent = "读不出这个文件的列名：" + error.message;
  }
}

const JOB_STATES = { running: "进行中", done: "完成", failed: "失败", interrupted: "已中断（服务重启）" };


/** The same file was uploaded before: say when, offer its earlier result, and store it again only if asked. */
function drawDuplicate(earlier, status, results, again) {
  const last = earlier[0];
  put(status, h("div", { id: "batch-duplicate", role: "alert", class: "warn" },
    h("p", {}, `这个文件已于 ${last.created_local} 由 ${last.actor} 上传过（批次 ${last.job}，登记 ${last.rows} 行）` +
      (earlier.length > 1 ? `，共上传过 ${earlier.length} 次` : "") + "。再次登记会把同样的诉求再存一遍。"),
    h("div", { class: "row" },
      h("button", { type: "button", id: "duplicate-open", onclick: () => followBatch(last.job, status, results) }, "查看上次的结果"),
      h("button", { type: "button", class: "danger", id: "duplicate-again", onclick: again }, "仍然再次登记"))));
}

/** The latest uploads, kept in the store: a restart forgets none. */
async function drawPastBatches(box, status, results) {
  let answer;
  try {
    answer = await api("GET", "/api/v1/desk/batches");
  } catch (error) {
    return put(box, h("p", { class: "err" }, error.message));
  }
  if (!answer.batches.length) return put(box);
  put(box, h("div", { class: "panel" }, h("h2", {}, "最近的批次"),
    h("div", { class: "scroll" }, table(["批次", "文件", "上传时间", "上传人", "状态", "已处理行数", ""], answer.batches.map((b) =>
      h("tr", { "data-job": b.job },
        h("td", {}, b.job), h("td", {}, b.name), h("td", {}, b.created_local), h("td", {}, b.actor),
        h("td", { class: "job-state " + b.state }, JOB_STATES[b.state] || b.state), h("td", { class: "num" }, b.rows),
        h("td", {}, h("button", { type: "button", class: "open-batch", onclick: () => followBatch(b.job, status, results) }, "查看"))))))));
}

/** Polls a batch until it is done, drawing its progress; then draws its summary and decisions. */
async function followBatch(jobId, status, results) {
  desk.lastBatch = jobId;
  const bar = h("progress", { id: "batch-progress", max: 100, value: 0, "aria-label": "导入进度" });
  const line = h("p", { id: "batch-line" }, "排队中……");
  put(status, bar, line);
  for (;;) {
    const job = await api("GET", "/api/v1/desk/batches/" + jobId);
    if (job.bytes_total) bar.value = Math.min(100, (100 * job.bytes_read) / job.bytes_total);
    line.textContent = `${job.name}：已处理 ${job.rows} 行` + (job.bytes_total ? `（已读 ${Math.round(bar.value)}%）` : "");
    if (job.state === "failed") {
      put(status, h("p", { class: "err", role: "alert" }, "导入失败：" + job.error));
      return;
    }
    if (job.state === "interrupted") {
      put(status, h("p", { id: "batch-interrupted", class: "err", role: "alert" },
        `${job.name}：上传被服务重启中断，已登记 ${job.rows} 行，其余未登记。请核对后只上传未登记的部分。`));
      if (job.summary) drawBatchResults(job, results);
      return;
    }
    if (job.state === "done") {
      bar.value = 100;
      put(status, bar, h("p", { id: "batch-done", class: "ok" }, `${job.name}：完成，共 ${job.summary.rows} 行。`));
      drawBatchResults(job, results);
      return;
    }
    if (desk.view !== "intake") return;
    await new Promise((r) => setTimeout(r, 300));
  }
}

function drawBatchResults(job, results) {
  const s = job.summary;
  const deadline = h("input", { id: "routed-deadline", type: "date", value: daysFromToday(10), required: true });
  const figures = h("div", { class: "figures" },
    h("div", { class: "figure" }, "共", h("b", { id: "fig-rows" }, s.rows)),
    h("div", { class: "figure" }, "自动分派", h("b", { id: "fig-routed" }, s.routed)),
    h("div", { class: "figure" }, "需复核", h("b", { id: "fig-review" }, s.review)),
    h("div", { class: "figure" }, "无法读取", h("b", { id: "fig-rejected" }, s.rejected)));
  const download = h("button", { type: "button", id: "download-sheet", onclick: () => downloadSheet(job) }, "下载交办单（Excel）");
  const assignStatus = h("div", { id: "assign-status", "aria-live": "polite" });
  const assign = h("button", { type: "button", class: "primary", id: "assign-routed", onclick: async () => {
    assign.disabled = true;
    try {
      const started = await api("POST", `/api/v1/desk/batches/${job.job}/assign-routed`, { deadline: deadline.value });
      const bar = h("progress", { id: "assign-progress", max: Math.max(1, started.total), value: 0, "aria-label": "交办进度" });
      const line = h("p", {}, `正在交办 ${started.total} 件……`);
      put(assignStatus, bar, line);
      for (;;) {
        const state = await api("GET", "/api/v1/desk/jobs/" + started.job);
        bar.value = state.gone_through;
        line.textContent = `已交办 ${state.assigned} / ${state.total} 件` + (state.skipped ? `，${state.skipped} 件已处理过，未改动` : "");
        if (state.state === "done") {
          put(assignStatus, h("p", { id: "assign-done", class: "ok" }, line.textContent + "。"));
          toast(`已交办 ${state.assigned} 件`);
          return;
        }
        if (state.state !== "running") throw new Error(state.error || JOB_STATES[state.state]);
        await new Promise((r) => setTimeout(r, 300));
      }
    } catch (error) {
      put(assignStatus, h("p", { class: "err", role: "alert" }, "交办未完成：" + error.message));
      assign.disabled = false;
    }
  } }, `自动分派的 ${s.routed} 件一键交办`);
  const byDepartment = table(["承办部门", "自动分派", "需复核"], s.departments.map((d) =>
    h("tr", {}, h("td", {}, d.name || "（无法判断）"), h("td", { class: "num" }, d.routed), h("td", { class: "num" }, d.review))));
  const rejects = job.rejects.length
    ? h("div", {}, h("h3", {}, "无法读取的行（未登记）"), h("ul", { id: "batch-rejects" }, job.rejects.map((r) => h("li", {}, `第 ${r.row} 行：${r.message}`))))
    : null;
  const rows = h("div", { id: "batch-rows" });
  put(results,
    h("div", { class: "cols-wide" },
      h("div", { class: "panel" }, h("h2", {}, "本批结果"), figures,
        h("div", { class: "row" }, download, h("div", { class: "field" }, h("label", { for: "routed-deadline" }, "办理期限"), deadline), assign),
        assignStatus,
        rejects),
      h("div", { class: "panel" }, h("h2", {}, "按部门"), h("div", { class: "scroll" }, byDepartment))),
    h("div", { class: "panel" }, h("h2", {}, "逐条结果"), rows));
  drawBatchRows(job.job, rows, 1);
}

async function drawBatchRows(jobId, box, page) {
  const perPage = 100;
  const answer = await api("GET", `/api/v1/desk/batches/${jobId}/rows?page=${page}&per_page=${perPage}`);
  const pages = Math.max(1, Math.ceil(answer.total / perPage));
  const pager = h("div", { class: "pager" },
    h("button", { type: "button", disabled: page <= 1, onclick: () => drawBatchRows(jobId, box, page - 1) }, "上一页"),
    h("span", {}, `第 ${page} / ${pages} 页，共 ${answer.total} 行`),
    h("button", { type: "button", disabled: page >= pages, onclick: () => drawBatchRows(jobId, box, page + 1) }, "下一页"));
  put(box, pager, table(DECISION_HEADERS, answer.rows.map(decisionRow)));
}

async function downloadSheet(job) {
  try {
    const response = await fetch(`/api/v1/desk/batches/${job.job}/sheet`, { headers: desk.token ? { Authorization: "Bearer " + desk.token } : {} });
    if (!response.ok) throw new Error(await response.text());
    const blob = await response.blob();
    const link = h("a", { href: URL.createObjectURL(blob), download: "交办单-" + job.name.replace(/\.[^.]*$/, "") + ".xlsx" });
    document.body.append(link);
    link.click();
    link.remove();
  } catch (error) {
    toast("下载失败：" + error.message, true);
  }
}

// ---- 待复核 (review queue) ---------------------------------------------------------------------------------

async function drawReview(main) {
  const withRouted = h("input", { id: "review-all", type: "checkbox", checked: desk.reviewAll || null, onchange: () => {
    desk.reviewAll = withRouted.checked;
    route();
  } });
  const queue = await api("GET", "/api/v1/desk/review" + (desk.reviewAll ? "?all=true" : ""));
  const head = h("div", { class: "row" },
    h("h2", { id: "review-count" }, `待复核 ${queue.total} 件`),
    h("span", { class: "muted" }, "退单的在前，其余按把握从低到高排列"),
    h("span", {}, withRouted, h("label", { for: "review-all", style: "font-weight:normal" }, " 含未交办的自动分派案件")));
  if (!queue.cases.length) {
    put(main, head, h("p", { class: "panel", id: "review-empty" }, "没有待复核的诉求。"));
    return;
  }
  const card = h("div", { class: "panel", id: "review-card" });
  const list = h("tbody", {});
  const state = { cases: queue.cases, index: 0 };
  const open = (i) => {
    state.index = i;
    for (const [j, tr] of [...list.children].entries()) tr.className = j === i ? "chosen" : "";
    drawReviewCard(card, state, () => route());
  };
  queue.cases.forEach((c, i) => list.append(h("tr", { "data-id": c.id },
    h("td", {}, h("button", { type: "button", onclick: () => open(i) }, c.id)),
    h("td", {}, c.state === "returned" ? h("span", { class: "tag returned" }, "退单") : percent(c.decision.confidence)),
    h("td", {}, (c.text || "").slice(0, 40)))));
  put(main, head, h("div", { class: "cols-wide" }, card,
    h("div", { class: "panel" }, h("h2", {}, "队列"), h("div", { class: "scroll" },
      h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "编号"), h("th", {}, "把握"), h("th", {}, "内容"))), list)))));
  open(0);
}

function drawReviewCard(card, state, done) {
  const c = state.cases[state.index];
  const d = c.decision || {};
  const options = [];
  if (d.label) options.push({ label: d.label, confidence: d.confidence, suggested: true });
  for (const alt of d.alternatives || []) if (alt.label !== "not_complaint") options.push(alt);
  let chosen = options.length ? options[0].label : null;
  const deadline = h("input", { id: "review-deadline", type: "date", value: daysFromToday(10), required: true });
  const choiceButtons = options.slice(0, 3).map((o, i) => {
    const cat = category(o.label);
    return h("button", { type: "button", class: "choice", "data-label": o.label, "aria-pressed": i === 0 ? "true" : "false", onclick: () => choose(o.label) },
      h("kbd", {}, String(i + 1)), h("span", {}, cat.name, " → ", cat.department || "（无承办部门）"),
      o.suggested ? h("span", { class: "tag auto" }, "模型建议") : null,
      h("span", { class: "p" }, percent(o.confidence)));
  });
  const picked = h("p", { id: "review-picked" });
  const choose = (label) => {
    chosen = label;
    for (const b of choiceButtons) b.setAttribute("aria-pressed", b.dataset.label === label ? "true" : "false");
    const cat = category(label);
    put(picked, "交办给：", h("b", {}, cat.department || "（无）"), "（类别：" + cat.name + "）",
      d.label && label !== d.label ? h("span", { class: "tag review" }, "改正了模型建议") : null);
  };
  const search = h("input", { id: "review-search", type: "search", placeholder: "输入类别或部门名称", autocomplete: "off" });
  const found = h("ul", { class: "search-results", id: "review-search-results" });
  search.addEventListener("input", () => {
    const q = search.value.trim();
    put(found);
    if (!q) return;
    for (const cat of desk.catalog.categories.filter((x) => x.label !== "not_complaint" && (x.name.includes(q) || x.department.includes(q) || x.label.includes(q))).slice(0, 12)) {
      found.append(h("li", {}, h("button", { type: "button", "data-label": cat.label, onclick: () => {
        choose(cat.label);
        search.value = "";
        put(found);
        confirmButton.focus();
      } }, cat.name, " → ", cat.department)));
    }
  });
  search.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      const first = found.querySelector("button");
      if (first) first.click();
    }
  });
  const next = () => {
    state.cases.splice(state.index, 1);
    if (!state.cases.length) return done();
    state.index = Math.min(state.index, state.cases.length - 1);
    done();
  };
  const confirmButton = h("button", { type: "button", class: "primary", id: "review-confirm", onclick: async () => {
    if (!chosen) return toast("请先选择承办部门", true);
    const cat = category(chosen);
    if (!cat.department_id) return toast("该类别没有承办部门，请另选", true);
    try {
      await api("POST", `/api/v1/cases/${encodeURIComponent(c.id)}/assign`, { department_id: cat.department_id, deadline: deadline.value, label: chosen });
      toast(`${c.id} 已交办给 ${cat.department}` + (d.label && chosen !== d.label ? "（改正了模型建议）" : "（采纳模型建议）"));
      next();
    } catch (error) {
      toast(error.message, true);
    }
  } }, "交办（Enter）");
  const notComplaint = h("button", { type: "button", class: "danger", id: "review-not-complaint", onclick: async () => {
    try {
      await api("POST", `/api/v1/desk/cases/${encodeURIComponent(c.id)}/not-complaint`, {});
      toast(`${c.id} 已按非诉求办结`);
      next();
    } catch (error) {
      toast(error.message, true);
    }
  } }, "不是诉求（N）");
  put(card,
    h("h2", {}, "诉求 ", h("span", { id: "review-id" }, c.id),
      c.state === "returned" ? h("span", { class: "tag returned" }, "退单 " + c.returns + " 次") : null),
    h("p", { class: "small muted" }, "收到：", day(c.received_at), c.enterprise ? "　企业：" + c.enterprise : "",
      d.review_reason ? "　复核原因：" + reviewReasonName(d.review_reason) : ""),
    c.return_reason ? h("p", { class: "small" }, h("b", {}, departmentName(c.returned_by_department) + " 退单理由："), c.return_reason) : null,
    h("div", { class: "case-text", id: "review-text" }, highlighted(c.text || "", d.reasons)),
    h("h3", {}, "选择承办部门"),
    h("div", { class: "choices", role: "group", "aria-label": "建议与备选" }, choiceButtons),
    picked,
    h("div", { class: "row" },
      h("div", { class: "field" }, h("label", { for: "review-deadline" }, "办理期限"), deadline),
      confirmButton, notComplaint),
    h("div", { class: "field search" }, h("label", { for: "review-search" }, "搜索其他类别或部门（/）"), search, found),
    h("p", { class: "keys" }, "快捷键：", h("kbd", {}, "1"), h("kbd", {}, "2"), h("kbd", {}, "3"), " 选择，", h("kbd", {}, "Enter"), " 交办，",
      h("kbd", {}, "/"), " 搜索，", h("kbd", {}, "N"), " 不是诉求"));
  if (chosen) choose(chosen);
  card.onkeydown = null;
  document.onkeydown = (e) => {
    if (desk.view !== "review" || !document.body.contains(card)) return;
    const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(e.target.tagName) && e.target.type !== "checkbox";
    if (typing || e.ctrlKey || e.altKey || e.metaKey) return;
    const n = Number(e.key);
    if (n >= 1 && n <= choiceButtons.length) {
      e.preventDefault();
      choiceButtons[n - 1].click();
      choiceButtons[n - 1].focus();
    } else if (e.key === "Enter" && e.target.tagName !== "BUTTON") {
      e.preventDefault();
      confirmButton.click();
    } else if (e.key === "Enter" && e.target.classList.contains("choice")) {
      e.preventDefault();
      confirmButton.click();
    } else if (e.key === "/") {
      e.preventDefault();
      search.focus();
    } else if (e.key === "n" || e.key === "N") {
      e.preventDefault();
      notComplaint.click();
    }
  };
  card.focus();
}

// ---- 督办 (board) ------------------------------------------------------------------------------------------

async function drawBoard(main) {
  const board = await api("GET", "/api/v1/desk/board");
  const departments = table(
    ["承办部门", h("th", { class: "num" }, "在办"), h("th", { class: "num" }, "超期"), h("th", { class: "num" }, "已办结"),
      h("th", { class: "num" }, "按期办结"), h("th", { class: "num" }, "办结天数中位数"), h("th", { class: "num" }, "退单"), h("th", { class: "num" }, "退单率")],
    board.departments.map((d) => h("tr", { "data-department": d.department_id, class: d.overdue ? "late" : "" },
      h("td", {}, d.department_name),
      h("td", { class: "num" }, d.open),
      h("td", { class: "num" }, d.overdue ? h("span", { class: "tag late" }, d.overdue) : 0),
      h("td", { class: "num" }, d.closed),
      h("td", { class: "num" }, d.closed_on_time),
      h("td", { class: "num" }, d.median_days_to_close === null ? "—" : d.median_days_to_close.toFixed(1)),
      h("td", { class: "num" }, d.returned),
      h("td", { class: "num" }, percent(d.returned_share)))));
  const overdue = board.overdue.length
    ? table(["编号", "承办部门", "期限", h("th", { class: "num" }, "超期天数"), "内容"], board.overdue.map((c) =>
      h("tr", { "data-id": c.id, class: "late" }, h("td", {}, c.id), h("td", {}, c.department_name), h("td", {}, day(c.deadline)),
        h("td", { class: "num" }, c.days_late), h("td", { class: "text" }, c.text))))
    : h("p", { class: "muted" }, "没有超期的诉求。");
  const returned = board.returned.length
    ? table(["编号", "退单部门", "退单理由", "退单时间", "内容"], board.returned.map((c) =>
      h("tr", { "data-id": c.id }, h("td", {}, c.id), h("td", {}, departmentName(c.returned_by_department)), h("td", {}, c.return_reason || "—"),
        h("td", {}, day(c.returned_at)), h("td", { class: "text" }, c.text))))
    : h("p", { class: "muted" }, "没有等待重新交办的退单。");
  const canDispatch = ["admin", "dispatcher"].includes(roleKind(desk.me.role));
  put(main,
    h("div", { class: "panel" }, h("h2", {}, "各部门办理情况"), h("p", { class: "small muted" }, `截至 ${board.now.slice(0, 16).replace("T", " ")}，共 ${board.cases} 件`),
      h("div", { id: "board-departments" }, departments)),
    h("div", { class: "cols" },
      h("div", { class: "panel" }, h("h2", {}, `超期清单（${board.overdue.length}）`), h("p", { class: "small muted" }, "按超期天数从多到少"), h("div", { id: "board-overdue", class: "scroll" }, overdue)),
      h("div", { class: "panel" }, h("h2", {}, `退单待重新交办（${board.returned.length}）`),
        canDispatch && board.returned.length ? h("p", {}, h("a", { href: "#review" }, "到待复核中重新交办 →")) : null,
        h("div", { id: "board-returned", class: "scroll" }, returned))));
}

// ---- 部门 (a department's own cases) ----------------------------------------------------------------------

async function drawDepartment(main) {
  const own = desk.me.department_id;
  let department = own || desk.department || "";
  const header = h("div", { class: "row" }, h("h2", {}, "本部门在办诉求"));
  if (!own) {
    const select = h("select", { id: "department-select", onchange: () => {
      desk.department = select.value;
      route();
    } }, h("option", { value: "" }, "请选择"), desk.catalog.departments.map((d) => h("option", { value: d.id, selected: d.id === department || null }, d.name)));
    header.append(h("div", { class: "field" }, h("label", { for: "department-select" }, "查看部门"), select));
  }
  if (!department) {
    put(main, header, h("p", { class: "panel muted" }, "请选择一个部门。"));
    return;
  }
  const list = await api("GET", `/api/v1/cases?state=assigned&department_id=${encodeURIComponent(department)}&per_page=500`);
  header.append(h("span", { class: "muted", id: "department-count" }, `${departmentName(department)}：${list.total} 件`));
  const cases = list.cases.slice().sort((a, b) => (a.deadline || "").localeCompare(b.deadline || ""));
  const rows = cases.map((c) => {
    const resolution = h("textarea", { id: "resolution-" + c.id, rows: 2, cols: 28 });
    const reason = h("input", { id: "return-reason-" + c.id, type: "text", size: 16 });
    const act = async (kind) => {
      try {
        if (kind === "close") {
          if (!resolution.value.trim()) return toast("请填写办理结果", true);
          await api("POST", `/api/v1/cases/${encodeURIComponent(c.id)}/close`, { resolution: resolution.value.trim() });
          toast(`${c.id} 已销号`);
        } else {
          if (!reason.value.trim()) return toast("请填写退单理由", true);
          await api("POST", `/api/v1/cases/${encodeURIComponent(c.id)}/return`, { reason: reason.value.trim() });
          toast(`${c.id} 已退回分诊台`);
        }
        route();
      } catch (error) {
        toast(error.message, true);
      }
    };
    return h("tr", { "data-id": c.id, class: c.overdue ? "late" : "" },
      h("td", {}, c.id, c.overdue ? h("div", {}, h("span", { class: "tag late" }, "已超期")) : null),
      h("td", { class: "text" }, h("div", {}, c.text), h("div", { class: "small muted" }, "类别：", c.category_name || "—")),
      h("td", { class: "num" }, day(c.deadline)),
      h("td", { class: "act" }, h("label", { for: "resolution-" + c.id, class: "small" }, "办理结果"), resolution,
        h("button", { type: "button", class: "primary", id: "close-" + c.id, onclick: () => act("close") }, "销号")),
      h("td", { class: "act" }, h("label", { for: "return-reason-" + c.id, class: "small" }, "退单理由"), reason,
        h("button", { type: "button", class: "danger", id: "return-" + c.id, onclick: () => act("return") }, "退单")));
  });
  put(main, header, h("div", { class: "panel" },
    rows.length ? table(["编号", "诉求内容", "期限", "销号", "不属本部门"], rows) : h("p", { id: "department-empty" }, "没有在办的诉求。")));
}

// ---- 模型 (model, admin) ------------------------------------------------------------------------------------

/** One line of plain words for each figure a dispatcher meets on the model's card. */
const EXPLAIN = {
  macro_f1: "各类别分得准不准的平均分，每个类别同等计入，越高越好。",
  auto_routed_share: "不经人工复核、直接分派的案件占多少。",
  auto_routed_precision: "直接分派的案件里分对了多少。",
  ece: "模型自称的把握与实际对的比例差多少，越小越可信（0.05 以下为好）。",
};

async function drawModel(main) {
  const model = await api("GET", "/api/v1/desk/model");
  const held = (model.card && model.card.held_out) || {};
  const perClass = (held.per_class || []).map((k) => h("tr", {},
    h("td", {}, category(k.label).name), h("td", { class: "num" }, percent(k.precision)), h("td", { class: "num" }, percent(k.recall)),
    h("td", { class: "num" }, percent(k.auto_routed_share)), h("td", { class: "num" }, percent(k.auto_routed_precision)), h("td", { class: "num" }, k.support)));
  const card = h("div", { class: "panel", id: "model-card" },
    h("h2", {}, "在用模型：版本 ", h("span", { id: "model-version" }, model.version)),
    h("p", { class: "small muted" }, `来源：${model.source}；训练数据：${model.card.trained_on}，${model.card.training_rows} 条`),
    h("div", { class: "figures" },
      h("div", { class: "figure" }, "宏平均 F1", h("b", {}, percent(held.macro_f1)), h("small", { class: "explain" }, EXPLAIN.macro_f1)),
      h("div", { class: "figure" }, "自动分派比例", h("b", {}, percent(held.auto_routed_share)), h("small", { class: "explain" }, EXPLAIN.auto_routed_share)),
      h("div", { class: "figure" }, "自动分派准确率", h("b", {}, percent(held.auto_routed_precision)), h("small", { class: "explain" }, EXPLAIN.auto_routed_precision)),
      h("div", { class: "figure" }, "校准误差 ECE", h("b", {}, held.ece === undefined ? "—" : held.ece.toFixed(3)), h("small", { class: "explain", id: "explain-ece" }, EXPLAIN.ece))),
    h("div", { class: "scroll" }, table(["类别", h("th", { class: "num" }, "准确率"), h("th", { class: "num" }, "召回率"), h("th", { class: "num" }, "自动分派比例"),
      h("th", { class: "num" }, "自动分派准确率"), h("th", { class: "num" }, "样本")], perClass)));
  const side = h("div", {});
  if (!model.registry) {
    side.append(h("div", { class: "panel" }, h("h2", {}, "版本库"),
      h("p", {}, "本服务使用固定的模型文件，没有版本库：重新训练与回退需要以 --model 版本库目录 启动服务。")));
  } else {
    const reg = model.registry;
    const statusNames = { active: "在用", retired: "已停用", refused: "未通过", pending: "待决定" };
    const rollbackTo = h("select", { id: "rollback-to" }, reg.versions.filter((v) => v.number !== reg.active && v.status !== "pending").map((v) =>
      h("option", { value: v.number }, `版本 ${v.number}（${statusNames[v.status] || v.status}）`)));
    const versions = table(["版本", "建立时间", "状态", "说明"], reg.versions.slice().reverse().map((v) =>
      h("tr", { "data-version": v.number }, h("td", {}, v.number), h("td", {}, v.created_at.slice(0, 16).replace("T", " ")),
        h("td", {}, statusNames[v.status] || v.status), h("td", { class: "small" }, v.reason))));
    const actionNames = { train: "训练", activate: "启用", promote: "启用", refuse: "未通过", decline: "不启用", hold: "待决定", rollback: "回退", prune: "清理" };
    const changes = table(["时间", "操作", "版本", "说明"], (reg.history || []).slice().reverse().map((e) =>
      h("tr", {}, h("td", {}, e.at.slice(0, 16).replace("T", " ")), h("td", {}, actionNames[e.action] || e.action),
        h("td", { class: "num" }, e.version), h("td", { class: "small" }, e.note))));
    const retrainBox = h("div", { id: "retrain-result", "aria-live": "polite" });
    const retrain = h("button", { type: "button", class: "primary", id: "retrain", onclick: async () => {
      retrain.disabled = true;
      try {
        const job = await api("POST", "/api/v1/desk/model/retrain", {});
        put(retrainBox, h("p", {}, "正在用已销号案件训练候选模型……"));
        for (;;) {
          await new Promise((r) => setTimeout(r, 400));
          const state = await api("GET", "/api/v1/desk/model/retrain/" + job.job);
          if (state.state === "running") continue;
          if (state.state === "failed") throw new Error(state.error);
          drawComparison(retrainBox, state.report);
          break;
        }
      } catch (error) {
        put(retrainBox, h("p", { class: "err", role: "alert" }, "重新训练失败：" + error.message));
      }
      retrain.disabled = false;
    } }, "用已销号案件重新训练");
    // Candidates left waiting (the page was closed before deciding) can be decided here too.
    const pending = reg.versions.filter((v) => v.status === "pending" && v.comparison).map((v) => {
      const advised = (v.reason || "").includes("would promote");
      return h("div", { class: "pending", "data-version": v.number },
        h("p", {}, `版本 ${v.number} 待决定：留出的 ${v.comparison.held_out_rows} 件上，宏平均 F1 ${percent(v.comparison.candidate_macro_f1)}，在用版本 ${v.comparison.against} 为 ${percent(v.comparison.active_macro_f1)}。`),
        h("div", { class: "row" },
          h("button", { type: "button", class: "primary", id: `promote-${v.number}`, onclick: () => decideVersion(v.number, advised, true) }, `启用版本 ${v.number}`),
          h("button", { type: "button", id: `decline-${v.number}`, onclick: () => decideVersion(v.number, advised, false) }, "不启用")));
    });
    side.append(h("div", { class: "panel" }, h("h2", {}, "重新训练"),
      pending,
      h("p", { class: "small muted" }, "候选模型在现有训练数据加上新销号案件上训练，并与在用模型在同一批留出的销号案件上比较；不比在用模型差才启用。"),
      retrain, retrainBox),
      h("div", { class: "panel" }, h("h2", {}, "版本库"), h("div", { class: "scroll", id: "model-versions" }, versions),
        h("h3", {}, "变更记录"), h("div", { class: "scroll", id: "model-history" }, changes),
        rollbackTo.children.length ? h("div", { class: "row" }, h("div", { class: "field" }, h("label", { for: "rollback-to" }, "回退到"), rollbackTo),
          h("button", { type: "button", class: "danger", id: "rollback", onclick: async () => {
            if (!confirm(`确定启用版本 ${rollbackTo.value}？`)) return;
            try {
              const done = await api("POST", "/api/v1/desk/model/rollback", { to: Number(rollbackTo.value) });
              toast(`已从版本 ${done.from} 回退到版本 ${done.to}`);
              route();
            } catch (error) {
              toast(error.message, true);
            }
          } }, "回退")) : null));
  }
  put(main, h("div", { class: "cols" }, card, side));
}

function drawComparison(box, report) {
  const c = report.comparison;
  const few = report.too_few_held_out;
  if (!c && few) {
    put(box, h("p", { id: "retrain-too-few" }, `留出比较的案件太少：${few.held_out} 件，至少需要 ${few.needed} 件（约 ${few.new_cases_needed} 件新销号案件）。未生成新版本，在用模型不变。`));
    return;
  }
  if (!c) {
    put(box, h("p", { id: "retrain-nothing" }, `没有可学习的新销号案件（已销号 ${report.selection.closed} 件，其中 ${report.selection.already_learned} 件已学过）。`));
    return;
  }
  const row = (name, a, b, fmt) => {
    const diff = b - a;
    return h("tr", {}, h("td", {}, name), h("td", {}, fmt(a)), h("td", {}, fmt(b)),
      h("td", { class: diff > 0 ? "up" : diff < 0 ? "down" : "" }, (diff > 0 ? "+" : "") + fmt(diff)));
  };
  const pct = (x) => (100 * x).toFixed(1) + "%";
  const rows = [
    row("宏平均 F1", c.active.macro_f1, c.candidate.macro_f1, pct),
    row("准确率", c.active.accuracy, c.candidate.accuracy, pct),
    row("自动分派比例", c.active.auto_routed_share, c.candidate.auto_routed_share, pct),
    row("自动分派准确率", c.active.auto_routed_precision, c.candidate.auto_routed_precision, pct),
    ...c.categories.map((k) => row(category(k.label).name + " 召回率（" + k.support + " 件）", k.active_recall, k.candidate_recall, pct)),
  ];
  const verdict = report.pending
    ? h("div", { id: "retrain-decision" },
      h("p", { id: "retrain-verdict", class: c.promoted ? "ok" : "err" }, c.promoted
        ? `候选版本 ${report.candidate_version} 不比在用模型差，规则建议启用。`
        : `规则建议不启用候选版本 ${report.candidate_version}：${refusalText(c)}`),
      h("div", { class: "row" },
        h("button", { type: "button", class: "primary", id: "promote", onclick: () => decideCandidate(report, true) }, `启用版本 ${report.candidate_version}`),
        h("button", { type: "button", id: "decline", onclick: () => decideCandidate(report, false) }, `不启用，继续用版本 ${report.active_version}`)))
    : c.promoted
      ? h("p", { class: "ok", id: "retrain-verdict" }, `候选版本 ${report.candidate_version} 不比在用模型差，已启用。`)
      : h("p", { class: "err", id: "retrain-verdict" }, `候选版本 ${report.candidate_version} 未启用：${refusalText(c)}`);
  put(box,
    h("p", { id: "retrain-held-out" }, `新销号案件 ${report.selection.learned + report.selection.held_out} 件：${report.selection.learned} 件用于学习，${report.selection.held_out} 件留出比较（两个模型都没学过）。`),
    h("p", { class: "small muted" }, "宏平均 F1：" + EXPLAIN.macro_f1 + " 召回率：该类别的案件有多少被分到了这一类。"),
    h("table", { class: "side-by-side", id: "comparison" },
      h("thead", {}, h("tr", {}, h("th", {}, "指标"), h("th", {}, `在用（版本 ${report.active_version}）`), h("th", {}, `候选（版本 ${report.candidate_version}）`), h("th", {}, "变化"))),
      h("tbody", {}, rows)),
    verdict);
}

/** The admin's decision on a pending candidate; the view is drawn again with the registry as it is now. */
function decideCandidate(report, promote) {
  return decideVersion(report.candidate_version, report.comparison.promoted, promote);
}

async function decideVersion(version, advised, promote) {
  if (promote && !advised && !confirm(`规则建议不启用版本 ${version}，仍要启用吗？`)) return;
  try {
    const done = await api("POST", "/api/v1/desk/model/decide", { version, promote });
    toast(promote ? `已启用版本 ${done.version}` : `版本 ${done.version} 未启用，继续使用版本 ${done.active}`);
    await route();
  } catch (error) {
    toast(error.message, true);
  }
}

start();
