// The owner's console: articles, what visitors ask, and teaching the assistant its misses.
// It talks to the admin API with the session cookie set at sign-in (never the token itself, which is sent
// once and not kept), and sends the session's CSRF token with every change. Text from articles and
// visitors goes into the page through textContent, never innerHTML, so markup in it stays inert.
"use strict";

const $ = (id) => document.getElementById(id);
const state = {csrf: null, replacing: null, teachPassages: []};
const KIND_NAMES = {high: "answered, high confidence", low: "answered, low confidence", not_found: "not found",
                    urgent: "urgent"};

/** Create an element with a class and, optionally, text. */
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

/** Create a button with a label and an action. */
function button(label, action, className = "secondary") {
  const node = el("button", className, label);
  node.type = "button";
  node.addEventListener("click", action);
  return node;
}

/** Call the API; return its JSON, or throw an Error carrying the API's own message. */
async function api(method, path, body) {
  const options = {method, credentials: "same-origin", headers: {}};
  if (method !== "GET") options.headers["X-CSRF-Token"] = state.csrf || "";
  if (body instanceof FormData) {
    options.body = body;
  } else if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, options);
  } catch (error) {
    throw new Error("the server cannot be reached; check the connection and try again");
  }
  const data = await response.json().catch(() => ({}));
  if (response.status === 401 && !path.startsWith("/api/console/")) showSignIn("Your session has ended; sign in again.");
  if (!response.ok) throw new Error(data.error || `the server answered ${response.status}`);
  return data;
}

/** Return "3 days", "1 passage": a count and its noun. */
function plural(count, noun) {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** Return a size in bytes for people. */
function size(bytes) {
  if (bytes === null || bytes === undefined) return "–";
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`;
}

/** Return an ISO time as the browser's local date and time. */
function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "–";
}

// -- Signing in and out --------------------------------------------------------------------------------------

function showSignIn(message) {
  state.csrf = null;
  $("tabs").hidden = true;
  for (const panel of document.querySelectorAll(".panel")) panel.hidden = true;
  $("sign-in").hidden = false;
  $("sign-in-error").textContent = message || "";
  $("token").focus();
}

function showConsole(csrf) {
  state.csrf = csrf;
  $("sign-in").hidden = true;
  $("tabs").hidden = false;
  showTab(location.hash.slice(1) || "articles");
}

async function signIn(event) {
  event.preventDefault();
  const token = $("token").value.trim();
  if (!token) {
    $("sign-in-error").textContent = "Type the admin token.";
    return;
  }
  try {
    const data = await api("POST", "/api/console/sign-in", {token});
    $("token").value = "";
    showConsole(data.csrf_token);
  } catch (error) {
    $("sign-in-error").textContent = `Not signed in: ${error.message}.`;
    $("token").select();
  }
}

async function signOut() {
  await api("DELETE", "/api/console/sign-in").catch(() => {});
  showSignIn("You are signed out.");
}

// -- Tabs ------------------------------------------------------------------------------------------------------

const LOADERS = {articles: loadArticles, visitors: loadVisitors, teach: loadTaught};

function showTab(name) {
  if (!LOADERS[name]) name = "articles";
  for (const tab of document.querySelectorAll(".tab")) tab.setAttribute("aria-pressed", String(tab.dataset.tab === name));
  for (const panel of document.querySelectorAll(".panel")) panel.hidden = panel.id !== name;
  history.replaceState(null, "", `#${name}`);
  LOADERS[name]();
}

// -- Articles --------------------------------------------------------------------------------------------------

async function loadArticles() {
  let data;
  try {
    data = await api("GET", "/api/documents");
  } catch (error) {
    setProgress(false, `The articles cannot be listed: ${error.message}.`);
    return;
  }
  const body = $("documents").tBodies[0];
  body.replaceChildren();
  for (const doc of data.documents) {
    const row = el("tr");
    const title = el("th", "", doc.title);
    title.scope = "row";
    row.append(title, cellOf("file", doc.source, "File"), cellOf("number", doc.passages, "Passages"),
               cellOf("number", size(doc.bytes), "Size"), cellOf("", when(doc.modified), "Last changed"));
    const address = cellOf("address", undefined, "Address");
    if (doc.url) {
      const link = el("a", "", doc.url);
      link.href = doc.url;
      link.rel = "noopener noreferrer";
      address.append(link);
    } else {
      address.textContent = "–";
    }
    const cell = el("td");
    const actions = el("div", "actions");
    cell.append(actions);
    actions.append(
      labelled(button("Preview", () => preview(doc.source)), `Preview ${doc.source}`),
      labelled(button("Replace", () => chooseReplacement(doc.source)), `Replace ${doc.source}`),
      labelled(button("Remove", () => removeDocument(doc)), `Remove ${doc.source}`));
    row.append(address, cell);
    body.append(row);
  }
  $("documents-caption").textContent =
    `${plural(data.documents.length, "article")}, ${plural(data.passages, "passage")}, indexed ${when(data.built_at)}`;
}

/** Create a table cell; `label` names its column where a narrow screen stacks the cells. */
function cellOf(className, text, label) {
  const cell = el("td", className, text);
  cell.dataset.label = label;
  return cell;
}

/** Give a control a label that says what it acts on (the visible text stays short). */
function labelled(node, label) {
  node.setAttribute("aria-label", label);
  return node;
}

function setProgress(busy, text) {
  $("progress-bar").hidden = !busy;
  $("progress-text").textContent = text;
}

/** Say what a change of the corpus did, in plain words. */
function outcome(verb, name, data) {
  const report = data.report;
  return `${verb} ${name}. The assistant now answers from ${plural(report.documents, "article")} ` +
         `(${plural(report.passages, "passage")}); reindexing took ${report.seconds.toFixed(1)} s.`;
}

function note(name, text, ok) {
  const item = el("li", ok ? "ok" : "refused");
  item.append(el("strong", "", ok ? "Done: " : "Refused: "), text);
  item.dataset.file = name;
  $("outcomes").prepend(item);
}

/** Upload files one after another, each followed by its reindex; a refusal changes nothing. */
async function upload(files, replaceName) {
  const list = [...files];
  for (const [i, file] of list.entries()) {
    const name = replaceName || file.name;
    setProgress(true, `Storing ${name} and reindexing (${i + 1} of ${list.length})…`);
    const form = new FormData();
    form.append("file", file, name);
    if (replaceName) form.append("replace", "true");
    try {
      const data = await api("POST", "/api/documents", form);
      note(name, outcome(replaceName ? "Replaced" : "Added", name, data), true);
    } catch (error) {
      note(name, `${name}: ${error.message}. Nothing was changed.`, false);
    }
  }
  setProgress(false, list.length ? `Finished: ${plural(list.length, "file")} handled; the results are below.` : "");
  await loadArticles();
}

function chooseReplacement(name) {
  state.replacing = name;
  $("replace-file").value = "";
  $("replace-file").click();
}

async function removeDocument(doc) {
  if (!(await confirmed(`Remove the article “${doc.title}” (file ${doc.source})? The assistant stops answering ` +
                        "from it once it is reindexed.", "Remove"))) return;
  setProgress(true, `Removing ${doc.source} and reindexing…`);
  try {
    const data = await api("DELETE", `/api/documents/${encodeURIComponent(doc.source)}`);
    note(doc.source, outcome("Removed", doc.source, data), true);
  } catch (error) {
    note(doc.source, `${doc.source}: ${error.message}. Nothing was changed.`, false);
  }
  setProgress(false, "");
  await loadArticles();
}

async function preview(name) {
  let data;
  try {
    data = await api("GET", `/api/documents/${encodeURIComponent(name)}`);
  } catch (error) {
    setProgress(false, `No preview: ${error.message}.`);
    return;
  }
  $("preview-title").textContent = `${data.title} (${data.source})`;
  $("preview-sections").textContent = data.sections.length
    ? `Sections: ${data.sections.join(" · ")}` : "No section headings.";
  const list = $("preview-passages");
  list.replaceChildren(...data.passages.map((passage) => passageItem(passage)));
  $("preview").hidden = false;
  $("preview").focus();
}

function passageItem(passage, score) {
  const item = el("li", "passage");
  const head = el("p", "passage-head");
  const where = passage.citation ? `${passage.citation.title}${passage.citation.section ? " › " + passage.citation.section : ""}`
    : (passage.section || "Before the first heading");
  head.append(el("span", "where", where));
  if (score !== undefined) head.append(el("span", "score", `score ${score.toFixed(3)}`));
  item.append(head, el("p", "passage-text", passage.text));
  return item;
}

/** Ask a yes-or-no question in the page's dialog; resolve to true for yes. */
function confirmed(text, yes) {
  const dialog = $("confirm");
  $("confirm-text").textContent = text;
  $("confirm-ok").textContent = yes;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), {once: true});
  });
}

// -- What visitors ask -----------------------------------------------------------------------------------------

async function loadVisitors() {
  const since = $("period").value;
  const asked = (state.visitorsAsked = (state.visitorsAsked || 0) + 1);  // an older, slower answer is dropped
  for (const name of ["daily", "unanswered", "feedback"]) $(`csv-${name}`).href = `/api/reports/${name}.csv?since=${since}`;
  $("visitors-error").textContent = "";
  try {
    const [daily, unanswered, feedback] = await Promise.all([
      api("GET", `/api/reports/daily?since=${since}`),
      api("GET", `/api/reports/unanswered?since=${since}&limit=50`),
      api("GET", `/api/reports/feedback?since=${since}&limit=20`)]);
    if (asked !== state.visitorsAsked) return;
    drawChart(daily);
    listUnanswered(unanswered.questions);
    listRatedDown(feedback.answers);
  } catch (error) {
    $("visitors-error").textContent = `The reports cannot be read: ${error.message}.`;
  }
}

/** Draw one stacked bar per day, its height the day's questions. */
function drawChart(daily) {
  const chart = $("chart");
  const totals = daily.days.map((day) => daily.kinds.reduce((sum, kind) => sum + day[kind], 0));
  const most = Math.max(1, ...totals);
  chart.replaceChildren();
  daily.days.forEach((day, i) => {
    const bar = el("div", "bar");
    bar.title = `${day.day}: ${plural(totals[i], "question")}` +
      daily.kinds.filter((kind) => day[kind]).map((kind) => `, ${day[kind]} ${KIND_NAMES[kind]}`).join("");
    const stack = el("div", "stack");
    stack.style.height = `${(100 * totals[i]) / most}%`;
    for (const kind of daily.kinds) {
      if (!day[kind]) continue;
      const part = el("div", `part ${kind}`);
      part.style.flexGrow = String(day[kind]);
      part.dataset.count = day[kind];
      stack.append(part);
    }
    bar.append(stack);
    chart.append(bar);
  });
  const sums = Object.fromEntries(daily.kinds.map((kind) => [kind, daily.days.reduce((s, d) => s + d[kind], 0)]));
  const total = totals.reduce((a, b) => a + b, 0);
  $("chart-axis").replaceChildren(el("span", "", daily.days[0].day), el("span", "", `most in a day: ${most}`),
                                  el("span", "", daily.days[daily.days.length - 1].day));
  $("chart-summary").textContent = `${plural(total, "question")} in ${plural(daily.days.length, "day")}: ` +
    daily.kinds.map((kind) => `${sums[kind]} ${KIND_NAMES[kind]}`).join(", ") + ".";
}

/** Empty a report's list; say `none` in it when there is nothing to list. */
function emptied(id, count, none) {
  const list = $(id);
  list.replaceChildren();
  if (!count) list.append(el("li", "hint", none));
  return list;
}

/** Return a report's list item, headed by its text in bold and a note of how many. */
function groupItem(title, counts) {
  const item = el("li", "group");
  const head = el("p", "group-head");
  head.append(el("strong", "", title), el("span", "count", ` ${counts}`));
  item.append(head);
  return item;
}

function teachButton(question) {
  return labelled(button("Teach", () => startTeaching(question), "small"), `Teach: ${question}`);
}

function listUnanswered(groups) {
  const list = emptied("unanswered", groups.length, "No unanswered questions in this period.");
  for (const group of groups) {
    const question = group.latest || group.question;
    const item = groupItem(question, `asked ${plural(group.count, "time")} (${group.not_found} not found, ` +
                                     `${group.low_confidence} low confidence), last ${when(group.last_asked)}`);
    if (group.variants.length > 1) {
      item.append(el("p", "variants", "Also asked as: " +
        group.variants.map((v) => `“${v.question}”${v.count > 1 ? ` ×${v.count}` : ""}`).join(", ")));
    }
    item.append(teachButton(question));
    list.append(item);
  }
}

function listRatedDown(answers) {
  const list = emptied("rated-down", answers.length, "No answer was rated down in this period.");
  for (const answer of answers) {
    const item = groupItem(answer.answer, `${answer.down} down, ${answer.up} up`);
    const questions = el("ul", "questions");
    for (const asked of answer.questions) {
      const line = el("li", "", `“${asked.question}”${asked.count > 1 ? ` ×${asked.count}` : ""} `);
      line.append(teachButton(asked.question));
      questions.append(line);
    }
    item.append(questions);
    if (answer.comments.length) {
      const comments = el("ul", "comments");
      comments.setAttribute("aria-label", "Visitors' comments");
      for (const comment of answer.comments) comments.append(el("li", "", comment));
      item.append(el("p", "hint", "Visitors' comments:"), comments);
    }
    list.append(item);
  }
}

// -- Teach ----------------------------------------------------------------------------------------------------

function startTeaching(question) {
  showTab("teach");
  $("teach-question").value = question;
  searchPassages();
  $("teach-question").focus();
}

async function searchPassages(event) {
  if (event) event.preventDefault();
  const question = $("teach-question").value.trim();
  const message = $("teach-message");
  $("teach-save").disabled = true;
  if (!question) {
    message.textContent = "Type the visitor's question first.";
    return;
  }
  message.textContent = "Searching…";
  let data;
  try {
    data = await api("GET", `/api/passages?k=10&q=${encodeURIComponent(question)}`);
  } catch (error) {
    message.textContent = `No search: ${error.message}.`;
    return;
  }
  const answered = new Set(data.answer.passages.map((passage) => passage.id));
  const list = $("teach-passages");
  list.replaceChildren();
  data.passages.forEach((passage, i) => {
    const item = passageItem(passage, passage.score);
    const radio = el("input");
    radio.type = "radio";
    radio.name = "teach-passage";
    radio.value = passage.id;
    radio.id = `teach-passage-${i}`;
    radio.addEventListener("change", () => { $("teach-save").disabled = false; });
    const label = el("label", "", `Rank ${i + 1}${answered.has(passage.id) ? ", in today's answer" : ""}`);
    label.htmlFor = radio.id;
    item.prepend(el("p", "pick"));
    item.firstChild.append(radio, label);
    list.append(item);
  });
  $("teach-choices").hidden = false;
  message.textContent = `${plural(data.passages.length, "passage")} found, best first. Pick the one that answers it.`;
  $("try-question").value = question;
  showTry(data, "Now");
}

async function saveTaught() {
  const question = $("teach-question").value.trim();
  const chosen = document.querySelector('input[name="teach-passage"]:checked');
  if (!question || !chosen) return;
  $("teach-save").disabled = true;
  $("teach-message").textContent = "Saving and reindexing…";
  try {
    await api("POST", "/api/taught", {question, passage: chosen.value});
  } catch (error) {
    $("teach-message").textContent = `Not saved: ${error.message}.`;
    $("teach-save").disabled = false;
    return;
  }
  $("teach-message").textContent = `Saved: “${question}” now leads to the passage you picked.`;
  $("teach-choices").hidden = true;
  await Promise.all([loadTaught(), tryQuestion(question, "After teaching")]);
}

async function saveNotAnswered() {
  const question = $("teach-question").value.trim();
  if (!question) {
    $("teach-message").textContent = "Type the visitor's question first.";
    return;
  }
  $("teach-message").textContent = "Saving and reindexing…";
  try {
    await api("POST", "/api/taught", {question, not_answered: true});
  } catch (error) {
    $("teach-message").textContent = `Not saved: ${error.message}.`;
    return;
  }
  $("teach-message").textContent = `Saved: “${question}” is not answered by the articles; questions like it now ` +
                                   "get “no good match”.";
  $("teach-choices").hidden = true;
  await Promise.all([loadTaught(), tryQuestion(question, "After teaching")]);
}

async function tryQuestion(question, when) {
  if (!question) return;
  try {
    showTry(await api("GET", `/api/passages?k=5&q=${encodeURIComponent(question)}`), when);
  } catch (error) {
    $("try-result").replaceChildren(el("p", "error", `No answer: ${error.message}.`));
  }
}

/** Show what a question gets: the engine's answer and the passages' scores. */
function showTry(data, label) {
  const result = $("try-result");
  const answer = data.answer;
  const verdict = answer.urgent ? "urgent-care advice" : !answer.found ? "not found"
    : `answered, ${answer.confidence} confidence`;
  result.replaceChildren(el("p", "try-head", `${label}: “${data.question}” is ${verdict}.`),
                         el("blockquote", "try-answer", answer.answer));
  const list = el("ol", "passages");
  for (const passage of data.passages.slice(0, 5)) list.append(passageItem(passage, passage.score));
  result.append(list);
}

async function loadTaught() {
  let data;
  try {
    data = await api("GET", "/api/taught");
  } catch (error) {
    $("teach-message").textContent = `The taught questions cannot be listed: ${error.message}.`;
    return;
  }
  const list = $("taught");
  list.replaceChildren(...data.taught.map(taughtItem));
  $("taught-empty").hidden = data.taught.length > 0;
}

function taughtItem(taught) {
  const lost = !taught.not_answered && !taught.passages.length;
  const item = el("li", lost ? "taught-item lost" : "taught-item");
  item.append(el("p", "taught-question", `“${taught.question}”`));
  item.append(el("p", "hint", taught.not_answered ? "Not answered by the articles: the assistant says so." :
                                                    `Answered by ${taught.source}: “${taught.quote}”`));
  if (lost) {
    item.append(el("p", "error", "Its quote is no longer in the article, so it leads nowhere: edit it to another " +
                                 "passage by teaching it again, or remove it."));
  }
  const edit = el("form", "inline-form");
  const input = el("input");
  input.id = `taught-${taught.id}`;
  input.value = taught.question;
  input.maxLength = 1000;
  const label = el("label", "", "Wording");
  label.htmlFor = input.id;
  const save = el("button", "secondary", "Save the wording");
  save.type = "submit";
  edit.append(label, input, save);
  edit.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const anchor = taught.not_answered ? {not_answered: true} : {source: taught.source, quote: taught.quote};
      await api("PUT", `/api/taught/${taught.id}`, {question: input.value, history: taught.history, ...anchor});
      $("teach-message").textContent = `Saved the new wording “${input.value.trim()}”.`;
    } catch (error) {
      $("teach-message").textContent = `Not saved: ${error.message}.`;
    }
    await loadTaught();
  });
  item.append(edit, labelled(button("Remove", async () => {
    if (!(await confirmed(`Remove the taught question “${taught.question}”?`, "Remove"))) return;
    try {
      await api("DELETE", `/api/taught/${taught.id}`);
      $("teach-message").textContent = `Removed “${taught.question}”.`;
    } catch (error) {
      $("teach-message").textContent = `Not removed: ${error.message}.`;
    }
    await loadTaught();
  }), `Remove the taught question: ${taught.question}`));
  return item;
}

// -- Start -----------------------------------------------------------------------------------------------------

function wireDropZone() {
  const drop = $("drop");
  for (const type of ["dragenter", "dragover"]) {
    drop.addEventListener(type, (event) => { event.preventDefault(); drop.classList.add("over"); });
  }
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    upload(event.dataTransfer.files);
  });
}

document.addEventListener("DOMContentLoaded", async () => {
  $("sign-in-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", signOut);
  for (const tab of document.querySelectorAll(".tab")) tab.addEventListener("click", () => showTab(tab.dataset.tab));
  $("choose-files").addEventListener("click", () => $("upload").click());
  $("upload").addEventListener("change", () => upload($("upload").files).then(() => { $("upload").value = ""; }));
  $("replace-file").addEventListener("change", () => upload($("replace-file").files, state.replacing));
  $("close-preview").addEventListener("click", () => { $("preview").hidden = true; });
  $("period-form").addEventListener("submit", (event) => { event.preventDefault(); loadVisitors(); });
  $("teach-form").addEventListener("submit", searchPassages);
  $("teach-save").addEventListener("click", saveTaught);
  $("teach-not-answered").addEventListener("click", saveNotAnswered);
  $("try-form").addEventListener("submit", (event) => {
    event.preventDefault();
    tryQuestion($("try-question").value.trim(), "Now");
  });
  wireDropZone();
  try {
    const session = await api("GET", "/api/console/sign-in");
    if (session.signed_in) showConsole(session.csrf_token);
    else showSignIn();
  } catch (error) {
    showSignIn(`The console cannot reach the server: ${error.message}.`);
  }
});
