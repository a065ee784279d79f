// The assistant on another website: <script src="https://ASSISTANT/widget.js" async></script> adds a launcher
// button that opens a panel with the chat. The launcher and panel live in a shadow root (the page's CSS cannot
// reach them); the chat itself is an iframe of ASSISTANT/embed, which only the websites in
// ASSISTANT_EMBED_ORIGINS may frame; any other gets a notice in the panel instead. Nothing more is loaded until
// the launcher is first clicked.
// Options, as data- attributes of the script tag: title, launcher, position (bottom-right, bottom-left),
// accent (#rrggbb), welcome, question-1 to question-3.
(() => {
  "use strict";
  const script = document.currentScript;
  if (!script || window.iliopsoasAssistant) return;  // the snippet pasted twice: one launcher
  window.iliopsoasAssistant = true;
  const server = new URL(script.src).origin;
  const data = script.dataset;
  const option = (name, fallback, limit) => (data[name] || "").trim().slice(0, limit) || fallback;
  const title = option("title", "Ask about your hip flexors", 80);
  const accent = /^#(?:[0-9a-f]{3}){1,2}$/i.test(data.accent || "") ? data.accent : "#1f5f8b";
  const ink = readableOn(accent);
  const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
  const STYLE = `
:host { all: initial !important; }
* { box-sizing: border-box; }
button { font: 600 15px/1.2 ${FONT}; cursor: pointer; border-radius: 8px; min-height: 40px; padding: 0 12px;
  border: 1px solid currentColor; background: transparent; color: inherit; margin: 0; text-transform: none;
  letter-spacing: normal; box-shadow: none; width: auto; }
button:focus-visible { outline: 3px solid #f2a900; outline-offset: 2px; }
.launcher { position: fixed; bottom: 20px; right: 20px; z-index: 2147483646; min-height: 48px; padding: 0 20px;
  border: 0; border-radius: 24px; font-size: 16px; background: ${accent}; color: ${ink};
  box-shadow: 0 4px 16px rgb(0 0 0 / .25); }
.panel { position: fixed; bottom: 84px; right: 20px; z-index: 2147483647; width: 400px;
  height: min(640px, calc(100vh - 104px)); display: flex; flex-direction: column; overflow: hidden;
  background: #fff; color: #1d2430; border-radius: 12px; box-shadow: 0 8px 32px rgb(0 0 0 / .3);
  font: 16px/1.5 ${FONT}; text-align: left; }
.left .launcher, .left .panel { right: auto; left: 20px; }
.panel[hidden], [hidden] { display: none !important; }
.head { display: flex; align-items: center; gap: 8px; padding: 8px 8px 8px 16px; background: ${accent}; color: ${ink}; }
.head h2 { flex: 1; margin: 0; font: 600 17px/1.3 ${FONT}; color: inherit; }
iframe { flex: 1; display: block; width: 100%; border: 0; margin: 0; background: #f6f7f9; }
.notice { margin: 0; padding: 16px; font: 16px/1.5 ${FONT}; color: #1d2430; }
@media (max-width: 480px) {
  .panel, .left .panel { inset: 0; width: auto; height: auto; border-radius: 0; }
}`;

  /** Return black or white ink, whichever reads better on a #rgb or #rrggbb colour (WCAG relative luminance). */
  function readableOn(colour) {
    const hex = colour.length === 4 ? colour.replace(/\w/g, "$&$&") : colour;
    const [r, g, b] = [1, 3, 5].map((i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    return (1.05 / (luminance + 0.05)) >= 4.5 ? "#ffffff" : "#1d2430";
  }

  /** Create an element with attributes and, optionally, text. */
  function el(tag, attributes, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    if (text) node.textContent = text;
    return node;
  }

  /** Return the address of the chat, with the options it shows itself and this website's origin. */
  function chatAddress() {
    const params = new URLSearchParams({origin: window.location.origin, title, accent, ink});
    if (data.welcome) params.set("welcome", option("welcome", "", 500));
    for (const n of [1, 2, 3]) {
      const question = option(`question-${n}`, "", 200);
      if (question) params.append("q", question);
    }
    return `${server}/embed?${params}`;
  }

  const host = document.createElement("iliopsoas-assistant");
  const root = host.attachShadow({mode: "open"});
  const frame = el("div", {class: data.position === "bottom-left" ? "left" : "right"});
  const launcher = el("button", {type: "button", class: "launcher", "aria-expanded": "false",
    "aria-controls": "panel", "aria-haspopup": "dialog"}, option("launcher", "Ask a question", 40));
  const panel = el("div", {id: "panel", class: "panel", role: "dialog", "aria-labelledby": "panel-title"});
  const heading = el("h2", {id: "panel-title"}, title);
  const newChat = el("button", {type: "button", hidden: ""}, "New chat");
  const close = el("button", {type: "button", "aria-label": "Close the chat"}, "Close");
  const head = el("div", {class: "head"});
  panel.hidden = true;
  head.append(heading, newChat, close);
  panel.append(head);
  frame.append(launcher, panel);
  if ("adoptedStyleSheets" in root) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLE);
    root.adoptedStyleSheets = [sheet];
  } else {
    root.append(el("style", {}, STYLE));
  }
  root.append(frame);

  let iframe = null;
  let ready = false;
  let refused = false;

  /** Tell the chat in the iframe to do something ("focus", "new-chat"). */
  function tell(type) {
    if (ready) iframe.contentWindow.postMessage({type}, server);
  }

  /** Move the keyboard into the chat's question box. */
  function focusChat() {
    iframe.focus();
    tell("focus");
  }

  /** Replace the chat with a notice that it cannot be used here: `said` when the server said so, else a guess. */
  function refuse(said) {
    if (refused) return;
    refused = true;
    iframe.remove();
    newChat.hidden = true;
    const origin = window.location.origin;
    panel.append(el("p", {class: "notice", role: "alert"}, said
      ? "This website is not allowed to show the assistant. " +
        `If the website is yours, add ${origin} to ASSISTANT_EMBED_ORIGINS on the assistant's server.`
      : "The assistant could not be opened on this website. If the website is yours, check that the assistant's " +
        `server is running and that its ASSISTANT_EMBED_ORIGINS lists ${origin} and any page that frames this one.`));
    close.focus();
  }

  /** Load the chat into the panel, the first time it opens. */
  function loadChat() {
    iframe = el("iframe", {src: chatAddress(), title});
    iframe.addEventListener("load", () => {
      // The chat says "ready" before its frame's load event; silence means the browser refused to frame it here.
      setTimeout(() => { if (!ready) refuse(false); }, 1000);
    });
    panel.append(iframe);
  }

  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    if (!iframe) loadChat();
    if (ready) focusChat();
    else close.focus();
  }

  function shut() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  window.addEventListener("message", (event) => {
    if (!iframe || event.source !== iframe.contentWindow || event.origin !== server) return;
    const type = event.data && event.data.type;
    if (type === "ready") {
      ready = true;
      newChat.hidden = false;
      if (!panel.hidden) focusChat();
    } else if (type === "refused") {
      refuse(true);
    } else if (type === "close" && !panel.hidden) {
      shut();
    }
  });
  launcher.addEventListener("click", () => (panel.hidden ? open() : shut()));
  close.addEventListener("click", shut);
  newChat.addEventListener("click", () => tell("new-chat"));
  root.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !panel.hidden) shut();
  });

  const attach = () => document.body.append(host);
  if (document.body) attach();
  else document.addEventListener("DOMContentLoaded", attach);
})();
