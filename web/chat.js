// The chat page: sends questions to /api/answer and shows the cited answers.
// Every piece of text from the user or the articles goes into the page through
// textContent or text nodes, never innerHTML, so markup in it stays inert.
"use strict";

const MAX_HISTORY = 10;
const SHORT_TITLE = 40;  // characters; a longer title is cut at its colon or dash in citations
// Words too common to be worth highlighting in a passage.
const COMMON = new Set((
  "about after again also and any are because been before but can could did does doing done for from get gets " +
  "got had has have how into its just like make more most much not off once one only other our out over own " +
  "same should some such than that the their them then there these they this those through too under until " +
  "very was were what when where which while who whom why will with would you your yours"
).split(" "));

const $ = (id) => document.getElementById(id);
const chat = {history: [], controller: null, opening: 0};

/** Create an element with a class and, optionally, text. */
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Return the question's informative words, cut to a rough stem so "stretching" finds "stretches". */
function highlightStems(question) {
  const words = question.toLowerCase().match(/[\p{L}\p{N}]+/gu) || [];
  const stems = words
    .filter((word) => word.length > 2 && !COMMON.has(word))
    .map((word) => word.replace(/(ings|ing|ed|es|s)$/, ""))
    .filter((stem) => stem.length > 2);
  return [...new Set(stems)];
}

/** Return a fragment of `text` with the words that start with one of `stems` in <mark>. */
function highlighted(text, stems) {
  const fragment = document.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(/[\p{L}\p{N}]+/gu)) {
    const word = match[0].toLowerCase();
    if (!stems.some((stem) => word.startsWith(stem))) continue;
    fragment.append(text.slice(last, match.index), el("mark", "", match[0]));
    last = match.index + match[0].length;
  }
  fragment.append(text.slice(last));
  return fragment;
}

/** Return the example questions of the welcome screen. */
function exampleQuestions() {
  return [...document.querySelectorAll("#welcome .example")].map((button) => button.textContent);
}

/** Return a list of example-question buttons that ask when clicked. */
function exampleList() {
  const list = el("ul", "examples");
  for (const question of exampleQuestions()) {
    const button = el("button", "example", question);
    button.type = "button";
    const item = el("li");
    item.append(button);
    list.append(item);
  }
  return list;
}

/** Return a text's lines as paragraphs (the owner's contact line follows the urgent-care or fallback text). */
function paragraphs(text) {
  return text.split("\n").map((line) => el("p", "", line));
}

/** Add a message to the conversation and return it. */
function addMessage(className, ...children) {
  const item = el("li", `message ${className}`);
  item.append(...children);
  $("messages").append(item);
  $("welcome").hidden = true;
  return item;
}

/** Show the user's question in the conversation. */
function showQuestion(question) {
  const bubble = el("p", "bubble");
  bubble.append(el("span", "visually-hidden", "You asked: "), question);
  return addMessage("from-user", bubble);
}

/** Show one result object from the API. */
function showAnswer(result, question) {
  const body = el("article", "answer");
  body.setAttribute("aria-label", "Answer");
  if (result.urgent) {
    const banner = el("div", "urgent");
    banner.setAttribute("role", "alert");
    banner.append(el("strong", "urgent-title", "Get medical help now"), ...paragraphs(result.answer));
    body.append(banner);
  } else if (result.found) {
    body.append(el("p", "best", result.answer));
    if (result.confidence === "low") {
      body.append(el("p", "low-confidence", "These passages may not answer your question exactly."));
    }
  } else {
    const fallback = el("div", "fallback");
    fallback.append(...paragraphs(result.answer), el("p", "", "You could ask:"), exampleList());
    body.append(fallback);
  }
  if (result.passages.length) body.append(passageList(result.passages, highlightStems(question)));
  body.append(el("p", "disclaimer", result.disclaimer));
  if (result.answer_id) body.append(ratingRow(result.answer_id));  // null: the server records nothing
  return addMessage("from-assistant", body);
}

/** Return the thumbs up / down under an answer; a thumbs down then offers a comment box. */
function ratingRow(answerId) {
  const row = el("div", "rating");
  row.setAttribute("role", "group");
  row.setAttribute("aria-label", "Rate this answer");
  const buttons = [["up", "Helpful"], ["down", "Not helpful"]].map(([rating, label]) => {
    const button = el("button", `rate rate-${rating}`);
    button.type = "button";
    button.setAttribute("aria-label", label);
    button.title = label;
    button.append(el("span", "rate-icon"));  // a CSS background: the page's only <img>s would be injected ones
    button.addEventListener("click", () => rate(row, answerId, rating, buttons));
    return button;
  });
  row.append(el("span", "rating-prompt", "Was this helpful?"), ...buttons);
  return row;
}

/** Send a rating; after a thumbs down, offer a comment box; then thank the reader. */
async function rate(row, answerId, rating, buttons) {
  buttons.forEach((button) => { button.disabled = true; });
  try {
    await sendRating({answer_id: answerId, rating});
  } catch (error) {
    row.replaceChildren(el("p", "rating-error", `Your rating could not be sent: ${error.message}`));
    return;
  }
  if (rating === "up") {
    row.replaceChildren(el("p", "rating-thanks", "Thank you for your feedback."));
    return;
  }
  const form = el("form", "rating-comment");
  const label = el("label", "", "Thank you. What was wrong or missing? (optional)");
  const box = el("textarea");
  Object.assign(box, {maxLength: 1000, rows: 2, name: "comment"});
  label.append(box);
  const send = el("button", "secondary", "Send");
  send.type = "submit";
  form.append(label, send);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const comment = box.value.trim();
    send.disabled = true;
    try {
      if (comment) await sendRating({answer_id: answerId, rating, comment});
      row.replaceChildren(el("p", "rating-thanks", "Thank you for your feedback."));
    } catch (error) {
      send.disabled = false;
      form.append(el("p", "rating-error", `Your comment could not be sent: ${error.message}`));
    }
  });
  row.replaceChildren(form);
  // Scroll the conversation alone (focus() would scroll the whole page too) to show the taller form.
  const hidden = form.getBoundingClientRect().bottom - $("chat").getBoundingClientRect().bottom;
  if (hidden > 0) $("chat").scrollBy({top: hidden + 16});
  box.focus({preventScroll: true});
}

/** POST a rating to /api/feedback; throw an Error with the server's reason when it is refused. */
async function sendRating(body) {
  const response = await fetch("/api/feedback", {
    method: "POST",
    headers: {"Content-Type": "application/json", "Accept": "application/json"},
    body: JSON.stringify(body),
  });
  if (response.ok) return;
  const data = await response.json().catch(() => ({}));
  throw new Error(data.error || `the server answered ${response.status}`);
}

/** Return the passages as a numbered list, each quoting its text and citing its article. */
function passageList(passages, stems) {
  const list = el("ol", "passages");
  list.setAttribute("aria-label", "Passages from the articles");
  passages.forEach((passage, i) => {
    const item = el("li", "passage");
    const quote = el("blockquote", "passage-text");
    quote.append(highlighted(passage.text, stems));
    const citation = passage.citation;
    const section = citation.section !== citation.title ? citation.section : null;  // an article's first heading
    const cite = el("button", "citation");
    cite.type = "button";
    cite.append(el("span", "citation-number", `[${i + 1}]`), " ", el("span", "citation-title", shortTitle(citation.title)));
    if (section) cite.append(el("span", "citation-section", ` › ${section}`));
    cite.title = citation.title + (section ? ` › ${section}` : "");  // in full on hover, and in the reader
    cite.setAttribute("aria-label", `Source ${i + 1}: open ${citation.title}` +
      (section ? `, section ${section}` : "") + ", at this passage");
    cite.dataset.citation = JSON.stringify(citation);
    item.append(quote, cite);
    list.append(item);
  });
  return list;
}

/** Return a long title up to its colon or dash, for a citation on one line: "Ultimate Guide to the Iliopsoas: What it
 * does, why it hurts..." becomes "Ultimate Guide to the Iliopsoas". The stylesheet cuts what is still too long. */
function shortTitle(title) {
  const cut = title.search(/:\s|\s[-–—|]\s/);
  return title.length > SHORT_TITLE && cut > 0 ? title.slice(0, cut) : title;
}

/** Show a problem (bad request, network) in the conversation. */
function showError(message) {
  const note = el("p", "", message);
  const item = addMessage("from-assistant error", note);
  item.setAttribute("role", "alert");
  return item;
}

/** Mark the chat as waiting for an answer, or not. */
function setBusy(busy) {
  $("send").disabled = busy;
  $("messages").setAttribute("aria-busy", String(busy));
  $("status").textContent = busy ? "Looking through the articles…" : "";
  document.body.classList.toggle("busy", busy);
}

/** Scroll a message into view, gently unless the reader prefers less motion. */
function reveal(node) {
  const smooth = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  node.scrollIntoView({block: "start", behavior: smooth ? "smooth" : "auto"});
}

/** Send a question with the chat's earlier questions, and show the answer. */
async function ask(question) {
  question = question.trim();
  if (!question || chat.controller) return;
  const box = $("question");
  box.value = "";
  resizeBox();
  showQuestion(question);
  const controller = new AbortController();
  chat.controller = controller;
  setBusy(true);
  let shown;
  try {
    const response = await fetch("/api/answer", {
      method: "POST",
      headers: {"Content-Type": "application/json", "Accept": "application/json"},
      body: JSON.stringify({question, history: chat.history.slice(-MAX_HISTORY)}),
      signal: controller.signal,
    });
    const data = await response.json().catch(() => ({error: `The server answered ${response.status}.`}));
    if (response.ok) {
      shown = showAnswer(data, question);
      chat.history.push(question);
    } else {
      shown = showError(data.error || `The server answered ${response.status}.`);
    }
  } catch (error) {
    if (error.name === "AbortError") return;  // a new chat was started meanwhile
    shown = showError("Could not reach the server. Check that it is running, then try again.");
  } finally {
    if (chat.controller === controller) {
      chat.controller = null;
      setBusy(false);
    }
  }
  reveal(shown.previousElementSibling || shown);  // the question, with its answer below it
}

/** Clear the conversation and its history, and show the welcome screen again. */
function newChat() {
  if (chat.controller) chat.controller.abort();
  chat.controller = null;
  setBusy(false);
  chat.history = [];
  $("messages").replaceChildren();
  $("welcome").hidden = false;
  $("question").value = "";
  resizeBox();
  $("question").focus();
}

/** Fetch an article by its id (each time: a reindex may have changed it since the last look). */
async function fetchSource(id) {
  const response = await fetch(`/api/sources/${encodeURIComponent(id)}`, {headers: {"Accept": "application/json"}});
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || `The server answered ${response.status}.`);
  return data;
}

/** Open the cited article in the reader, with the passage highlighted and scrolled into view. */
function openCitation(button) {
  openArticle(JSON.parse(button.dataset.citation), button);
}

/** Open the article that the page's address names: /?source=ID&start=N&end=N (the links in /v1/ replies). */
function openLinkedArticle() {
  const params = new URLSearchParams(window.location.search);
  const source = params.get("source");
  if (!source) return;
  const [start, end] = ["start", "end"].map((name) => Number.parseInt(params.get(name), 10) || 0);
  openArticle({source, start, end}, $("question"));
}

/** Open an article ({source, start, end}, title and section when known) with [start, end) highlighted. */
async function openArticle(citation, returnFocusTo) {
  const dialog = $("article");
  const text = $("article-text");
  $("article-title").textContent = citation.title || "Article";
  $("article-section").textContent = citation.section || "";
  $("article-origin").replaceChildren();
  text.replaceChildren(el("p", "status", "Opening the article…"));
  dialog.returnFocusTo = returnFocusTo;
  if (!dialog.open) dialog.showModal();
  const ticket = ++chat.opening;  // only the latest click may fill the reader
  try {
    const source = await fetchSource(citation.source);
    if (ticket !== chat.opening) return;
    $("article-title").textContent = citation.title || source.title;
    const {blocks, cited} = articleBlocks(source, citation.start, citation.end);
    text.replaceChildren(...blocks);
    if (/^https?:\/\//i.test(source.url || "")) {  // never a javascript: URL from a corpus file
      const link = el("a", "", "Read the original article");
      Object.assign(link, {href: source.url, rel: "noopener noreferrer", target: "_blank"});
      $("article-origin").append(link);
    }
    if (cited) {
      cited.tabIndex = -1;
      cited.scrollIntoView({block: "center"});
      cited.focus({preventScroll: true});
    }
  } catch (error) {
    if (ticket === chat.opening) text.replaceChildren(el("p", "error", `Could not open the article: ${error.message}`));
  }
}

/** Return an article's lines as headings and paragraphs, the cited span [start, end) in <mark>s, and the first mark. */
function articleBlocks(source, start, end) {
  const blocks = [];
  const headings = new Map((source.headings || []).map((heading) => [heading.start, heading.text]));
  let cited = null;
  let offset = source.body_start || 0;
  for (const line of source.text.slice(offset).split("\n")) {
    const lineStart = offset;
    const lineEnd = offset + line.length;
    offset = lineEnd + 1;
    if (!line.trim()) continue;
    if (headings.has(lineStart)) {  // never cited: no passage holds a heading
      blocks.push(el("h3", "article-heading", headings.get(lineStart)));
      continue;
    }
    const paragraph = el("p");
    const from = Math.max(start, lineStart);
    const to = Math.min(end, lineEnd);
    if (from < to) {
      const mark = el("mark", "cited", source.text.slice(from, to));
      paragraph.append(source.text.slice(lineStart, from), mark, source.text.slice(to, lineEnd));
      cited = cited || mark;
    } else {
      paragraph.append(line);
    }
    blocks.push(paragraph);
  }
  return {blocks, cited};
}

/** Grow the question box with its text, up to the height the stylesheet allows. */
function resizeBox() {
  const box = $("question");
  box.style.height = "auto";
  box.style.height = `${box.scrollHeight}px`;
}

document.addEventListener("DOMContentLoaded", () => {
  const box = $("question");
  $("ask").addEventListener("submit", (event) => {
    event.preventDefault();
    ask(box.value);
  });
  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ask(box.value);
    }
  });
  box.addEventListener("input", resizeBox);
  $("new-chat").addEventListener("click", newChat);
  // One listener for every example and citation button, present and future.
  document.addEventListener("click", (event) => {
    const example = event.target.closest("button.example");
    if (example) ask(example.textContent);
    const citation = event.target.closest("button.citation");
    if (citation) openCitation(citation);
  });
  const dialog = $("article");
  $("close-article").addEventListener("click", () => dialog.close());
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close();  // a click on the backdrop
  });
  dialog.addEventListener("close", () => dialog.returnFocusTo && dialog.returnFocusTo.focus());
  box.focus();
  openLinkedArticle();
});
